"""Authentication: Django's model backend, loading the user's unit with the user."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from zhijian.web.accounts.models import User


class UnitModelBackend(ModelBackend):
    """Every page needs the user's unit (for the data scope): one query per request
    instead of two."""

    def get_user(self, user_id: Any) -> User | None:
        user = User.objects.select_related("unit").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
