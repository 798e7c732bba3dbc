"""The whole pipeline as a user runs it: `chfen sample` then `dvc repro`, in a scratch project."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.sample_project import sh

pytestmark = pytest.mark.slow


@pytest.fixture
def project(sample_project) -> Path:
    """The session's scratch project (tests/sample_project.py), after one ``dvc repro``."""
    return sample_project


def test_manifest_and_rejections_match_the_answer_key(project):
    truth = json.loads((project / "data/raw/sample_truth.json").read_text())
    manifest = [
        json.loads(x) for x in (project / "data/interim/manifest.jsonl").read_text().splitlines()
    ]
    rejected = [
        json.loads(x) for x in (project / "data/interim/rejected.jsonl").read_text().splitlines()
    ]
    kept = {m["id"] for m in manifest}
    reasons = {(r["source_file"], r["id"]): r["reason"] for r in rejected}
    for item in truth["items"]:
        if item["expected"] == "kept":
            assert item["id"] in kept, item
        else:
            assert reasons.get((item["source_file"], item["id"])) == item["expected"], item
    assert len(manifest) + len(rejected) == len(truth["items"])


def test_data_card_and_plots(project):
    card = json.loads((project / "reports/data_card.json").read_text())
    assert card["counts"]["kept"] >= 8
    assert (project / "reports/data_card.md").read_text().startswith("# Data card")
    assert (project / "reports/plots/class_balance.csv").read_text().startswith("emotion,videos")


def test_second_repro_has_nothing_to_do(project):
    out = sh(["dvc", "repro"], project).stdout
    assert "didn't change, skipping" in out or "up to date" in out
    assert "Running stage" not in out


def test_every_stage_produced_its_outputs(project):
    from pipeline.featurestore import FeatureStore

    truth = {
        i["id"]: i
        for i in json.loads((project / "data/raw/sample_truth.json").read_text())["items"]
    }
    manifest = [
        json.loads(x) for x in (project / "data/interim/manifest.jsonl").read_text().splitlines()
    ]
    kept = [m["id"] for m in manifest]
    for modality in ("text", "visual", "audio"):
        assert FeatureStore(project / "data/features" / modality).ids == kept
    audio = {
        r["id"]: r
        for r in map(
            json.loads, (project / "data/interim/audio/index.jsonl").read_text().splitlines()
        )
    }
    for vid in kept:
        hard = truth[vid]["hard"]
        assert audio[vid]["has_audio"] == ("no_audio" not in hard)
        srt_text = (project / "data/interim/subtitles" / f"{vid}.srt").read_text().strip()
        assert bool(srt_text) == ("no_text" not in hard), vid
        assert (project / "data/interim/tracks" / f"{vid}.csv").is_file()
    metrics = json.loads((project / "reports/metrics.json").read_text())
    assert {"accuracy", "macro_f1", "valence_accuracy"} <= set(metrics)
    assert json.loads((project / "models/chfen.json").read_text())["config"]["model"] == "chfen"
