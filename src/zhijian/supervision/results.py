"""What a model run produces: the hits and the facts of the run itself."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Hit:
    """One person or record where execution departs from the law.

    ``key`` holds the model's key fields (e.g. ``{"change_id": "..."}``); together with
    the model id and the subject's ID number they make the fingerprint that keeps a
    lead unique across runs."""

    model_id: str
    id_number: str
    name: str | None
    facility_code: str | None
    as_of: date
    key: dict[str, str]
    evidence: dict[str, Any]
    message: str

    @property
    def fingerprint(self) -> str:
        payload = json.dumps(
            [self.model_id, self.id_number, sorted(self.key.items())], ensure_ascii=False
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class RunResult:
    """One run of one model. ``complete`` is True when the model ran to the end without
    error: only a complete run may mark earlier leads as no longer in the data."""

    model_id: str
    model_name: str
    category: str
    severity: str
    model_version: str  # hash of the model's files
    params: dict[str, Any]
    as_of: date
    table_versions: dict[str, int | None]
    hits: tuple[Hit, ...]
    seconds: float
    error: str | None = None
    legal_basis: tuple[str, ...] = field(default=())

    @property
    def complete(self) -> bool:
        return self.error is None
