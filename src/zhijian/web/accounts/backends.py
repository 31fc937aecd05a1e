"""Authentication: Django's model backend, loading the user's unit with the user."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db.models import Subquery

from zhijian.web.accounts.models import AccessStamp, User


class UnitModelBackend(ModelBackend):
    """Every page needs the user's unit and the access stamp (for the data scope, see
    ``access.access_of``): one query per request loads all three."""

    def get_user(self, user_id: Any) -> User | None:
        stamp = AccessStamp.objects.filter(pk=1).values("stamp")
        user = (
            User.objects.select_related("unit")
            .annotate(access_stamp=Subquery(stamp))
            .filter(pk=user_id)
            .first()
        )
        return user if user is not None and self.user_can_authenticate(user) else None
