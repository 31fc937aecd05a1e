"""No HTTP 500 for any date, month or page number a user can type.

Every view that takes one — in a GET filter, a POST form or a URL part — is sent each of
the edge values, as a user who may use the view. Each answer is a page: 200 (with a
Chinese error where the value is refused), a 302 back to the form with the error
message, 400 or 404; never 500. A refused POST changes nothing and writes no audit row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from tests.web.hits import hit, run_result
from tests.web.personas import JINAN_PRISON, World
from tests.web.test_resident_fixtures import HELD_NUMBER, build_warehouse, write_everything
from zhijian.web.audit.models import AuditEntry
from zhijian.web.resident.models import CHECKLIST

VALUES = (
    "9999-12-31",
    "0001-01-01",
    "9999-12",
    "0000-00",
    "2026-02-30",
    "-1",
    "0",
    "99999999999999999999",
    "abc",
    "",
)
# What a refusal says: Django's field errors, the range of ``zhijian.web.dates``, the
# month's format and range, and the lead list's note that a filter was ignored.
REFUSALS = (
    "输入一个有效的日期。",
    "这个字段是必填项。",
    "日期应在 1979-07-01 至",
    "月份格式应为 YYYY-MM",
    "月份应在 1979-07 至",
    "筛选条件有误，已忽略",
    "数据查询日",
)


@dataclass
class Scene:
    """The objects the views are pointed at."""

    world: World
    objects: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Target:
    """One input of one view: who uses it, how, and which values it may accept as they
    are (an optional filter left empty, any text for a page number)."""

    user: str
    method: str
    path: Callable[[Scene, str], str]
    data: Callable[[Scene, str], dict[str, str]] = lambda scene, value: {}
    accepts: frozenset[str] = frozenset()
    # A value the input takes (the other fields being valid too): with it the view does
    # its work; None for an object's id in the URL.
    valid: str | None = None


def _query(name: str, **fixed: str) -> Callable[[Scene, str], dict[str, str]]:
    return lambda scene, value: {**fixed, name: value}


def _at(path: str) -> Callable[[Scene, str], str]:
    return lambda scene, value: path


def _of(template: str, name: str) -> Callable[[Scene, str], str]:
    """A path holding the primary key of the scene's object ``name``."""
    return lambda scene, value: template.format(pk=scene.objects[name].pk)


def _typed(template: str) -> Callable[[Scene, str], str]:
    """A path with the value typed in place of an id."""
    return lambda scene, value: template.format(value=value)


