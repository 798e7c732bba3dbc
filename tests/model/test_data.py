"""model/data.py: batches for training and scoring."""

import pytest
import torch

from model.data import FeatureDataset, loader
from model.train import fit
from tests.debug_params import train_params
from tests.model.synthetic_store import build as build_store

MODALITIES = ("title", "vocals")


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("stores")
    entries = build_store(root, n=32, noise=1.0)
    return tuple(
        FeatureDataset([e for e in entries if e.split == s], root, MODALITIES, "primary8")
        for s in ("train", "val")
    )


def test_a_scoring_loader_leaves_the_global_rng_alone(data):
    _, val_ds = data
    before = torch.get_rng_state()
    assert sum(len(b["target"]) for b in loader(val_ds, 4, shuffle=False)) == len(val_ds)
    assert torch.equal(torch.get_rng_state(), before)


def test_scoring_during_training_does_not_change_the_weights(data):
    train_ds, val_ds = data
    params = train_params(modalities=MODALITIES, seed=3)

    def extra_pass(epoch, model):  # what a caller's per-epoch evaluation does
        for _ in loader(val_ds, 4, shuffle=False):
            pass

    plain = fit(train_ds, val_ds, params, epochs=3).model.state_dict()
    scored = fit(train_ds, val_ds, params, epochs=3, on_epoch=extra_pass).model.state_dict()
    assert plain.keys() == scored.keys()
    for key, value in plain.items():
        assert torch.equal(value, scored[key]), key
