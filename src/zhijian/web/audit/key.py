"""The key the audit chain is signed with: it lives outside the database.

``ZHIJIAN_AUDIT_KEY`` (environment) when set, else the file ``$ZHIJIAN_HOME/audit_key``,
created on first use with a new random key, readable by its owner only (0600). Whoever
can write the database but does not hold the key cannot forge a row or the chain's head.
The key is never written to the database or to a log; a row stores only the key's
fingerprint (``key_id``), so that verification can tell "another key" from "tampered".
"""

from __future__ import annotations

import hashlib
import hmac
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from zhijian.web.secret_key import load_or_create_secret_key

ENVIRONMENT = "ZHIJIAN_AUDIT_KEY"
FILE_NAME = "audit_key"
MIN_LENGTH = 32


@dataclass(frozen=True)
class AuditKey:
    secret: bytes
    key_id: str  # 16 hex characters identifying the key, safe to store
    source: str  # where it was read from, for messages (never the key itself)

    def __repr__(self) -> str:
        return f"AuditKey(key_id={self.key_id!r}, source={self.source!r})"

    def sign(self, text: str) -> str:
        """HMAC-SHA256 of ``text`` (UTF-8) as 64 hex characters."""
        return hmac.new(self.secret, text.encode(), hashlib.sha256).hexdigest()


_CACHE: dict[tuple[str, str], AuditKey] = {}
_LOCK = threading.Lock()


def key_file() -> Path:
    return Path(settings.HOME) / FILE_NAME


def describe_location() -> str:
    """Where the key is looked for, in words."""
    return f"环境变量 {ENVIRONMENT} 或文件 {key_file()}"


def load_key(*, create: bool) -> AuditKey | None:
    """The audit key; ``None`` when there is none and ``create`` is false. With
    ``create`` a missing key file is made (0600). Raises ``ImproperlyConfigured`` for a
    key that is too short or an empty key file."""
    text = os.environ.get(ENVIRONMENT, "").strip()
    path = key_file()
    cache_key = (text, str(path))
    found = _CACHE.get(cache_key)
    if found is not None:
        return found
    if text:
        source = f"环境变量 {ENVIRONMENT}"
    elif path.exists():
        text, source = path.read_text("utf-8").strip(), str(path)
    elif create:
        text, source = load_or_create_secret_key(path), str(path)
    else:
        return None
    if not text:
        raise ImproperlyConfigured(
            f"审计密钥文件为空：{path}。请从备份恢复该文件；不要删除它，"
            "否则已有的审计记录将无法校验。"
        )
    if len(text) < MIN_LENGTH:
        raise ImproperlyConfigured(
            f"审计密钥过短（{source}）：至少 {MIN_LENGTH} 个字符，可用 "
            'python -c "import secrets; print(secrets.token_urlsafe(48))" 生成。'
        )
    secret = text.encode()
    key_id = hmac.new(secret, b"zhijian audit key id", hashlib.sha256).hexdigest()[:16]
    key = AuditKey(secret=secret, key_id=key_id, source=source)
    with _LOCK:
        _CACHE[cache_key] = key
    return key


def clear_cache() -> None:
    """Forget the keys read (tests that change the key)."""
    with _LOCK:
        _CACHE.clear()
