"""train.search: the cross-validated hyper-parameter search before the final fit."""

import numpy as np
import pytest
from pydantic import ValidationError

from model.data import FeatureDataset
from model.search import folds, usable_folds
from model.train import fit, train
from tests.debug_params import train_params
from tests.model.synthetic_store import build

pytestmark = pytest.mark.slow  # module fixtures run whole stages or train models

MODALITIES = ("title", "vocals")


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("stores")
    entries = [
        e.model_copy(update={"account": f"acct-{i // 2}"})  # two videos per account
        for i, e in enumerate(build(root, n=48, noise=1.0))
    ]
    return root, entries


def _split(data, split):
    root, entries = data
    return FeatureDataset([e for e in entries if e.split == split], root, MODALITIES, "primary8")


def test_folds_are_grouped_by_account_and_cover_every_item(data):
    ds = _split(data, "train")
    splits = folds(ds, 3, seed=0)
    assert len(splits) == 3
    held = np.concatenate([b for _, b in splits])
    assert sorted(held) == list(range(len(ds)))
    for a, b in splits:
        assert not {ds.entries[i].account for i in a} & {ds.entries[i].account for i in b}


def test_folds_keep_near_duplicate_footage_together_across_accounts(data):
    ds = _split(data, "train")
    ds.entries = [  # pairs of re-uploads by two different accounts
        e.model_copy(update={"account": f"own-{i}", "duplicate_group": f"clip-{i // 2}"})
        for i, e in enumerate(ds.entries)
    ]
    for a, b in folds(ds, 3, seed=0):
        groups = lambda idx: {ds.entries[i].duplicate_group for i in idx}  # noqa: E731
        assert not groups(a) & groups(b)


def test_search_picks_the_candidate_that_learns_and_the_final_fit_uses_it_and_its_epochs(data):
    train_ds, val_ds = _split(data, "train"), _split(data, "val")
    grid = {"optim.lr": [1e-7, 1e-2]}
    params = train_params(epochs=6, patience=6, enabled="on", grid=grid)
    result = train(train_ds, val_ds, params)
    table = {
        row["candidate"]["optim.lr"]: row["oof_macro_f1"] for row in result.search["candidates"]
    }
    assert result.search["chosen"] == {"optim.lr": 1e-2}
    assert table[1e-2] > table[1e-7] + 0.15, table
    assert result.search["folds"] == 3
    epochs = result.search["epochs"]
    assert 1 <= epochs <= 6
    assert result.best_epoch == epochs and len(result.history) == epochs
    fixed = fit(train_ds, val_ds, params.with_candidate({"optim.lr": 1e-2}), epochs=epochs)
    assert result.history == fixed.history  # the final fit is the chosen candidate's plain fit


def test_an_anchored_model_that_training_cannot_improve_stays_the_anchor(data):
    train_ds, val_ds = _split(data, "train"), _split(data, "val")
    params = train_params(
        modalities=MODALITIES,
        epochs=4,
        patience=4,
        linear_head=True,
        enabled="on",
        grid={"optim.lr": [1e-9]},
    )
    result = train(train_ds, val_ds, params)
    # every epoch predicts as the anchor does: the earliest, epoch 0, wins
    assert result.search["epochs"] == 0 == result.best_epoch
    assert len(result.history) == 1
    assert result.search["candidates"][0]["oof_macro_f1"] > 0.3


def test_auto_searches_only_small_train_splits(data):
    train_ds = _split(data, "train")
    small = train(train_ds, None, train_params(epochs=1, enabled="auto", max_items=len(train_ds)))
    large = train(
        train_ds, None, train_params(epochs=1, enabled="auto", max_items=len(train_ds) - 1)
    )
    assert small.search is not None and len(small.search["candidates"]) == 4
    assert large.search is None


def test_ties_go_to_the_earlier_candidate(data):
    train_ds = _split(data, "train")
    grid = {"optim.seed": [0, 0]}  # the same candidate twice: equal scores
    result = train(train_ds, None, train_params(epochs=1, enabled="on", grid=grid))
    assert result.search["chosen"] == {"optim.seed": 0}
    assert len(result.search["candidates"]) == 2


@pytest.mark.parametrize(
    ("grid", "message"),
    [
        ({"optim.lr": [-1.0]}, "greater than 0"),
        ({"optim.learning_rate": [0.1]}, "optim.learning_rate"),
        ({"search.folds": [2]}, "cannot be searched"),
        ({"optim.lr": []}, "lists no values"),
    ],
)
def test_a_bad_grid_is_refused_when_params_load(grid, message):
    with pytest.raises(ValidationError, match=message):
        train_params(enabled="on", grid=grid)


def test_unfoldable_train_splits_skip_auto_and_stop_on(data):
    root, entries = data
    one = [e.model_copy(update={"account": "same"}) for e in entries if e.split == "train"]
    ds = FeatureDataset(one, root, MODALITIES, "primary8")
    skipped = train(ds, None, train_params(epochs=1, enabled="auto"))
    assert "too few accounts" in skipped.search["skipped"]
    with pytest.raises(ValueError, match="cannot fold"):
        train(ds, None, train_params(epochs=1, enabled="on"))

    singletons = ds.subset(range(8))  # one video of each class: no class can be stratified
    singletons.entries = [e.model_copy(update={"account": e.id}) for e in singletons.entries]
    assert usable_folds(singletons, 3) == 1
    assert (
        "too few"
        in train(singletons, None, train_params(epochs=1, enabled="auto")).search["skipped"]
    )


def test_search_epochs_val_stops_the_final_fit_early_on_val_instead(data):
    train_ds, val_ds = _split(data, "train"), _split(data, "val")
    grid = {"optim.lr": [1e-2]}
    params = train_params(epochs=6, patience=2, enabled="on", grid=grid).changed(
        {"search": {"epochs": "val"}}
    )
    result = train(train_ds, val_ds, params)
    plain = fit(train_ds, val_ds, params.with_candidate({"optim.lr": 1e-2}))
    assert result.history == plain.history and result.best_epoch == plain.best_epoch
    assert "epochs" in result.search  # still reported: what the folds would have chosen