LOG_COUNTS = {"population": "4"}
ANY = frozenset(VALUES)
EMPTY = frozenset({""})
NEXT_YEAR = f"{date.today().year + 1}-06-30"
CHECKS = {f"check_{code}": "未检查" for code in CHECKLIST}
TARGETS: dict[str, Target] = {
    "leads list: created_from": Target(
        "jinan_resident", "GET", _at("/leads/"), _query("created_from"), EMPTY, "2025-06-01"
    ),
    "leads list: created_to": Target(
        "jinan_resident", "GET", _at("/leads/"), _query("created_to"), EMPTY, "2025-06-30"
    ),
    "leads list: after": Target("jinan_resident", "GET", _at("/leads/"), _query("after"), ANY),
    "leads list: before": Target("jinan_resident", "GET", _at("/leads/"), _query("before"), ANY),
    # A cursor is <microseconds>.<id>: the value typed as either part.
    "leads list: cursor time": Target(
        "jinan_resident", "GET", _at("/leads/"), lambda s, v: {"after": f"{v}.1"}, ANY
    ),
    "leads list: cursor id": Target(
        "jinan_resident", "GET", _at("/leads/"), lambda s, v: {"before": f"1.{v}"}, ANY
    ),
    "lead page: id": Target("jinan_resident", "GET", _typed("/leads/{value}/")),
    "lead: oral correction due date": Target(
        "jinan_resident",
        "POST",
        _of("/leads/{pk}/record_oral_correction/", "measured"),
        _query("due_date", reason="已当面提出"),
        valid=NEXT_YEAR,
    ),
    "lead: document due date": Target(
        "jinan_resident",
        "POST",
        _of("/leads/{pk}/issue_document/", "noticed"),
        _query("due_date"),
        valid=NEXT_YEAR,
    ),
    "lead: reply date": Target(
        "jinan_resident",
        "POST",
        _of("/leads/{pk}/record_reply/", "awaiting"),
        _query("reply_date", reply_text="已整改完毕"),
        valid="2025-06-10",
    ),
    "document: id": Target("jinan_resident", "GET", _typed("/leads/documents/{value}/")),
    "new log: day (GET)": Target(
        "jinan_resident",
        "GET",
        _at("/resident/logs/new/"),
        _query("day", facility=JINAN_PRISON),
        valid="2025-06-03",
    ),
    "new log: day (POST)": Target(
        "jinan_resident",
        "POST",
        _at("/resident/logs/new/"),
        _query("day", facility=JINAN_PRISON, **LOG_COUNTS),
        valid="2025-06-03",
    ),
    "log page: id": Target("jinan_resident", "GET", _typed("/resident/logs/{value}/")),
    "rectification: due date": Target(
        "jinan_resident",
        "POST",
        _of("/resident/problems/{pk}/rectifications/", "problem"),
        _query("due_date", requirement="更换铺板"),
        valid="2025-07-15",
    ),
    "rectification follow-up: day": Target(
        "jinan_resident",
        "POST",
        _of("/resident/rectifications/{pk}/", "rectification"),
        _query("on", note="已复查"),
        valid="2025-06-20",
    ),
    "inspection: day": Target(
        "jinan_resident",
        "POST",
        _at("/resident/inspections/new/"),
        _query("day", facility=JINAN_PRISON, kind="定期检查", inspectors="检察官甲", **CHECKS),
        valid="2025-06-03",
    ),
    "talk: day": Target(
        "jinan_resident",
        "POST",
        _at("/resident/talks/new/"),
        _query(
            "day",
            facility=JINAN_PRISON,
            kind="个别谈话",
            person=HELD_NUMBER,
            subject="了解改造情况",
            content="情绪稳定",
        ),
        valid="2025-06-03",
    ),
    "complaint: received on": Target(
        "jinan_resident",
        "POST",
        _at("/resident/complaints/new/"),
        _query(
            "received_on",
            facility=JINAN_PRISON,
            kind="控告",
            complainant="王守法",
            content="反映问题",
        ),
        valid="2025-06-03",
    ),
    "complaint progress: transferred on": Target(
        "jinan_resident",
        "POST",
        _of("/resident/complaints/{pk}/", "complaint"),
        _query("transferred_on", transferred_to="监狱纪委"),
        EMPTY,
        "2025-06-04",
    ),
    "complaint progress: replied on": Target(
        "jinan_resident",
        "POST",
        _of("/resident/complaints/{pk}/", "complaint"),
        _query("replied_on", reply="已答复"),
        EMPTY,
        "2025-06-05",
    ),
    "registers: month": Target(
        "jinan_resident",
        "GET",
        _at("/resident/reports/"),
        _query("month", facility=JINAN_PRISON, kind="registers"),
        valid="2025-06",
    ),
    "monthly report: month": Target(
        "jinan_resident",
        "GET",
        _at("/resident/reports/"),
        _query("month", facility=JINAN_PRISON, kind="monthly"),
        valid="2025-06",
    ),
    "statistics: start": Target(
        "province_head", "GET", _at("/resident/statistics/"), _query("start"), EMPTY, "2025-06-01"
    ),
    "statistics: end": Target(
        "province_head", "GET", _at("/resident/statistics/"), _query("end"), EMPTY, "2025-06-30"
    ),
    "import batch: page": Target(
        "modeller",
        "GET",
        lambda scene, value: f"/data/batches/{scene.objects['batch']}/",
        _query("page"),
        ANY,
        "1",
    ),
    "person page: key": Target("province_head", "GET", _typed("/people/{value}/")),
    "dashboard": Target("province_head", "GET", _at("/dashboard/"), _query("page"), ANY),
    "import job: id": Target("modeller", "GET", _typed("/data/jobs/{value}/")),
    "model run: data date": Target(
        "modeller",
        "POST",
        _at("/models/parole_min_served/run/"),
        _query("as_of"),
        valid="2025-06-30",
    ),
    "audit log: page": Target("admin", "GET", _at("/audit/"), _query("page"), ANY, "1"),
}


@pytest.fixture(scope="module")
def warehouse_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_warehouse(tmp_path_factory.mktemp("edges") / "home")


