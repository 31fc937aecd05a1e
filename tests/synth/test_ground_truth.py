"""The ground truth's guarantee: on the generated data, each model's criterion as
docs/synth.md states it (written here in plain DuckDB SQL, or through the legal kernel)
is met by exactly the planted records, and by no near-miss."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path

import pytest

from tests.synth.conftest import AS_OF, views
from tests.synth.kernel import kernel_hits

CRITERIA = {
    "parole_prohibited": """
        select c.change_id from sentence_changes c join judgments j using (judgment_id)
        where c.change_type = '假释' and (j.recidivist or (
            list_has_any(string_split(j.crimes, '；'), ['故意杀人罪', '强奸罪', '抢劫罪', '绑架罪',
                '放火罪', '爆炸罪', '投放危险物质罪'])
            and (j.principal_penalty in ('无期徒刑', '死刑缓期二年执行') or j.term_months >= 120)))
    """,
    "parole_min_served": """
        with delivery as (
            select judgment_id, min(admission_date) as delivered from custody_records
            where custody_type = '服刑' group by judgment_id
        )
        select c.change_id from sentence_changes c join judgments j using (judgment_id)
        join delivery d using (judgment_id)
        where c.change_type = '假释' and (
            (j.principal_penalty = '有期徒刑' and c.proposal_date < (
                d.delivered + to_months(j.term_months // 2)
                + to_days(15 * (j.term_months % 2) - 1
                          - coalesce(d.delivered - j.pretrial_detention_date, 0)))::date)
            or (j.principal_penalty = '无期徒刑'
                and c.proposal_date < (j.effective_date + interval 13 year - interval 1 day)::date))
    """,
    "property_unpaid_reduction": """
        with unpaid as (
            select judgment_id, sum(coalesce(amount_due_yuan, 0) - amount_paid_yuan) as owed
            from property_judgments where status in ('未执行', '部分执行') group by judgment_id
        ), months as (
            select c.change_id, strptime(a.month, '%Y-%m')::date as month, a.spend_yuan,
                   a.balance_yuan, date_trunc('month', c.proposal_date)::date as proposal_month
            from sentence_changes c join prison_accounts a using (id_number)
        ), spend as (
            select change_id, avg(spend_yuan) as average from months
            where month >= proposal_month - interval 6 month and month < proposal_month
            group by change_id
        ), balance as (
            select change_id, balance_yuan from months
            where month = proposal_month - interval 1 month
        )
        select c.change_id from sentence_changes c join unpaid u using (judgment_id)
        left join spend s using (change_id) left join balance b using (change_id)
        where c.change_type in ('减刑', '假释') and coalesce(c.basis, '') not like '%重大立功%'
          and (s.average >= 800 or b.balance_yuan >= u.owed)
    """,
    "medical_parole_review_overdue": """
        with reviews as (
            select c.case_id, max(m.review_date) as last_review
            from community_corrections c left join medical_reviews m
              on m.id_number = c.id_number and m.review_date >= c.start_date
            group by c.case_id
        )
        select c.case_id from community_corrections c
        join sentence_changes s on s.change_id = c.change_id join reviews r using (case_id)
        where c.correction_type = '暂予监外执行' and c.status = '在矫'
          and s.medical_reason = '严重疾病'
          and ((coalesce(r.last_review, c.start_date) + interval 3 month)::date < $as_of
               or exists (
                   select 1 from medical_reviews m
                   where m.id_number = c.id_number and m.conclusion = '情形消失'
                     and m.review_date >= c.start_date
                     and not exists (
                         select 1 from correction_events e
                         where e.case_id = c.case_id and e.event_type = '提请收监'
                           and e.event_date >= m.review_date)))
    """,
    "overdue_release": """
        with latest as (
            select judgment_id, arg_max(new_term_end, decision_date) as changed_end
            from sentence_changes where change_type in ('减刑', '无期减为有期徒刑')
            group by judgment_id
        )
        select r.record_id from custody_records r join judgments j using (judgment_id)
        left join latest l using (judgment_id)
        where r.custody_type in ('服刑', '留所服刑') and r.status = '在押'
          and (r.current_term_end is distinct from coalesce(l.changed_end, j.term_end)
               or coalesce(l.changed_end, j.term_end) < $as_of)
    """,
    "detention_center_retention": """
        select r.record_id from custody_records r join judgments j using (judgment_id)
        join facilities f using (facility_code)
        where f.facility_type = '看守所' and r.execution_notice_date is not null and (
            (r.custody_type = '留所服刑'
             and j.term_end >= (r.execution_notice_date + interval 3 month)::date)
            or (r.custody_type = '未决羁押'
                and (j.principal_penalty in ('无期徒刑', '死刑缓期二年执行')
                     or j.term_end >= (r.execution_notice_date + interval 3 month)::date)
                and coalesce(r.release_date, $as_of) - r.execution_notice_date > 30))
    """,
    "over_term_detention": """
        select s.stage_id from detention_stages s
        where s.stage_end is null and s.deadline < $as_of
          and not exists (select 1 from detention_stages t
                          where t.detention_id = s.detention_id and t.stage_start > s.stage_start)
    """,
    "corrections_late_registration": """
        select c.case_id from community_corrections c
        where c.correction_type in ('管制', '缓刑', '假释')
          and coalesce(c.registration_date, $as_of) - c.decision_effective_date > 10
          and not exists (select 1 from correction_events e
                          where e.case_id = c.case_id and e.event_type in ('训诫', '警告'))
    """,
    "corrections_unauthorized_travel": """
        select t.record_id from travel_records t join community_corrections c using (id_number)
        where t.event_time::date between c.start_date
              and least(coalesce(c.status_date, c.end_date), $as_of)
          and t.region_code <> c.agency_region_code
          and not exists (select 1 from correction_events e
                          where e.case_id = c.case_id and e.event_type = '外出批准'
                            and t.event_time::date between e.event_date and e.end_date)
    """,
    "corrections_new_offence": """
        select m.record_id
        from enforcement_measures m join community_corrections c using (id_number)
        where m.measure_type in ('刑事拘留', '逮捕', '行政拘留', '强制隔离戒毒')
          and m.start_date between c.start_date and coalesce(c.status_date, c.end_date)
          and (m.notified_corrections_agency is distinct from true
               or (m.measure_type in ('刑事拘留', '逮捕') and not exists (
                   select 1 from correction_events e
                   where e.case_id = c.case_id and e.event_date >= m.start_date
                     and e.event_type in ('提请撤销缓刑', '提请撤销假释', '提请收监'))))
    """,
    "benefits_while_imprisoned": """
        with payments as (
            select *, strptime(month, '%Y-%m')::date as first_day from benefit_payments
        )
        select p.id_number || '|' || p.benefit_type || '|' || p.month || '|' || p.kind
        from payments p
        where (p.kind = '发放' and p.benefit_type in ('城镇职工基本养老金', '城乡居民基本养老金',
                   '机关事业单位养老金', '最低生活保障金', '特困人员供养金')
               and exists (select 1 from custody_records r
                           where r.id_number = p.id_number
                             and r.custody_type in ('服刑', '留所服刑')
                             and r.admission_date <= p.first_day
                             and (r.release_date is null
                                  or r.release_date >= last_day(p.first_day))))
           or (p.kind = '基数调整'
               and exists (select 1 from community_corrections c
                           where c.id_number = p.id_number and c.start_date <= p.first_day
                             and coalesce(c.status_date, c.end_date) >= last_day(p.first_day)))
    """,
    "dead_still_supervised": """
        select r.record_id from custody_records r
        where r.status = '在押' and exists (
            select 1 from deaths d where d.id_number = r.id_number and d.death_date <= $as_of)
        union all
        select c.case_id from community_corrections c
        where c.status = '在矫' and exists (
            select 1 from deaths d where d.id_number = c.id_number and d.death_date <= $as_of)
    """,
}


def planted(folder: Path) -> dict[str, set[str]]:
    truth: dict[str, set[str]] = defaultdict(set)
    with (folder / "ground_truth.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            truth[row["model_id"]].add(row["key"])
    return truth


def near_misses(folder: Path) -> dict[str, set[str]]:
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    found: dict[str, set[str]] = defaultdict(set)
    for row in manifest["near_misses"]:
        found[row["model_id"]].add(row["key"])
    return found


def sql_hits(folder: Path, model: str) -> set[str]:
    con = views(folder)
    rows = con.execute(CRITERIA[model], {"as_of": AS_OF} if "$as_of" in CRITERIA[model] else {})
    return {str(r[0]) for r in rows.fetchall()}


@pytest.mark.parametrize("model", sorted(CRITERIA))
def test_sql_criterion_hits_exactly_the_planted_records(tiny: Path, model: str) -> None:
    # given the tiny province with 3 planted cases and 1 near-miss per model
    truth = planted(tiny)[model]
    assert len(truth) == 3
    # when the model's criterion runs on the files
    hits = sql_hits(tiny, model)
    # then it finds the planted records and nothing else, no near-miss among them
    assert hits == truth
    assert len(near_misses(tiny)[model]) == 1
    assert not hits & near_misses(tiny)[model]


@pytest.mark.parametrize("model", ["reduction_timing_amount", "parole_eligible_not_proposed"])
def test_kernel_criterion_hits_exactly_the_planted_changes(tiny: Path, model: str) -> None:
    hits = kernel_hits(views(tiny), model)
    assert hits == planted(tiny)[model]
    assert not hits & near_misses(tiny)[model]


def test_small_scale_ground_truth(small: Path) -> None:
    """The demo scale: every model, precision and recall 1.0, no near-miss hit."""
    truth, near = planted(small), near_misses(small)
    for model in CRITERIA:
        hits = sql_hits(small, model)
        assert (model, hits) == (model, truth[model])
        assert not hits & near[model]
    con = views(small)
    for model in ("reduction_timing_amount", "parole_eligible_not_proposed"):
        assert kernel_hits(con, model) == truth[model]
