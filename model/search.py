"""Hyper-parameter search by cross-validation on the train split (``train.search``).

One recipe does not fit every train size: the regularisation that suits thousands of videos
over-fits a few dozen. Before the final fit, every candidate of ``train.search.grid`` (all
combinations, scikit-learn's ``ParameterGrid``) is trained on ``folds - 1`` folds of the train
split and scored on the fold left out (folds stratified by class and grouped by account, so one
account's videos never sit on both sides; each fold's model stops early on the fold left out,
as the final one stops on val); the candidate with the best pooled out-of-fold
macro-F1 wins, ties going to the earlier candidate. The final model is then trained with it
exactly as without a search: on the whole train split, early stopping on val. The val split is
never seen by the search.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedGroupKFold

from model.data import FeatureDataset
from model.inference import predict
from pipeline.params import TrainParams

Fit = Callable[[FeatureDataset, FeatureDataset, TrainParams], Any]  # -> an object with .model


@dataclass(frozen=True)
class SearchResult:
    best: dict[str, Any]  # the chosen candidate (dotted train keys)
    table: list[dict[str, Any]]  # every candidate with its out-of-fold macro-F1
    folds: int

    def report(self) -> dict[str, Any]:
        return {"chosen": self.best, "folds": self.folds, "candidates": self.table}


def groups(ds: FeatureDataset) -> np.ndarray:
    """The account of every example (its own id when it has none): the folds' groups."""
    return np.array([e.account or e.id for e in ds.entries], dtype=object)


def usable_folds(ds: FeatureDataset, wanted: int) -> int:
    """How many folds ``ds`` allows: at most one per account, and no more than its most common
    class has examples (stratification needs that); below 2 there is nothing to search on."""
    if not len(ds):
        return 0
    most_common = int(np.unique(ds.primary_labels(), return_counts=True)[1].max())
    return min(wanted, len(set(groups(ds))), most_common)


def folds(ds: FeatureDataset, n_folds: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train, held-out) indices of ``ds``: stratified by primary class, grouped by account;
    fewer folds when ``usable_folds`` says so."""
    n = usable_folds(ds, n_folds)
    by_account = groups(ds)
    if n < 2:
        raise ValueError(
            f"train.search cannot fold {len(ds)} train videos ({len(set(by_account))} accounts):"
            " it needs 2 accounts and a class with 2 videos (set train.search.enabled: auto or off)"
        )
    splitter = StratifiedGroupKFold(n_splits=n, shuffle=True, random_state=seed)
    with warnings.catch_warnings():  # a class rarer than the folds cannot be in every one
        warnings.simplefilter("ignore", UserWarning)
        return list(splitter.split(np.zeros(len(ds)), ds.primary_labels(), by_account))


def search(ds: FeatureDataset, params: TrainParams, fit: Fit) -> SearchResult:
    """Score every candidate of ``params.search`` out of fold on ``ds`` with ``fit`` (the
    training function) and return the best."""
    splits = folds(ds, params.search.folds, params.optim.seed)
    y = ds.primary_labels()
    table = []
    for candidate in params.search.candidates():
        cfg = params.with_candidate(candidate)
        pred = np.zeros(len(ds), dtype=int)
        for train_idx, held_idx in splits:
            held = ds.subset(held_idx)
            probs, _ = predict(fit(ds.subset(train_idx), held, cfg).model, held)
            pred[held_idx] = probs.argmax(1)
        score = f1_score(y, pred, average="macro", labels=sorted(set(y)), zero_division=0)
        table.append({"candidate": candidate, "oof_macro_f1": round(float(score), 4)})
    best = max(range(len(table)), key=lambda i: (table[i]["oof_macro_f1"], -i))
    return SearchResult(table[best]["candidate"], table, len(splits))
