"""Who may see what: one helper per kind of object, used by every page and export.

A user sees the leads, people and warehouse records of the facilities their unit or any
unit below it supervises, plus facilities granted to them for a limited time. A user at
the root of the tree (the 省院) sees every facility. Being a superuser or a 系统管理员
grants no data: access comes from the unit alone. An object outside the user's scope is
a 404, never a 403, so its existence is not revealed.

What a user may see is computed once and kept in this server process against the access
stamp (``AccessStamp``), which the database renews on every change to units, facilities,
grants, roles or users and which is read with the user on every request: a change made
anywhere is seen by every process on the next request. A grant that starts or ends later
ends the cached entry at that moment.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from zhijian.law.idnumber import mask_id_number
from zhijian.web.accounts.models import FacilityGrant, Role, SupervisedFacility, Unit

T = TypeVar("T")

if TYPE_CHECKING:
    from zhijian.web.accounts.models import User
    from zhijian.web.audit.models import AuditEntry
    from zhijian.web.leads.models import Lead
    from zhijian.web.library.models import UploadedModel

# Roles that see whole ID numbers in lists; everyone else sees 370102********123X.
FULL_ID_ROLES = (Role.Code.RESIDENT, Role.Code.INVESTIGATOR)
# Roles that work leads (verify, confirm, issue documents).
HANDLER_ROLES = (Role.Code.RESIDENT, Role.Code.CIRCUIT, Role.Code.HEAD)
# Roles that assign leads to handlers.
ASSIGNER_ROLES = (Role.Code.HEAD,)
# Roles that run models and import data.
MODELLER_ROLES = (Role.Code.MODELLER, Role.Code.ADMIN)
# Roles that upload models to the library and publish them.
UPLOADER_ROLES = (Role.Code.MODELLER,)
ADMIN_ROLES = (Role.Code.ADMIN,)


def sees_everything(user: Any) -> bool:
    """True for a user of the root unit (the 省院)."""
    unit: Unit | None = getattr(user, "unit", None)
    return bool(user.is_authenticated and unit is not None and unit.parent_id is None)


@dataclass(frozen=True)
class Access:
    """A user's roles and visible facility codes (``None``: every facility), valid for
    ``stamp`` and ``unit_id`` until ``until`` (the next start or end of one of their
    grants; ``None``: no such moment)."""

    stamp: str
    unit_id: int | None
    until: datetime | None
    roles: frozenset[str]
    codes: frozenset[str] | None


# Per server process: user pk → Access. Entries of an old stamp are replaced on use.
_ACCESS: dict[int, Access] = {}
_ACCESS_LIMIT = 10_000
_LOCK = threading.Lock()


# Per server process: (stamp, key) → a value computed from access data alone.
_SHARED: dict[tuple[str, Hashable], Any] = {}
_SHARED_LIMIT = 1_000


def clear_cache() -> None:
    """Forget every cached access (tests; a server never needs to)."""
    with _LOCK:
        _ACCESS.clear()
        _SHARED.clear()


def per_stamp(user: Any, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, kept in this process while the access stamp read with ``user`` is
    unchanged. Only for values that depend on access data alone (units, facilities,
    grants, roles, users), and are never changed by who reads them."""
    stamp: str | None = getattr(user, "access_stamp", None)
    if stamp is None:
        return compute()
    try:
        found: T = _SHARED[(stamp, key)]
        return found
    except KeyError:
        pass
    value = compute()
    with _LOCK:
        if len(_SHARED) >= _SHARED_LIMIT:
            _SHARED.clear()
        _SHARED[(stamp, key)] = value
    return value


def facilities_by_code(user: Any) -> dict[str, SupervisedFacility]:
    """Every supervised facility with its unit, by code, ordered by code."""
    return per_stamp(
        user,
        "facilities",
        lambda: {f.facility_code: f for f in SupervisedFacility.objects.select_related("unit")},
    )


def access_of(user: Any) -> Access:
    """The user's roles and visible facilities: from this process's cache when the access
    stamp read with the user is the one they were computed under, else computed now.
    A user object without a stamp (not loaded by the authentication backend) is computed
    once per user object."""
    stamp: str | None = getattr(user, "access_stamp", None)
    now = timezone.now()
    for found in (user.__dict__.get("_access"), _ACCESS.get(user.pk) if stamp else None):
        if (
            found is not None
            and (stamp is None or found.stamp == stamp)
            and found.unit_id == user.unit_id
            and (found.until is None or now < found.until)
        ):
            user._access = found
            return found
    access = _compute(user, stamp or "", now)
    user._access = access
    if stamp is not None:
        with _LOCK:
            if len(_ACCESS) >= _ACCESS_LIMIT:
                _ACCESS.clear()
            _ACCESS[user.pk] = access
    return access


def _compute(user: Any, stamp: str, now: datetime) -> Access:
    roles = frozenset(user.roles.values_list("code", flat=True))
    codes: frozenset[str] | None
    until: datetime | None = None
    if sees_everything(user):
        codes = None
    else:
        own: set[str] = set()
        if user.unit_id is not None:
            own.update(
                SupervisedFacility.objects.filter(
                    unit__path__startswith=user.unit.path
                ).values_list("facility_code", flat=True)
            )
        grants = FacilityGrant.objects.filter(user=user, ends_at__gt=now).values_list(
            "facility__facility_code", "starts_at", "ends_at"
        )
        for code, starts_at, ends_at in grants:
            if starts_at <= now:
                own.add(code)
                moment = ends_at
            else:
                moment = starts_at
            until = moment if until is None else min(until, moment)
        codes = frozenset(own)
    return Access(stamp=stamp, unit_id=user.unit_id, until=until, roles=roles, codes=codes)


