"""What an uploader may write into the warehouse (``zhijian.warehouse.scope.WriteScope``),
from their unit: the rows of the facilities their unit or a unit below it supervises, the
rows of the regions it covers, and the province-wide datasets of a source the 省院 has
registered for the unit. The 省院 writes everything. A time-limited grant lets its holder
read a facility, never write for it."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from zhijian.warehouse.scope import WriteScope
from zhijian.warehouse.standard import DATASETS, ScopeKind
from zhijian.web.accounts.access import sees_everything, supervised_facility_codes
from zhijian.web.accounts.models import SupervisedFacility, Unit
from zhijian.web.datahub.models import DataSource

CORRECTIONS_AGENCY = "社区矫正机构"
# The units whose own region code is their area: a city's procuratorate covers the city,
# a 基层院 its county. A resident office or a 派出院 covers only what it supervises.
AREA_KINDS = (Unit.Kind.CITY, Unit.Kind.BASIC)


def region_prefix(code: str) -> str:
    """The GB/T 2260 prefix of an area: 370000 → 37, 370200 → 3702, 370102 → 370102."""
    code = code.strip()
    if len(code) != 6 or not code.isdigit():
        return code
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def region_prefixes(user: Any) -> frozenset[str] | None:
    """The regions whose community-corrections rows the user's unit writes: its area (a
    市院 or 基层院), the areas of the units below it, and the counties of the
    社区矫正机构 they supervise. ``None`` for the 省院."""
    if sees_everything(user):
        return None
    unit: Unit | None = getattr(user, "unit", None)
    if unit is None:
        return frozenset()
    units = unit.descendants_and_self()
    areas = units.filter(kind__in=AREA_KINDS).exclude(region_code="")
    prefixes = {region_prefix(code) for code in areas.values_list("region_code", flat=True)}
    agencies = SupervisedFacility.objects.filter(
        unit__in=units, facility_type=CORRECTIONS_AGENCY
    ).exclude(region_code="")
    prefixes |= {region_prefix(code) for code in agencies.values_list("region_code", flat=True)}
    # A county inside a city already covered adds nothing.
    return frozenset(p for p in prefixes if not any(p != q and p.startswith(q) for q in prefixes))


def region_name(prefix: str) -> str:
    """The area a prefix covers, by name: 3702 → 青岛市（3702）."""
    from zhijian.synth.people import cities, counties

    names = {"37": "山东省"} | {code[:4]: name for code, name in cities()}
    names |= {county.code: county.full_name for county in counties()}
    name = names.get(prefix)
    return f"{name}（{prefix}）" if name else prefix


def sources_for(user: Any) -> QuerySet[DataSource]:
    """The active sources registered for the user's unit."""
    unit_id = getattr(user, "unit_id", None)
    if unit_id is None:
        return DataSource.objects.none()
    return DataSource.objects.filter(unit_id=unit_id, is_active=True)


def registered_datasets(user: Any, source: str) -> frozenset[str]:
    """The datasets the user may import whole under ``source`` (a registered name)."""
    found: set[str] = set()
    for datasets in (
        sources_for(user).filter(name=source.strip()).values_list("datasets", flat=True)
    ):
        found.update(name for name in datasets or () if name in DATASETS)
    return frozenset(found)


def write_scope_for(user: Any, source: str = "") -> WriteScope:
    """The user's write scope for an upload under ``source``."""
    unit = getattr(user, "unit", None)
    who = f"{user.get_username()}（{unit.name if unit else '无单位'}）"
    codes = supervised_facility_codes(user)
    if codes is None:
        return WriteScope(who=who, facility_codes=None, region_prefixes=None)
    return WriteScope(
        who=who,
        facility_codes=codes,
        region_prefixes=region_prefixes(user),
        province_wide=registered_datasets(user, source),
    )


def refusal(user: Any, dataset: str, source: str) -> str | None:
    """Why the user may not upload ``dataset`` under ``source`` at all (a province-wide
    dataset without a registered source), or None. Rows of a scoped dataset are checked
    one by one at import, not here."""
    spec = DATASETS.get(dataset)
    if spec is None or spec.write_rule.kind is not ScopeKind.PROVINCE:
        return None
    scope = write_scope_for(user, source)
    if scope.writes_whole(spec):
        return None
    names = "、".join(sorted({s.name for s in sources_for(user) if dataset in (s.datasets or [])}))
    if names:
        hint = f"本单位已登记可导入该数据集的来源：{names}，请在“数据来源”中填写其一"
    else:
        hint = "本单位没有登记可导入该数据集的数据来源：请将文件交省院导入，或请省院登记数据来源"
    return (
        f"{spec.label}（{spec.name}）是全省参考数据或其他机关的全省数据，"
        f"只能由省院或省院登记的数据来源导入。{hint}"
    )
