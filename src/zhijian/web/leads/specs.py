"""What a lead's model says about it: evidence labels and legal basis, from the model's
yml in the library (``zhijian.supervision.spec``)."""

from __future__ import annotations

from functools import cache
from typing import Any

from zhijian.supervision.errors import ModelError
from zhijian.supervision.spec import ModelSpec, load_library
from zhijian.web.leads.models import Lead


@cache
def library() -> dict[str, ModelSpec]:
    try:
        return {spec.id: spec for spec in load_library()}
    except ModelError:
        # A broken model file must not take the lead pages down; labels fall back to keys.
        return {}


def spec_for(model_id: str) -> ModelSpec | None:
    """The model's spec, or ``None`` for a model no longer (or never) in the library."""
    return library().get(model_id)


def evidence_rows(lead: Lead) -> list[tuple[str, str]]:
    """(label, value) of each evidence field: the model's fields in its order, with its
    Chinese labels, then any field the model does not label, under its own name."""
    spec = spec_for(lead.model_id)
    labels = spec.evidence if spec else {}
    evidence: dict[str, Any] = lead.evidence or {}
    names = [name for name in labels if name in evidence]
    names += [name for name in evidence if name not in labels]
    return [(labels.get(name, name), shown(evidence[name])) for name in names]


def legal_basis(lead: Lead) -> list[tuple[str, str]]:
    """(citation, text) of each provision the model rests on; empty when unknown."""
    if lead.is_manual:
        return [(str(citation), str(text)) for citation, text in lead.key.get("legal_basis", [])]
    spec = spec_for(lead.model_id)
    return [(str(basis), basis.text) for basis in spec.legal_basis] if spec else []


def shown(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)
