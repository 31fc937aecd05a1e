"""Files and folders of the workspace that hold personal data, readable by their owner
only: folders 0700, files 0600, whatever the umask of the process that made them.

Used for the SQLite database (SQLite gives its ``-wal`` and ``-shm`` files the mode of the
database file), the uploaded data files and the stored uploads (``MEDIA_ROOT``, through
``FILE_UPLOAD_PERMISSIONS``). A mode is a no-op where the system has none (Windows).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

FOLDER_MODE = 0o700
FILE_MODE = 0o600
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


def private_folder(path: Path) -> Path:
    """``path`` as a folder of the owner's only, created with its parents when missing
    (parents this makes are private too)."""
    missing = []
    for folder in (path, *path.parents):
        if folder.exists():
            break
        missing.append(folder)
    path.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    for folder in (*missing, path):
        os.chmod(folder, FOLDER_MODE)  # mkdir's mode passes through the umask
    return path


def create_private_file(path: Path) -> int:
    """A new file at ``path``, open for writing and the owner's only; FileExistsError
    when there is one already. Returns the descriptor."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _BINARY, FILE_MODE)
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(descriptor, FILE_MODE)  # the umask may have taken bits away
    except OSError:
        os.close(descriptor)
        raise
    return descriptor


def private_sqlite_file(path: Path) -> None:
    """The SQLite database at ``path`` exists (empty when new) and, with the journal
    files SQLite keeps beside it, is the owner's only: SQLite creates ``-wal`` and
    ``-shm`` with the database file's mode, so a private database keeps them private."""
    if not path.parent.exists():
        private_folder(path.parent)
    with contextlib.suppress(FileExistsError):
        os.close(create_private_file(path))
    for companion in (path, *(path.with_name(path.name + end) for end in SQLITE_COMPANIONS)):
        try:
            os.chmod(companion, FILE_MODE)
        except FileNotFoundError:
            continue


_BINARY = getattr(os, "O_BINARY", 0)
