"""The model library page and 立即运行: figures scoped by unit, a run in the background
with the immediate task backend, its failures, and who may run a model."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.web.hits import hit, run_result
from tests.web.personas import JINAN_DETENTION, JINAN_PRISON, PERSONAS, QINGDAO_PRISON, World
from zhijian.supervision.errors import ModelError
from zhijian.synth.config import SCALES, Config
from zhijian.synth.generator import generate
from zhijian.warehouse.ingest import import_directory
from zhijian.warehouse.workspace import Workspace
from zhijian.web.audit.models import AuditEntry
from zhijian.web.leads.actions import sync_run
from zhijian.web.leads.models import Lead, ModelRun
from zhijian.web.library.models import BackgroundJob
from zhijian.web.people.models import PersonKey, PersonKeyIndex

MODEL = "parole_prohibited"
AS_OF = "2025-06-30"
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
RUNNERS = ("modeller", "admin")


@pytest.fixture(scope="module")
def province(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace holding the tiny synthetic province (seed 3), imported."""
    root = tmp_path_factory.mktemp("library")
    generate(Config(SCALES["tiny"], 3, root / "data", format="parquet"), quiet=True)
    workspace = Workspace(root / "home")
    import_directory(root / "data", workspace=workspace)
    return workspace.home


@pytest.fixture
def immediate(settings: Any, province: Path) -> Any:
    """Tasks run at once, on the synthetic province."""
    settings.TASKS = IMMEDIATE
    settings.HOME = province
    return settings


def client_for(world: World, username: str) -> Client:
    client = Client()
    client.force_login(world.users[username])
    return client


# --- the library page: figures over the leads the user may see ---------------------

# facility → statuses of its parole_prohibited leads
STATUSES = {
    JINAN_PRISON: ("属实", "监督中", "不属实", "待核查", "不再命中"),
    JINAN_DETENTION: ("不属实", "办结"),
    QINGDAO_PRISON: ("已整改", "不属实", "不属实", "逾期未整改", "待整改回复"),
}


@pytest.fixture
def verified(world: World) -> World:
    """parole_prohibited leads in every facility, in the statuses of ``STATUSES``."""
    hits, statuses = [], []
    for facility, wanted in STATUSES.items():
        for status in wanted:
            hits.append(hit(100 + len(hits), model_id=MODEL, facility_code=facility))
            statuses.append(status)
    sync_run(run_result(hits, model_id=MODEL))
    for lead, status in zip(
        Lead.objects.filter(model_id=MODEL).order_by("pk"), statuses, strict=True
    ):
        Lead.objects.filter(pk=lead.pk).update(status=status)
    return world


def figures(html: str, model_id: str) -> dict[str, str]:
    """The figure cells of one model's row of the list page."""
    row = re.search(rf'<tr id="model-{model_id}">(.*?)</tr>', html, re.S)
    assert row is not None
    return dict(re.findall(r'data-figure="(\w+)">([^<]*)<', row.group(1)))


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        # 济南监狱: 属实 + 监督中 confirmed, one 不属实; 待核查 and 不再命中 undecided
        ("jinan_resident", {"leads": "5", "confirmed": "2", "excluded": "1", "rate": "66.7%"}),
        # + 济南看守所: 办结 confirmed, one more 不属实
        ("jinan_head", {"leads": "7", "confirmed": "3", "excluded": "2", "rate": "60.0%"}),
        # + 青岛: 已整改, 逾期未整改, 待整改回复 confirmed; two more 不属实
        ("province_head", {"leads": "12", "confirmed": "6", "excluded": "4", "rate": "60.0%"}),
        ("qingdao_resident", {"leads": "5", "confirmed": "3", "excluded": "2", "rate": "60.0%"}),
        # the circuit member's unit, 青岛市院, supervises through its resident office
        ("circuit_member", {"leads": "5", "confirmed": "3", "excluded": "2", "rate": "60.0%"}),
    ],
)
def test_list_figures_are_exact_and_scoped_by_unit(
    verified: World, username: str, expected: dict[str, str]
) -> None:
    response = client_for(verified, username).get(reverse("library:list"))
    assert response.status_code == 200
    assert figures(response.content.decode(), MODEL) == expected


def test_list_groups_every_model_by_category_with_its_law_and_parameters(world: World) -> None:
    response = client_for(world, "jinan_resident").get(reverse("library:list"))
    html = response.content.decode()
    groups = response.context["groups"]
    assert [category for category, _ in groups] == [
        "刑罚变更执行监督",
        "监管执法与交付执行监督",
        "社区矫正监督",
        "跨部门数据比对",
    ]
    assert sum(len(rows) for _, rows in groups) == 14
    assert "不得假释而假释" in html
    assert "《中华人民共和国刑法》第八十一条第二款" in html
    assert "不得假释。" in html  # the text of the provision
    assert "<code>min_term_months</code> = 120" in html
    assert "暴力犯罪禁止假释的刑期下限（月）" in html
    # nobody verified anything yet: no rate
    assert figures(html, MODEL) == {"leads": "0", "confirmed": "0", "excluded": "0", "rate": "—"}


