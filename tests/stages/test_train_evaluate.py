"""The train and evaluate stages on synthetic feature stores with a planted signal."""

import json
from pathlib import Path

import pytest
import yaml

from model.factory import load
from stages.evaluate import stage as evaluate_stage
from stages.train import stage as train_stage
from tests.model.synthetic_store import build

pytestmark = pytest.mark.slow  # module fixtures run whole stages or train models

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("train")
    entries = build(root / "features", n=40, noise=0.8)
    manifest = root / "manifest.jsonl"
    manifest.write_text("".join(e.model_dump_json() + "\n" for e in entries))
    params = root / "params.yaml"
    params.write_text(
        "train: {optim: {epochs: 20, patience: 20, batch_size: 8}}\nevaluate: {split: test}\n"
    )
    result = train_stage.run(manifest, root / "features", root / "models", root / "dvclive", params)
    evaluated = evaluate_stage.run(
        root / "models", manifest, root / "features", root / "reports", params
    )
    assert "val macro-F1" in result.summary() and "8 test videos" in evaluated.summary()
    return root, result.fit, evaluated.metrics


def test_model_files_and_dvclive_logs(trained):
    root, result, _ = trained
    meta = json.loads((root / "models" / "chfen.json").read_text())
    assert meta["config"]["model"] == "chfen" and meta["best_epoch"] == result.best_epoch
    assert set(meta["feature_stores"]) == {"text", "visual", "audio"}
    _model, cfg = load(root / "models")
    assert cfg.classes[0] == "joy"
    # the default train.optim.members: five fits, each one's epoch and val score recorded
    assert cfg.members == 5 and len(meta["members"]) == 5
    assert meta["members"][0]["epoch"] == result.best_epoch
    summary = json.loads((root / "dvclive" / "metrics.json").read_text())
    assert summary["best_epoch"] == result.best_epoch and summary["members"] == meta["members"]
    rows = (
        (root / "dvclive" / "plots" / "metrics" / "val" / "macro_f1.tsv").read_text().splitlines()
    )
    assert len(rows) == len(result.history) + 1


def test_metrics_report(trained):
    root, _, _metrics = trained
    saved = json.loads((root / "reports" / "metrics.json").read_text())
    assert saved["split"] == "test" and saved["videos"] == 8
    assert set(saved["levels"]) == {"primary8", "valence3"}
    assert saved["macro_f1"] > 0.5  # the planted signal is learnable
    assert set(saved["ablation"]) == {"title", "visual", "text", "vocals", "music"}
    confusion = (root / "reports" / "plots" / "confusion.csv").read_text().splitlines()
    assert confusion[0] == "actual,predicted" and len(confusion) == 9
    assert "| masked | macro-F1 | drop |" in (root / "reports" / "evaluation.md").read_text()


def test_no_metric_shares_a_name_with_a_dependency(trained):
    """`dvc exp show` keys metric, param and dependency columns by name alone: a metric called
    like a dependency path (``model``, the code folder) would show that path's hash instead."""
    root, _, _ = trained
    stages = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"]
    deps = {Path(str(d)).parts[0] for s in stages.values() for d in s.get("deps", [])}
    for metrics in ("reports/metrics.json", "dvclive/metrics.json"):
        keys = set(json.loads((root / metrics).read_text()))
        assert keys & deps == set(), metrics
    assert json.loads((root / "reports/metrics.json").read_text())["architecture"] == "chfen"
