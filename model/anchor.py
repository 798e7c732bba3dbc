"""The linear branch anchored to a logistic regression (``train.architecture.linear_head``).

On a few hundred items a network trained by gradient descent and stopped early on a small val
split learns less than a logistic regression fitted to convergence with a cross-validated L2
penalty (MELD, 340 utterances: macro-F1 0.31 against the probe's 0.43). So before training,
CHFEN's linear branch is set to such a regression, one per modality on exactly what the branch
reads (``CHFEN.linear_inputs``: the standardised streams, per-step ones averaged), with the
training loss's class weights and C chosen by stratified 5-fold cross-validation on the train
split (scikit-learn's ``LogisticRegressionCV``, macro-F1), and frozen; the gate starts with most
of its weight on it. Training then only adds what the attention branches and the gate can
improve on it, and the untrained state is scored as epoch 0, so early stopping (or the search's
epoch count) keeps the anchor when nothing helps.
"""

from __future__ import annotations

import warnings

import numpy as np
import torch
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, LogisticRegressionCV
from sklearn.model_selection import StratifiedKFold

from model.data import FeatureDataset, loader
from model.weighting import class_weight

CS = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0)
GATE_LOGIT = 4.0  # the linear branch's starting gate logit; the others start at 0
ABSENT_BIAS = -10.0  # a class the train split lacks is never the regression's answer


@torch.inference_mode()
def _inputs(model: torch.nn.Module, ds: FeatureDataset) -> dict[str, tuple[np.ndarray, ...]]:
    """Per modality, over ``ds``: (what the linear branch reads, whether the video has it)."""
    model.eval()
    rows: dict[str, list] = {}
    for batch in loader(ds, 256, shuffle=False):
        for m, (x, has) in model.linear_inputs(batch).items():
            rows.setdefault(m, []).append((x.numpy(), has.numpy()))
    return {
        m: tuple(np.concatenate(col) for col in zip(*parts, strict=True))
        for m, parts in rows.items()
    }


def anchor_linear_branch(
    model: torch.nn.Module, ds: FeatureDataset, seed: int, class_power: float
) -> dict[str, float]:
    """Fit, load and freeze the linear branch of ``model`` (standardisation statistics already
    set) on ``ds``, classes weighted as the training loss weighs them (inverse frequency to
    ``class_power``); returns the C chosen per modality."""
    y = ds.primary_labels()
    chosen = {}
    for m, (x, has) in _inputs(model, ds).items():
        classes = np.unique(y[has])
        if len(classes) < 2:
            continue
        fitted, chosen[m] = _regression(x[has], y[has], seed, class_power)
        coef, intercept = fitted.coef_, fitted.intercept_
        if len(classes) == 2:  # sklearn keeps one row for two classes: their logit difference
            coef, intercept = np.vstack([-coef / 2, coef / 2]), np.array([-1, 1]) * intercept / 2
        layer = model.linear[m]
        weight = torch.zeros_like(layer.weight)
        bias = torch.full_like(layer.bias, ABSENT_BIAS)
        weight[classes] = torch.as_tensor(coef, dtype=weight.dtype)
        bias[classes] = torch.as_tensor(intercept, dtype=bias.dtype)
        with torch.no_grad():
            layer.weight.copy_(weight)
            layer.bias.copy_(bias)
        layer.requires_grad_(False)
    with torch.no_grad():
        model.gate[-1] = GATE_LOGIT
    return chosen


def _regression(
    x: np.ndarray, y: np.ndarray, seed: int, class_power: float
) -> tuple[LogisticRegression, float]:
    """Logistic regression with classes weighted by inverse frequency to ``class_power``, C by
    stratified CV on macro-F1 (C = 0.1 when some class has a single item)."""
    weights = class_weight(y, class_power)
    folds = int(min(5, np.unique(y, return_counts=True)[1].min()))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if folds < 2:
            plain = LogisticRegression(
                C=0.1, class_weight=weights, max_iter=2000, random_state=seed
            )
            return plain.fit(x, y), 0.1
        cv = LogisticRegressionCV(
            Cs=list(CS),
            l1_ratios=(0.0,),
            use_legacy_attributes=False,
            cv=StratifiedKFold(folds, shuffle=True, random_state=seed),
            scoring="f1_macro",
            class_weight=weights,
            max_iter=2000,
            random_state=seed,
        ).fit(x, y)
    return cv, float(cv.C_)