def test_list_counts_runs_and_takes_a_fixed_number_of_queries(
    verified: World, django_assert_num_queries: Callable[..., Any]
) -> None:
    sync_run(run_result([], model_id=MODEL))
    client = client_for(verified, "jinan_resident")
    client.get(reverse("library:list"))  # the first request after log-in refreshes the session
    # session, user with its unit and the access stamp, published uploads, lead figures,
    # run figures (roles and facilities are cached since the first request; the session
    # is not written again within the minute)
    with django_assert_num_queries(5):
        response = client.get(reverse("library:list"))
    html = response.content.decode()
    assert re.search(rf'<tr id="model-{MODEL}">.*?2 次<br>', html, re.S)
    assert re.search(r'<tr id="model-overdue_release">.*?尚未运行', html, re.S)


def test_detail_shows_law_parameters_runs_and_scoped_figures(verified: World) -> None:
    client = client_for(verified, "jinan_head")
    response = client.get(reverse("library:detail", args=[MODEL]))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-figure="leads">7（仍在数据中 7）' in html
    assert 'data-figure="decided">3 / 2' in html
    assert 'data-figure="rate">60.0%' in html
    assert "对累犯以及因故意杀人" in html
    assert "min_term_months" in html
    assert "<td>12</td>" in html  # the run's hits (all facilities)
    assert "立即运行" not in html  # a department head may not run models


def test_detail_of_an_unknown_model_is_a_404(world: World) -> None:
    response = client_for(world, "modeller").get(reverse("library:detail", args=["no_such"]))
    assert response.status_code == 404


