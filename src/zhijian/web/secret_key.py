"""The key Django signs with, kept in a file of the workspace when not given."""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from zhijian.web.private import private_folder


def load_or_create_secret_key(path: Path) -> str:
    """The key stored in ``path``. On first use a new random key is written there,
    readable by its owner only (0600); processes starting together all get the same key."""
    if not path.exists():
        _create(path, secrets.token_urlsafe(50))
    key = path.read_text(encoding="utf-8").strip()
    if not key:
        raise ImproperlyConfigured(f"密钥文件为空：{path}（删除该文件后将自动重新生成）")
    return key


def _create(path: Path, key: str) -> None:
    """Write ``key`` to ``path`` unless another process has just done so. The key goes to
    a private temporary file first and is linked into place, so no reader sees half a key."""
    if not path.parent.exists():
        private_folder(path.parent)  # a new workspace is its owner's only (0700)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # 0600
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(key + "\n")
        os.link(temporary, path)
    except FileExistsError:
        pass  # another process won the race: keep its key
    finally:
        os.unlink(temporary)
