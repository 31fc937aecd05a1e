"""Facilities, courts and staff: the reference data every other dataset points at.

Prisons: the names domain.md §6.2 verified in public reports ([B]/[C]) are used in their
cities; every other city gets a synthetic 山东省<城市>监狱, and the province one women's
prison (山东省女子监狱) and one juvenile facility (山东省未成年犯管教所). Which county a
prison is placed in and every capacity are illustrative, not facts. Each county has a
看守所 and a 社区矫正机构 supervised by the county's 基层人民检察院.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache

import numpy as np

from zhijian.synth.people import County, PersonFactory, cities, counties
from zhijian.synth.tables import Tables

WOMEN = "山东省女子监狱"
JUVENILE = "山东省未成年犯管教所"
# City → (prison name, county code it is placed in); domain.md §6.2, [B] or [C].
VERIFIED_PRISONS = (
    ("山东省淄博监狱", "370303"),
    ("山东省鲁中监狱", "370302"),
    ("山东省湖田监狱", "370304"),
    ("山东省鲁北监狱", "371602"),
    ("山东省微湖监狱", "370826"),
    ("山东省运河监狱", "370883"),
    ("山东省邹城监狱", "370883"),
    ("山东省鲁南监狱", "371302"),
    ("山东省泰安监狱", "370911"),
    ("山东省潍北监狱", "370703"),
)
HIGH_COURT = "山东省高级人民法院"


@dataclass(frozen=True)
class Facility:
    code: str
    name: str
    kind: str  # facility_type
    county: County
    capacity: int
    procuratorate: str


@cache
def prisons() -> tuple[Facility, ...]:
    """Every prison and the juvenile facility, women's prison second to last."""
    by_code = {c.code: c for c in counties()}
    placed = [(name, by_code[code]) for name, code in VERIFIED_PRISONS]
    covered = {county.city_code for _, county in placed}
    for city_code, city in cities():
        if city_code not in covered:
            first = next(c for c in counties() if c.city_code == city_code)
            placed.append((f"山东省{city.removesuffix('市')}监狱", first))
    placed.sort(key=lambda item: (item[1].code, item[0]))
    jinan = next(c for c in counties() if c.city_code == "370100")
    placed += [(WOMEN, jinan), (JUVENILE, jinan)]
    result = []
    for index, (name, county) in enumerate(placed, start=1):
        short = name.removeprefix("山东省")
        kind = "未成年犯管教所" if name == JUVENILE else "监狱"
        procuratorate = f"{county.city}人民检察院派驻{short}检察室"
        capacity = 2000 + (index * 379) % 3000
        result.append(Facility(f"37JY{index:02d}", name, kind, county, capacity, procuratorate))
    return tuple(result)


def general_prisons() -> tuple[Facility, ...]:
    """Prisons for adult men."""
    return tuple(p for p in prisons() if p.name not in (WOMEN, JUVENILE))


def women_prison() -> Facility:
    return next(p for p in prisons() if p.name == WOMEN)


@cache
def detention_centres() -> tuple[Facility, ...]:
    """One 看守所 per county, in county order (index = county index)."""
    return tuple(
        Facility(
            f"{c.code}KSS",
            f"{c.full_name}看守所",
            "看守所",
            c,
            200 + (int(c.code) * 7) % 600,
            f"{c.full_name}人民检察院",
        )
        for c in counties()
    )


@cache
def corrections_agencies() -> tuple[Facility, ...]:
    """One 社区矫正机构 per county, in county order."""
    return tuple(
        Facility(f"{c.code}SQJZ", f"{c.full_name}社区矫正管理局", "社区矫正机构", c, 0, "")
        for c in counties()
    )


def basic_court(county: County) -> str:
    return f"{county.full_name}人民法院"


def intermediate_court(county: County) -> str:
    return f"{county.city}中级人民法院"


def police(county: County) -> str:
    return f"{county.full_name}公安局" if county.name.endswith("区") else f"{county.name}公安局"


def add_facilities(tables: Tables) -> None:
    rows = [*prisons(), *detention_centres(), *corrections_agencies()]
    tables.add(
        "facilities",
        {
            "facility_code": [f.code for f in rows],
            "name": [f.name for f in rows],
            "facility_type": [f.kind for f in rows],
            "region_code": [f.county.code for f in rows],
            # 社区矫正机构 have no beds: capacity is left empty.
            "capacity": [f.capacity or None for f in rows],
            "supervising_procuratorate": [
                f.procuratorate or f"{f.county.full_name}人民检察院" for f in rows
            ],
            "source_system": ["监狱、公安、司法行政机关"] * len(rows),
        },
    )


STAFF_ROLES = {
    "监狱": (
        "监狱长",
        "监区长",
        "监区长",
        "管教民警",
        "管教民警",
        "管教民警",
        "狱政科民警",
        "刑罚执行科民警",
    ),
    "看守所": ("所长", "管教民警", "管教民警", "看守民警"),
    "社区矫正机构": ("局长", "社区矫正工作人员", "社区矫正工作人员"),
}


def add_staff(tables: Tables, rng: np.random.Generator, as_of_year: int) -> None:
    """Staff of every facility and two judges of every intermediate court."""
    factory = PersonFactory(rng, first_sequence=800)
    rows: dict[str, list[object]] = {k: [] for k in ("staff_id", "id_number", "name", "agency")}
    rows |= {"role": [], "start_date": [], "end_date": []}
    units: list[tuple[str, County, tuple[str, ...]]] = [
        (f.code, f.county, STAFF_ROLES.get(f.kind, STAFF_ROLES["监狱"]))
        for f in (*prisons(), *detention_centres(), *corrections_agencies())
    ]
    units += [(intermediate_court(c), c, ("审判员", "审判员")) for c in _city_seats()]
    for agency, county, roles in units:
        for role in roles:
            born = int(rng.integers(1965, 1999))
            person = factory.make(
                birth=_date(born, rng), male=bool(rng.random() < 0.7), county=county
            )
            start = max(born + 23, 1990) + int(rng.integers(0, 10))
            rows["staff_id"].append(f"RY{len(rows['staff_id']) + 1:06d}")
            rows["id_number"].append(person.id_number)
            rows["name"].append(person.name)
            rows["agency"].append(agency)
            rows["role"].append(role)
            rows["start_date"].append(_date(min(start, as_of_year - 1), rng))
            rows["end_date"].append(None)
    tables.add("staff", rows | {"source_system": ["组织人事部门"] * len(rows["staff_id"])})


def _city_seats() -> list[County]:
    seen: dict[str, County] = {}
    for county in counties():
        seen.setdefault(county.city_code, county)
    return list(seen.values())


def _date(year: int, rng: np.random.Generator) -> date:
    return date(year, int(rng.integers(1, 13)), int(rng.integers(1, 29)))
