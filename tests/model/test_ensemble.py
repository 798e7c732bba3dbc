"""train.optim.members: the saved model averages fits that differ only in their seed."""

import numpy as np
import pytest
import torch

from model.config import ModelConfig
from model.data import FeatureDataset
from model.ensemble import Ensemble, member_seed
from model.factory import load, save
from model.inference import infer, predict
from model.metrics import scores
from model.train import train
from tests.debug_params import train_params
from tests.model.synthetic_store import build as build_store

MODALITIES = ("title", "vocals")


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("stores")
    entries = build_store(root, n=48, noise=1.0)
    return tuple(
        FeatureDataset([e for e in entries if e.split == s], root, MODALITIES, "primary8")
        for s in ("train", "val")
    )


@pytest.fixture(scope="module")
def three(data):
    train_ds, val_ds = data
    return train(train_ds, val_ds, train_params(modalities=MODALITIES, members=3, seed=4))


def test_the_ensemble_answers_the_mean_of_its_members(data, three):
    _, val_ds = data
    model = three.model
    assert isinstance(model, Ensemble) and len(model.members) == 3
    assert three.config.members == 3
    probs, targets = predict(model, val_ds)
    each = [predict(member, val_ds)[0] for member in model.members]
    np.testing.assert_allclose(probs, np.mean(each, axis=0), atol=1e-5)
    assert not np.allclose(each[0], each[1])  # the seeds differ, so do the fits
    assert three.best_val_macro_f1 == pytest.approx(scores(probs, targets, "primary8")["macro_f1"])
    assert [set(m) for m in three.members] == [{"epoch", "val_macro_f1"}] * 3


def test_member_0_is_the_single_fit_with_the_seed(data, three):
    train_ds, val_ds = data
    single = train(train_ds, val_ds, train_params(modalities=MODALITIES, seed=4))
    assert not isinstance(single.model, Ensemble) and single.config.members == 1
    first = three.model.members[0].state_dict()
    for key, value in single.model.state_dict().items():
        torch.testing.assert_close(first[key], value)
    assert member_seed(4, 2) == 2004


def test_an_ensemble_saves_and_loads_whole(data, three, tmp_path):
    _, val_ds = data
    save(three.model, three.config, tmp_path)
    loaded, cfg = load(tmp_path)
    assert isinstance(loaded, Ensemble) and cfg.members == 3
    np.testing.assert_array_equal(predict(loaded, val_ds)[0], predict(three.model, val_ds)[0])


def test_one_video_through_an_ensemble_keeps_heads_and_attention(data, three):
    _, val_ds = data
    out = infer(three.model, val_ds[0], MODALITIES, measure=MODALITIES)
    assert out.probabilities.sum() == pytest.approx(1.0)
    assert out.step_attention is not None and set(out.step_attention) == {"tv", "va"}
    for probs in out.heads.values():
        assert probs.sum() == pytest.approx(1.0)
    assert set(out.drops) == set(MODALITIES)


def test_every_member_trains_the_epochs_the_search_chose(data):
    train_ds, val_ds = data
    params = train_params(modalities=MODALITIES, members=2).changed(
        {"search": {"enabled": "on", "folds": 2, "grid": {"architecture.dropout": [0.1]}}}
    )
    calls = []
    result = train(train_ds, val_ds, params, on_fit=lambda *c: calls.append(c))
    assert [m["epoch"] for m in result.members] == [result.search["epochs"]] * 2
    # one candidate x 2 folds, then the 2 members: every fit reported as it ends
    assert calls == [(done, 4) for done in range(5)]


def test_models_saved_before_ensembles_are_single():
    cfg = ModelConfig(
        labels="primary8", classes=("joy", "trust"), modalities=("title",), dims={"title": 4}
    )
    assert ModelConfig.model_validate(cfg.model_dump(exclude={"members"})).members == 1
