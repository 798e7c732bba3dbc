"""Scoring a model on another dataset's manifest: the shared label space, macro-F1 over the
classes present, and the ``chfen evaluate`` command."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from chfen.cli import app
from model.data import FeatureDataset
from model.factory import save
from model.train import train
from pipeline.params import ParamsError
from pipeline.plutchik import label_space
from stages.evaluate.stage import evaluate, in_data, shared_labels
from tests.debug_params import train_params
from tests.model.synthetic_store import build


def _without_intensity(entries, ids=None):
    """The entries as a dataset without graded labels would have them (intensity None)."""
    return [
        e.model_copy(update={"label": e.label.model_copy(update={"intensity": None})})
        if ids is None or e.id in ids
        else e
        for e in entries
    ]


def _write(path, entries):
    path.write_text("".join(e.model_dump_json() + "\n" for e in entries))
    return path


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A tiny CHFEN on the 24 graded emotions, its stores, and two manifests of the same videos:
    one with intensities (``graded``) and one without (``ungraded``, like MELD)."""
    root = tmp_path_factory.mktemp("cross")
    entries = build(root / "features", n=32, noise=0.5)
    params = train_params(labels="emotion24", epochs=2, patience=2)
    datasets = [
        FeatureDataset(
            [e for e in entries if e.split == s],
            root / "features",
            params.task.modalities,
            "emotion24",
        )
        for s in ("train", "val")
    ]
    result = train(datasets[0], datasets[1], params)
    save(result.model, result.config, root / "model")
    graded = _write(root / "graded.jsonl", entries)
    ungraded = _write(root / "ungraded.jsonl", _without_intensity(entries))
    return root, entries, graded, ungraded


# -- shared_labels ----------------------------------------------------------------------------


def test_shared_labels_falls_back_to_primaries_without_intensity(project):
    _, entries, _, _ = project
    assert shared_labels("emotion24", entries) == "emotion24"
    # one item without an intensity is enough: it has no place among the 24 graded emotions
    assert shared_labels("emotion24", _without_intensity(entries, {entries[5].id})) == "primary8"
    assert shared_labels("emotion24", _without_intensity(entries)) == "primary8"
    # coarser model spaces never need an intensity
    for space in ("primary8", "valence3"):
        assert shared_labels(space, _without_intensity(entries)) == space


# -- in_data ----------------------------------------------------------------------------------


def _one_hot(indices, n=8):
    out = np.zeros((len(indices), n), np.float32)
    out[np.arange(len(indices)), indices] = 1.0
    return out


def test_in_data_macro_f1_only_over_classes_present():
    names = label_space("primary8").classes
    targets = _one_hot([0, 0, 1, 1])
    # one miss goes to class 5, absent from the data: it costs class 1 recall, and class 5 is
    # not averaged in (it would be F1 0)
    probs = _one_hot([0, 0, 1, 5])
    out = in_data(probs, targets, "primary8")
    assert out["classes_in_data"] == [names[0], names[1]]
    # class 0: P 1, R 1 -> F1 1; class 1: P 1, R 0.5 -> F1 2/3
    assert out["macro_f1_in_data"] == pytest.approx((1.0 + 2 / 3) / 2)

    # the same predictions with every class of the space averaged in: much lower
    from model.metrics import scores

    assert scores(probs, targets, "primary8")["macro_f1"] == pytest.approx((1.0 + 2 / 3) / 8)

    # a prediction of a present class for an item of another present class counts as usual
    out = in_data(_one_hot([0, 1, 1, 1]), targets, "primary8")
    assert out["macro_f1_in_data"] == pytest.approx((2 / 3 + 0.8) / 2)


def test_in_data_on_valence():
    targets, probs = _one_hot([2, 2, 2], n=3), _one_hot([2, 0, 2], n=3)
    out = in_data(probs, targets, "valence3")
    assert out["classes_in_data"] == [label_space("valence3").classes[2]]
    assert out["macro_f1_in_data"] == pytest.approx(0.8)  # P 1, R 2/3


# -- evaluate on another manifest -------------------------------------------------------------