def test_the_pages_need_a_login(world: World) -> None:
    response = Client().get(reverse("library:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- 立即运行 ---------------------------------------------------------------------


def run_now(client: Client, capture: Any, **fields: str) -> Any:
    data = {"as_of": AS_OF, "param_min_term_months": "120", **fields}
    with capture(execute=True):
        return client.post(reverse("library:run", args=[MODEL]), data)


@pytest.mark.parametrize("username", RUNNERS)
def test_run_now_runs_the_model_and_syncs_its_leads(
    world: World, immediate: Any, django_capture_on_commit_callbacks: Any, username: str
) -> None:
    client = client_for(world, username)

    response = run_now(client, django_capture_on_commit_callbacks)

    job = BackgroundJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("library:job", args=[job.pk])
    run = ModelRun.objects.get(model_id=MODEL)
    assert (job.kind, job.status, job.progress) == ("模型运行", "完成", 100)
    assert job.parameters == {"model_id": MODEL, "as_of": AS_OF, "params": {"min_term_months": 120}}
    assert job.result["run_id"] == run.pk
    assert (run.hit_count, run.new_count, run.dropped_count, run.complete) == (3, 3, 0, True)
    assert run.as_of == date(2025, 6, 30)
    assert run.params == {"min_term_months": 120}
    assert Lead.objects.filter(model_id=MODEL, last_seen_run=run).count() == 3
    assert job.message == "命中 3 条，新增线索 3 条，不再命中 0 条"
    assert job.task_id
    assert job.started_at is not None and job.finished_at is not None
    actions = list(AuditEntry.objects.filter(object_type="后台任务").values_list("action", "actor"))
    assert actions == [("提交模型运行", world.users[username].pk), ("完成模型运行", None)]
    # the new leads' people are in the key index: their pages open without a catch-up
    numbers = set(Lead.objects.filter(last_seen_run=run).values_list("id_number", flat=True))
    indexed = set(PersonKey.objects.values_list("id_number", flat=True))
    assert numbers <= indexed
    assert PersonKeyIndex.objects.get().last_lead_id == Lead.objects.order_by("pk").last().pk

    page = client.get(response["Location"]).content.decode()
    assert 'data-figure="hits">3<' in page and 'data-figure="new">3<' in page
    assert 'data-figure="dropped">0<' in page
    assert "hx-trigger" not in page  # finished: no more polling


def test_a_second_run_with_other_parameters_finds_no_new_lead_and_drops_the_missed(
    world: World, immediate: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for(world, "modeller")
    run_now(client, django_capture_on_commit_callbacks)
    # given a term threshold no sentence reaches, only the recidivists still hit
    run_now(client, django_capture_on_commit_callbacks, param_min_term_months="100000")

    first, second = ModelRun.objects.filter(model_id=MODEL).order_by("pk")
    job = BackgroundJob.objects.order_by("pk").last()
    assert job is not None and job.status == "完成"
    assert second.params == {"min_term_months": 100000}
    assert second.new_count == 0
    assert second.hit_count + second.dropped_count == first.hit_count == 3
    assert job.result["dropped"] == second.dropped_count


def test_the_job_page_polls_while_the_job_is_queued(
    world: World, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # given the dummy backend: the task is queued and nobody runs it
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    client = client_for(world, "modeller")
    response = run_now(client, django_capture_on_commit_callbacks)

    job = BackgroundJob.objects.get()
    assert (job.status, job.progress) == ("排队中", 0)
    page = client.get(response["Location"]).content.decode()
    progress_url = reverse("library:job_progress", args=[job.pk])
    assert f'hx-get="{progress_url}" hx-trigger="every 1s"' in page
    panel = client.get(progress_url)
    assert panel.status_code == 200
    assert "<html" not in panel.content.decode()
    assert 'data-status="排队中"' in panel.content.decode()
    assert not ModelRun.objects.filter(model_id=MODEL).exists()


def test_a_run_the_engine_reports_failed_ends_the_job_failed(
    world: World,
    immediate: Any,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def time_out(*args: Any, **kwargs: Any) -> Any:
        raise ModelError(f"模型 {MODEL} 运行超过时间限制")

    monkeypatch.setattr("zhijian.supervision.engine.evaluate", time_out)
    client = client_for(world, "modeller")

    response = run_now(client, django_capture_on_commit_callbacks)

    job = BackgroundJob.objects.get()
    run = ModelRun.objects.get(model_id=MODEL)
    assert job.status == "失败"
    assert job.message == f"模型运行出错：模型 {MODEL} 运行超过时间限制"
    assert (run.complete, run.hit_count, run.error) == (False, 0, f"模型 {MODEL} 运行超过时间限制")
    assert list(AuditEntry.objects.values_list("action", flat=True))[-1] == "模型运行失败"
    page = client.get(response["Location"]).content.decode()
    assert "运行超过时间限制" in page


def test_an_unexpected_error_fails_the_job_with_a_chinese_message_and_no_traceback(
    world: World,
    immediate: Any,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr("zhijian.web.library.tasks.run_model", broken)
    client = client_for(world, "modeller")

    response = run_now(client, django_capture_on_commit_callbacks)

    job = BackgroundJob.objects.get()
    assert job.status == "失败"
    assert job.message.startswith("内部错误：模型未能运行完成")
    assert not ModelRun.objects.filter(model_id=MODEL).exists()
    page = client.get(response["Location"]).content.decode()
    assert "内部错误" in page
    assert "secret internal detail" not in page and "Traceback" not in page


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"as_of": "2999-01-01"}, "数据查询日不能晚于今天"),
        ({"as_of": "not-a-date"}, "有效的日期"),
        ({"param_min_term_months": "-5"}, "大于或等于0"),
        ({"param_min_term_months": "十年"}, "整数"),
    ],
)
def test_invalid_input_queues_nothing(
    world: World,
    immediate: Any,
    django_capture_on_commit_callbacks: Any,
    fields: dict[str, str],
    error: str,
) -> None:
    response = run_now(client_for(world, "modeller"), django_capture_on_commit_callbacks, **fields)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not BackgroundJob.objects.exists()
    assert not AuditEntry.objects.filter(object_type="后台任务").exists()


@pytest.mark.parametrize("username", sorted(set(PERSONAS) - set(RUNNERS)))
def test_only_modellers_and_administrators_may_run_a_model(
    world: World, immediate: Any, django_capture_on_commit_callbacks: Any, username: str
) -> None:
    client = client_for(world, username)
    audit_rows = AuditEntry.objects.count()
    leads = Lead.objects.count()

    response = run_now(client, django_capture_on_commit_callbacks)

    assert response.status_code == 403
    assert not BackgroundJob.objects.exists()
    assert not ModelRun.objects.filter(model_id=MODEL).exists()
    assert Lead.objects.count() == leads
    assert AuditEntry.objects.count() == audit_rows


def test_other_roles_cannot_open_a_job(
    world: World, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    run_now(client_for(world, "modeller"), django_capture_on_commit_callbacks)
    job = BackgroundJob.objects.get()
    resident = client_for(world, "jinan_resident")
    assert resident.get(reverse("library:job", args=[job.pk])).status_code == 403
    assert resident.get(reverse("library:job_progress", args=[job.pk])).status_code == 403
    admin = client_for(world, "admin")
    assert admin.get(reverse("library:job", args=[job.pk])).status_code == 200
    assert admin.get(reverse("library:job", args=[job.pk + 1])).status_code == 404


def test_run_now_is_post_only_and_checks_csrf(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["modeller"])
    url = reverse("library:run", args=[MODEL])
    assert client.get(url).status_code == 405
    assert client.post(url, {"as_of": AS_OF}).status_code == 403
    assert not BackgroundJob.objects.exists()


def test_a_modeller_sees_the_run_form_with_the_defaults_and_recent_jobs(
    world: World, immediate: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for(world, "modeller")
    run_now(client, django_capture_on_commit_callbacks)
    job = BackgroundJob.objects.get()

    html = client.get(reverse("library:detail", args=[MODEL])).content.decode()

    assert "立即运行" in html
    assert 'name="param_min_term_months" value="120"' in html
    assert reverse("library:job", args=[job.pk]) in html
    assert 'name="csrfmiddlewaretoken"' in html
