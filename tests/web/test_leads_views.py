"""The leads workbench pages: list (filters, keyset pages, query count), a lead's page,
the workflow's POSTs and bulk assign, through the browser's door (the test client)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.web.hits import hit, run_result
from tests.web.personas import JINAN_DETENTION, JINAN_PRISON, QINGDAO_PRISON, World
from zhijian.web.accounts.models import SupervisedFacility, User
from zhijian.web.audit.models import AuditEntry
from zhijian.web.leads import forms, views
from zhijian.web.leads.actions import sync_run
from zhijian.web.leads.models import Lead, LeadEvent

Status = Lead.Status
MaxQueries = Callable[[int], AbstractContextManager[Any]]
REAL_MODEL = "corrections_late_registration"


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any) -> None:
    """The personas' passwords hashed cheaply: these tests log in with force_login."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def client_of(user: User, *, csrf: bool = False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(user)
    return client


def as_user(world: World, username: str) -> Client:
    return client_of(world.users[username])


def listed_pks(response: Any) -> list[int]:
    return [lead.pk for lead, _, _ in response.context["rows"]]


def state(lead: Lead) -> tuple[Any, ...]:
    row = Lead.objects.get(pk=lead.pk)
    return (
        row.status,
        row.assignee_id,
        row.measure,
        LeadEvent.objects.filter(lead=lead).count(),
        AuditEntry.objects.count(),
    )


def extra_leads(facility_code: str, count: int, *, model_id: str = "extra") -> list[Lead]:
    hits = [hit(1000 + n, facility_code=facility_code, model_id=model_id) for n in range(count)]
    sync_run(run_result(hits, model_id=model_id))
    return list(Lead.objects.filter(model_id=model_id).order_by("pk"))


# ---- The list -------------------------------------------------------------------------


def test_the_list_shows_only_the_units_leads_with_ids_as_the_role_allows(world: World) -> None:
    jinan_lead = world.leads[JINAN_PRISON]

    resident = as_user(world, "jinan_resident").get(reverse("leads:list"))
    head = as_user(world, "jinan_head").get(reverse("leads:list"))

    assert resident.status_code == 200
    assert [row for _, row, _ in resident.context["rows"]] == [jinan_lead.id_number]
    assert sorted(listed_pks(head)) == sorted(
        [world.leads[JINAN_PRISON].pk, world.leads[JINAN_DETENTION].pk]
    )
    masked = jinan_lead.id_number[:6] + "********" + jinan_lead.id_number[-4:]
    assert masked in head.content.decode()
    assert jinan_lead.id_number not in head.content.decode()
    assert head.context["count"] == 2


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "待核查"}, [JINAN_PRISON, JINAN_DETENTION]),
        ({"status": "待分派"}, [QINGDAO_PRISON]),
        ({"facility": JINAN_DETENTION}, [JINAN_DETENTION]),
        ({"city": "370100"}, [JINAN_PRISON, JINAN_DETENTION]),
        ({"city": "370200"}, [QINGDAO_PRISON]),
        ({"severity": "高"}, [JINAN_PRISON, JINAN_DETENTION, QINGDAO_PRISON]),
        ({"severity": "低"}, []),
        ({"category": "刑罚变更执行监督"}, [JINAN_PRISON, JINAN_DETENTION, QINGDAO_PRISON]),
        ({"category": "社区矫正监督"}, []),
        (
            {"model": "reduction_interval_too_short"},
            [JINAN_PRISON, JINAN_DETENTION, QINGDAO_PRISON],
        ),
        ({"mine": "on"}, [JINAN_DETENTION]),
        ({"assignee": "jinan_resident"}, [JINAN_PRISON]),
        ({"assignee": "jinan_head"}, [JINAN_DETENTION]),
        (
            {"created_from": "TODAY", "created_to": "TODAY"},
            [JINAN_PRISON, JINAN_DETENTION, QINGDAO_PRISON],
        ),
        ({"created_to": "YESTERDAY"}, []),
        ({"created_from": "TOMORROW"}, []),
    ],
)
def test_list_filters(world: World, query: dict[str, str], expected: list[str]) -> None:
    # Given the Jinan prison's lead assigned to the resident, the detention centre's to
    # the head of the city's department
    for code, username in ((JINAN_PRISON, "jinan_resident"), (JINAN_DETENTION, "jinan_head")):
        Lead.objects.filter(pk=world.leads[code].pk).update(
            status=Status.TO_VERIFY, assignee=world.users[username]
        )
    today = timezone.localdate()
    days = {
        "TODAY": today,
        "YESTERDAY": today - timedelta(days=1),
        "TOMORROW": today + timedelta(days=1),
    }
    params = {key: str(days.get(value, value)) for key, value in query.items()}
    if "assignee" in params:
        params["assignee"] = str(world.users[params["assignee"]].pk)
    # When the province's head (who sees every facility) filters; "mine" is the city head's
    username = "jinan_head" if "mine" in params else "province_head"
    response = as_user(world, username).get(reverse("leads:list"), params)

    assert response.status_code == 200
    assert sorted(listed_pks(response)) == sorted(world.leads[code].pk for code in expected)


