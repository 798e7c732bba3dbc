"""Per-modality soft labels and modality conflicts.

A modality column (``title_label``, ``text_label``, ``visual_label``, ``audio_label``) says what
that modality carries on its own; there "neutral" is an answer (a plain title, no music), not an
abstention, so the soft label is over the 8 primaries and ``neutral``. An item's modalities
conflict when a modality's primary is an emotion other than the overall label's primary.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from pipeline.plutchik import UnknownLabel, wheel
from stages.labels.schema import ModalityLabel
from stages.labels.sheets import MODALITIES, Vote

NEUTRAL = "neutral"


def classes() -> tuple[str, ...]:
    return (*wheel().names, NEUTRAL)


def mass(label: str) -> dict[str, float]:
    """A modality label's mass over the primaries and neutral (the sheet reader has checked that
    it resolves)."""
    try:
        weights = wheel().resolve(label).weights
    except UnknownLabel:
        return {}
    return weights or {NEUTRAL: 1.0}


def coder(modality: str) -> Callable[[Vote], str | None]:
    """A vote's class for ``modality`` (a primary or neutral; None for a dyad or no label), as
    Dawid-Skene takes it."""

    def code(vote: Vote) -> str | None:
        label = vote.modality_label(modality)
        m = mass(label) if label else {}
        return next(iter(m)) if len(m) == 1 else None

    return code


def modality_labels(
    final: dict[str, Vote], posteriors: dict[str, dict[str, float]] | None = None
) -> dict[str, ModalityLabel]:
    """The soft label of every modality some final vote labelled: the mean of the votes' masses,
    or the item's Dawid-Skene posterior for that modality where ``posteriors`` (modality ->
    posterior) has one."""
    out: dict[str, ModalityLabel] = {}
    order = classes()
    for modality in MODALITIES:
        labels = [v.modality_label(modality) for v in final.values()]
        masses = [m for label in labels if label and (m := mass(label))]
        if not masses:
            continue
        dist = dict.fromkeys(order, 0.0)
        posterior = (posteriors or {}).get(modality)
        for m in [posterior] if posterior else masses:
            for k, value in m.items():
                dist[k] += value if posterior else value / len(masses)
        top = max(dist.values())
        primary = next(k for k in order if math.isclose(dist[k], top))
        out[modality] = ModalityLabel(
            primary=primary,
            distribution={k: round(v, 6) for k, v in dist.items()},
            n_votes=len(masses),
        )
    return out


def conflicts(overall: str, modalities: dict[str, ModalityLabel]) -> bool:
    return any(m.primary not in (overall, NEUTRAL) for m in modalities.values())
