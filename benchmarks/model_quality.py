"""Model quality on the synthetic province: every model's hits against the ground truth
the generator planted from the law, independently of the models.

    .venv/bin/python benchmarks/model_quality.py [--scale small] [--seed 1] [--keep DIR]

Prints, per model: planted cases, hits, true positives, precision, recall, and how many
lawful near-misses were wrongly hit. The goal is precision 1.0 and recall 1.0 for every
model and no near-miss hit.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import date
from pathlib import Path

from zhijian.supervision.engine import run_models
from zhijian.supervision.results import Hit
from zhijian.supervision.spec import load_library
from zhijian.warehouse.ingest import import_directory
from zhijian.warehouse.workspace import Workspace

Case = tuple[str, str]  # (id_number, key as the generator wrote it)


def generate(out: Path, scale: str, seed: int) -> None:
    command = [
        sys.executable,
        "-m",
        "zhijian",
        "synth",
        "generate",
        "--scale",
        scale,
        "--seed",
        str(seed),
        "--out",
        str(out),
    ]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


def planted(path: Path) -> dict[str, set[Case]]:
    cases: dict[str, set[Case]] = defaultdict(set)
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            cases[row["model_id"]].add((row["id_number"], row["key"]))
    return cases


def near_misses(manifest: Path) -> dict[str, set[Case]]:
    data = json.loads(manifest.read_text(encoding="utf-8"))
    cases: dict[str, set[Case]] = defaultdict(set)
    for item in data.get("near_misses", []):
        cases[item["model_id"]].add((item["id_number"], str(item["key"])))
    return cases


def matches(hit: Hit, case: Case) -> bool:
    """A hit is the planted case when the person is the same and every part of the
    generator's key is among the hit's key values."""
    id_number, key = case
    values = {hit.id_number, *hit.key.values()}
    return hit.id_number == id_number and all(part in values for part in key.split("|"))


def score(hits: tuple[Hit, ...], truth: set[Case], near: set[Case]) -> dict[str, float | int]:
    true_positive = sum(1 for case in truth if any(matches(h, case) for h in hits))
    correct_hits = sum(1 for h in hits if any(matches(h, case) for case in truth))
    near_hit = sum(1 for case in near if any(matches(h, case) for h in hits))
    return {
        "planted": len(truth),
        "hits": len(hits),
        "true_positive": true_positive,
        "precision": correct_hits / len(hits) if hits else 1.0,
        "recall": true_positive / len(truth) if truth else 1.0,
        "near_miss_hits": near_hit,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", default="small")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path)
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="zhijian-quality-"))
    data = folder / "data"
    started = time.perf_counter()
    generate(data, args.scale, args.seed)
    manifest = json.loads((data / "manifest.json").read_text(encoding="utf-8"))
    as_of = date.fromisoformat(manifest["as_of"])
    workspace = Workspace(folder / "home")
    import_directory(data, workspace=workspace)
    seconds = time.perf_counter() - started
    print(f"generated and imported {args.scale} (seed {args.seed}) in {seconds:.0f} s")
    truth = planted(data / "ground_truth.csv")
    near = near_misses(data / "manifest.json")
    results = run_models(load_library(), as_of, workspace=workspace)
    print(
        f"{'model':32} {'planted':>7} {'hits':>6} {'TP':>5} {'precision':>9} {'recall':>7} "
        f"{'near-miss hit':>13}"
    )
    for result in results:
        figures = score(
            result.hits, truth.get(result.model_id, set()), near.get(result.model_id, set())
        )
        error = f"  ERROR {result.error}" if result.error else ""
        print(
            f"{result.model_id:32} {figures['planted']:>7} {figures['hits']:>6} "
            f"{figures['true_positive']:>5} {figures['precision']:>9.3f} {figures['recall']:>7.3f} "
            f"{figures['near_miss_hits']:>13}{error}"
        )


if __name__ == "__main__":
    main()
