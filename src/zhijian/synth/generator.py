"""``generate(config)``: the whole province, then the planted anomalies, then the files
and the manifest."""

from __future__ import annotations

import csv
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from zhijian.synth import benefits, corrections, detention, sentences
from zhijian.synth import custody as custody_module
from zhijian.synth.accounts import add_accounts
from zhijian.synth.anomalies import MODELS, Plant, Truth, plant_all
from zhijian.synth.config import Config, stream
from zhijian.synth.dirty import make_dirty
from zhijian.synth.facilities import add_facilities, add_staff
from zhijian.synth.people import PersonFactory, Population, make_population
from zhijian.synth.sentences import NAT, add_judgments, add_property_judgments, draw_offenders
from zhijian.synth.tables import Tables
from zhijian.synth.video import add_video

OFFENDER_SHARE = 0.12
# The thresholds the planted cases were built against (docs/synth.md).
PARAMETERS = {
    "property_unpaid_reduction": {
        "monthly_spend_average_yuan": 800,
        "lookback_months": 6,
        "or_balance_at_least_unpaid": True,
    },
    "medical_parole_review_overdue": {"review_interval_months": 3},
    "corrections_late_registration": {"report_within_days": 10},
    "detention_center_retention": {"remaining_months": 3, "delivery_within_days": 30},
}


@dataclass
class Manifest:
    data: dict[str, Any] = field(default_factory=dict)

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(self.data, ensure_ascii=False, indent=2) + "\n", "utf-8")


class Progress:
    """Progress lines on stderr: what is being made and the seconds so far."""

    def __init__(self, quiet: bool = False) -> None:
        self._started = time.perf_counter()
        self._quiet = quiet

    def __call__(self, message: str) -> None:
        if not self._quiet:
            elapsed = time.perf_counter() - self._started
            sys.stderr.write(f"[{elapsed:7.1f}s] {message}\n")
            sys.stderr.flush()


