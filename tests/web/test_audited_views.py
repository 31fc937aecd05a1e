"""Every page that shows a person's data writes its audit row — the resident office's
talks, complaints and problems and their lists, the person search, the inmate lookup —
holding the masked number and the person key, filed under the facility it is about; a
refused look writes none. No URL carries an ID number: no GET form, htmx GET or URL
pattern takes an ID-number field, and no view reads one from the query string."""

from __future__ import annotations

import importlib
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django import forms
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.web.personas import JINAN_PRISON, World
from tests.web.test_resident_fixtures import (
    DAY,
    HELD,
    HELD_TOO,
    build_warehouse,
    client_for,
    write_everything,
)
from zhijian.law.idnumber import mask_id_number
from zhijian.web.audit.models import AuditEntry
from zhijian.web.people.keys import person_key
from zhijian.web.resident.models import Complaint, Problem

WEB = Path(__import__("zhijian.web", fromlist=["x"]).__file__).parent


@pytest.fixture(scope="module")
def warehouse_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_warehouse(tmp_path_factory.mktemp("audited-views-home"))


@pytest.fixture
def resident_world(world: World, warehouse_home: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    monkeypatch.setenv("ZHIJIAN_HOME", str(warehouse_home))
    return world


@pytest.fixture
def records(resident_world: World) -> dict[str, Any]:
    written = write_everything(resident_world)
    Problem.objects.filter(pk=written["problem"].pk).update(id_number=HELD)
    Complaint.objects.filter(pk=written["complaint"].pk).update(complainant_id_number=HELD_TOO)
    return written


def latest() -> tuple[str, str, str, dict[str, Any], str, str]:
    entry = AuditEntry.objects.latest("pk")
    return (
        entry.action,
        entry.object_type,
        entry.object_id,
        entry.detail,
        entry.facility_code,
        entry.actor_name,
    )


def masked(number: str, prefix: str = "") -> dict[str, str]:
    return {f"{prefix}id_masked": mask_id_number(number), f"{prefix}person_key": person_key(number)}


PAGES = [
    (
        "talk_detail",
        "talk",
        "查看谈话记录",
        "谈话教育",
        lambda r: masked(HELD),
    ),
    (
        "problem_detail",
        "problem",
        "查看发现问题",
        "发现问题",
        lambda r: masked(HELD),
    ),
    (
        "complaint_detail",
        "complaint",
        "查看控告举报申诉",
        "控告举报申诉",
        lambda r: {"number": r["complaint"].number, **masked(HELD_TOO, "complainant_")},
    ),
]


@pytest.mark.parametrize(("url", "kind", "action", "object_type", "detail"), PAGES)
def test_a_record_page_that_shows_a_person_writes_one_audit_row(
    resident_world: World,
    records: dict[str, Any],
    url: str,
    kind: str,
    action: str,
    object_type: str,
    detail: Any,
) -> None:
    pk = records[kind].pk
    before = AuditEntry.objects.count()

    response = client_for(resident_world, "jinan_resident").get(
        reverse(f"resident:{url}", args=[pk])
    )

    assert response.status_code == 200
    assert AuditEntry.objects.count() == before + 1
    assert latest() == (
        action,
        object_type,
        str(pk),
        detail(records),
        JINAN_PRISON,
        "jinan_resident",
    )


@pytest.mark.parametrize(("url", "kind", "action", "object_type", "detail"), PAGES)
def test_a_refused_record_page_writes_no_audit_row(
    resident_world: World,
    records: dict[str, Any],
    url: str,
    kind: str,
    action: str,
    object_type: str,
    detail: Any,
) -> None:
    before = AuditEntry.objects.count()

    response = client_for(resident_world, "qingdao_resident").get(
        reverse(f"resident:{url}", args=[records[kind].pk])
    )

    assert response.status_code == 404
    assert AuditEntry.objects.count() == before


@pytest.mark.parametrize(
    ("url", "action", "object_type", "number"),
    [
        ("talk_list", "查看谈话记录列表", "谈话教育", HELD),
        ("complaint_list", "查看控告举报申诉列表", "控告举报申诉", HELD_TOO),
    ],
)
def test_a_list_that_shows_people_writes_one_audit_row_with_their_keys(
    resident_world: World,
    records: dict[str, Any],
    url: str,
    action: str,
    object_type: str,
    number: str,
) -> None:
    before = AuditEntry.objects.count()

    response = client_for(resident_world, "jinan_resident").get(reverse(f"resident:{url}"))

    assert response.status_code == 200
    assert AuditEntry.objects.count() == before + 1
    assert latest() == (
        action,
        object_type,
        "列表",
        {"rows": 1, "person_keys": [person_key(number)]},
        JINAN_PRISON,
        "jinan_resident",
    )


def test_a_search_by_number_is_audited_masked_and_by_name_without_the_name(
    resident_world: World,
) -> None:
    client = client_for(resident_world, "jinan_resident")

    by_number = client.post(reverse("people:search"), {"query": HELD.lower()})

    assert by_number.status_code == 302  # one person: their page
    assert latest() == (
        "查询人员",
        "人员",
        "查询结果",
        {"by": "身份证号", **masked(HELD), "results": 1, "person_keys": [person_key(HELD)]},
        "",
        "jinan_resident",
    )
    by_name = client.post(reverse("people:search"), {"query": "王守法"})
    assert by_name.status_code == 200
    assert latest()[3] == {"by": "姓名", "results": 1, "person_keys": [person_key(HELD)]}
    nobody = client.post(reverse("people:search"), {"query": "无此人"})
    assert nobody.status_code == 200
    assert latest()[3] == {"by": "姓名", "results": 0, "person_keys": []}
    rows = AuditEntry.objects.filter(action="查询人员")
    assert [
        str(row.detail) for row in rows if "王守法" in str(row.detail) or HELD in str(row.detail)
    ] == []


def test_the_inmate_lookup_is_a_post_with_its_csrf_token_and_is_audited(
    resident_world: World,
) -> None:
    url = reverse("resident:inmate_lookup")
    form = {"facility": JINAN_PRISON, "person": HELD}
    client = client_for(resident_world, "jinan_resident")
    before = AuditEntry.objects.count()

    assert client.get(url, form).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(resident_world.users["jinan_resident"])
    assert strict.post(url, form).status_code == 403
    assert AuditEntry.objects.count() == before

    found = client.post(url, form)

    assert found.status_code == 200 and "王守法" in found.content.decode()
    assert latest() == (
        "查找在押人员",
        "场所",
        JINAN_PRISON,
        masked(HELD),
        JINAN_PRISON,
        "jinan_resident",
    )
    assert client.post(url, {**form, "facility": "QD-JY01"}).status_code == 403
    assert AuditEntry.objects.count() == before + 1


# No URL carries an ID number ---------------------------------------------------------


def id_number_fields() -> set[str]:
    """The names of every form field of the platform that takes an ID number (its label
    says 身份证), with ``id_number`` itself."""
    names = {"id_number"}
    for path in sorted(WEB.glob("*/forms.py")):
        module = importlib.import_module(f"zhijian.web.{path.parent.name}.forms")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, forms.BaseForm):
                for name, field in getattr(value, "base_fields", {}).items():
                    if "身份证" in str(field.label or ""):
                        names.add(name)
    return names


