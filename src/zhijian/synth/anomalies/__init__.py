"""Planted anomalies: for each model of the reference library, cases the law says are
wrong and near-misses that are lawful but look close (docs/synth.md)."""

from __future__ import annotations

from collections.abc import Callable

from zhijian.synth.anomalies import other_models, sentence_models
from zhijian.synth.anomalies.records import Plant, Truth

Planter = Callable[[Plant, int, bool], None]

MODELS: dict[str, Planter] = {
    "parole_prohibited": sentence_models.parole_prohibited,
    "parole_min_served": sentence_models.parole_min_served,
    "reduction_timing_amount": sentence_models.reduction_timing_amount,
    "property_unpaid_reduction": sentence_models.property_unpaid_reduction,
    "parole_eligible_not_proposed": sentence_models.parole_eligible_not_proposed,
    "medical_parole_review_overdue": other_models.medical_parole_review_overdue,
    "overdue_release": sentence_models.overdue_release,
    "detention_center_retention": sentence_models.detention_center_retention,
    "over_term_detention": other_models.over_term_detention,
    "corrections_late_registration": other_models.corrections_late_registration,
    "corrections_unauthorized_travel": other_models.corrections_unauthorized_travel,
    "corrections_new_offence": other_models.corrections_new_offence,
    "benefits_while_imprisoned": other_models.benefits_while_imprisoned,
    "dead_still_supervised": other_models.dead_still_supervised,
}


def plant_all(plant: Plant, planted: int, near_misses: int) -> None:
    """``planted`` anomalies and ``near_misses`` near-misses for every model."""
    for planter in MODELS.values():
        for index in range(planted):
            planter(plant, index, False)
        for index in range(near_misses):
            planter(plant, index, True)


__all__ = ["MODELS", "Plant", "Truth", "plant_all"]
