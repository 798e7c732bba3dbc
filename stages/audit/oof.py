"""Out-of-fold class probabilities: grouped, stratified K-fold over every labelled video, each
fold predicted by the evaluate stage's linear probe fitted on the other folds, so no video is
scored by a model that saw its account. ``modality_probes`` fits one probe per modality and
averages their probabilities: on the concatenation, the widest modality (visual: 2561 of 3555
dims in the offline profile) drowns the others (out-of-fold accuracy 0.64 against 0.79 for
the average on the 96-video sample with 10% flipped labels: benchmarks/label_issues.py)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import StratifiedGroupKFold
from threadpoolctl import threadpool_limits

from stages.evaluate import baselines

DEFAULT_C = 0.1  # the probe's C when no fold is left to choose it on (as in evaluate)
EPS = 1e-6  # probability floor of a class the validation fit never saw, for the log loss


@dataclass
class OutOfFold:
    """``pred_probs[i]``: item i's class probabilities from the model of the fold holding it out
    (0 for classes absent from that model's training folds); ``seen[i]``: whether item i's own
    class was among them; ``c``: the probe's C per fold, by modality (``all``: one probe)."""

    pred_probs: np.ndarray
    seen: np.ndarray
    folds: int
    c: dict[str, list[float]]


def fold_count(y: np.ndarray, groups: np.ndarray, wanted: int) -> int:
    """``wanted`` folds, fewer when there are fewer groups or the largest class is smaller
    (0 when fewer than two folds are possible)."""
    if not len(y):
        return 0
    largest_class = int(np.unique(y, return_counts=True)[1].max())
    k = min(wanted, len(set(groups.tolist())), largest_class)
    return k if k >= 2 else 0


def grouped_folds(y: np.ndarray, groups: np.ndarray, k: int, seed: int) -> list[np.ndarray]:
    """The held-out indices of each of ``k`` folds: whole groups, stratified by ``y``."""
    split = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed)
    with warnings.catch_warnings():
        # rare classes cannot be in every fold; stratification is best effort there
        warnings.filterwarnings("ignore", message="The least populated class", category=UserWarning)
        return [test for _, test in split.split(np.zeros(len(y)), y, groups)]


def probe_out_of_fold(
    x: np.ndarray,
    y: np.ndarray,
    groups: np.ndarray,
    n_classes: int,
    folds: int,
    c: float | None,
    seed: int,
) -> OutOfFold:
    """Out-of-fold probabilities of the linear probe. With ``c`` None, each fold's C is chosen
    with the next fold as validation (``_choose_c``), then the probe is refitted on all the
    other folds."""
    k = fold_count(y, groups, folds)
    if not k:
        raise ValueError("fewer than two folds possible (one group or one video per class)")
    # one BLAS thread: these fits are small, and threads spinning on a shared machine made them
    # 20-30 times slower (measured on the 96-video sample)
    with threadpool_limits(limits=1):
        return _probe_folds(x, y, grouped_folds(y, groups, k, seed), n_classes, c, seed)


def _probe_folds(
    x: np.ndarray,
    y: np.ndarray,
    tests: list[np.ndarray],
    n_classes: int,
    c: float | None,
    seed: int,
) -> OutOfFold:
    """``probe_out_of_fold`` over the held-out index sets ``tests``."""
    k = len(tests)
    probs = np.zeros((len(y), n_classes))
    seen = np.zeros(len(y), bool)
    chosen = []
    for i, test in enumerate(tests):
        train = np.setdiff1d(np.arange(len(y)), test)
        fold_c = c if c is not None else _choose_c(x, y, train, tests[(i + 1) % k], n_classes, seed)
        chosen.append(fold_c)
        classes = np.unique(y[train])
        if len(classes) == 1:  # nothing to discriminate: the one class seen
            probs[np.ix_(test, classes)] = 1.0
        else:
            model = baselines.fit_probe(x[train], y[train], fold_c, seed)
            probs[np.ix_(test, model.classes_)] = model.predict_proba(x[test])
        seen[test] = np.isin(y[test], classes)
    return OutOfFold(probs, seen, k, {"all": chosen})


def modality_probes_out_of_fold(
    x: np.ndarray,
    blocks: dict[str, slice],
    y: np.ndarray,
    groups: np.ndarray,
    n_classes: int,
    folds: int,
    c: float | None,
    seed: int,
) -> OutOfFold:
    """One ``probe_out_of_fold`` per modality (its columns ``blocks[m]`` of ``x``), on the same
    folds, their probabilities averaged."""
    outs = {
        m: probe_out_of_fold(x[:, cols], y, groups, n_classes, folds, c, seed)
        for m, cols in blocks.items()
    }
    first = next(iter(outs.values()))
    probs = np.mean([o.pred_probs for o in outs.values()], axis=0)
    return OutOfFold(probs, first.seen, first.folds, {m: o.c["all"] for m, o in outs.items()})


def _choose_c(
    x: np.ndarray, y: np.ndarray, train: np.ndarray, val: np.ndarray, n_classes: int, seed: int
) -> float:
    """The C of ``baselines.PROBE_C`` with the lowest log loss on ``val`` when fitted on the
    rest of ``train``. Log loss, not evaluate's macro-F1: confident learning compares each
    probability with its class's mean, so the probabilities must be calibrated, and macro-F1
    ties go to the strongest regularisation, whose nearly flat probabilities hide flipped
    labels (measured: 3 of 6 planted flips found against 5)."""
    inner = np.setdiff1d(train, val)
    if len(np.unique(y[inner])) < 2:  # two folds: no third one to choose C on
        return DEFAULT_C
    scored = []
    for c in baselines.PROBE_C:
        model = baselines.fit_probe(x[inner], y[inner], c, seed)
        probs = np.full((len(val), n_classes), EPS)
        probs[:, model.classes_] += model.predict_proba(x[val])
        probs /= probs.sum(1, keepdims=True)
        scored.append((-np.log(probs[np.arange(len(val)), y[val]]).mean(), c))
    return float(min(scored)[1])
