"""Idle session expiry without a database write on every request, and no caching of
what a logged-in user is shown."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

REFRESH_KEY = "_refreshed_at"
# A session's expiry moves forward at most once a minute: an idle timeout of two hours is
# kept to within a minute, and a busy user costs one session write a minute, not one a
# request.
REFRESH_SECONDS = 60


class SessionRefreshMiddleware:
    """Marks an authenticated session modified when its expiry was last pushed forward
    more than ``REFRESH_SECONDS`` ago, so Django saves it with a new expiry."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is not None and request.user.is_authenticated:
            now = int(time.time())
            if now - int(session.get(REFRESH_KEY, 0)) >= REFRESH_SECONDS:
                session[REFRESH_KEY] = now
        return self.get_response(request)


class NoStoreMiddleware:
    """``Cache-Control: no-store`` on every response to a logged-in user: any page or
    download may show a person's data, and neither the browser nor a proxy may keep a
    copy (the browser's back button, a shared computer). Static files never reach here:
    WhiteNoise answers them first."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
        return response
