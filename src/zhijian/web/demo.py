"""``zhijian demo``: a whole platform on a synthetic province, ready in a few minutes.

The workspace is prepared once (generate the small synthetic province, import it, build
the unit tree from its facilities, run every model, create the demo users) and then
served; a second ``zhijian demo`` on the same workspace serves at once. Demo users'
passwords are generated on the first run, kept in ``demo-users.json`` (mode 0600) and
printed each time. Everything shown is synthetic: no real person is in it.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from zhijian.synth.config import DEFAULT_AS_OF, SCALES, Config
from zhijian.warehouse.workspace import Workspace

Say = Callable[[str], None]
USERS_FILE = "demo-users.json"
SEED = 2026


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    full_name: str
    unit: str
    roles: tuple[str, ...]


def prepare(
    workspace: Workspace, *, scale: str = "small", fresh: bool = False, say: Say = print
) -> list[DemoUser]:
    """Make the workspace a demo (unless it already is one) and return its users."""
    users_file = workspace.home / USERS_FILE
    if users_file.exists() and not fresh:
        say(f"演示工作区已就绪：{workspace.home}")
        return _read_users(users_file)
    workspace.init()
    source = workspace.home / "demo-source"
    say(f"1/5 生成合成数据（{scale} 规模，山东全省）→ {source}")
    _generate(source, scale)
    say("2/5 导入数据仓库")
    _import(workspace, source, say)
    say("3/5 按场所建立单位树")
    _seed_units(workspace)
    say("4/5 运行全部监督模型")
    _run_models(workspace, say)
    say("5/5 创建演示用户")
    users = _create_users()
    _work_some_leads(say)
    _fill_resident(say)
    users_file.write_text(
        json.dumps([u.__dict__ for u in users], ensure_ascii=False, indent=2), "utf-8"
    )
    os.chmod(users_file, 0o600)
    return users


def _generate(source: Path, scale: str) -> None:
    from zhijian.synth.generator import generate

    generate(
        Config(scale=SCALES[scale], seed=SEED, out=source, as_of=DEFAULT_AS_OF, format="parquet"),
        quiet=True,
    )


def _import(workspace: Workspace, source: Path, say: Say) -> None:
    from zhijian.warehouse.ingest import import_directory

    summaries = import_directory(source, workspace=workspace, source="演示数据")
    rows = sum(s.received for s in summaries)
    rejected = sum(s.rejected for s in summaries)
    say(f"    {len(summaries)} 个文件，{rows:,} 行，拒收 {rejected:,} 行")


def facility_rows(workspace: Workspace) -> list[dict[str, Any]]:
    """The warehouse's facilities, as the unit seeding reads them."""
    from zhijian.warehouse.compute import connect

    snapshot = connect(workspace)
    try:
        cursor = snapshot.connection.execute(
            "select facility_code, name, facility_type, region_code, supervising_procuratorate"
            " from facilities order by facility_code"
        )
        columns = [d[0] for d in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    finally:
        snapshot.connection.close()


def _seed_units(workspace: Workspace) -> None:
    from zhijian.web.accounts.actions import seed_from_facilities

    seed_from_facilities(facility_rows(workspace))


def _run_models(workspace: Workspace, say: Say) -> None:
    from zhijian.supervision.engine import run_models
    from zhijian.supervision.spec import load_library
    from zhijian.web.leads.actions import sync_run

    for result in run_models(load_library(), DEFAULT_AS_OF, workspace=workspace):
        run = sync_run(result)
        status = f"错误：{result.error}" if result.error else f"{len(result.hits)} 条命中"
        say(f"    {result.model_name}：{status}（新线索 {run.new_count}）")
    from zhijian.web.people.keyindex import catch_up_with_leads

    catch_up_with_leads()  # so that no person page waits for it


def _create_users() -> list[DemoUser]:
    from zhijian.web.accounts.actions import create_user, grant_facility
    from zhijian.web.accounts.models import Role, SupervisedFacility, Unit
    from zhijian.web.leads.models import Lead

    def busiest_prison(city_code: str) -> SupervisedFacility:
        prisons = SupervisedFacility.objects.filter(city_code=city_code, facility_type="监狱")
        return max(
            prisons,
            key=lambda f: (Lead.objects.filter(facility_code=f.facility_code).count(), f.pk),
        )

    province = Unit.objects.get(parent=None)
    jinan_prison = busiest_prison("370100")
    qingdao_prison = busiest_prison("370200")
    plan = (
        ("shengyuan", "省院部门负责人", province, (Role.Code.HEAD,)),
        (
            "jinan_head",
            "济南市院部门负责人",
            Unit.objects.get(name="济南市人民检察院"),
            (Role.Code.HEAD,),
        ),
        ("jinan_resident", "济南派驻检察官", jinan_prison.unit, (Role.Code.RESIDENT,)),
        ("qingdao_resident", "青岛派驻检察官", qingdao_prison.unit, (Role.Code.RESIDENT,)),
        (
            "circuit",
            "巡回检察组成员",
            Unit.objects.get(name="青岛市人民检察院"),
            (Role.Code.CIRCUIT,),
        ),
        ("modeller", "省院建模人员", province, (Role.Code.MODELLER,)),
        ("investigator", "省院侦查人员", province, (Role.Code.INVESTIGATOR,)),
        ("admin", "系统管理员", province, (Role.Code.ADMIN,)),
    )
    users = []
    for username, full_name, unit, roles in plan:
        password = f"zj-{secrets.token_urlsafe(8)}"
        user = create_user(username, password, full_name=full_name, unit=unit, roles=roles)
        users.append(DemoUser(username, password, full_name, unit.name, tuple(roles)))
        if username == "circuit":
            from django.utils import timezone

            grant_facility(
                user,
                jinan_prison,
                ends_at=timezone.now() + timedelta(days=30),
                reason="演示：跨市交叉巡回检察",
            )
    return users


def _work_some_leads(say: Say) -> None:
    """A few of the 济南 prison's leads assigned and in verification, so the workbench
    shows a workflow under way; the rest wait for assignment."""
    from zhijian.web.accounts.access import leads_for
    from zhijian.web.accounts.models import User
    from zhijian.web.leads.actions import assign_lead, start_verification

    head = User.objects.get(username="jinan_head")
    resident = User.objects.get(username="jinan_resident")
    waiting = leads_for(resident).filter(status="待分派").order_by("pk")[:6]
    for number, lead in enumerate(waiting):
        lead = assign_lead(lead, resident, actor=head, reason="演示：分派给派驻检察官核查")
        if number % 2 == 0:
            start_verification(lead, actor=resident)
    say(f"    已将 {len(waiting)} 条线索分派给济南派驻检察官")


def _fill_resident(say: Say) -> None:
    from zhijian.web.resident.demo import fill

    say("    派驻检察演示记录（检察日志、谈话、安全防范检察）")
    fill(DEFAULT_AS_OF, say=say)


def _read_users(path: Path) -> list[DemoUser]:
    rows = json.loads(path.read_text("utf-8"))
    return [DemoUser(**{**row, "roles": tuple(row["roles"])}) for row in rows]


def print_users(users: list[DemoUser], url: str, *, serving: bool, say: Say = print) -> None:
    say("")
    if serving:
        say(f"智慧执检演示：{url} （按 Ctrl+C 停止）")
    else:
        say(f"演示工作区已准备好；启动网页：zhijian demo（之后打开 {url}）")
    say("演示用户（数据均为合成，无真实人员）：")
    for user in users:
        say(f"  {user.username:18} 密码 {user.password:16} {user.full_name}（{user.unit}）")


def as_of() -> date:
    return DEFAULT_AS_OF
