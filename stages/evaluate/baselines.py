"""Baselines fitted beside every evaluation, on the model's train split and the same cached
features: the majority class, and a linear probe (logistic regression on standardised
mean-pooled features of the model's modalities, classes weighted as the model's training
weighed them, its C chosen on the val split).

A model below its linear probe has learnt less from the features than a linear read-out of
them; evaluate says so.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.dummy import DummyClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from model.data import STREAMS, FeatureDataset
from model.weighting import class_weight

PROBE_C = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0)


def pooled(ds: FeatureDataset) -> tuple[np.ndarray, np.ndarray]:
    """(features, labels): per item, every stream of the dataset's modalities (vectors as they
    are, per-step streams averaged over their real steps; zeros where missing) concatenated,
    and the index of the item's primary class (-1 for an item with no class in the space)."""
    rows, labels = [], []
    for i in range(len(ds)):
        ex = ds[i]
        parts = []
        for m in ds.modalities:
            for stream, kind in STREAMS[m][1]:
                x, mask = ex[stream], ex[f"{stream}_mask"]
                if kind == "sequence":
                    x = x[mask].mean(0) if mask.any() else np.zeros(x.shape[1], np.float32)
                else:
                    x = x if mask else np.zeros_like(x)
                parts.append(np.atleast_1d(x))
        rows.append(np.concatenate(parts))
        labels.append(int(ex["label"]) if ex["target"].sum() > 0 else -1)
    dim = sum(ds.dims.values())
    return (np.stack(rows) if rows else np.zeros((0, dim), np.float32)), np.array(labels)


@dataclass
class Fitted:
    """A baseline and what was chosen for it."""

    name: str
    estimator: Pipeline | DummyClassifier
    n_classes: int
    chosen: dict[str, float]

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """Class probabilities in the model's whole label space (0 for classes unseen in train)."""
        out = np.zeros((len(x), self.n_classes))
        if len(x):
            out[:, self.estimator.classes_] = self.estimator.predict_proba(x)
        return out


def majority(y_train: np.ndarray, n_classes: int) -> Fitted:
    keep = y_train >= 0
    dummy = DummyClassifier(strategy="most_frequent").fit(np.zeros((keep.sum(), 1)), y_train[keep])
    return Fitted("majority", dummy, n_classes, {})


def fit_probe(
    x: np.ndarray, y: np.ndarray, c: float, seed: int = 0, class_power: float = 1.0
) -> Pipeline:
    """The probe's estimator with inverse regularisation ``c``, fitted on ``(x, y)`` (every
    label a class index), classes weighted by inverse frequency to ``class_power`` (1:
    balanced; ``model/weighting.py``)."""
    model = make_pipeline(
        StandardScaler(),
        LogisticRegression(
            C=c, max_iter=2000, class_weight=class_weight(y, class_power), random_state=seed
        ),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(x, y)


def probe(
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_val: np.ndarray | None,
    y_val: np.ndarray | None,
    n_classes: int,
    seed: int = 0,
    class_power: float = 1.0,
) -> Fitted:
    """Logistic regression on standardised features, fitted on train with classes weighted by
    inverse frequency to ``class_power``; C is the one of ``PROBE_C`` with the best val
    macro-F1 (the largest C's neighbour 0.1 without a val split)."""
    keep = y_train >= 0
    x_train, y_train = x_train[keep], y_train[keep]

    def fit(c: float) -> Pipeline:
        return fit_probe(x_train, y_train, c, seed, class_power)

    if x_val is None or y_val is None or not (y_val >= 0).any():
        return Fitted("probe", fit(0.1), n_classes, {"C": 0.1})
    scored = []
    for c in PROBE_C:
        model = fit(c)
        ok = y_val >= 0
        pred = model.predict(x_val[ok])
        scored.append((f1_score(y_val[ok], pred, average="macro", zero_division=0), -c, model))
    f1, neg_c, best = max(scored, key=lambda s: s[:2])
    return Fitted("probe", best, n_classes, {"C": -neg_c, "val_macro_f1": float(f1)})