def test_pages_follow_each_other_without_gaps_or_repeats(world: World) -> None:
    # Given 120 more leads at the Jinan prison: 121 in the resident's scope
    extra_leads(JINAN_PRISON, 120)
    client = as_user(world, "jinan_resident")
    url = reverse("leads:list")

    first = client.get(url, {"facility": JINAN_PRISON})
    second = client.get(url, {"facility": JINAN_PRISON, "after": first.context["next_cursor"]})
    third = client.get(url, {"facility": JINAN_PRISON, "after": second.context["next_cursor"]})
    back = client.get(url, {"facility": JINAN_PRISON, "before": third.context["previous_cursor"]})

    newest_first = list(
        Lead.objects.filter(facility_code=JINAN_PRISON)
        .order_by("-created_at", "-pk")
        .values_list("pk", flat=True)
    )
    assert [len(listed_pks(page)) for page in (first, second, third)] == [50, 50, 21]
    assert listed_pks(first) + listed_pks(second) + listed_pks(third) == newest_first
    assert listed_pks(back) == listed_pks(second)
    assert first.context["previous_cursor"] == ""
    assert third.context["next_cursor"] == ""
    assert back.context["previous_cursor"] != "" and back.context["next_cursor"] != ""
    assert first.context["count"] == 121
    assert f"after={first.context['next_cursor']}" in first.content.decode()
    assert "facility=JN-JY01&amp;after=" in first.content.decode()


