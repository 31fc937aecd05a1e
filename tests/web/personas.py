"""The people of the web tests: two cities' procuratorates and who works in them.

济南: 济南市人民检察院 → 济南市人民检察院派驻测试监狱检察室 supervises JN-JY01 (a prison);
济南市历下区人民检察院 supervises JN-KSS (a detention centre). 青岛: 青岛市人民检察院 →
派驻检察室 supervising QD-JY01. The 省院 sits above both. Each persona is a user; every
password is ``PASSWORD``. Leads: one at each facility (``world.leads[code]``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from tests.web.hits import hit, run_result
from zhijian.web.accounts import actions as accounts
from zhijian.web.accounts.models import Role, SupervisedFacility, Unit, User
from zhijian.web.leads.actions import sync_run
from zhijian.web.leads.models import Lead

PASSWORD = "Zhijian-Test-2026"
JINAN_PRISON = "JN-JY01"
JINAN_DETENTION = "JN-KSS"
QINGDAO_PRISON = "QD-JY01"
FACILITIES = (
    {
        "facility_code": JINAN_PRISON,
        "name": "山东省测试监狱",
        "facility_type": "监狱",
        "region_code": "370102",
        "supervising_procuratorate": "济南市人民检察院派驻测试监狱检察室",
    },
    {
        "facility_code": JINAN_DETENTION,
        "name": "济南市历下区看守所",
        "facility_type": "看守所",
        "region_code": "370102",
        "supervising_procuratorate": "济南市历下区人民检察院",
    },
    {
        "facility_code": QINGDAO_PRISON,
        "name": "山东省青岛测试监狱",
        "facility_type": "监狱",
        "region_code": "370202",
        "supervising_procuratorate": "青岛市人民检察院派驻青岛测试监狱检察室",
    },
)
# username → (full name, unit name, roles)
PERSONAS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "jinan_resident": (
        "济南派驻检察官",
        "济南市人民检察院派驻测试监狱检察室",
        (Role.Code.RESIDENT,),
    ),
    "jinan_head": ("济南部门负责人", "济南市人民检察院", (Role.Code.HEAD,)),
    "qingdao_resident": (
        "青岛派驻检察官",
        "青岛市人民检察院派驻青岛测试监狱检察室",
        (Role.Code.RESIDENT,),
    ),
    "province_head": ("省院负责人", "山东省人民检察院", (Role.Code.HEAD,)),
    "circuit_member": ("巡回检察组成员", "青岛市人民检察院", (Role.Code.CIRCUIT,)),
    "modeller": ("建模人员", "山东省人民检察院", (Role.Code.MODELLER,)),
    "investigator": ("济南侦查人员", "济南市人民检察院", (Role.Code.INVESTIGATOR,)),
    "admin": ("系统管理员", "山东省人民检察院", (Role.Code.ADMIN,)),
}


@dataclass
class World:
    users: dict[str, User] = field(default_factory=dict)
    leads: dict[str, Lead] = field(default_factory=dict)

    def unit(self, name: str) -> Unit:
        return Unit.objects.get(name=name)

    def facility(self, code: str) -> SupervisedFacility:
        return SupervisedFacility.objects.get(facility_code=code)


def build_world() -> World:
    """Units, facilities, the personas and one lead per facility."""
    accounts.seed_from_facilities(FACILITIES)
    world = World()
    for username, (full_name, unit_name, roles) in PERSONAS.items():
        world.users[username] = accounts.create_user(
            username,
            PASSWORD,
            full_name=full_name,
            unit=Unit.objects.get(name=unit_name),
            roles=roles,
        )
    hits = [
        hit(serial, facility_code=code, name=f"测试人员{serial}")
        for serial, code in enumerate((JINAN_PRISON, JINAN_DETENTION, QINGDAO_PRISON), start=1)
    ]
    sync_run(run_result(hits))
    for lead in Lead.objects.all():
        world.leads[lead.facility_code] = lead
    return world


TODAY = date(2026, 11, 27)
