"""Class weights from class frequencies, shared by the training loss and the anchored linear
branch so both weigh the classes alike (``train.task.class_weights``)."""

from __future__ import annotations

import numpy as np


def inverse_frequency(mass: np.ndarray, power: float) -> np.ndarray:
    """Per class ``(share of the mass) ** -power``, scaled to mean 1 over the classes present,
    0 for an absent class. ``power`` 1 balances the classes (scikit-learn's "balanced"), 0
    weighs them alike, 0.5 (square-root inverse frequency) is in between: on MELD's train table
    (47% neutral) a logistic regression on the title vectors scored dev macro-/weighted-F1
    0.413 / 0.565 with it, against 0.399 / 0.522 balanced and 0.394 / 0.556 unweighted."""
    mass = np.asarray(mass, dtype=np.float64)
    present = mass > 0
    weights = np.zeros_like(mass)
    if present.any():
        weights[present] = (mass[present] / mass.sum()) ** -power
        weights[present] /= weights[present].mean()
    return weights


def class_weight(y: np.ndarray, power: float) -> dict[int, float]:
    """scikit-learn's ``class_weight`` for the labels ``y``: every class present in ``y`` ->
    its ``inverse_frequency`` weight."""
    classes, counts = np.unique(y, return_counts=True)
    return dict(zip(classes.tolist(), inverse_frequency(counts, power).tolist(), strict=True))
