"""Changes to units, facilities, users and grants. Each writes its audit row in the same
transaction."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction

from zhijian.synth.people import cities, counties
from zhijian.web.accounts.models import FacilityGrant, Role, SupervisedFacility, Unit, User
from zhijian.web.accounts.scope import check_administers
from zhijian.web.audit.chain import record

PROVINCE_NAME = "山东省人民检察院"
PROVINCE_CODE = "370000"
RESIDENT_MARK = "派驻"


@dataclass(frozen=True)
class SeedSummary:
    units_created: int
    facilities_created: int
    facilities_updated: int
    facilities_kept: int


def ensure_roles() -> None:
    for code in Role.Code.values:
        Role.objects.get_or_create(code=code)


def seed_from_facilities(
    facilities: Iterable[Mapping[str, Any]], *, actor: User | None = None
) -> SeedSummary:
    """Build the unit tree from the warehouse's ``facilities`` rows and record which unit
    supervises each facility (``supervising_procuratorate``).

    The province and its 16 city procuratorates always exist; a named supervisor becomes a
    派驻检察室 under its city's procuratorate when its name says 派驻, otherwise a 基层院
    (or the city's own procuratorate when the name is the city's). A facility already
    assigned keeps its unit: administrators' edits are not overwritten by a re-seed."""
    with transaction.atomic():
        ensure_roles()
        before = Unit.objects.count()
        province = _province()
        city_units = {code: _city_unit(code, name, province) for code, name in cities()}
        county_city = {c.code: c.city_code for c in counties()}
        created = updated = kept = 0
        for row in facilities:
            code = str(row["facility_code"])
            region = str(row.get("region_code") or "")
            city_code = county_city.get(region, region[:4] + "00" if region else "")
            city = city_units.get(city_code, province)
            unit = _supervisor(str(row.get("supervising_procuratorate") or ""), city, region)
            existing = SupervisedFacility.objects.filter(facility_code=code).first()
            fields = {
                "name": str(row.get("name") or code),
                "facility_type": str(row.get("facility_type") or ""),
                "region_code": region,
                "city_code": city_code,
            }
            if existing is None:
                SupervisedFacility.objects.create(facility_code=code, unit=unit, **fields)
                created += 1
            elif any(getattr(existing, k) != v for k, v in fields.items()):
                SupervisedFacility.objects.filter(pk=existing.pk).update(**fields)
                updated += 1
            else:
                kept += 1
        summary = SeedSummary(Unit.objects.count() - before, created, updated, kept)
        record(actor, "初始化单位与场所", object_type="单位", detail=summary.__dict__)
        return summary


def _province() -> Unit:
    unit, _ = Unit.objects.get_or_create(
        name=PROVINCE_NAME,
        defaults={"kind": Unit.Kind.PROVINCE, "short_name": "鲁检", "region_code": PROVINCE_CODE},
    )
    return unit


def _city_unit(code: str, city: str, province: Unit) -> Unit:
    unit, _ = Unit.objects.get_or_create(
        name=f"{city}人民检察院",
        defaults={
            "kind": Unit.Kind.CITY,
            "short_name": f"鲁{city[0]}检",
            "region_code": code,
            "parent": province,
        },
    )
    return unit


def _supervisor(name: str, city: Unit, region: str) -> Unit:
    if not name or name == city.name:
        return city
    existing = Unit.objects.filter(name=name).first()
    if existing is not None:
        return existing
    if RESIDENT_MARK in name:
        kind, short = Unit.Kind.RESIDENT_OFFICE, city.short_name
    else:
        county = name.removeprefix(city.name.removesuffix("人民检察院"))
        kind, short = Unit.Kind.BASIC, f"{city.short_name[:2]}{county[:1]}检"
    return Unit.objects.create(
        name=name, kind=kind, short_name=short, region_code=region, parent=city
    )


def create_user(
    username: str,
    password: str,
    *,
    full_name: str,
    unit: Unit,
    roles: Sequence[str],
    actor: User | None = None,
) -> User:
    """A user with their unit and roles; 系统管理员 also opens the admin pages. An
    ``actor`` must administer ``unit`` (PermissionDenied otherwise)."""
    check_administers(actor, unit=unit)
    with transaction.atomic():
        ensure_roles()
        is_admin = Role.Code.ADMIN in roles
        user = User.objects.create_user(
            username, password=password, full_name=full_name, unit=unit, is_staff=is_admin
        )
        user.roles.set(Role.objects.filter(code__in=roles))
        record(
            actor,
            "创建用户",
            object_type="用户",
            object_id=username,
            detail={"unit": unit.name, "roles": sorted(roles)},
        )
        return user


def grant_facility(
    user: User,
    facility: SupervisedFacility,
    *,
    ends_at: datetime,
    reason: str,
    actor: User | None = None,
) -> FacilityGrant:
    """Time-limited access to one facility (a circuit inspection). An ``actor`` must
    administer both the facility's unit and the user (PermissionDenied otherwise): a unit
    hands out only its own facilities, to its own people."""
    check_administers(actor, unit=facility.unit, user=user)
    with transaction.atomic():
        grant = FacilityGrant.objects.create(
            user=user, facility=facility, ends_at=ends_at, reason=reason, granted_by=actor
        )
        record(
            actor,
            "临时授权",
            object_type="场所",
            object_id=facility.facility_code,
            detail={"user": user.username, "ends_at": ends_at, "reason": reason},
        )
        return grant
