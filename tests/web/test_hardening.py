"""Web hardening: the Content-Security-Policy, no caching of what a logged-in user sees,
password rules with Chinese messages, and the login lockout behind a reverse proxy."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from tests.web.personas import JINAN_PRISON, PASSWORD, World
from zhijian.web.accounts.client_ip import ProxySettingError, forwarded_client, parse_networks
from zhijian.web.accounts.models import User
from zhijian.web.audit.models import AuditEntry

WEB = Path(__file__).resolve().parents[2] / "src" / "zhijian" / "web"
NEVER_CACHED = "max-age=0, no-cache, no-store, must-revalidate, private"


# Content-Security-Policy ---------------------------------------------------------------


def _directives(header: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in header.split(";") if part.strip())


@pytest.mark.django_db
def test_every_page_carries_the_policy(world: World) -> None:
    client = Client()
    login = client.get(reverse("login"))
    client.force_login(world.users["jinan_resident"])
    page = client.get(reverse("leads:list"))
    for response in (login, page):
        assert _directives(response["Content-Security-Policy"]) == {
            "default-src": "'self'",
            "script-src": "'self'",
            "style-src": "'self'",
            "img-src": "'self'",
            "object-src": "'none'",
            "base-uri": "'none'",
            "frame-ancestors": "'none'",
            "form-action": "'self'",
        }


def test_no_template_has_an_inline_script_or_style() -> None:
    """What the policy would block: a ``<script>`` without ``src`` (``json_script`` data
    blocks are not run), a ``<style>`` element, a ``style=`` or ``on…=`` attribute."""
    found = []
    for template in sorted(WEB.glob("**/templates/**/*.html")):
        text = template.read_text(encoding="utf-8")
        for pattern in (r"<script(?![^>]*\bsrc=)", r"<style\b", r"\sstyle=", r"\son[a-z]+="):
            name = template.relative_to(WEB)
            found += [f"{name}: {match.group()}" for match in re.finditer(pattern, text)]
    assert found == []


def test_htmx_is_told_not_to_add_its_indicator_styles() -> None:
    base = (WEB / "templates" / "base.html").read_text(encoding="utf-8")
    assert """<meta name="htmx-config" content='{"includeIndicatorStyles": false}'>""" in base


# Cache-Control: no-store ---------------------------------------------------------------


@pytest.mark.django_db
def test_pages_and_downloads_for_a_logged_in_user_are_never_stored(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.web.test_resident_fixtures import build_warehouse

    monkeypatch.setenv("ZHIJIAN_HOME", str(build_warehouse(tmp_path / "home")))
    client = Client()
    client.force_login(world.users["jinan_resident"])
    lead = world.leads[JINAN_PRISON]
    responses = {
        "list": client.get(reverse("leads:list")),
        "lead": client.get(reverse("leads:detail", args=[lead.pk])),
        "dashboard": client.get(reverse("dashboard:index")),
        "registers": client.get(
            reverse("resident:reports"),
            {"facility": JINAN_PRISON, "month": "2025-06", "kind": "registers"},
        ),
        "not found": client.get(reverse("leads:detail", args=[world.leads["QD-JY01"].pk])),
    }
    assert {name: r.status_code for name, r in responses.items()} == {
        "list": 200,
        "lead": 200,
        "dashboard": 200,
        "registers": 200,
        "not found": 404,
    }
    assert responses["registers"]["Content-Disposition"].startswith("attachment;")
    assert {name: r["Cache-Control"] for name, r in responses.items()} == dict.fromkeys(
        responses, NEVER_CACHED
    )


@pytest.mark.django_db
def test_static_files_may_be_cached(world: World) -> None:
    client = Client()
    client.force_login(world.users["jinan_resident"])
    stylesheet = client.get("/static/zhijian/site.css")
    assert stylesheet.status_code == 200
    assert "no-store" not in stylesheet.get("Cache-Control", "")


# Passwords -----------------------------------------------------------------------------


def _problems(password: str, user: Any = None) -> list[str]:
    try:
        validate_password(password, user)
    except ValidationError as error:
        return list(error.messages)
    return []


def test_a_password_needs_twelve_characters_said_in_chinese() -> None:
    assert _problems("Zj-2026-abc") == ["密码太短：至少需要 12 个字符，请换一个更长的密码。"]
    assert _problems("Zj-2026-abcd") == []


def test_the_other_rules_speak_chinese_too() -> None:
    assert _problems("password1234") == ["这个密码太常见了。"]
    assert _problems("202611270930") == ["密码只包含数字。"]
    user = User(username="wangjiancha", full_name="王检察")
    assert _problems("wangjiancha1", user) == ["密码跟 用户名 太相似了。"]


def test_the_tests_password_passes_the_rules() -> None:
    """(The demo's printed passwords are checked on a prepared demo, in
    ``tests/cli/test_web_cli.py``.)"""
    assert _problems(PASSWORD) == []


@pytest.mark.django_db
def test_the_command_line_refuses_a_short_password_in_chinese(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.cli.test_web_cli import _Stdin
    from tests.web.personas import FACILITIES
    from zhijian.cli import main
    from zhijian.web.accounts.actions import seed_from_facilities

    seed_from_facilities(FACILITIES)
    monkeypatch.setattr("sys.stdin", _Stdin("Zj-2026-abc\n"))
    command = ["users", "create", "wang", "--name", "王检察官", "--unit", "济南市人民检察院"]
    assert main([*command, "--role", "派驻检察官"]) == 2
    assert capsys.readouterr().err.strip() == (
        "错误：密码不符合要求：密码太短：至少需要 12 个字符，请换一个更长的密码。"
    )
    assert not User.objects.filter(username="wang").exists()


@pytest.mark.django_db
def test_the_admins_user_form_refuses_a_short_password_in_chinese(world: World) -> None:
    client = Client()
    client.force_login(world.users["admin"])
    users, audit_rows = User.objects.count(), AuditEntry.objects.count()
    response = client.post(
        "/admin/accounts/user/add/",
        {
            "username": "wang",
            "full_name": "王检察官",
            "unit": world.unit("济南市人民检察院").pk,
            "password1": "Zj-2026-abc",
            "password2": "Zj-2026-abc",
        },
    )
    assert response.status_code == 200
    assert "密码太短：至少需要 12 个字符，请换一个更长的密码。" in response.content.decode()
    assert (User.objects.count(), AuditEntry.objects.count()) == (users, audit_rows)


# Lockout behind a reverse proxy --------------------------------------------------------

PROXY = "10.0.0.5"


def test_the_forwarded_address_is_believed_only_from_a_trusted_proxy() -> None:
    trusted = parse_networks("10.0.0.5, 10.0.1.0/24")
    assert forwarded_client("10.0.0.5", "192.0.2.1", trusted) == "192.0.2.1"
    # A client's own header is ignored when it talks to the platform directly.
    assert forwarded_client("192.0.2.9", "192.0.2.1", trusted) == "192.0.2.9"
    # Through two trusted proxies, the first address that is not one.
    assert forwarded_client("10.0.0.5", "192.0.2.1, 10.0.1.7", trusted) == "192.0.2.1"
    # What the client wrote before the proxy appended its address is not believed.
    assert forwarded_client("10.0.0.5", "203.0.113.1, 192.0.2.1", trusted) == "192.0.2.1"
    # Garbage stops the walk at the last trusted hop; no header: the proxy itself.
    assert forwarded_client("10.0.0.5", "abc, 10.0.1.7", trusted) == "10.0.1.7"
    assert forwarded_client("10.0.0.5", "", trusted) == "10.0.0.5"
    assert forwarded_client("10.0.0.5", "192.0.2.1", ()) == "10.0.0.5"


def test_a_wrong_proxy_setting_is_a_chinese_error() -> None:
    with pytest.raises(ProxySettingError) as raised:
        parse_networks("10.0.0.5,proxy.example")
    assert str(raised.value) == (
        "ZHIJIAN_TRUSTED_PROXIES 中的“proxy.example”不是 IP 地址或网段"
        "（例：10.0.0.5,10.0.0.6 或 10.0.0.0/24）"
    )


def _fail_five_times(client: Client) -> None:
    for _ in range(5):
        client.post(reverse("login"), {"username": "jinan_resident", "password": "wrong"})


def _log_in(client: Client) -> int:
    response = client.post(reverse("login"), {"username": "jinan_resident", "password": PASSWORD})
    return response.status_code


@pytest.mark.django_db
def test_behind_a_trusted_proxy_each_client_is_locked_out_apart(
    world: World, settings: Any
) -> None:
    settings.TRUSTED_PROXIES = parse_networks(PROXY)
    attacker = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="192.0.2.1")
    colleague = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="192.0.2.2")
    _fail_five_times(attacker)
    assert _log_in(attacker) == 429
    assert _log_in(colleague) == 302
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["192.0.2.1"]


@pytest.mark.django_db
def test_behind_a_trusted_proxy_a_forged_header_does_not_escape_the_lockout(
    world: World, settings: Any
) -> None:
    settings.TRUSTED_PROXIES = parse_networks(PROXY)
    for forged in ("203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.113.4", "203.0.113.5"):
        Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"{forged}, 192.0.2.1").post(
            reverse("login"), {"username": "jinan_resident", "password": "wrong"}
        )
    again = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.6, 192.0.2.1")
    assert _log_in(again) == 429


@pytest.mark.django_db
def test_from_an_untrusted_address_the_header_is_ignored(world: World, settings: Any) -> None:
    settings.TRUSTED_PROXIES = parse_networks(PROXY)
    for n in range(5):
        Client(REMOTE_ADDR="192.0.2.9", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").post(
            reverse("login"), {"username": "jinan_resident", "password": "wrong"}
        )
    # A new forged address changes nothing: the lockout counts the connection's address.
    assert _log_in(Client(REMOTE_ADDR="192.0.2.9", HTTP_X_FORWARDED_FOR="198.51.100.99")) == 429
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["192.0.2.9"]
    assert _log_in(Client(REMOTE_ADDR="192.0.2.10")) == 302


@pytest.mark.django_db
def test_without_trusted_proxies_the_header_is_never_read(world: World) -> None:
    from django.conf import settings

    assert settings.TRUSTED_PROXIES == ()
    _fail_five_times(Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="192.0.2.1"))
    assert _log_in(Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="192.0.2.2")) == 429