@pytest.fixture
def scene(
    world: World, warehouse_home: Path, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> Scene:
    from zhijian.warehouse.workspace import Workspace
    from zhijian.web.datahub import warehouse_log
    from zhijian.web.leads import actions as leads
    from zhijian.web.leads.actions import sync_run
    from zhijian.web.leads.models import Lead
    from zhijian.web.resident import actions as resident

    monkeypatch.setenv("ZHIJIAN_HOME", str(warehouse_home))
    settings.HOME = warehouse_home
    head, handler = world.users["jinan_head"], world.users["jinan_resident"]
    sync_run(run_result([hit(serial, facility_code=JINAN_PRISON) for serial in (7, 8, 9)]))
    moved = {}
    for serial, name, measure in (
        (7, "measured", Lead.Measure.ORAL),
        (8, "noticed", Lead.Measure.NOTICE),
        (9, "awaiting", Lead.Measure.ORAL),
    ):
        lead = Lead.objects.get(name=f"测试人员{serial}")
        leads.assign_lead(lead, handler, actor=head)
        leads.start_verification(lead, actor=handler)
        leads.confirm_lead(lead, actor=handler)
        moved[name] = leads.choose_measure(lead, measure, actor=handler)
    leads.record_oral_correction(moved["awaiting"], due_date=date(2099, 1, 1), actor=handler)
    records = write_everything(world)
    rectification = resident.add_rectification(
        records["problem"], requirement="更换铺板", due_date=date(2025, 7, 1), actor=handler
    )
    batch = warehouse_log.recent_batches(Workspace(warehouse_home))[0].batch_id
    objects = {**moved, **records, "rectification": rectification, "batch": batch}
    return Scene(world, objects)


@pytest.mark.parametrize("value", VALUES, ids=repr)
@pytest.mark.parametrize("name", TARGETS)
def test_no_typed_date_or_page_number_gives_a_500(scene: Scene, name: str, value: str) -> None:
    target = TARGETS[name]
    client = Client(raise_request_exception=False)
    client.force_login(scene.world.users[target.user])
    path, data = target.path(scene, value), target.data(scene, value)
    changes = _changes()
    before = _state(scene)

    response = client.get(path, data) if target.method == "GET" else client.post(path, data)
    assert response.status_code in (200, 302, 400, 404), (name, value, response.status_code)

    if value in target.accepts:
        return
    if target.method == "POST":
        assert _state(scene) == before
        assert _changes() == changes
    if response.status_code in (200, 302, 400):
        said = _said(client, response)
        assert any(refusal in said for refusal in REFUSALS), (name, value, said[:2000])


def _said(client: Client, response: Any) -> str:
    """The page's text, or for a redirect the messages it left for the next page."""
    if response.status_code == 302:
        return " ".join(str(message) for message in get_messages(response.wsgi_request))
    if not response.get("Content-Type", "").startswith("text/html"):
        return ""  # a download: the value was taken
    return str(response.content.decode())


def _changes() -> int:
    """Audit rows of changes (those of looks at a person's data start with 查看, 查找)."""
    looks = AuditEntry.objects.filter(action__startswith="查看") | AuditEntry.objects.filter(
        action__startswith="查找"
    )
    return AuditEntry.objects.count() - looks.count()


def _state(scene: Scene) -> tuple[Any, ...]:
    """What a refused POST must leave as it was."""
    from zhijian.web.leads.models import Lead
    from zhijian.web.resident.models import Complaint, DailyLog, Inspection, Rectification, Talk

    leads = tuple(Lead.objects.order_by("pk").values_list("status", "due_date", "reply_date"))
    rectifications = tuple(
        Rectification.objects.order_by("pk").values_list("status", "followed_up_on", "due_date")
    )
    complaints = tuple(Complaint.objects.order_by("pk").values_list("transferred_on", "replied_on"))
    counts = tuple(model.objects.count() for model in (DailyLog, Inspection, Talk, Complaint))
    return leads, rectifications, complaints, counts


@pytest.mark.parametrize(
    "name", [name for name, target in TARGETS.items() if target.valid is not None]
)
def test_a_valid_value_is_taken(scene: Scene, name: str) -> None:
    """The control of the test above: with a value in range each view does its work (a
    POST writes its audit row), so the refusals there come from the value alone."""
    target = TARGETS[name]
    assert target.valid is not None
    client = Client()
    client.force_login(scene.world.users[target.user])
    path, data = target.path(scene, target.valid), target.data(scene, target.valid)
    changes = _changes()
    response = client.get(path, data) if target.method == "GET" else client.post(path, data)
    assert response.status_code in (200, 302), (name, response.status_code)
    said = _said(client, response)
    assert [refusal for refusal in REFUSALS if refusal in said] == [], name
    if target.method == "POST":
        assert _changes() == changes + 1, name