def generate(config: Config, *, quiet: bool = False) -> dict[str, Any]:
    """Write every file into ``config.out``; returns the manifest."""
    if config.dirty and config.format != "csv":
        raise ValueError("脏数据只写 CSV 文件：--dirty 只能与 --format csv 一起使用")
    progress = Progress(quiet)
    config.out.mkdir(parents=True, exist_ok=True)
    tables = Tables(config.out, config.format)
    progress("参考数据：场所、工作人员")
    add_facilities(tables)
    add_staff(tables, stream(config, "staff"), config.as_of.year)
    progress(f"人口：{config.scale.people:,} 人")
    population = make_population(stream(config, "people"), config.scale.people, config.as_of)
    progress("判决与财产性判项")
    offenders = draw_offenders(
        stream(config, "offenders"), population, OFFENDER_SHARE, config.as_of
    )
    add_judgments(tables, offenders, population)
    add_property_judgments(tables, stream(config, "property"), offenders, population, config.as_of)
    progress("交付执行、刑罚变更、收押与出所")
    custody = custody_module.place(stream(config, "custody"), offenders, population)
    changes = custody_module.change_sentences(
        stream(config, "changes"), offenders, custody, config.as_of
    )
    custody_module.add_changes(tables, changes, offenders, custody, population)
    custody_module.add_custody_records(tables, offenders, custody, population, config.as_of)
    add_accounts(tables, stream(config, "accounts"), offenders, custody, population, config.as_of)
    progress("羁押期限台账与强制措施")
    busy = np.zeros(len(population), bool)
    busy[offenders.person] = True
    pending_people = _pick(stream(config, "pending"), population, busy, 0.01)
    busy[pending_people] = True
    for chains, who in (
        (detention.offender_chains(offenders), offenders),
        (
            detention.pending_chains(
                stream(config, "pending-chains"), pending_people, config.as_of
            ),
            None,
        ),
    ):
        detention.add_stages(tables, chains, population)
        detention.add_measures(tables, chains, population, who)
    detention.add_pending_custody(tables, chains, population)
    progress("社区矫正")
    cases = corrections.make_cases(stream(config, "cases"), offenders, custody, config.as_of)
    corrections.add_cases(tables, cases, offenders, custody, population)
    corrections.add_events(
        tables, stream(config, "events"), cases, offenders, population, config.as_of
    )
    corrections.add_medical_reviews(tables, cases, offenders, population, config.as_of)
    corrections.add_bystander_records(
        tables, stream(config, "bystanders"), population, busy, config.as_of
    )
    progress("监控点位、录像与监管事件")
    add_video(tables, stream(config, "video"), config.as_of)
    progress("死亡登记与待遇发放")
    death = benefits.draw_deaths(stream(config, "deaths"), population, busy, config.as_of)
    benefits.add_deaths(tables, stream(config, "death-sources"), population, death)
    blocks = _blocks(population, offenders, custody, cases, death)
    benefits.add_payments(
        tables, stream(config, "payments"), population, blocks, config.as_of, progress
    )
    progress("植入异常与临界样本")
    plant = Plant(
        tables,
        stream(config, "anomalies"),
        config.as_of,
        PersonFactory(stream(config, "anomaly-people")),
    )
    plant_all(plant, config.planted_per_model, config.near_misses_per_model)
    counts = tables.close()
    _write_truth(config.out / "ground_truth.csv", plant.truths)
    manifest = {
        "scale": config.scale.name,
        "seed": config.seed,
        "as_of": config.as_of.isoformat(),
        "format": config.format,
        "rows": counts,
        "planted": {model: sum(1 for t in plant.truths if t.model_id == model) for model in MODELS},
        "near_misses": [t.to_json() for t in plant.near_misses],
        "parameters": PARAMETERS,
    }
    if config.dirty:
        progress("脏数据：GBK 编码的文件与问题行")
        people = [t.id_number for t in [*plant.truths, *plant.near_misses]]
        manifest["dirty"] = make_dirty(config.out, stream(config, "dirty"), people)
    Manifest(manifest).write(config.out / "manifest.json")
    progress("完成")
    return manifest


def _pick(
    rng: np.random.Generator, population: Population, busy: NDArray[np.bool_], share: float
) -> NDArray[np.int64]:
    """About ``share`` of the people not yet in any case, aged 20 to 60."""
    age = (np.datetime64("2025-01-01") - population.birth).astype(np.int64) / 365.25
    free = np.flatnonzero(~busy & (age >= 20) & (age <= 60))
    count = min(len(free), max(1, round(share * len(population))))
    return np.sort(rng.choice(free, count, replace=False))


def _blocks(
    population: Population,
    offenders: sentences.Offenders,
    custody: custody_module.Custody,
    cases: corrections.Cases,
    death: NDArray[np.datetime64],
) -> benefits.Blocks:
    """Months each person spent wholly in custody or in community corrections."""
    blocks = benefits.Blocks.empty(len(population))
    held = custody.prison >= 0
    admitted = np.where(
        held, custody.delivery, np.where(custody.retained, offenders.detention, NAT)
    )
    left = np.where(held | custody.retained, custody.release, NAT)
    rows = np.flatnonzero(held | custody.retained)
    first, last = benefits.full_months(admitted[rows], left[rows])
    blocks.custody_first[offenders.person[rows]] = first
    blocks.custody_last[offenders.person[rows]] = last
    first, last = benefits.full_months(cases.start, cases.last_active)
    person = offenders.person[cases.offender]
    # A parolee has two spans (custody, then corrections): one array each, no overlap.
    blocks.corrections_first[person] = first
    blocks.corrections_last[person] = last
    return benefits.Blocks(
        blocks.custody_first,
        blocks.custody_last,
        blocks.corrections_first,
        blocks.corrections_last,
        death,
    )


def _write_truth(path: Path, truths: list[Truth]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["model_id", "id_number", "key", "description"])
        for truth in truths:
            writer.writerow([truth.model_id, truth.id_number, truth.key, truth.description])
