"""How long uploaded data files are kept, and which ones are past it.

An uploaded file under ``$ZHIJIAN_HOME/uploads/`` holds people's records as the agency
sent them; once imported, the warehouse has the rows and the batch log says what came of
each. The file is kept ``UPLOAD_RETENTION_DAYS`` days (default 90) after it was stored,
for a re-import or a dispute, and removed after that by ``zhijian data prune`` or the
worker's daily prune (``zhijian.web.datahub.actions.prune_uploads``). A file whose import
is still queued or running is never removed.
"""

from __future__ import annotations

import stat
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from zhijian.web.library.models import BackgroundJob

DAY_SECONDS = 24 * 60 * 60


def uploads_dir() -> Path:
    """Where the uploaded data files are kept until their retention period ends."""
    return Path(settings.HOME) / "uploads"


@dataclass(frozen=True)
class PruneSummary:
    """The files past the retention period (removed, or to be removed on a dry run), and
    those kept although past it because their import has not ended."""

    files: tuple[Path, ...] = ()
    bytes: int = 0
    kept_in_use: tuple[Path, ...] = field(default=())

    @property
    def count(self) -> int:
        return len(self.files)


def uploads_in_use() -> frozenset[str]:
    """The stored names of the uploads whose import is queued or running."""
    names = BackgroundJob.objects.filter(
        kind=BackgroundJob.Kind.DATA_IMPORT,
        status__in=(BackgroundJob.Status.QUEUED, BackgroundJob.Status.RUNNING),
    ).values_list("parameters__stored_as", flat=True)
    return frozenset(str(name) for name in names if name)


def expired_uploads(
    folder: Path, *, days: int, in_use: frozenset[str], now: float | None = None
) -> PruneSummary:
    """The files of ``folder`` last written more than ``days`` days before ``now``,
    oldest first, leaving out those named in ``in_use``."""
    if not folder.is_dir():
        return PruneSummary()
    cutoff = (time.time() if now is None else now) - days * DAY_SECONDS
    old: list[tuple[float, Path, int]] = []
    for path in folder.iterdir():
        try:
            info = path.stat()
        except OSError:
            continue  # removed meanwhile
        if stat.S_ISREG(info.st_mode) and info.st_mtime < cutoff:
            old.append((info.st_mtime, path, info.st_size))
    old.sort()
    expired = [(path, size) for _, path, size in old if path.name not in in_use]
    kept = tuple(path for _, path, _ in old if path.name in in_use)
    return PruneSummary(tuple(p for p, _ in expired), sum(s for _, s in expired), kept)


def remove_files(summary: PruneSummary) -> PruneSummary:
    """Remove the summary's files; the summary of those actually removed (a file gone
    meanwhile, or that cannot be removed, is left out)."""
    removed, size = [], 0
    for path in summary.files:
        try:
            length = path.stat().st_size
            path.unlink()
        except OSError:
            continue
        removed.append(path)
        size += length
    return PruneSummary(tuple(removed), size, summary.kept_in_use)


def every_day(work: Callable[[], None], *, stop: threading.Event) -> threading.Thread:
    """Run ``work`` now and then once a day until ``stop`` is set, in a daemon thread
    (it ends with the process)."""

    def loop() -> None:
        while not stop.is_set():
            work()
            stop.wait(DAY_SECONDS)

    thread = threading.Thread(target=loop, name="zhijian-daily", daemon=True)
    thread.start()
    return thread


def size_text(size: int) -> str:
    """A byte count for people: 812 字节, 3.4 KB, 12.0 MB, 1.5 GB."""
    if size < 1024:
        return f"{size} 字节"
    value = float(size)
    for unit in ("KB", "MB", "GB", "TB"):
        value /= 1024
        if value < 1024 or unit == "TB":
            break
    return f"{value:.1f} {unit}"