def visible_facility_codes(user: Any) -> frozenset[str] | None:
    """The facility codes the user may see, or ``None`` when they may see every facility."""
    if not user.is_authenticated:
        return frozenset()
    return access_of(user).codes


def can_see_facility(user: Any, facility_code: str | None) -> bool:
    codes = visible_facility_codes(user)
    return codes is None or (facility_code or "") in codes


def supervised_facility_codes(user: Any) -> frozenset[str] | None:
    """The facilities the user's unit or a unit below it supervises (``None``: every
    facility, for the 省院): what the user may *change* — upload rows for, run models over,
    administer, grant. A time-limited grant lets its holder read a facility, never write
    for it or pass it on."""
    if not user.is_authenticated or user.unit_id is None:
        return frozenset()
    if sees_everything(user):
        return None
    unit: Unit = user.unit
    return per_stamp(
        user,
        ("supervised", unit.pk),
        lambda: frozenset(
            SupervisedFacility.objects.filter(unit__path__startswith=unit.path).values_list(
                "facility_code", flat=True
            )
        ),
    )


def visible_facilities(user: Any) -> QuerySet[SupervisedFacility]:
    codes = visible_facility_codes(user)
    facilities = SupervisedFacility.objects.select_related("unit")
    return facilities if codes is None else facilities.filter(facility_code__in=codes)


def visible_units(user: Any) -> QuerySet[Unit]:
    """The user's unit and the units below it (every unit for the 省院)."""
    if not user.is_authenticated or user.unit_id is None:
        return Unit.objects.none()
    unit: Unit = user.unit
    return unit.descendants_and_self()


def leads_for(user: Any) -> QuerySet[Lead]:
    """Every lead the user may see."""
    from zhijian.web.leads.models import Lead

    codes = visible_facility_codes(user)
    if codes is None:
        return Lead.objects.all()
    if not codes:
        return Lead.objects.none()
    return Lead.objects.filter(facility_code__in=sorted(codes))


def get_lead_for_user(user: Any, pk: int | str) -> Lead:
    """The lead, or 404 when it does not exist or is outside the user's scope."""
    try:
        return (
            leads_for(user)
            .select_related("assignee", "first_seen_run", "last_seen_run")
            .get(pk=int(pk))
        )
    except (ValueError, leads_for(user).model.DoesNotExist) as error:
        raise Http404("线索不存在或无权查看") from error


def uploaded_models_for(user: Any) -> QuerySet[UploadedModel]:
    """The model uploads a 建模人员 may see and change: those of their unit and the units
    below it (every upload for the 省院). Nothing for anyone else: a published model is
    read through the library, not as an upload."""
    from zhijian.web.library.models import UploadedModel

    if not is_uploader(user) or user.unit_id is None:
        return UploadedModel.objects.none()
    return UploadedModel.objects.filter(unit__in=visible_units(user).values("pk"))


def get_uploaded_model_for_user(user: Any, pk: int | str) -> UploadedModel:
    """The upload, or 404 when it does not exist or is outside the user's scope."""
    try:
        return uploaded_models_for(user).select_related("unit", "uploaded_by").get(pk=int(pk))
    except (ValueError, uploaded_models_for(user).model.DoesNotExist) as error:
        raise Http404("模型不存在或无权查看") from error


def is_uploader(user: Any) -> bool:
    """True for a 建模人员: who may upload, publish and withdraw models."""
    return bool(user.is_authenticated and user.has_role(*UPLOADER_ROLES))


def shows_full_id(user: Any) -> bool:
    return bool(user.is_authenticated and user.has_role(*FULL_ID_ROLES))


def display_id(user: User | Any, id_number: str) -> str:
    """The ID number as a list shows it to this user: whole, or masked."""
    return id_number if shows_full_id(user) else mask_id_number(id_number)


def is_handler(user: Any) -> bool:
    return bool(user.is_authenticated and user.has_role(*HANDLER_ROLES))


def is_assigner(user: Any) -> bool:
    return bool(user.is_authenticated and user.has_role(*ASSIGNER_ROLES))


def is_modeller(user: Any) -> bool:
    return bool(user.is_authenticated and user.has_role(*MODELLER_ROLES))


def is_admin(user: Any) -> bool:
    return bool(user.is_authenticated and user.has_role(*ADMIN_ROLES))


def audit_entries_for(user: Any) -> QuerySet[AuditEntry]:
    """The audit rows an administrator may read: every row for the 省院; otherwise the
    rows of actors in the user's unit or below it, and the rows about a lead, person or
    record of a facility the unit supervises. Rows written before rows recorded their
    unit and facility are the 省院's only. Nothing for anyone else."""
    from zhijian.web.audit.models import AuditEntry

    if not is_admin(user) or user.unit_id is None:
        return AuditEntry.objects.none()
    if sees_everything(user):
        return AuditEntry.objects.all()
    about = Q(unit_id__in=visible_units(user).values("pk"))
    codes = supervised_facility_codes(user)
    if codes:
        about |= Q(facility_code__in=sorted(codes))
    return AuditEntry.objects.filter(about)