def test_evaluate_scores_at_the_shared_space(project):
    root, entries, graded, ungraded = project
    same = evaluate(root / "model", graded, root / "features", None, ablate=False)
    assert same["labels"] == "emotion24" and same["model_labels"] == "emotion24"
    assert set(same["levels"]) == {"emotion24", "primary8", "valence3"}
    assert same["videos"] == len(entries)

    other = evaluate(root / "model", ungraded, root / "features", None, ablate=False)
    assert other["labels"] == "primary8" and other["model_labels"] == "emotion24"
    assert set(other["levels"]) == {"primary8", "valence3"}
    # the same predictions summed to primaries: the coarser view of the graded run
    assert other["accuracy"] == pytest.approx(same["levels"]["primary8"]["accuracy"])
    assert other["classes_in_data"] == list(
        label_space("primary8").classes
    )  # build() cycles all eight
    assert len(other["confusion"]) == 8


def test_evaluate_errors(project, tmp_path):
    root, entries, graded, _ = project
    with pytest.raises(ParamsError, match="no trained model"):
        evaluate(tmp_path / "nowhere", graded, root / "features", None, ablate=False)
    only_train = _write(tmp_path / "m.jsonl", [e for e in entries if e.split == "train"])
    with pytest.raises(ParamsError, match="no videos in split 'val'"):
        evaluate(root / "model", only_train, root / "features", "val", ablate=False)


# -- chfen evaluate ---------------------------------------------------------------------------


def _cli(root, manifest, *extra):
    args = ["evaluate", "--model", str(root / "model"), "--manifest", str(manifest)]
    return CliRunner().invoke(app, [*args, "--features", str(root / "features"), *extra])


def test_cli_names_the_label_space_and_writes_metrics(project, tmp_path):
    root, entries, _, ungraded = project
    out = tmp_path / "reports"
    result = _cli(root, ungraded, "--split", "test", "--out", str(out))
    assert result.exit_code == 0, result.output
    n_test = sum(e.split == "test" for e in entries)
    assert f"on test ({n_test} videos)" in result.output
    assert "Labels: primary8 (the model's: emotion24)" in result.output
    saved = json.loads((out / "metrics.json").read_text())
    assert saved["labels"] == "primary8" and saved["model_labels"] == "emotion24"
    assert saved["split"] == "test" and saved["videos"] == n_test
    assert set(saved["levels"]) == {"primary8", "valence3"}
    assert set(saved["ablation"]) == {"title", "visual", "text", "vocals", "music"}
    assert "confusion" not in saved  # the matrix goes to plots/confusion.csv
    rows = (out / "plots" / "confusion.csv").read_text().splitlines()
    assert rows[0] == "actual,predicted" and len(rows) == n_test + 1
    report = (out / "evaluation.md").read_text()
    assert result.output.endswith(report)  # stderr (warnings) comes first
    assert set(saved["baselines"]) == {"majority", "probe"}
    assert ("warning:" in result.output) == (
        saved["macro_f1"] < saved["baselines"]["probe"]["macro_f1"]
    )


def test_cli_without_out_writes_nothing(project, tmp_path, monkeypatch):
    root, entries, graded, _ = project
    monkeypatch.chdir(tmp_path)
    result = _cli(root, graded)
    assert result.exit_code == 0, result.output
    assert f"on all ({len(entries)} videos)" in result.output
    assert "Labels: emotion24 (the model's: emotion24)" in result.output
    assert list(tmp_path.iterdir()) == []


def test_cli_bad_split(project):
    root, _, graded, _ = project
    result = _cli(root, graded, "--split", "dev")
    assert result.exit_code == 2
    assert "--split" in result.output and "choose all, train, val or test" in result.output


def test_cli_missing_model(project, tmp_path):
    root, _, graded, _ = project
    args = ["evaluate", "--model", str(tmp_path / "nowhere"), "--manifest", str(graded)]
    result = CliRunner().invoke(app, [*args, "--features", str(root / "features")])
    assert result.exit_code == 1
    assert "nowhere: no trained model (chfen.json); train one first" in result.output
    assert "Traceback" not in result.output
