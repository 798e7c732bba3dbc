"""The linear branch anchored to a cross-validated logistic regression (linear_head)."""

import numpy as np
import pytest
import torch

from model.anchor import _inputs, _regression, anchor_linear_branch
from model.config import ModelConfig
from model.data import FeatureDataset, feature_stats
from model.factory import build, set_stats
from model.inference import predict
from model.train import train
from pipeline.plutchik import label_space
from tests.debug_params import train_params
from tests.model.synthetic_store import build as build_store

pytestmark = pytest.mark.slow  # whole models, engines or stages per test

MODALITIES = ("title", "vocals")


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("stores")
    entries = build_store(root, n=64, noise=2.0)
    split = {
        s: FeatureDataset([e for e in entries if e.split == s], root, MODALITIES, "primary8")
        for s in ("train", "val")
    }
    return split["train"], split["val"]


def _model(ds, params):
    cfg = ModelConfig.from_params(params, label_space(params.task.labels).classes, ds.dims)
    model = build(cfg)
    set_stats(model, feature_stats(ds))
    return model


def test_the_branch_is_the_regression_on_what_it_reads(data):
    train_ds, _ = data
    model = _model(train_ds, train_params(modalities=MODALITIES, linear_head=True))
    chosen = anchor_linear_branch(model, train_ds, seed=0, class_power=0.5)
    assert set(chosen) == set(MODALITIES)
    y = train_ds.primary_labels()
    for m, (x, has) in _inputs(model, train_ds).items():
        fitted, c = _regression(x[has], y[has], 0, 0.5)
        assert c == chosen[m]
        with torch.no_grad():
            logits = model.linear[m](torch.from_numpy(x)).numpy()
        np.testing.assert_array_equal(logits.argmax(1), fitted.predict(x))
        assert not any(p.requires_grad for p in model.linear[m].parameters())
    gate = torch.softmax(model.gate.detach(), 0)
    assert gate[-1] > 0.8  # the gate starts on the anchored branch


def test_training_keeps_the_anchor_frozen_and_scores_it_as_epoch_0(data):
    train_ds, val_ds = data
    params = train_params(modalities=MODALITIES, linear_head=True, epochs=3, patience=3)
    result = train(train_ds, val_ds, params)
    assert len(result.history) == 4 and "train/loss" not in result.history[0]
    assert result.anchor is not None and set(result.anchor) == set(MODALITIES)
    reference = _model(train_ds, params)
    anchor_linear_branch(reference, train_ds, seed=0, class_power=0.5)
    for m in MODALITIES:
        torch.testing.assert_close(result.model.linear[m].weight, reference.linear[m].weight)


def test_nothing_learnt_keeps_the_anchor(data):
    """With a learning rate that changes nothing, epoch 0 wins and the model predicts what the
    regressions do."""
    train_ds, val_ds = data
    result = train(
        train_ds, val_ds, train_params(modalities=MODALITIES, linear_head=True, lr=1e-12, epochs=2)
    )
    assert result.best_epoch == 0
    probs, targets = predict(result.model, val_ds)
    assert (probs.argmax(1) == targets.argmax(1)).mean() > 0.5


def test_without_linear_head_nothing_is_anchored(data):
    train_ds, val_ds = data
    result = train(train_ds, val_ds, train_params(modalities=MODALITIES, epochs=1))
    assert result.anchor is None and len(result.history) == 1
