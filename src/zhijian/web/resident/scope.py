"""Who sees and who writes resident records: one helper per kind of record.

A record belongs to a facility; a user sees it when they may see the facility
(``accounts.access.visible_facility_codes``): an office its own facilities, a city and
the province their descendants'. Outside that scope a record is a 404. Writing takes
the 派驻检察官 role and a facility the user's own unit (or a unit below it) supervises:
a circuit team's temporary grant lets it read, not write, the office's records.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404

from zhijian.web.accounts.access import visible_facility_codes
from zhijian.web.accounts.models import Role, SupervisedFacility, Unit
from zhijian.web.resident.models import (
    Complaint,
    DailyLog,
    Inspection,
    Problem,
    ProblemPhoto,
    Rectification,
    Talk,
)

M = TypeVar("M", bound=Model)
WRITER_ROLES = (Role.Code.RESIDENT,)


def _scoped(
    queryset: QuerySet[M], user: Any, field: str = "facility__facility_code"
) -> QuerySet[M]:
    codes = visible_facility_codes(user)
    if codes is None:
        return queryset
    if not codes:
        return queryset.none()
    return queryset.filter(**{f"{field}__in": sorted(codes)})


def _get(queryset: QuerySet[M], pk: int | str, what: str) -> M:
    try:
        return queryset.get(pk=int(pk))
    except (ValueError, ObjectDoesNotExist) as error:
        raise Http404(f"{what}不存在或无权查看") from error


def logs_for(user: Any) -> QuerySet[DailyLog]:
    return _scoped(DailyLog.objects.select_related("facility", "office", "author"), user)


def get_log_for_user(user: Any, pk: int | str) -> DailyLog:
    return _get(logs_for(user), pk, "检察日志")


def inspections_for(user: Any) -> QuerySet[Inspection]:
    return _scoped(Inspection.objects.select_related("facility", "office", "author"), user)


def get_inspection_for_user(user: Any, pk: int | str) -> Inspection:
    return _get(inspections_for(user), pk, "安全防范检察")


def problems_for(user: Any) -> QuerySet[Problem]:
    return _scoped(Problem.objects.select_related("facility", "office", "lead"), user)


def get_problem_for_user(user: Any, pk: int | str) -> Problem:
    return _get(problems_for(user), pk, "问题")


def photos_for(user: Any) -> QuerySet[ProblemPhoto]:
    return _scoped(ProblemPhoto.objects.all(), user, "problem__facility__facility_code")


def get_photo_for_user(user: Any, pk: int | str) -> ProblemPhoto:
    return _get(photos_for(user), pk, "照片")


def rectifications_for(user: Any) -> QuerySet[Rectification]:
    return _scoped(
        Rectification.objects.select_related("problem", "problem__facility"),
        user,
        "problem__facility__facility_code",
    )


def get_rectification_for_user(user: Any, pk: int | str) -> Rectification:
    return _get(rectifications_for(user), pk, "整改事项")


def talks_for(user: Any) -> QuerySet[Talk]:
    return _scoped(Talk.objects.select_related("facility", "office", "author"), user)


def get_talk_for_user(user: Any, pk: int | str) -> Talk:
    return _get(talks_for(user), pk, "谈话记录")


def complaints_for(user: Any) -> QuerySet[Complaint]:
    return _scoped(Complaint.objects.select_related("facility", "office", "author"), user)


def get_complaint_for_user(user: Any, pk: int | str) -> Complaint:
    return _get(complaints_for(user), pk, "控告、举报、申诉")


def writable_facilities(user: Any) -> QuerySet[SupervisedFacility]:
    """The facilities the user may write records for: none without the 派驻检察官 role;
    otherwise those supervised by the user's unit or a unit below it (not granted ones)."""
    if not may_write(user) or user.unit_id is None:
        return SupervisedFacility.objects.none()
    unit: Unit = user.unit
    return SupervisedFacility.objects.filter(unit__path__startswith=unit.path).select_related(
        "unit"
    )


def may_write(user: Any) -> bool:
    return bool(user.is_authenticated and user.has_role(*WRITER_ROLES))


def check_writer(user: Any, facility: SupervisedFacility) -> None:
    """Raise ``PermissionDenied`` unless the user may write records for ``facility``.
    Callers have already fetched the record through a ``get_*_for_user`` (404 first)."""
    if not may_write(user):
        raise PermissionDenied("只有派驻检察官可以填写派驻检察记录")
    unit: Unit | None = user.unit
    if unit is None or not facility.unit.path.startswith(unit.path):
        raise PermissionDenied("只能填写本院派驻场所的记录")


def offices_for(user: Any) -> QuerySet[Unit]:
    """The 派驻检察室 the user sees (their own, or those below their unit)."""
    if not user.is_authenticated or user.unit_id is None:
        return Unit.objects.none()
    unit: Unit = user.unit
    return unit.descendants_and_self().filter(kind=Unit.Kind.RESIDENT_OFFICE)
