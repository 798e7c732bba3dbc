"""Hyper-parameter search by cross-validation on the train split (``train.search``).

One recipe does not fit every train size: the regularisation that suits thousands of videos
over-fits a few dozen. Before the final fit, every candidate of ``train.search.grid`` (all
combinations, scikit-learn's ``ParameterGrid``) is trained on ``folds - 1`` folds of the train
split and scored on the fold left out after every epoch (folds stratified by class and grouped by
account and near-duplicate footage, so one account's videos or one clip's re-uploads never sit
on both sides; each fold's model stops early on the
fold left out). The pooled out-of-fold macro-F1 of every epoch that all folds reached is the
candidate's learning curve; the best (candidate, epoch) wins, ties going to the earlier
candidate and the earlier epoch. The final model is then trained with that candidate on the
whole train split for exactly that many epochs (0: an anchored model's linear branch alone,
untrained): the epoch count is chosen on every train video's held-out prediction instead of on
a val split of a few dozen, whose macro-F1 is mostly noise at this size (MELD, 55 val
utterances: early stopping picked the epoch with test macro-F1 0.30 where epoch 0 had 0.43).
The val split is never seen by the search.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedGroupKFold

from model.data import FeatureDataset
from model.inference import predict
from model.params import TrainParams
from pipeline.grouping import split_groups

EpochHook = Callable[[int, torch.nn.Module], None]
Fit = Callable[..., Any]  # fit(train, monitor, params, on_epoch=EpochHook)


@dataclass(frozen=True)
class SearchResult:
    best: dict[str, Any]  # the chosen candidate (dotted train keys)
    epochs: int  # how many epochs the final fit trains
    table: list[dict[str, Any]]  # every candidate with its best out-of-fold macro-F1 and epoch
    folds: int

    def report(self) -> dict[str, Any]:
        return {
            "chosen": self.best,
            "epochs": self.epochs,
            "folds": self.folds,
            "candidates": self.table,
        }


def groups(ds: FeatureDataset) -> np.ndarray:
    """The group of every example, as the labels stage's split groups them (account and
    near-duplicate footage joined; ``pipeline.grouping``): the folds' groups."""
    return np.array(split_groups(ds.entries), dtype=object)


def usable_folds(ds: FeatureDataset, wanted: int) -> int:
    """How many folds ``ds`` allows: at most one per group, and no more than its most common
    class has examples (stratification needs that); below 2 there is nothing to search on."""
    if not len(ds):
        return 0
    most_common = int(np.unique(ds.primary_labels(), return_counts=True)[1].max())
    return min(wanted, len(set(groups(ds))), most_common)


def folds(ds: FeatureDataset, n_folds: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train, held-out) indices of ``ds``: stratified by primary class, grouped as the split is;
    fewer folds when ``usable_folds`` says so."""
    n = usable_folds(ds, n_folds)
    by_group = groups(ds)
    if n < 2:
        raise ValueError(
            f"train.search cannot fold {len(ds)} train videos ({len(set(by_group))} groups of"
            " accounts and re-uploads): it needs 2 groups and a class with 2 videos (set"
            " train.search.enabled: auto or off)"
        )
    splitter = StratifiedGroupKFold(n_splits=n, shuffle=True, random_state=seed)
    with warnings.catch_warnings():  # a class rarer than the folds cannot be in every one
        warnings.simplefilter("ignore", UserWarning)
        return list(splitter.split(np.zeros(len(ds)), ds.primary_labels(), by_group))


def search(ds: FeatureDataset, params: TrainParams, fit: Fit) -> SearchResult:
    """Score every candidate of ``params.search`` out of fold on ``ds``, epoch by epoch, with
    ``fit`` (the training function) and return the best candidate and epoch count."""
    splits = folds(ds, params.search.folds, params.optim.seed)
    y = ds.primary_labels()
    table = []
    for candidate in params.search.candidates():
        cfg = params.with_candidate(candidate)
        curves = [_held_out_curve(ds, tr, held, cfg, fit) for tr, held in splits]
        epoch, score = _best_epoch(curves, splits, y)
        table.append({"candidate": candidate, "oof_macro_f1": round(score, 4), "epochs": epoch})
    best = max(range(len(table)), key=lambda i: (table[i]["oof_macro_f1"], -i))
    return SearchResult(table[best]["candidate"], table[best]["epochs"], table, len(splits))


def _held_out_curve(
    ds: FeatureDataset, train_idx: np.ndarray, held_idx: np.ndarray, cfg: TrainParams, fit: Fit
) -> dict[int, np.ndarray]:
    """Epoch -> the predicted class of every held-out video, for one fold's training."""
    held = ds.subset(held_idx)
    curve: dict[int, np.ndarray] = {}

    def record(epoch: int, model: torch.nn.Module) -> None:
        curve[epoch] = predict(model, held)[0].argmax(1)

    fit(ds.subset(train_idx), held, cfg, on_epoch=record)
    return curve


def _best_epoch(
    curves: list[dict[int, np.ndarray]],
    splits: list[tuple[np.ndarray, np.ndarray]],
    y: np.ndarray,
) -> tuple[int, float]:
    """The epoch reached by every fold with the best pooled out-of-fold macro-F1 (the
    earliest of equals), and that score."""
    reached = set.intersection(*(set(c) for c in curves))
    best = (-1.0, 0)
    for epoch in sorted(reached):
        pred = np.zeros(len(y), dtype=int)
        for curve, (_, held_idx) in zip(curves, splits, strict=True):
            pred[held_idx] = curve[epoch]
        score = f1_score(y, pred, average="macro", labels=sorted(set(y)), zero_division=0)
        if score > best[0] + 1e-12:
            best = (float(score), epoch)
    return best[1], best[0]
