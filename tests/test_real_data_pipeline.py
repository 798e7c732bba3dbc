"""Public emotion datasets through the pipeline, the way ``benchmarks/real_data.py`` runs them
(its functions, each dataset in a scratch folder of its own): RAVDESS speech through import,
clean, separate and embed to a speaker-independent audio-only CHFEN, and MELD utterances to a
text-only model scored on the dev table.

Thresholds come from measured runs (figures in benchmarks/results/real_data.json and the
comments below). Training is deterministic on CPU; the margins leave room for the change a
different seed or a model tweak makes. Slow (a few minutes) and skipped with a reason when the
shared data is absent.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from sklearn.metrics import f1_score

from benchmarks import real_data as bench

pytestmark = [pytest.mark.real_data, pytest.mark.slow]

# RAVDESS actors 09-12, 28 clips after neutral is left out: joy (happy + calm as serenity) is 8
# of them (0.286). Measured: 0.429 test accuracy (seed 0); seeds 0-7 gave 0.43-0.50, 12 to 14
# clips right. The margin asks for 11 clips (3 more than the majority class gets).
RAVDESS_MARGIN = 0.10
# The first MELD_ROWS records of each MELD table (all of them: ~2.5 min more embedding). Measured
# on 400 rows: dev weighted-F1 0.414 (seed 0; seeds 0-5: 0.32-0.41) against 0.060 for always
# answering the train split's majority class; the full tables give 0.475 against 0.104.
MELD_ROWS = 400
MELD_WEIGHTED_F1_FLOOR = 0.30


def _dataset(shared_data: Path, *parts: str) -> None:
    folder = shared_data.joinpath(*parts)
    if not folder.is_dir():
        pytest.skip(f"real-data suite: {folder} is absent from the shared data")


def _manifests(ws: bench.Workspace, dataset: str, names: tuple[str, ...]) -> dict[str, list]:
    # run_pipeline's layout: <workspace>/interim-<dataset>-<name>/manifest.jsonl
    return {n: bench.labelled(ws.root / f"interim-{dataset}-{n}" / "manifest.jsonl") for n in names}


def _majority_weighted_f1(train: list, test: list) -> float:
    majority = Counter(e.label.primary for e in train).most_common(1)[0][0]
    truth = [e.label.primary for e in test]
    return float(f1_score(truth, [majority] * len(truth), average="weighted", zero_division=0))


# -- RAVDESS: audio only, speaker-independent ---------------------------------------------------


@pytest.fixture(scope="module")
def ravdess(shared_data, tmp_path_factory):
    _dataset(shared_data, "emotion", "ravdess")
    ws = bench.Workspace(tmp_path_factory.mktemp("ravdess"))
    out = bench.ravdess(shared_data, ws)
    return out, _manifests(ws, "ravdess", ("train", "test"))


def test_ravdess_imports_audio_only_items(ravdess):
    out, manifests = ravdess
    # 8 clips per actor (one per emotion code); neutral (1 per actor) is not on the wheel
    assert out["train_import"] == {"items": 64, "problems": 0}
    assert out["test_import"] == {"items": 32, "problems": 0}
    assert {n: len(m) for n, m in manifests.items()} == {"train": 56, "test": 28}
    # the media manifest keeps the 12 neutral clips too (unlabelled: extracted, not trained on)
    assert out["manifest_kinds"] == {"audio": 96}
    for entry in manifests["train"] + manifests["test"]:
        assert entry.kind == "audio", entry.id
        assert entry.media.has_audio and not entry.media.has_video, entry.id
    # calm is serenity (low joy), so joy has two clips per actor and each other emotion one
    assert Counter(e.label.primary for e in manifests["test"]) == {
        "joy": 8,
        "sadness": 4,
        "anger": 4,
        "fear": 4,
        "disgust": 4,
        "surprise": 4,
    }


def test_ravdess_splits_are_actor_disjoint(ravdess):
    out, manifests = ravdess
    actors = {n: {e.account for e in m} for n, m in manifests.items()}
    assert actors["train"] == {f"actor-{i:02d}" for i in range(1, 9)}
    assert actors["test"] == {f"actor-{i:02d}" for i in range(9, 13)}
    # within the first manifest, clean's train/val/test split keeps each actor in one split
    by_split: dict[str, set[str]] = {}
    for e in manifests["train"]:
        by_split.setdefault(e.split, set()).add(e.account)
    assert set(by_split) == {"train", "val", "test"}
    assert sum(len(a) for a in by_split.values()) == 8  # no actor in two splits
    counts = Counter(e.split for e in manifests["train"])
    assert out["training"]["train_items"] == counts["train"]
    assert out["training"]["val_items"] == counts["val"]


def test_ravdess_audio_chfen_beats_the_majority_class(ravdess):
    out, _ = ravdess
    test = out["test"]
    assert test["items"] == 28 and test["labels"] == "primary8"
    assert test["majority_class_accuracy"] == pytest.approx(8 / 28, abs=1e-4)
    assert test["accuracy"] >= test["majority_class_accuracy"] + RAVDESS_MARGIN, test


# -- MELD: text only, train -> dev ----------------------------------------------------------------


@pytest.fixture(scope="module")
def meld(shared_data, tmp_path_factory):
    _dataset(shared_data, "text", "meld")
    ws = bench.Workspace(tmp_path_factory.mktemp("meld"))
    out = bench.meld(shared_data, ws, MELD_ROWS)
    return out, _manifests(ws, "meld", ("train", "dev"))


def test_meld_imports_text_only_items(meld):
    out, manifests = meld
    for name in ("train", "dev"):
        summary = out[f"{name}_import"]
        assert summary["items"] == MELD_ROWS and summary["problems"] == 0
        assert sum(summary["labels"].values()) == MELD_ROWS
        # neutral is an abstention on the wheel: those utterances stay unlabelled
        assert len(manifests[name]) == MELD_ROWS - summary["labels"]["neutral"]
        for entry in manifests[name]:
            assert entry.kind == "text" and entry.video is None, entry.id
            assert entry.title.strip(), entry.id
    assert out["manifest_kinds"] == {"text": 2 * MELD_ROWS}  # the media manifest keeps them all
    train_ids = {e.id for e in manifests["train"]}
    assert not train_ids & {e.id for e in manifests["dev"]}


def test_meld_text_model_beats_the_majority_class(meld):
    out, manifests = meld
    dev = out["dev"]
    assert dev["items"] == len(manifests["dev"])  # every dev utterance is scored
    assert out["training"]["train_items"] == sum(e.split == "train" for e in manifests["train"])
    majority = _majority_weighted_f1(manifests["train"], manifests["dev"])
    assert majority < 0.15
    assert dev["weighted_f1"] >= MELD_WEIGHTED_F1_FLOOR, dev
    assert dev["weighted_f1"] >= majority + 0.15, (dev, majority)
    assert dev["accuracy"] > dev["majority_class_accuracy"], dev
