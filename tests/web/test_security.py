"""Security basics: CSRF on every form, login throttling, session expiry, production
cookie settings, DEBUG off by default, user text escaped."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from tests.web.personas import PASSWORD, World
from zhijian.web.audit.models import AuditEntry


def settings_in_fresh_process(tmp_path: Path, **env: str) -> dict[str, object]:
    """The settings as a server started with this environment would have them."""
    names = (
        "DEBUG",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "SESSION_COOKIE_SAMESITE",
        "SESSION_EXPIRE_AT_BROWSER_CLOSE",
        "SESSION_COOKIE_AGE",
        "SECURE_HSTS_SECONDS",
        "X_FRAME_OPTIONS",
    )
    script = (
        "import json, zhijian.web.settings as s;"
        f"print(json.dumps({{n: getattr(s, n, None) for n in {names!r}}}))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ZHIJIAN_")}
    result = subprocess.run(
        [sys.executable, "-c", script],
        env={**clean, "ZHIJIAN_HOME": str(tmp_path), **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(result.stdout))


def test_production_defaults_are_safe(tmp_path: Path) -> None:
    values = settings_in_fresh_process(tmp_path)
    assert values == {
        "DEBUG": False,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_EXPIRE_AT_BROWSER_CLOSE": True,
        "SESSION_COOKIE_AGE": 7200,
        "SECURE_HSTS_SECONDS": 31_536_000,
        "X_FRAME_OPTIONS": "DENY",
    }


def test_the_demo_switches_off_https_cookies_only(tmp_path: Path) -> None:
    values = settings_in_fresh_process(tmp_path, ZHIJIAN_HTTPS="0", ZHIJIAN_SESSION_MINUTES="30")
    assert values["DEBUG"] is False
    assert (values["SESSION_COOKIE_SECURE"], values["CSRF_COOKIE_SECURE"]) == (False, False)
    assert values["SECURE_HSTS_SECONDS"] is None
    assert values["SESSION_COOKIE_AGE"] == 1800


def _patterns(resolvers: list[URLPattern | URLResolver], prefix: str = "") -> list[tuple[str, str]]:
    """(route with sample arguments, name) of every URL pattern outside the admin."""
    found: list[tuple[str, str]] = []
    for entry in resolvers:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            if route.startswith("admin/"):
                continue
            found += _patterns(list(entry.url_patterns), route)
        else:
            sample = re.sub(r"<int:\w+>", "1", route)
            sample = re.sub(r"<(?:\w+:)?\w+>", "x", sample)
            found.append(("/" + sample.lstrip("^").rstrip("$"), str(entry.name)))
    return found


@pytest.mark.django_db
def test_every_post_without_a_csrf_token_is_refused(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["admin"])
    audit_rows = AuditEntry.objects.count()
    routes = _patterns(list(get_resolver().url_patterns))
    assert len(routes) >= 8
    for route, name in routes:
        response = client.post(route, {"reason": "x"})
        assert response.status_code == 403, (route, name, response.status_code)
        assert "页面已过期" in response.content.decode(), route
    assert AuditEntry.objects.count() == audit_rows


@pytest.mark.django_db
def test_forms_carry_the_csrf_token(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.get(reverse("login"))
    assert 'name="csrfmiddlewaretoken"' in response.content.decode()
    client.force_login(world.users["admin"])
    page = client.get(reverse("audit:list")).content.decode()
    # The log-out form in the header, and htmx requests through the body's header.
    assert page.count('name="csrfmiddlewaretoken"') >= 1
    assert 'hx-headers=\'{"X-CSRFToken": "' in page


@pytest.mark.django_db
def test_login_is_throttled_after_five_failures(world: World) -> None:
    client = Client(REMOTE_ADDR="10.0.0.7")
    for _ in range(5):
        response = client.post(reverse("login"), {"username": "jinan_resident", "password": "x"})
        assert response.status_code in (200, 429)
    locked = client.post(reverse("login"), {"username": "jinan_resident", "password": PASSWORD})
    assert locked.status_code == 429
    assert "账号已临时锁定" in locked.content.decode()
    assert "_auth_user_id" not in client.session

    # The same user from another address, and another user, still log in.
    other = Client(REMOTE_ADDR="10.0.0.8")
    ok = other.post(reverse("login"), {"username": "jinan_resident", "password": PASSWORD})
    assert ok.status_code == 302


@pytest.mark.django_db
def test_a_correct_login_opens_the_platform(world: World) -> None:
    client = Client()
    response = client.post(
        reverse("login"), {"username": "jinan_resident", "password": PASSWORD}, follow=True
    )
    assert response.status_code == 200
    assert "济南派驻检察官" in response.content.decode()


@pytest.mark.django_db
def test_pages_need_a_login() -> None:
    response = Client().get("/leads/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


@pytest.mark.django_db
def test_an_idle_session_expires(world: World) -> None:
    client = Client()
    client.force_login(world.users["jinan_resident"])
    assert client.get(reverse("audit:list")).status_code == 403  # logged in, wrong role
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get(reverse("audit:list"))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.django_db
def test_user_text_is_escaped(world: World) -> None:
    user = world.users["admin"]
    user.full_name = "<script>alert('x')</script>"
    user.save()
    client = Client()
    client.force_login(user)
    page = client.get(reverse("audit:list")).content.decode()
    assert "<script>alert(" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page


@pytest.mark.django_db
def test_activity_moves_the_session_expiry_at_most_once_a_minute(world: World) -> None:
    from zhijian.web.accounts.middleware import REFRESH_KEY

    client = Client()
    client.force_login(world.users["admin"])
    client.get(reverse("audit:list"))
    first = Session.objects.get().expire_date
    client.get(reverse("audit:list"))
    assert Session.objects.get().expire_date == first  # no write within the minute

    session = client.session
    session[REFRESH_KEY] = 0  # last refreshed long ago
    session.save()
    Session.objects.update(expire_date=first - timedelta(minutes=30))
    client.get(reverse("audit:list"))
    assert Session.objects.get().expire_date >= first
