"""A person's key in URLs: never the ID number itself (URLs reach server logs and browser
history), but a keyed hash of it that only this server can compute."""

from __future__ import annotations

import hmac

from django.conf import settings


def person_key(id_number: str) -> str:
    """24 hex characters, the same for the same number on this server."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), b"person:" + id_number.strip().upper().encode(), "sha256"
    )
    return digest.hexdigest()[:24]
