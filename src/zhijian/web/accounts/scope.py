"""What an administrator administers: their own unit and the units below it, the
facilities those units supervise, and the users who belong to them. The 省院's
administrator administers everything. An administrator never reaches above or beside
their unit: not by a list, not by a choice in a form, not by a grant (a grant hands out
one of the granting unit's own facilities, to one of its own users)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from zhijian.web.accounts import access
from zhijian.web.accounts.models import Role, SupervisedFacility, Unit, User


def administered_units(user: Any) -> QuerySet[Unit]:
    return access.visible_units(user)


def administered_facilities(user: Any) -> QuerySet[SupervisedFacility]:
    return SupervisedFacility.objects.filter(unit__in=administered_units(user))


def administered_users(user: Any, queryset: QuerySet[User] | None = None) -> QuerySet[User]:
    """The users of the administrator's units; a superuser only for a superuser, and a
    user without a unit only for the 省院."""
    users = User.objects.all() if queryset is None else queryset
    if not access.sees_everything(user):
        users = users.filter(unit__in=administered_units(user))
    if not getattr(user, "is_superuser", False):
        users = users.filter(is_superuser=False)
    return users


# The related objects an admin form may offer, by field name.
CHOICES: dict[str, Callable[[Any], QuerySet[Any]]] = {
    "parent": administered_units,
    "unit": administered_units,
    "facility": administered_facilities,
    "user": administered_users,
    "roles": lambda user: Role.objects.all(),
}


def check_administers(actor: Any, *, unit: Unit | None = None, user: Any = None) -> None:
    """PermissionDenied unless ``actor`` is an administrator of ``unit`` (and of
    ``user``'s unit). ``actor`` None is the server operator on the command line."""
    if actor is None:
        return
    if not access.is_admin(actor):
        raise PermissionDenied("只有系统管理员可以管理单位、用户与授权")
    units = administered_units(actor)
    if unit is not None and not units.filter(pk=unit.pk).exists():
        raise PermissionDenied(f"{unit}不在您管理的单位范围内")
    if user is not None and not administered_users(actor).filter(pk=user.pk).exists():
        raise PermissionDenied(f"用户{user}不在您管理的单位范围内")