def test_the_count_stops_at_the_cap(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(views, "COUNT_CAP", 2)
    extra_leads(JINAN_PRISON, 3)

    response = as_user(world, "jinan_resident").get(reverse("leads:list"))

    assert (response.context["count"], response.context["count_capped"]) == (2, True)
    assert "共 2+ 条线索" in response.content.decode()


def test_a_bad_cursor_shows_the_first_page(world: World) -> None:
    response = as_user(world, "jinan_resident").get(reverse("leads:list"), {"after": "x.y"})

    assert listed_pks(response) == [world.leads[JINAN_PRISON].pk]


# Session, user with its unit and the access stamp, the capped count, the page (roles,
# visible facilities, handlers, facility names and the model filter's choices are cached
# since the first request; the session is not written again within the minute): the same
# for 1 lead or 1 million.
LIST_QUERIES = 4


@pytest.mark.parametrize("more", [0, 60])
def test_the_list_runs_a_fixed_number_of_queries(
    world: World, django_assert_num_queries: MaxQueries, more: int
) -> None:
    extra_leads(JINAN_PRISON, more)
    client = as_user(world, "jinan_head")
    client.get(reverse("leads:list"))  # the first request after log-in refreshes the session

    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(reverse("leads:list"), {"status": "待分派", "city": "370100"})

    assert len(listed_pks(response)) == min(50, 2 + more)


def test_a_models_first_run_joins_the_model_filter_within_the_minute(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = as_user(world, "jinan_head")

    def models() -> dict[str, str]:
        filters = client.get(reverse("leads:list")).context["filters"]
        return dict(filters.fields["model"].choices)

    assert REAL_MODEL not in models()

    sync_run(run_result([], model_id=REAL_MODEL))
    assert REAL_MODEL not in models()  # read a moment ago
    clock = forms.time_module.monotonic() + forms.MODEL_CHOICES_SECONDS
    monkeypatch.setattr(forms.time_module, "monotonic", lambda: clock)
    assert REAL_MODEL in models()


# ---- A lead's page --------------------------------------------------------------------


def late_registration_lead() -> Lead:
    """A lead of a model in the library, with its evidence fields."""
    evidence = {
        "case_id": "SJ1",
        "correction_type": "缓刑",
        "decision_effective_date": "2025-03-03",
        "deadline": "2025-03-13",
        "registration_date": "2025-03-14",
        "days_late": 1,
    }
    found = hit(7, model_id=REAL_MODEL, facility_code=JINAN_PRISON, evidence=evidence)
    sync_run(run_result([found], model_id=REAL_MODEL))
    return Lead.objects.get(model_id=REAL_MODEL)


def test_the_lead_page_shows_labelled_evidence_legal_basis_versions_and_history(
    world: World,
) -> None:
    lead = late_registration_lead()

    response = as_user(world, "jinan_resident").get(reverse("leads:detail", args=[lead.pk]))

    assert response.status_code == 200
    assert response.context["evidence"] == [
        ("矫正案件编号", "SJ1"),
        ("矫正类别", "缓刑"),
        ("判决、裁定生效日期", "2025-03-03"),
        ("报到期满日", "2025-03-13"),
        ("报到日期", "2025-03-14"),
        ("逾期天数", "1"),
    ]
    page = response.content.decode()
    assert "<th>报到期满日</th><td>2025-03-13</td>" in page
    assert "《中华人民共和国社区矫正法》第二十一条第一款" in page
    assert "应当自判决、裁定生效之日起十日内到执行地社区矫正机构报到" in page
    assert "<tr><td>sentence_changes</td><td>7</td></tr>" in page
    assert "模型版本 a1b2c3" in page
    assert "— → 待分派 · 新线索" in page
    assert [name for name, _, _ in response.context["forms"]] == []


def test_viewing_a_lead_is_audited(world: World) -> None:
    lead = world.leads[JINAN_PRISON]

    as_user(world, "jinan_resident").get(reverse("leads:detail", args=[lead.pk]))

    entry = AuditEntry.objects.order_by("-pk").first()
    assert entry is not None
    assert (entry.action, entry.object_type, entry.object_id, entry.actor_name) == (
        "查看线索",
        "线索",
        str(lead.pk),
        "jinan_resident",
    )


def test_another_units_lead_page_is_a_404_and_not_audited(world: World) -> None:
    before = AuditEntry.objects.count()

    response = as_user(world, "qingdao_resident").get(
        reverse("leads:detail", args=[world.leads[JINAN_PRISON].pk])
    )

    assert response.status_code == 404
    assert AuditEntry.objects.count() == before


@pytest.mark.parametrize(
    ("username", "status", "expected"),
    [
        ("jinan_head", Status.TO_ASSIGN, ["assign"]),
        ("jinan_resident", Status.TO_ASSIGN, []),
        ("jinan_resident", Status.VERIFYING, ["confirm", "exclude"]),
        ("investigator", Status.VERIFYING, []),
        ("jinan_resident", Status.AWAITING_REPLY, ["record_reply", "mark_overdue"]),
        ("jinan_resident", Status.CLOSED, []),
    ],
)
def test_the_page_offers_the_actions_this_user_may_take_now(
    world: World, username: str, status: str, expected: list[str]
) -> None:
    lead = world.leads[JINAN_PRISON]
    Lead.objects.filter(pk=lead.pk).update(status=status, assignee=world.users["jinan_resident"])

    response = as_user(world, username).get(reverse("leads:detail", args=[lead.pk]))

    assert [name for name, _, _ in response.context["forms"]] == expected
    for name in expected:
        assert (
            f'action="{reverse("leads:action", args=[lead.pk, name])}"' in response.content.decode()
        )


def test_a_name_with_markup_is_shown_as_text(world: World) -> None:
    lead = world.leads[JINAN_PRISON]
    Lead.objects.filter(pk=lead.pk).update(name="<script>alert(1)</script>")
    client = as_user(world, "jinan_resident")

    listed = client.get(reverse("leads:list")).content.decode()
    shown = client.get(reverse("leads:detail", args=[lead.pk])).content.decode()

    for page in (listed, shown):
        assert "<script>alert(1)</script>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_every_cell_and_option_the_list_builds_escapes_markup(world: World) -> None:
    """The list's rows and the filter's options are built in Python, not by the
    template: each value in them is escaped all the same."""
    markup = '<s>"x</s>'  # short enough for the status column (10 characters)
    lead = world.leads[JINAN_PRISON]
    handler = world.users["jinan_resident"]
    User.objects.filter(pk=handler.pk).update(full_name=markup)
    SupervisedFacility.objects.filter(facility_code=JINAN_PRISON).update(name=markup)
    Lead.objects.filter(pk=lead.pk).update(
        model_name=markup, category=markup, severity=markup, status=markup, assignee=handler
    )

    page = as_user(world, "jinan_head").get(reverse("leads:list")).content.decode()

    assert markup not in page and "<s>" not in page
    escaped = "&lt;s&gt;&quot;x&lt;/s&gt;"
    # model, category, severity, status, assignee in the row; the facility option; the
    # handler in the assignee filter and in the bulk-assign list
    assert page.count(escaped) == 8


# ---- Workflow actions through the pages -------------------------------------------------


def test_a_resident_confirms_a_lead_from_its_page(world: World) -> None:
    lead = world.leads[JINAN_PRISON]
    Lead.objects.filter(pk=lead.pk).update(
        status=Status.VERIFYING, assignee=world.users["jinan_resident"]
    )
    url = reverse("leads:action", args=[lead.pk, "confirm"])

    response = as_user(world, "jinan_resident").post(url, {"reason": "核实减刑裁定"})

    assert response.status_code == 302
    assert response["Location"] == reverse("leads:detail", args=[lead.pk])
    assert Lead.objects.get(pk=lead.pk).status == Status.CONFIRMED
    event = LeadEvent.objects.filter(lead=lead).latest("pk")
    assert (event.to_status, event.reason, event.actor) == (
        Status.CONFIRMED,
        "核实减刑裁定",
        world.users["jinan_resident"],
    )


@pytest.mark.parametrize(
    ("username", "action", "data", "code"),
    [
        ("investigator", "confirm", {}, 403),
        ("modeller", "confirm", {}, 403),
        ("jinan_resident", "assign", {"assignee": "1"}, 403),
        ("qingdao_resident", "confirm", {}, 404),
        ("jinan_resident", "no_such_action", {}, 404),
    ],
)
def test_a_refused_action_changes_nothing_and_writes_no_audit_row(
    world: World, username: str, action: str, data: dict[str, str], code: int
) -> None:
    lead = world.leads[JINAN_PRISON]
    Lead.objects.filter(pk=lead.pk).update(status=Status.VERIFYING)
    before = state(lead)

    response = as_user(world, username).post(reverse("leads:action", args=[lead.pk, action]), data)

    assert response.status_code == code
    assert state(lead) == before


def test_an_illegal_move_is_explained_and_changes_nothing(world: World) -> None:
    lead = world.leads[JINAN_PRISON]
    before = state(lead)

    client = as_user(world, "jinan_resident")

    response = client.post(reverse("leads:action", args=[lead.pk, "confirm"]))

    assert response.status_code == 302
    assert state(lead) == before
    page = client.get(response["Location"]).content.decode()
    assert "线索当前状态为“待分派”，不能确认属实（仅限：核查中）" in page


def test_an_exclusion_without_a_reason_is_refused(world: World) -> None:
    lead = world.leads[JINAN_PRISON]
    Lead.objects.filter(pk=lead.pk).update(status=Status.VERIFYING)
    before = state(lead)
    client = as_user(world, "jinan_resident")

    response = client.post(reverse("leads:action", args=[lead.pk, "exclude"]), {"reason": ""})

    assert response.status_code == 302
    assert state(lead) == before
    assert "排除理由：这个字段是必填项。" in client.get(response["Location"]).content.decode()


@pytest.mark.parametrize(
    "url",
    [
        lambda w: reverse("leads:action", args=[w.leads[JINAN_PRISON].pk, "assign"]),
        lambda w: reverse("leads:bulk_assign"),
    ],
)
def test_a_post_without_the_csrf_token_is_refused(world: World, url: Any) -> None:
    lead = world.leads[JINAN_PRISON]
    before = state(lead)
    client = client_of(world.users["jinan_head"], csrf=True)

    response = client.post(
        url(world), {"assignee": world.users["jinan_resident"].pk, "leads": [lead.pk]}
    )

    assert response.status_code == 403
    assert state(lead) == before


def test_every_form_on_the_pages_carries_the_csrf_token(world: World) -> None:
    lead = world.leads[JINAN_PRISON]
    client = as_user(world, "jinan_head")

    for url in (reverse("leads:list"), reverse("leads:detail", args=[lead.pk])):
        page = client.get(url).content.decode()
        assert page.count('method="post"') == page.count('name="csrfmiddlewaretoken"')
        assert page.count('method="post"') >= 2


# ---- Bulk assign ----------------------------------------------------------------------


def test_the_head_assigns_ticked_leads_at_once(world: World) -> None:
    leads = extra_leads(JINAN_PRISON, 2)
    resident = world.users["jinan_resident"]
    audit_before = AuditEntry.objects.count()

    response = as_user(world, "jinan_head").post(
        reverse("leads:bulk_assign"),
        {"assignee": resident.pk, "leads": [lead.pk for lead in leads]},
        follow=True,
    )

    assert "已将 2 条线索分派给济南派驻检察官" in response.content.decode()
    assert [Lead.objects.get(pk=lead.pk).assignee for lead in leads] == [resident, resident]
    assert AuditEntry.objects.filter(action="线索分派").count() == 2
    assert AuditEntry.objects.count() == audit_before + 2


@pytest.mark.parametrize(
    ("username", "include_qingdao", "code"),
    [("jinan_resident", False, 403), ("jinan_head", True, 404)],
)
def test_a_refused_bulk_assign_changes_nothing(
    world: World, username: str, include_qingdao: bool, code: int
) -> None:
    leads = extra_leads(JINAN_PRISON, 2) + (
        [world.leads[QINGDAO_PRISON]] if include_qingdao else []
    )
    before = [state(lead) for lead in leads]

    response = as_user(world, username).post(
        reverse("leads:bulk_assign"),
        {"assignee": world.users["jinan_resident"].pk, "leads": [lead.pk for lead in leads]},
    )

    assert response.status_code == code
    assert [state(lead) for lead in leads] == before


def test_a_bulk_assign_that_cannot_assign_one_lead_assigns_none(world: World) -> None:
    leads = [*extra_leads(JINAN_PRISON, 2), world.leads[JINAN_DETENTION]]
    before = [state(lead) for lead in leads]

    response = as_user(world, "jinan_head").post(
        reverse("leads:bulk_assign"),
        {"assignee": world.users["jinan_resident"].pk, "leads": [lead.pk for lead in leads]},
        follow=True,
    )

    assert "未分派任何线索：济南派驻检察官所在单位不监督该线索的场所，不能承办" in (
        response.content.decode()
    )
    assert [state(lead) for lead in leads] == before
