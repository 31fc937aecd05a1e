"""What the data page changes: an uploaded file, saved and queued for import; and the
removal of uploaded files past their retention period."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, SuspiciousFileOperation
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import get_valid_filename

from zhijian.web.accounts.access import is_modeller
from zhijian.web.audit.chain import record
from zhijian.web.datahub.retention import (
    PruneSummary,
    expired_uploads,
    remove_files,
    uploads_dir,
    uploads_in_use,
)
from zhijian.web.datahub.scope import refusal
from zhijian.web.datahub.tasks import import_upload_job
from zhijian.web.library.jobs import OBJECT_TYPE, create_job
from zhijian.web.library.models import BackgroundJob
from zhijian.web.private import create_private_file, private_folder

STEM_LENGTH = 60


class UploadRefused(ValueError):
    """An upload the uploader's unit may not make at all (Chinese text)."""


def upload_data_file(
    dataset: str,
    uploaded: UploadedFile[bytes],
    *,
    source: str = "",
    sheet: str = "",
    actor: Any,
) -> BackgroundJob:
    """Save ``uploaded`` under ``$ZHIJIAN_HOME/uploads/`` and queue its import into
    ``dataset``; 建模人员 and 系统管理员 only (PermissionDenied otherwise). A
    province-wide dataset is refused (``UploadRefused``) to a unit below the 省院 without
    a source registered for it; the rows of the other datasets are held to the uploader's
    scope by the import itself (``scope.write_scope_for``)."""

    if not is_modeller(actor):
        raise PermissionDenied("只有系统管理员和建模人员可以导入数据")
    refused = refusal(actor, dataset, source)
    if refused:
        raise UploadRefused(refused)
    path = _save(uploaded)
    parameters = {
        "dataset": dataset,
        "file_name": uploaded.name,
        "stored_as": path.name,
        "size": uploaded.size,
        "source": source,
        "sheet": sheet,
    }
    try:
        with transaction.atomic():
            job = create_job(
                BackgroundJob.Kind.DATA_IMPORT, parameters, import_upload_job, actor=actor
            )
            record(
                actor, "上传数据文件", object_type=OBJECT_TYPE, object_id=job.pk, detail=parameters
            )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return job


def stored_name(original: str) -> str:
    """A new file name: time and random token (unique), then the original name made
    safe (letters, digits, ``-_.``; no folders), keeping its extension."""
    path = Path(original)
    try:
        stem = get_valid_filename(path.stem)[:STEM_LENGTH]
    except SuspiciousFileOperation:
        stem = "upload"
    stamp = timezone.now().strftime("%Y%m%d%H%M%S")
    return f"{stamp}-{secrets.token_hex(4)}-{stem}{path.suffix.lower()}"


def _save(uploaded: UploadedFile[bytes]) -> Path:
    """The upload written to a new file of the uploads folder; both are the owner's only
    (0600, 0700), whatever the umask: the file holds people's records."""
    folder = private_folder(uploads_dir())
    path = folder / stored_name(uploaded.name or "upload")
    with os.fdopen(create_private_file(path), "wb") as target:
        for chunk in uploaded.chunks():
            target.write(chunk)
    return path


def prune_uploads(
    *, days: int, dry_run: bool = False, actor: Any = None, via: str = ""
) -> PruneSummary:
    """Remove the uploaded data files stored more than ``days`` days ago, except those
    whose import is still queued or running; with ``dry_run`` only say which. A prune
    that removed anything writes one audit row with the count and bytes (``actor`` None:
    the system, named by ``via``: the command line's operating-system account, or the
    worker's daily prune)."""
    summary = expired_uploads(uploads_dir(), days=days, in_use=uploads_in_use())
    if dry_run or not summary.files:
        return summary
    removed = remove_files(summary)
    if removed.files:
        detail: dict[str, Any] = {"days": days, "count": removed.count, "bytes": removed.bytes}
        if via:
            detail["via"] = via
        with transaction.atomic():
            record(actor, "清理过期上传文件", object_type="上传文件", detail=detail)
    return removed
