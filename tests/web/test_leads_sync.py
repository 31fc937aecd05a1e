"""``sync_run``: a model run's hits become leads, once each, and are never deleted."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.db import connection

from tests.web.hits import AS_OF, FACILITY, MODEL_ID, hit, id_number, run_result
from zhijian.web.leads import actions
from zhijian.web.leads.actions import sync_run
from zhijian.web.leads.models import Lead, LeadEvent, ModelRun

pytestmark = pytest.mark.django_db

MaxQueries = Callable[[int], AbstractContextManager[Any]]


def lead_of(serial: int) -> Lead:
    return Lead.objects.get(id_number=id_number(serial))


def events_of(serial: int) -> list[tuple[str, str, str, int | None]]:
    return [
        (e.from_status, e.to_status, e.reason, e.run_id)
        for e in LeadEvent.objects.filter(lead__id_number=id_number(serial))
    ]


def test_new_hits_become_leads_awaiting_assignment() -> None:
    run = sync_run(run_result([hit(1), hit(2), hit(3)]))

    assert (run.hit_count, run.new_count, run.dropped_count) == (3, 3, 0)
    assert run.complete is True
    assert run.error == ""
    assert run.table_versions == {"sentence_changes": 7, "judgments": None}
    lead = lead_of(1)
    assert lead.status == Lead.Status.TO_ASSIGN
    assert (lead.model_id, lead.name, lead.facility_code) == (MODEL_ID, "测试人员1", FACILITY)
    assert (lead.first_seen_run, lead.last_seen_run, lead.dropped_by_run) == (run, run, None)
    assert lead.key == {"change_id": "JX000001"}
    assert lead.evidence == {
        "interval_months": 11,
        "required_months": 12,
        "ruling_date": "2025-03-01",
    }
    assert lead.fingerprint == hit(1).fingerprint
    assert lead.as_of == AS_OF
    assert events_of(1) == [("", "待分派", "新线索", run.pk)]
    assert LeadEvent.objects.count() == 3
    assert LeadEvent.objects.get(lead=lead).actor is None


def test_rerunning_the_same_result_adds_no_lead() -> None:
    first = sync_run(run_result([hit(1), hit(2)]))
    second = sync_run(run_result([hit(1), hit(2)]))

    assert (second.hit_count, second.new_count, second.dropped_count) == (2, 0, 0)
    assert Lead.objects.count() == 2
    assert LeadEvent.objects.count() == 2
    lead = lead_of(1)
    assert (lead.first_seen_run, lead.last_seen_run) == (first, second)
    assert lead.status == Lead.Status.TO_ASSIGN


def test_a_rerun_brings_message_evidence_and_date_up_to_date() -> None:
    sync_run(run_result([hit(1), hit(2)]))
    later = AS_OF.replace(month=9)
    sync_run(run_result([hit(1, interval_months=10, as_of=later), hit(2)]))

    lead = lead_of(1)
    assert lead.message == "两次减刑间隔 10 个月，不足 12 个月"
    assert lead.evidence["interval_months"] == 10
    assert lead.as_of == later
    assert lead_of(2).evidence["interval_months"] == 11
    assert events_of(1) == [("", "待分派", "新线索", lead.first_seen_run_id)]


def test_a_complete_run_without_the_hit_marks_the_lead_no_longer_hit() -> None:
    sync_run(run_result([hit(1), hit(2), hit(3)]))
    second = sync_run(run_result([hit(1), hit(2)]))

    assert (second.hit_count, second.new_count, second.dropped_count) == (2, 0, 1)
    assert Lead.objects.count() == 3
    lead = lead_of(3)
    assert lead.status == Lead.Status.NO_LONGER_HIT
    assert lead.dropped_by_run == second
    assert lead.last_seen_run != second
    assert events_of(3)[-1] == ("待分派", "不再命中", "本次完整运行未再命中", second.pk)
    assert lead_of(1).status == Lead.Status.TO_ASSIGN


def test_dropping_keeps_closed_leads_and_other_models_leads() -> None:
    sync_run(run_result([hit(1), hit(2)]))
    sync_run(run_result([hit(3, model_id="parole_without_assessment")], model_id="parole_x"))
    Lead.objects.filter(id_number=id_number(2)).update(status=Lead.Status.CLOSED)
    Lead.objects.filter(id_number=id_number(1)).update(status=Lead.Status.SUPERVISING)
    events_before = LeadEvent.objects.count()

    run = sync_run(run_result([]))

    assert run.dropped_count == 1
    # A lead already in the workflow keeps its status; the data's change is recorded.
    assert lead_of(1).status == Lead.Status.SUPERVISING
    assert lead_of(1).dropped_by_run == run
    assert events_of(1)[-1] == ("监督中", "监督中", "本次完整运行未再命中", run.pk)
    assert lead_of(2).status == Lead.Status.CLOSED
    assert lead_of(2).dropped_by_run is None
    assert lead_of(3).status == Lead.Status.TO_ASSIGN
    assert LeadEvent.objects.count() == events_before + 1


def test_a_worked_lead_that_hits_again_is_unmarked_and_keeps_its_status() -> None:
    sync_run(run_result([hit(1)]))
    Lead.objects.filter(id_number=id_number(1)).update(status=Lead.Status.CONFIRMED)
    sync_run(run_result([]))
    again = sync_run(run_result([hit(1)]))

    assert lead_of(1).status == Lead.Status.CONFIRMED
    assert lead_of(1).dropped_by_run is None
    assert events_of(1)[-1] == ("属实", "属实", "再次命中", again.pk)


def test_an_already_dropped_lead_is_not_dropped_again() -> None:
    sync_run(run_result([hit(1), hit(2)]))
    dropping = sync_run(run_result([hit(1)]))
    later = sync_run(run_result([hit(1)]))

    assert later.dropped_count == 0
    assert lead_of(2).dropped_by_run == dropping
    assert len(events_of(2)) == 2


def test_an_incomplete_run_drops_nothing() -> None:
    sync_run(run_result([hit(1), hit(2), hit(3)]))
    failed = sync_run(run_result([hit(1)], error="内存不足：超过 4 GB 限制"))

    assert failed.complete is False
    assert failed.error == "内存不足：超过 4 GB 限制"
    assert (failed.hit_count, failed.new_count, failed.dropped_count) == (1, 0, 0)
    assert list(Lead.objects.values_list("status", flat=True).distinct()) == ["待分派"]
    assert lead_of(1).last_seen_run == failed
    assert lead_of(2).last_seen_run != failed
    assert LeadEvent.objects.count() == 3


def test_a_dropped_lead_that_hits_again_returns_to_assignment() -> None:
    sync_run(run_result([hit(1), hit(2)]))
    sync_run(run_result([hit(1)]))
    again = sync_run(run_result([hit(1), hit(2)]))

    assert (again.new_count, again.dropped_count) == (0, 0)
    lead = lead_of(2)
    assert lead.status == Lead.Status.TO_ASSIGN
    assert (lead.dropped_by_run, lead.last_seen_run) == (None, again)
    assert [event[:3] for event in events_of(2)] == [
        ("", "待分派", "新线索"),
        ("待分派", "不再命中", "本次完整运行未再命中"),
        ("不再命中", "待分派", "再次命中"),
    ]
    assert events_of(2)[-1][3] == again.pk
    assert Lead.objects.count() == 2


def test_hits_with_one_fingerprint_count_once() -> None:
    duplicate = hit(1, message="同一线索的第二行")
    run = sync_run(run_result([hit(1), duplicate, hit(2)]))

    assert (run.hit_count, run.new_count) == (2, 2)
    assert Lead.objects.count() == 2
    assert LeadEvent.objects.count() == 2
    assert lead_of(1).message == "两次减刑间隔 11 个月，不足 12 个月"


def test_a_sync_that_fails_halfway_leaves_nothing_behind(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sync_run(run_result([hit(1), hit(2)]))

    def fail(*args: object) -> int:
        raise RuntimeError("数据库连接中断")

    monkeypatch.setattr(actions, "_drop_absent_leads", fail)
    with pytest.raises(RuntimeError):
        sync_run(run_result([hit(1, interval_months=9), hit(3)]))

    assert ModelRun.objects.count() == 1
    assert Lead.objects.count() == 2
    assert lead_of(1).evidence["interval_months"] == 11
    assert LeadEvent.objects.count() == 2


def test_lead_events_are_append_only() -> None:
    sync_run(run_result([hit(1)]))
    event = LeadEvent.objects.get()

    event.reason = "改写历史"
    with pytest.raises(ValueError, match="只能新增"):
        event.save()
    with pytest.raises(ValueError, match="不能删除"):
        event.delete()
    assert LeadEvent.objects.get().reason == "新线索"


def test_ten_thousand_hits_sync_without_a_query_per_hit(
    django_assert_max_num_queries: MaxQueries,
) -> None:
    hits = [hit(serial) for serial in range(10_000)]

    # One query per hit would be 10,000. Batches of 500 take three or four queries each;
    # SQLite needs more because Django 5.2 assumes 999 parameters a statement there and
    # so inserts about 55 leads a statement.
    first_run_bound = 400 if connection.vendor == "sqlite" else 100
    with django_assert_max_num_queries(first_run_bound):
        first = sync_run(run_result(hits))
    with django_assert_max_num_queries(100):
        again = sync_run(run_result(hits[:9_000]))

    assert (first.hit_count, first.new_count) == (10_000, 10_000)
    assert (again.hit_count, again.new_count, again.dropped_count) == (9_000, 0, 1_000)
    assert Lead.objects.count() == 10_000
    assert Lead.objects.filter(status=Lead.Status.NO_LONGER_HIT).count() == 1_000
    assert LeadEvent.objects.count() == 11_000
    assert ModelRun.objects.count() == 2


def test_a_lead_without_a_facility_gets_it_when_the_model_learns_it() -> None:
    sync_run(run_result([hit(1, facility_code=None), hit(2, facility_code=None)]))
    assert lead_of(1).facility_code == ""

    sync_run(run_result([hit(1, facility_code="370102SQJZ"), hit(2, facility_code=None)]))
    assert (lead_of(1).facility_code, lead_of(2).facility_code) == ("370102SQJZ", "")


def test_a_leads_facility_once_set_is_kept() -> None:
    sync_run(run_result([hit(1)]))
    sync_run(run_result([hit(1, facility_code="OTHER")]))
    assert lead_of(1).facility_code == FACILITY
