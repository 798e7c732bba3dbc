"""The whole pipeline as a user runs it: `chfen sample` then `dvc repro`, in a scratch project."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from stages.labels.schema import read_labels, read_unlabelled
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
    labelled = read_labels(project / "data/interim/labels.jsonl")
    unlabelled = read_unlabelled(project / "data/interim/unlabelled.jsonl")
    reasons = {(r["source_file"], r["id"]): r["reason"] for r in rejected}
    groups = {m["id"]: m["duplicate_group"] for m in manifest}
    reasons |= {(r.source_file, r.id): r.reason.value for r in unlabelled}
    for item in truth["items"]:
        if item["expected"] == "kept":
            assert item["id"] in labelled, item
        elif item["expected"] == "reupload":  # kept in the group of its original (mode: group)
            assert item["id"] in labelled, item
            assert groups[item["id"]] == groups[item["reupload"]["of"]] == item["reupload"]["of"]
        else:
            assert reasons.get((item["source_file"], item["id"])) == item["expected"], item
    assert len(manifest) + len(rejected) == len(truth["items"])
    assert len(labelled) + len(unlabelled) == len(manifest)
    right = [labelled[i["id"]].label.primary == i["emotion"] for i in truth["items"]
             if i["expected"] == "kept"]  # fmt: skip
    assert sum(right) >= 0.75 * len(right)


def test_data_card_and_plots(project):
    card = json.loads((project / "reports/data_card.json").read_text())
    assert card["counts"]["kept"] >= 8
    assert (project / "reports/data_card.md").read_text().startswith("# Data card")
    assert (project / "reports/plots/class_balance.csv").read_text().startswith("emotion,videos")
    labels = json.loads((project / "reports/labels.json").read_text())
    assert labels["counts"]["unlabelled"] >= 1 and labels["counts"]["gold_items"] == 2
    annotators = json.loads((project / "reports/annotators.json").read_text())["annotators"]
    assert annotators[-1]["annotator"] == "ann_x"  # the careless one, least competent


def test_labels_only_change_reruns_only_what_reads_labels(project, tmp_path):
    """A new round of annotations: `dvc status` names only the labels stage; after it ran, only
    train and evaluate (extraction and embedding stay cached)."""
    copy = tmp_path / "project"
    shutil.copytree(project, copy, symlinks=True)
    assert _changed_stages(copy) == set()
    truth = json.loads((copy / "data/raw/sample_truth.json").read_text())
    item = next(i for i in truth["items"] if i["expected"] == "kept")
    other = next(e for e in ("joy", "sadness") if e != item["emotion"])
    rows = "".join(f"{item['id']},ann_{a},3,{other}\n" for a in "abc")
    (copy / "data/raw/annotations/round3.csv").write_text("video_id,annotator,round,label\n" + rows)
    assert _changed_stages(copy) == {"labels"}
    sh(["dvc", "repro", "labels"], copy)
    assert _changed_stages(copy) == {"train", "evaluate", "audit"}


def _changed_stages(project: Path) -> set[str]:
    """Stages of dvc.yaml that `dvc status` reports changed (data/raw.dvc is not a stage)."""
    status = json.loads(sh(["dvc", "status", "--json"], project).stdout or "{}")
    return {name.rsplit(":", 1)[-1] for name in status if not name.endswith(".dvc")}


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
    unlabelled = [i["id"] for i in truth.values() if i["expected"] == "unknown_label"]
    assert unlabelled and set(unlabelled) <= set(kept)  # extraction runs on unlabelled videos
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
