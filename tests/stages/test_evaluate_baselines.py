"""The baselines beside every evaluation: fitted on the train split only (shuffling the test
labels leaves the probe's predictions unchanged), C chosen on val, scored like the model."""

import numpy as np
import pytest

from model.config import ModelConfig
from model.data import FeatureDataset
from model.factory import save
from model.train import train
from stages.evaluate import baselines
from stages.evaluate.stage import evaluate, render
from tests.debug_params import train_params
from tests.model.synthetic_store import build


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("baselines")
    entries = build(root / "features", n=48, noise=1.0)
    params = train_params(epochs=2, patience=2)
    sets = [
        FeatureDataset(
            [e for e in entries if e.split == s],
            root / "features",
            params.task.modalities,
            "primary8",
        )
        for s in ("train", "val")
    ]
    result = train(sets[0], sets[1], params)
    save(result.model, result.config, root / "model")
    return root, entries


def _manifest(path, entries):
    path.write_text("".join(e.model_dump_json() + "\n" for e in entries))
    return path


def test_probe_is_fitted_on_train_only(project, tmp_path):
    root, entries = project
    rng = np.random.default_rng(0)
    names = [e.label.primary for e in entries if e.split == "test"]
    shuffled_names = iter(rng.permutation(names))
    shuffled = [
        e.model_copy(
            update={
                "label": e.label.model_copy(
                    update={"primary": (p := next(shuffled_names)), "distribution": {p: 1.0}}
                )
            }
        )
        if e.split == "test"
        else e
        for e in entries
    ]
    assert [e.label.primary for e in shuffled if e.split == "test"] != names
    runs = {}
    for name, manifest in (
        ("original", _manifest(tmp_path / "a.jsonl", entries)),
        ("shuffled", _manifest(tmp_path / "b.jsonl", shuffled)),
    ):
        runs[name] = evaluate(root / "model", manifest, root / "features", "test", False)
    a, b = runs["original"]["baselines"], runs["shuffled"]["baselines"]
    assert a["probe"]["C"] == b["probe"]["C"]
    # the planted signal is linear: the probe reads it on the true labels, not on shuffled ones
    assert a["probe"]["accuracy"] >= 0.75
    assert b["probe"]["accuracy"] < a["probe"]["accuracy"]


def test_probe_predictions_do_not_depend_on_test_labels(project):
    root, entries = project

    def fitted(test_labels_shuffled: bool):
        ds = {
            s: FeatureDataset(
                [e for e in entries if e.split == s], root / "features", ("title",), "primary8"
            )
            for s in ("train", "val", "test")
        }
        x, y = baselines.pooled(ds["train"])
        xv, yv = baselines.pooled(ds["val"])
        xt, yt = baselines.pooled(ds["test"])
        if test_labels_shuffled:
            yt = np.random.default_rng(1).permutation(yt)
        model = baselines.probe(x, y, xv, yv, 8)
        return model.predict_proba(xt), yt

    (p1, y1), (p2, y2) = fitted(False), fitted(True)
    assert not np.array_equal(y1, y2)
    np.testing.assert_array_equal(p1, p2)
    assert (p1.argmax(1) == y1).mean() >= 0.75


def test_majority_and_report(project):
    root, entries = project
    result = evaluate(
        root / "model", _manifest(root / "m.jsonl", entries), root / "features", "test", False
    )
    majority = result["baselines"]["majority"]
    assert majority["accuracy"] == pytest.approx(1 / 8)  # balanced classes: one class of eight
    text = render(dict(result))
    assert "| probe (C=" in text and "| majority |" in text
    below = result["macro_f1"] < result["baselines"]["probe"]["macro_f1"]
    assert bool(result["warnings"]) == below
    assert ("**Warning:" in text) == below


def test_the_probe_weighs_classes_as_the_model_was_trained():
    """The same overlapping data, 90% class 0: the balanced probe (power 1) answers the rare
    class more often than the unweighted one (power 0), the square-root one in between."""
    rng = np.random.default_rng(0)
    y = (rng.random(600) < 0.1).astype(int)
    x = rng.normal(size=(600, 4)) + y[:, None] * 0.8
    rare = {p: baselines.fit_probe(x, y, 1.0, class_power=p).predict(x).mean() for p in (0, 0.5, 1)}
    assert rare[0] < rare[0.5] < rare[1], rare
    assert ModelConfig.model_fields["class_weights"].default == 1.0  # older models: balanced
