"""The workspace on disk: ``$ZHIJIAN_HOME`` (default ``./zhijian-data``).

```
$ZHIJIAN_HOME/
  warehouse/<dataset>/        one Delta table per dataset of the standard
  warehouse/_import_batches/  the import-batch log (a Delta table)
  warehouse/_row_issues/      rejected and flagged rows (a Delta table)
  staging/<batch id>/         an import's working files, removed when it ends
  .lock                       held by the one import that may run at a time
```
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
        """Create the folders; idempotent."""
        try:
            self.warehouse.mkdir(parents=True, exist_ok=True)
            self.staging.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise WarehouseError(f"无法创建工作目录 {self.home}：{error.strerror}") from None

    def staging_dir(self, batch_id: str) -> Path:
        path = self.staging / batch_id
        path.mkdir(parents=True, exist_ok=True)
        return path

    def remove_staging(self, batch_id: str) -> None:
        shutil.rmtree(self.staging / batch_id, ignore_errors=True)

    @contextmanager
    def lock(self, *, wait: bool = True) -> Iterator[bool]:
        """Hold the workspace lock. With ``wait=False`` yields False at once when another
        process holds it. The operating system releases it if the process dies."""
        self.init()
        with open(self.home / ".lock", "a+") as handle:
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
