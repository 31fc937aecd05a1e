"""The person page (人员全息档案) and the person search, over a small warehouse.

The warehouse holds, imported from CSV through the real importer:
- 测试人员1 (``id_number(1)``, also the world's lead at JN-JY01): a detention stage at
  JN-KSS, a judgment, custody at JN-JY01, a reduction, parole, community corrections,
  a correction event, benefit payments in three months and a death;
- a person named ``<script>…`` held at QD-JY01;
- 历下看守 at JN-KSS only (the 历下区院 and the 济南市院 supervise it, not the prison's
  resident office);
- 社区矫正人员: community corrections only, no facility: the 省院 alone sees them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from tests.web.hits import id_number
from tests.web.personas import JINAN_PRISON, World
from zhijian.law.idnumber import mask_id_number
from zhijian.warehouse.ingest import import_file
from zhijian.warehouse.workspace import Workspace
from zhijian.web.audit.models import AuditEntry
from zhijian.web.people.keys import person_key
from zhijian.web.people.models import PersonKey

PAROLEE = id_number(1)
SCRIPT = id_number(50)
DETAINEE = id_number(51)
CORRECTIONS_ONLY = id_number(52)
SCRIPT_NAME = "<script>alert(1)</script>"

TABLES: dict[str, list[str]] = {
    "detention_stages": [
        "stage_id,detention_id,id_number,name,facility_code,case_number,handling_agency,"
        "stage,stage_start",
        f"S1,D1,{PAROLEE},测试人员1,JN-KSS,（2020）济公刑字1号,济南市公安局历下分局,侦查,"
        "2020-03-01",
        f"S2,D2,{DETAINEE},历下看守,JN-KSS,（2025）济公刑字9号,济南市公安局历下分局,侦查,"
        "2025-06-01",
    ],
    "judgments": [
        "judgment_id,case_number,court_name,id_number,name,crimes,principal_penalty,"
        "term_months,recidivist,limited_reduction,life_without_parole,judgment_date,"
        "effective_date,term_start,term_end",
        f"J1,（2020）鲁0102刑初1号,济南市历下区人民法院,{PAROLEE},测试人员1,盗窃罪,有期徒刑,"
        "36,否,否,否,2020-08-20,2020-09-01,2020-03-01,2023-02-28",
    ],
    "custody_records": [
        "record_id,facility_code,id_number,name,custody_type,judgment_id,admission_date,"
        "release_date,release_reason,status",
        f"C1,{JINAN_PRISON},{PAROLEE},测试人员1,服刑,J1,2020-10-10,2023-01-15,假释,已出所",
        f"C2,QD-JY01,{SCRIPT},{SCRIPT_NAME},服刑,,2021-05-05,,,在押",
    ],
    "sentence_changes": [
        "change_id,id_number,name,judgment_id,facility_code,change_type,decision_date,"
        "decided_by,reduction_months",
        f"X1,{PAROLEE},测试人员1,J1,{JINAN_PRISON},减刑,2022-05-06,济南市中级人民法院,3",
    ],
    "community_corrections": [
        "case_id,id_number,name,correction_type,agency_region_code,decision_effective_date,status",
        f"K1,{PAROLEE},测试人员1,假释,370102,2023-01-14,在矫",
        f"K2,{CORRECTIONS_ONLY},社区矫正人员,缓刑,370202,2024-02-02,在矫",
    ],
    "correction_events": [
        "event_id,case_id,id_number,event_type,event_date",
        f"E1,K1,{PAROLEE},报到,2023-01-20",
    ],
    "benefit_payments": [
        "id_number,name,benefit_type,month,kind,amount_yuan,paying_region_code",
        f"{PAROLEE},测试人员1,城乡居民基本养老金,2024-01,发放,150.00,370102",
        f"{PAROLEE},测试人员1,高龄津贴,2024-01,发放,100.50,370102",
        f"{PAROLEE},测试人员1,城乡居民基本养老金,2024-02,发放,150.00,370102",
        f"{PAROLEE},测试人员1,城乡居民基本养老金,2024-04,发放,150.00,370102",
    ],
    "deaths": [
        "id_number,name,death_date,source",
        f"{PAROLEE},测试人员1,2024-03-05,公安户籍注销",
    ],
}


@pytest.fixture(scope="module")
def warehouse_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("people-home")
    workspace = Workspace(home)
    workspace.init()
    for dataset, lines in TABLES.items():
        path = home / f"{dataset}.csv"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        summary = import_file(dataset, path, workspace=workspace)
        assert summary.rejected == 0, (dataset, summary)
    return home


@pytest.fixture
def people_world(world: World, warehouse_home: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    monkeypatch.setenv("ZHIJIAN_HOME", str(warehouse_home))
    return world


def client_for(world: World, username: str) -> Client:
    client = Client()
    client.force_login(world.users[username])
    return client


def page_of(number: str) -> str:
    return reverse("people:detail", kwargs={"key": person_key(number)})


def remember(*numbers: str) -> None:
    """As a search would: index the keys of people without leads."""
    from zhijian.web.people.keyindex import remember

    remember(numbers)


def test_the_timeline_runs_across_datasets_in_date_order(people_world: World) -> None:
    response = client_for(people_world, "jinan_resident").get(page_of(PAROLEE))

    assert response.status_code == 200
    page = response.content.decode()
    headings = [e.heading for e in response.context["person"].timeline.events]
    assert headings == [
        "羁押阶段",
        "裁判生效",
        "收押",
        "刑罚变更",
        "社区矫正",
        "出所",
        "矫正事件",
        "死亡登记",
    ]
    dates = [e.at.date().isoformat() for e in response.context["person"].timeline.events]
    assert dates == sorted(dates)
    positions = [page.index(text) for text in ("2020-03-01", "2020-09-01", "2022-05-06")]
    assert positions == sorted(positions)
    assert "山东省测试监狱（JN-JY01）" in page  # the facility named, not just its code
    assert "济南市历下区看守所（JN-KSS）" in page
    assert PAROLEE in page  # whole on the person page: the showing is audited


def test_benefit_payments_are_summarised_by_month(people_world: World) -> None:
    response = client_for(people_world, "jinan_resident").get(page_of(PAROLEE))

    months = [
        (m.month, m.payments, str(m.total_yuan), m.benefit_types)
        for m in response.context["person"].payments
    ]
    assert months == [
        ("2024-01", 2, "250.50", "城乡居民基本养老金、高龄津贴"),
        ("2024-02", 1, "150.00", "城乡居民基本养老金"),
        ("2024-04", 1, "150.00", "城乡居民基本养老金"),
    ]
    assert "<td>2024-01</td><td>2</td><td>250.50</td>" in response.content.decode()


def test_the_persons_leads_in_scope_are_listed(people_world: World) -> None:
    response = client_for(people_world, "jinan_resident").get(page_of(PAROLEE))

    leads = [lead for lead, _ in response.context["leads"]]
    assert leads == [people_world.leads[JINAN_PRISON]]
    assert "两次减刑间隔 11 个月" in response.content.decode()


def test_a_successful_view_writes_one_audit_row(people_world: World) -> None:
    before = AuditEntry.objects.count()

    client_for(people_world, "jinan_resident").get(page_of(PAROLEE))

    assert AuditEntry.objects.count() == before + 1
    entry = AuditEntry.objects.latest("pk")
    assert (entry.action, entry.object_type, entry.object_id, entry.actor_name) == (
        "查看人员档案",
        "人员",
        person_key(PAROLEE),
        "jinan_resident",
    )
    assert entry.detail == {"id_masked": mask_id_number(PAROLEE), "person_key": person_key(PAROLEE)}
    assert entry.facility_code == JINAN_PRISON  # the person's lead is at the prison


def test_another_citys_procurator_gets_a_404_and_no_audit_row(people_world: World) -> None:
    before = AuditEntry.objects.count()

    response = client_for(people_world, "qingdao_resident").get(page_of(PAROLEE))

    assert response.status_code == 404
    assert AuditEntry.objects.count() == before
    assert PAROLEE not in response.content.decode()


@pytest.mark.parametrize(
    ("username", "person", "status"),
    [
        # a lead at JN-JY01 and rows at JN-JY01 and JN-KSS
        ("jinan_resident", PAROLEE, 200),
        ("jinan_head", PAROLEE, 200),
        ("investigator", PAROLEE, 200),
        ("province_head", PAROLEE, 200),
        ("qingdao_resident", PAROLEE, 404),
        ("circuit_member", PAROLEE, 404),
        # rows at JN-KSS only: the 济南市院 sees it, the prison's resident office does not
        ("jinan_resident", DETAINEE, 404),
        ("jinan_head", DETAINEE, 200),
        ("qingdao_resident", DETAINEE, 404),
        ("province_head", DETAINEE, 200),
        # held at QD-JY01
        ("qingdao_resident", SCRIPT, 200),
        ("jinan_head", SCRIPT, 404),
        # community corrections only, no facility: the 省院 alone
        ("province_head", CORRECTIONS_ONLY, 200),
        ("jinan_head", CORRECTIONS_ONLY, 404),
        ("qingdao_resident", CORRECTIONS_ONLY, 404),
    ],
)
def test_who_sees_whom(people_world: World, username: str, person: str, status: int) -> None:
    remember(DETAINEE, SCRIPT, CORRECTIONS_ONLY)
    before = AuditEntry.objects.count()

    response = client_for(people_world, username).get(page_of(person))

    assert response.status_code == status
    assert AuditEntry.objects.count() == before + (1 if status == 200 else 0)


def test_a_lead_holders_key_resolves_without_a_search(people_world: World) -> None:
    PersonKey.objects.all().delete()

    response = client_for(people_world, "jinan_resident").get(page_of(PAROLEE))

    assert response.status_code == 200
    assert PersonKey.objects.filter(key=person_key(PAROLEE), id_number=PAROLEE).exists()


@pytest.mark.parametrize("key", [person_key("370102199001011234"), "0" * 24, "not-a-key"])
def test_an_unknown_key_is_a_404(people_world: World, key: str) -> None:
    before = AuditEntry.objects.count()

    response = client_for(people_world, "province_head").get(
        reverse("people:detail", kwargs={"key": key})
    )

    assert response.status_code == 404
    assert AuditEntry.objects.count() == before


def test_a_warehouse_only_person_is_reached_through_a_search(people_world: World) -> None:
    client = client_for(people_world, "province_head")
    assert client.get(page_of(CORRECTIONS_ONLY)).status_code == 404

    response = client.post(reverse("people:search"), {"query": "社区矫正人员"})

    assert [r.key for r in response.context["results"]] == [person_key(CORRECTIONS_ONLY)]
    assert client.get(page_of(CORRECTIONS_ONLY)).status_code == 200


def test_a_search_by_id_number_opens_the_page(people_world: World) -> None:
    response = client_for(people_world, "jinan_resident").post(
        reverse("people:search"), {"query": f" {PAROLEE.lower()} "}
    )

    assert response.status_code == 302
    assert response["Location"] == page_of(PAROLEE)


def test_a_search_by_id_number_outside_the_scope_finds_nobody(people_world: World) -> None:
    response = client_for(people_world, "qingdao_resident").post(
        reverse("people:search"), {"query": PAROLEE}
    )

    assert response.status_code == 200
    assert response.context["results"] == []
    assert "没有符合条件的人员" in response.content.decode()


@pytest.mark.parametrize(
    ("username", "found"),
    [
        ("jinan_resident", []),
        ("jinan_head", [DETAINEE]),
        ("province_head", [DETAINEE]),
        ("qingdao_resident", []),
    ],
)
def test_a_search_by_name_is_scoped(people_world: World, username: str, found: list[str]) -> None:
    response = client_for(people_world, username).post(
        reverse("people:search"), {"query": "历下看守"}
    )

    assert [r.key for r in response.context["results"]] == [person_key(n) for n in found]


def test_search_results_mask_the_id_number_unless_the_role_allows(people_world: World) -> None:
    head = client_for(people_world, "jinan_head").post(
        reverse("people:search"), {"query": "历下看守"}
    )
    investigator = client_for(people_world, "investigator").post(
        reverse("people:search"), {"query": "历下看守"}
    )

    masked = DETAINEE[:6] + "********" + DETAINEE[-4:]
    assert masked in head.content.decode() and DETAINEE not in head.content.decode()
    assert DETAINEE in investigator.content.decode()


def test_a_search_finds_people_known_only_by_their_leads(people_world: World) -> None:
    response = client_for(people_world, "jinan_head").post(
        reverse("people:search"), {"query": "测试人员2"}
    )

    assert [(r.name, r.lead_count) for r in response.context["results"]] == [("测试人员2", 1)]


def test_a_search_is_a_post_and_a_get_only_shows_the_form(people_world: World) -> None:
    response = client_for(people_world, "province_head").get(
        reverse("people:search"), {"query": PAROLEE}
    )

    assert response.status_code == 200
    assert response.context["results"] is None
    assert PersonKey.objects.count() == 0


def test_a_script_in_a_name_renders_as_text(people_world: World) -> None:
    client = client_for(people_world, "qingdao_resident")
    results = client.post(reverse("people:search"), {"query": SCRIPT_NAME})
    page = client.get(page_of(SCRIPT))

    for response in (results, page):
        html = response.content.decode()
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert SCRIPT_NAME not in html


def test_the_key_index_reads_only_the_leads_created_since_it_last_looked(
    people_world: World,
) -> None:
    from tests.web.hits import hit, run_result
    from zhijian.web.leads.actions import sync_run
    from zhijian.web.people import keyindex
    from zhijian.web.people.models import PersonKeyIndex

    assert keyindex.resolve(person_key(PAROLEE)) == PAROLEE  # reads the three leads
    last = PersonKeyIndex.objects.get().last_lead_id
    sync_run(run_result([hit(60, facility_code=JINAN_PRISON)], model_id="other_model"))

    assert keyindex.resolve(person_key(id_number(60))) == id_number(60)
    assert PersonKeyIndex.objects.get().last_lead_id > last
    assert keyindex.resolve(person_key(id_number(61))) is None


def test_a_new_secret_key_starts_the_index_again(
    people_world: World,
) -> None:
    from zhijian.web.people import keyindex

    old_key = person_key(PAROLEE)
    assert keyindex.resolve(old_key) == PAROLEE

    with override_settings(SECRET_KEY="another-secret-key-for-this-test"):
        assert person_key(PAROLEE) != old_key
        assert keyindex.resolve(person_key(PAROLEE)) == PAROLEE
        assert keyindex.resolve(old_key) is None
