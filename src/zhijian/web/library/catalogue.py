"""What the library page shows: the models of the engine's library and the models
建模人员 published (uploads, ``UploadedModel``), and, per model, the figures of the leads
the user may see and of its recent runs."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.db.models import Count, Max, Q

from zhijian.supervision.errors import ModelError
from zhijian.supervision.spec import CATEGORIES, ModelSpec, load_library, parse_spec
from zhijian.web.accounts.access import leads_for
from zhijian.web.leads.models import Lead, ModelRun
from zhijian.web.library.models import UploadedModel

S = Lead.Status
# A lead counts as confirmed once verified 属实, and stays so through supervision,
# rectification and closing; 不属实 is the only excluded outcome.
CONFIRMED_STATUSES = (
    S.CONFIRMED,
    S.SUPERVISING,
    S.AWAITING_REPLY,
    S.RECTIFIED,
    S.OVERDUE,
    S.CLOSED,
)
EXCLUDED_STATUSES = (S.EXCLUDED,)
RECENT_RUNS = 10


@cache
def library_specs() -> tuple[ModelSpec, ...]:
    """The packaged models, loaded once per process (they change only with a release)."""
    return tuple(load_library())


def get_spec(model_id: str) -> ModelSpec | None:
    """The packaged model, else the published upload, of that id; None when neither."""
    found = find_model(model_id)
    return found[0] if found else None


def packaged_spec(model_id: str) -> ModelSpec | None:
    return next((spec for spec in library_specs() if spec.id == model_id), None)


def find_model(model_id: str) -> tuple[ModelSpec, UploadedModel | None] | None:
    """The model of that id with its upload (None for a packaged model), or None."""
    spec = packaged_spec(model_id)
    if spec is not None:
        return spec, None
    upload = (
        UploadedModel.objects.filter(model_id=model_id, status=UploadedModel.Status.PUBLISHED)
        .select_related("unit", "uploaded_by")
        .first()
    )
    if upload is None:
        return None
    spec = upload_spec(upload)
    return (spec, upload) if spec is not None else None


def published_models() -> list[tuple[ModelSpec, UploadedModel]]:
    """Every published upload with its spec, by id (one query)."""
    uploads = UploadedModel.objects.filter(status=UploadedModel.Status.PUBLISHED).select_related(
        "unit", "uploaded_by"
    )
    found = [(upload_spec(upload), upload) for upload in uploads.order_by("model_id")]
    return [(spec, upload) for spec, upload in found if spec is not None]


# Per process: (upload pk, version) → its spec, parsed once (an upload never changes).
_SPECS: dict[tuple[int, str], ModelSpec] = {}
_SPECS_LOCK = threading.Lock()
_SPECS_LIMIT = 1_000


def upload_spec(upload: UploadedModel) -> ModelSpec | None:
    """The spec of an upload, checked by the loader as on the day it was uploaded; None
    if it no longer passes (a later release refuses what it does)."""
    key = (upload.pk, upload.version)
    found = _SPECS.get(key)
    if found is not None:
        return found
    try:
        spec = parse_spec(
            upload.yml_text,
            upload.sql_text,
            model=upload.model_id,
            sql_name=upload.sql_name,
            user=True,
        )
    except ModelError:
        return None
    with _SPECS_LOCK:
        if len(_SPECS) >= _SPECS_LIMIT:
            _SPECS.clear()
        _SPECS[key] = spec
    return spec


def by_category(
    specs: tuple[ModelSpec, ...] | list[ModelSpec],
) -> list[tuple[str, list[ModelSpec]]]:
    """The models grouped in the standard order of the four categories."""
    return [
        (category, [spec for spec in specs if spec.category == category])
        for category in CATEGORIES
        if any(spec.category == category for spec in specs)
    ]


@dataclass(frozen=True)
class LeadFigures:
    """One model's leads within the user's scope."""

    leads: int = 0
    current: int = 0  # not marked as gone from the data
    confirmed: int = 0
    excluded: int = 0

    @property
    def confirmation_rate(self) -> float | None:
        """属实 ÷ (属实 + 不属实); None before any lead is verified either way."""
        decided = self.confirmed + self.excluded
        return self.confirmed / decided if decided else None

    @property
    def confirmation_text(self) -> str:
        rate = self.confirmation_rate
        return "—" if rate is None else f"{rate:.1%}"


@dataclass(frozen=True)
class RunFigures:
    runs: int = 0
    last_started_at: Any = None


def lead_figures(user: Any) -> dict[str, LeadFigures]:
    """Per model id, the counts over the leads the user may see (one query)."""
    rows = (
        leads_for(user)
        .order_by()
        .values("model_id")
        .annotate(
            leads=Count("pk"),
            current=Count("pk", filter=Q(dropped_by_run__isnull=True)),
            confirmed=Count("pk", filter=Q(status__in=CONFIRMED_STATUSES)),
            excluded=Count("pk", filter=Q(status__in=EXCLUDED_STATUSES)),
        )
    )
    return {
        row["model_id"]: LeadFigures(
            leads=row["leads"],
            current=row["current"],
            confirmed=row["confirmed"],
            excluded=row["excluded"],
        )
        for row in rows
    }


def run_figures() -> dict[str, RunFigures]:
    """Per model id, how often it ran and when it last did (one query)."""
    rows = (
        ModelRun.objects.order_by()
        .values("model_id")
        .annotate(runs=Count("pk"), last_started_at=Max("started_at"))
    )
    return {
        row["model_id"]: RunFigures(runs=row["runs"], last_started_at=row["last_started_at"])
        for row in rows
    }


def recent_runs(model_id: str, limit: int = RECENT_RUNS) -> list[ModelRun]:
    return list(ModelRun.objects.filter(model_id=model_id).order_by("-started_at", "-pk")[:limit])
