"""The workspace on disk: ``$ZHIJIAN_HOME`` (default ``./zhijian-data``).

```
$ZHIJIAN_HOME/
  warehouse/<dataset>/        one Delta table per dataset of the standard
  warehouse/_import_batches/  the import-batch log (a Delta table)
  warehouse/_row_issues/      rejected and flagged rows (a Delta table)
  staging/<batch id>/         an import's working files, removed when it ends
  .lock                       held by the one import that may run at a time
```

The folders are created 0700 and the lock file 0600 (the warehouse holds the criminal
records of a province: nobody but the account running zhijian reads them); a
``warehouse/`` or ``staging/`` an earlier version created more open is narrowed to 0700
when the workspace is prepared.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from zhijian.warehouse.errors import WarehouseError

DEFAULT_HOME = "zhijian-data"
FOLDER_MODE = 0o700
FILE_MODE = 0o600


@dataclass(frozen=True)
class Workspace:
    home: Path

    @classmethod
    def from_environment(cls) -> Workspace:
        """``$ZHIJIAN_HOME`` or ``./zhijian-data``."""
        return cls(Path(os.environ.get("ZHIJIAN_HOME") or DEFAULT_HOME).resolve())

    @property
    def warehouse(self) -> Path:
        return self.home / "warehouse"

    @property
    def staging(self) -> Path:
        return self.home / "staging"

    def table_path(self, name: str) -> Path:
        return self.warehouse / name

    def init(self) -> None:
        """Create the folders (0700); idempotent."""
        try:
            # An existing home is left as it is (it may be a folder the operator
            # chose); warehouse/ and staging/ are zhijian's own.
            self.home.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
            for folder in (self.warehouse, self.staging):
                _private_folder(folder)
        except OSError as error:
            raise WarehouseError(f"无法创建工作目录 {self.home}：{error.strerror}") from None

    def staging_dir(self, batch_id: str) -> Path:
        path = self.staging / batch_id
        path.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
        return path

    def remove_staging(self, batch_id: str) -> None:
        shutil.rmtree(self.staging / batch_id, ignore_errors=True)

    def clear_staging(self) -> int:
        """Remove every import's staging files (its staging copy, DuckDB's spill files).
        Call only while holding the lock: no import is running then, so whatever is
        there was left by one that was killed. Returns how many entries went."""
        if not self.staging.is_dir():
            return 0
        removed = 0
        for entry in self.staging.iterdir():
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
            removed += 1
        return removed

    @contextmanager
    def lock(self, *, wait: bool = True) -> Iterator[bool]:
        """Hold the workspace lock. With ``wait=False`` yields False at once when another
        process holds it. The operating system releases it if the process dies."""
        self.init()
        descriptor = os.open(self.home / ".lock", os.O_RDWR | os.O_CREAT, FILE_MODE)
        os.fchmod(descriptor, FILE_MODE)
        with os.fdopen(descriptor, "r+") as handle:
            flags = fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB
            try:
                fcntl.flock(handle, flags)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def _private_folder(folder: Path) -> None:
    """``folder`` created 0700, or narrowed to 0700 when it exists more open and is
    ours (the umask cannot widen the mode ``mkdir`` asks for)."""
    folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    status = folder.stat()
    if status.st_mode & 0o077 and status.st_uid == os.getuid():
        folder.chmod(FOLDER_MODE)
