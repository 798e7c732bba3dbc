import numpy as np
import pytest
import torch

from model.config import ModelConfig
from model.data import FeatureDataset, collate, feature_stats, loader
from model.factory import build as build_model
from model.factory import load, save, set_stats
from model.inference import hide_modalities, predict
from model.train import branch_loss, loss_fn, seed_everything, train
from pipeline.params import ALL_MODALITIES
from pipeline.plutchik import label_space
from tests.debug_params import train_params
from tests.model.synthetic_store import build


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("stores")
    entries = build(root, n=32)
    ds = FeatureDataset(entries, root, ALL_MODALITIES, "primary8")
    return root, entries, ds


def make(ds, **overrides):
    params = train_params(tiny=False, **overrides)
    cfg = ModelConfig.from_params(params, label_space(params.task.labels).classes, ds.dims)
    torch.manual_seed(0)
    model = build_model(cfg)
    set_stats(model, feature_stats(ds))
    model.eval()
    return model


def first_batch(ds, size=8):
    return next(iter(loader(ds, size, shuffle=False)))


@pytest.mark.parametrize("fusion", ["hybrid", "early", "late"])
def test_shapes_and_masks(data, fusion):
    *_, ds = data
    batch = first_batch(ds)
    out = make(ds, fusion=fusion)(batch)
    assert out["logits"].shape == (8, 8)
    assert torch.isfinite(out["logits"]).all()
    assert batch["scene"].shape[:2] == batch["step_mask"].shape


@pytest.mark.parametrize("model_kind", ["chfen", "late_mlp"])
@pytest.mark.parametrize("fusion", ["hybrid", "early", "late"])
def test_masked_values_do_not_matter(data, fusion, model_kind):
    *_, ds = data
    model = make(ds, fusion=fusion, model=model_kind)
    batch = first_batch(ds)
    hidden = hide_modalities(batch, ["music", "text"])
    scrambled = dict(hidden)
    for key in ("music", "music_seq", "subtitle"):
        scrambled[key] = torch.randn_like(hidden[key]) * 100
    with torch.no_grad():
        a, b = model(hidden)["logits"], model(scrambled)["logits"]
    torch.testing.assert_close(a, b)


def test_padding_does_not_change_outputs(data):
    *_, ds = data
    model = make(ds)
    single = collate([ds[0]], ds.kinds)
    batch = first_batch(ds)  # v000 padded to the longest video in the batch
    with torch.no_grad():
        alone = model(single)["logits"][0]
        padded = model(batch)["logits"][0]
    assert batch["step_mask"][0].sum() < batch["step_mask"].shape[1]
    torch.testing.assert_close(alone, padded, atol=1e-5, rtol=1e-5)


def test_each_switch_changes_the_computation(data):
    *_, ds = data
    batch = first_batch(ds)
    base = make(ds)(batch)["logits"]
    for switch in ({"conditional_query": False}, {"face_scene_fusion": False}):
        torch.manual_seed(0)
        other = make(ds, **switch)
        assert not torch.allclose(base, other(batch)["logits"]), switch
    # conditional query: the title now moves the output, without it the title cannot via queries
    no_cq = make(ds, conditional_query=False)
    changed = dict(batch)
    changed["title"] = batch["title"] + 5
    model = make(ds)
    assert not torch.allclose(model(batch)["joint"], model(changed)["joint"])
    # with conditional_query off, the title reaches the joint logits only as a decision token
    hidden_title = hide_modalities(batch, ["title"])
    torch.testing.assert_close(
        no_cq(hidden_title)["joint"], no_cq(dict(hidden_title, title=changed["title"]))["joint"]
    )
    assert {n for n, _ in make(ds, fusion="early").named_modules()} != {
        n for n, _ in make(ds).named_modules()
    }


def test_branch_dropout_hides_cross_modal_branches_in_training_only(data):
    *_, ds = data
    batch = first_batch(ds)
    model = make(ds)
    cross = slice(0, 3)  # joint, tv, va lead the gate
    present = model(batch)["gate"] > 0  # eval: every branch a video has
    assert present[:, cross].all()
    model.train()
    torch.manual_seed(0)
    gate = model(batch)["gate"]
    hidden = gate[:, cross] == 0
    assert hidden.any() and not hidden.all()
    torch.testing.assert_close(gate.sum(1), torch.ones(len(gate)))
    assert ((gate[:, 3:] > 0) == present[:, 3:]).all()  # per-modality heads are never hidden
    off = make(ds, branch_dropout=0.0)
    off.train()
    assert (off(batch)["gate"][:, cross] > 0).all()


