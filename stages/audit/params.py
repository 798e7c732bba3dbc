"""``audit``: the audit stage's section of ``params.yaml``."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from model.params import ALL_MODALITIES, Modality
from pipeline.section import Section


class AuditParams(Section):
    """Likely label errors (stages/audit): out-of-fold predicted probabilities by grouped
    cross-validation over every labelled video, judged by cleanlab's confident learning."""

    method: Literal["modality_probes", "probe"] = Field(
        default="modality_probes",
        description="probe: the evaluate stage's linear probe on all modalities at once; "
        "modality_probes: one probe per modality, probabilities averaged",
    )
    modalities: tuple[Modality, ...] = Field(default=ALL_MODALITIES, min_length=1)
    folds: int = Field(default=5, ge=2, description="at most the number of accounts")
    probe_c: float | None = Field(
        default=None,
        gt=0,
        description="the probe's C; None: chosen per fold by log loss on another fold",
    )
    filter_by: Literal[
        "prune_by_noise_rate",
        "prune_by_class",
        "both",
        "confident_learning",
        "predicted_neq_given",
        "low_normalized_margin",
        "low_self_confidence",
    ] = "prune_by_noise_rate"
    rank_by: Literal["self_confidence", "normalized_margin", "confidence_weighted_entropy"] = (
        "self_confidence"
    )
    max_issues: int | None = Field(
        default=None, ge=0, description="at most this many flagged (the worst); None: all"
    )
    seed: int = 0