class GetFields(HTMLParser):
    """The field names a page sends by GET: inside a GET form, and those an htmx GET
    includes."""

    def __init__(self) -> None:
        super().__init__()
        self.in_get_form = False
        self.names: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "form":
            self.in_get_form = (attributes.get("method") or "get").lower() == "get"
        if self.in_get_form and tag in ("input", "select", "textarea", "button"):
            self.names.add(attributes.get("name") or "")
        if "hx-get" in attributes:
            self.names.add(attributes.get("name") or "")
            self.names.update(re.findall(r"name=['\"]?(\w+)", attributes.get("hx-include") or ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.in_get_form = False


# Every template with a GET form or an htmx GET, and a page that renders it.
GET_FORM_PAGES = {
    "leads/list.html": ("province_head", "leads:list", {}),
    "audit/list.html": ("admin", "audit:list", {}),
    "resident/log_list.html": ("jinan_resident", "resident:log_list", {}),
    "resident/log_start.html": ("jinan_resident", "resident:log_new", {}),
    "resident/reports.html": ("jinan_resident", "resident:reports", {}),
    "resident/statistics.html": ("jinan_head", "resident:statistics", {}),
    "library/_job_panel.html": (None, None, {}),  # polls its job's progress: no fields
    "datahub/_job_panel.html": (None, None, {}),
}


def templates_with_get() -> set[str]:
    found = set()
    for template in WEB.glob("**/templates/**/*.html"):
        text = template.read_text("utf-8")
        forms_without_post = [
            tag for tag in re.findall(r"<form\b[^>]*>", text) if 'method="post"' not in tag
        ]
        if forms_without_post or "hx-get" in text:
            found.add(template.as_posix().split("/templates/", 1)[1])
    return found


def test_no_get_form_or_htmx_get_sends_an_id_number(
    records: dict[str, Any], resident_world: World
) -> None:
    fields = id_number_fields()
    assert {"query", "person", "complainant_id_number", "id_number"} <= fields
    assert templates_with_get() == set(GET_FORM_PAGES)

    for template, (username, url, query) in GET_FORM_PAGES.items():
        if url is None:
            text = next(WEB.glob(f"**/templates/{template}")).read_text("utf-8")
            assert "hx-include" not in text and "<input" not in text, template
            continue
        response = client_for(resident_world, username).get(reverse(url), {**query, "day": DAY})
        assert response.status_code == 200, template
        parser = GetFields()
        parser.feed(response.content.decode())
        assert parser.names - {""}, template  # the page did render its form
        assert not parser.names & fields, (template, parser.names & fields)


def test_no_view_reads_an_id_number_from_the_query_string() -> None:
    fields = id_number_fields()
    read = set()
    for source in WEB.glob("**/*.py"):
        read.update(
            re.findall(r"request\.GET(?:\.get\(|\[)\s*['\"](\w+)['\"]", source.read_text("utf-8"))
        )
    assert read  # the pattern finds what views read
    assert not read & fields, read & fields


def test_no_url_pattern_takes_an_id_number() -> None:
    def converters(patterns: list[Any]) -> set[str]:
        names: set[str] = set()
        for pattern in patterns:
            names.update(getattr(pattern.pattern, "converters", {}))
            if isinstance(pattern, URLResolver):
                names |= converters(pattern.url_patterns)
            assert isinstance(pattern, URLPattern | URLResolver)
        return names

    names = converters(get_resolver().url_patterns)
    assert "key" in names and "pk" in names
    assert not names & (id_number_fields() | {"number", "id_card"}), names