def test_branch_loss_trains_each_branch_a_video_has(data):
    *_, ds = data
    batch = hide_modalities(first_batch(ds), ["music"])
    model = make(ds, branch_dropout=0.0)
    loss = branch_loss(model(batch), batch, torch.ones(8), soft=True)
    loss.backward()
    heads = model.branch_heads
    for name in ("tv", "va", "title", "text", "visual", "vocals"):
        assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in heads[name].parameters())
    assert all(p.grad is None or not p.grad.any() for p in heads["music"].parameters())
    assert model.joint_head.weight.grad.abs().sum() > 0


def test_modality_subset_ignores_the_rest(data):
    root, entries, _ = data
    ds = FeatureDataset(entries, root, ("title", "visual"), "primary8")
    assert set(ds.dims) == {"title", "scene", "face", "face_count"}
    out = make(ds, modalities=("title", "visual"))(first_batch(ds))
    assert out["logits"].shape == (8, 8)


@pytest.mark.slow
def test_overfits_a_tiny_batch(data):
    *_, ds = data
    seed_everything(0)
    model = make(ds, dropout=0.0)
    model.train()
    batch = first_batch(ds)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    weights = torch.ones(8)
    for _ in range(300):
        loss = loss_fn(model(batch)["logits"], batch, weights, soft=False)
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < 0.01


@pytest.mark.slow
def test_training_is_deterministic_and_learns(data):
    root, entries, _ = data
    train_ds = FeatureDataset(
        [e for e in entries if e.split == "train"], root, ALL_MODALITIES, "primary8"
    )
    val_ds = FeatureDataset(
        [e for e in entries if e.split == "val"], root, ALL_MODALITIES, "primary8"
    )
    params = train_params(tiny=False, epochs=15, patience=15, batch_size=8)
    a = train(train_ds, val_ds, params)
    b = train(train_ds, val_ds, params)
    assert a.history == b.history
    for x, y in zip(a.model.state_dict().values(), b.model.state_dict().values(), strict=True):
        torch.testing.assert_close(x, y, rtol=0, atol=0)
    probs, targets = predict(a.model, train_ds)
    assert (probs.argmax(1) == targets.argmax(1)).mean() > 0.9


def test_save_load_round_trip(data, tmp_path):
    *_, ds = data
    model = make(ds)
    save(model, model.cfg, tmp_path)
    loaded, cfg = load(tmp_path)
    assert cfg == model.cfg
    batch = first_batch(ds)
    with torch.no_grad():
        torch.testing.assert_close(model(batch)["logits"], loaded(batch)["logits"])
    p1, _ = predict(model, ds)
    p2, _ = predict(loaded, ds)
    np.testing.assert_allclose(p1, p2, rtol=1e-6, atol=1e-6)


def test_emotion24_and_valence_spaces(data):
    root, entries, _ = data
    for space, n in (("emotion24", 24), ("valence3", 3)):
        ds = FeatureDataset(entries, root, ALL_MODALITIES, space)
        out = make(ds, labels=space)(first_batch(ds))
        assert out["logits"].shape == (8, n)


@pytest.mark.parametrize("model_kind", ["chfen", "late_mlp"])
def test_input_dropout_acts_in_training_only(data, model_kind):
    *_, ds = data
    batch = first_batch(ds)
    quiet = {"model": model_kind, "dropout": 0.0, "branch_dropout": 0.0}
    model, plain = make(ds, input_dropout=0.5, **quiet), make(ds, input_dropout=0.0, **quiet)
    with torch.no_grad():
        scored = plain(batch)["logits"]
        torch.testing.assert_close(model(batch)["logits"], scored)  # the same weights
        model.train(), plain.train()
        torch.testing.assert_close(plain(batch)["logits"], scored)  # nothing else is random
        assert (model(batch)["logits"] - scored).abs().max() > 1e-3
