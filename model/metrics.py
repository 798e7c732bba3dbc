"""Classification metrics at the trained label space and every coarser view of the wheel."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
)

from pipeline.plutchik import Granularity, label_space


def scores(probs: np.ndarray, targets: np.ndarray, space: Granularity) -> dict[str, Any]:
    """Accuracy, macro/weighted F1 and per-class precision/recall/F1 against the primary
    (argmax) label, at ``space`` and at each coarser space (summing probabilities)."""
    out: dict[str, Any] = {}
    for level in label_space(space).coarser():
        p = label_space(space).project(probs, level)
        t = label_space(space).project(targets, level)
        y_true, y_pred = t.argmax(1), p.argmax(1)
        names = label_space(level).classes
        labels = list(range(len(names)))
        precision, recall, f1, support = precision_recall_fscore_support(
            y_true, y_pred, labels=labels, zero_division=0
        )
        out[level] = {
            "accuracy": float(accuracy_score(y_true, y_pred)) if len(y_true) else 0.0,
            "macro_f1": float(
                f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)
            ),
            "weighted_f1": float(
                f1_score(y_true, y_pred, labels=labels, average="weighted", zero_division=0)
            ),
            "per_class": {
                name: {
                    "precision": float(precision[i]),
                    "recall": float(recall[i]),
                    "f1": float(f1[i]),
                    "support": int(support[i]),
                }
                for i, name in enumerate(names)
            },
            "n": len(y_true),
        }
    headline = out[space]
    return {
        "accuracy": headline["accuracy"],
        "macro_f1": headline["macro_f1"],
        "weighted_f1": headline["weighted_f1"],
        "valence_accuracy": out["valence3"]["accuracy"],
        "levels": out,
    }


def confusion(probs: np.ndarray, targets: np.ndarray, space: Granularity) -> np.ndarray:
    names = label_space(space).classes
    return confusion_matrix(targets.argmax(1), probs.argmax(1), labels=list(range(len(names))))
