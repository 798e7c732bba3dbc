"""Public emotion protocols through the pipeline, the way ``benchmarks/real_data.py`` runs them
(its smallest configuration: one seed, the first MELD_ROWS records of each MELD table): import
with neutral kept and the test source declared ``test``, clean (train source split train/val
only), extraction, embed, CHFEN trained, and model, linear probe and majority scored on the same
test items.

Thresholds come from measured runs (benchmarks/results/real_data.json and the README): on
RAVDESS (8 classes, actors 1-8 -> 9-12) CHFEN with train.search and 5 members scored macro-F1
0.486 +- 0.027 over 3 seeds against the probe's 0.389 (seed 0: 0.468); on the first 400 MELD
rows, where early stopping on 55 val utterances had left it at 0.31-0.35 against the probe's
0.426, the search's out-of-fold epoch count and class-weight power bring seed 0 to 0.382 (the
probe at the same power: 0.410).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from benchmarks import real_data as bench

pytestmark = [pytest.mark.real_data, pytest.mark.slow]

TOLERANCE = 0.05  # model macro-F1 >= probe macro-F1 - this
MELD_ROWS = 400


def _dataset(shared_data: Path, *parts: str) -> None:
    folder = shared_data.joinpath(*parts)
    if not folder.exists():
        pytest.skip(f"real-data suite: {folder} is absent from the shared data")


def _manifests(ws: bench.Workspace, name: str) -> dict[str, list]:
    return {
        side: bench.labelled(ws.root / f"interim-{name}-{side}" / "manifest.jsonl")
        for side in ("train", "test")
    }


@pytest.fixture(scope="module")
def ravdess(shared_data, tmp_path_factory):
    _dataset(shared_data, "emotion", "ravdess")
    ws = bench.Workspace(tmp_path_factory.mktemp("ravdess"))
    protocol = bench.ravdess(shared_data, None, None, ("1-8", "9-12"))
    return bench.run_protocol(ws, protocol, [0], {}), _manifests(ws, "ravdess")


def test_ravdess_keeps_neutral_and_the_declared_test_split(ravdess):
    out, manifests = ravdess
    assert out["train_import"]["items"] == 64 and out["test_import"]["items"] == 32
    assert {len(m) for m in manifests.values()} == {64, 32}  # neutral kept
    assert {e.split for e in manifests["test"]} == {"test"}
    assert {e.split for e in manifests["train"]} == {"train", "val"}  # nothing held back
    by_split: dict[str, set[str]] = {}
    for e in manifests["train"]:
        by_split.setdefault(e.split, set()).add(e.account)
    assert not by_split["train"] & by_split["val"]
    run = out["runs"][0]
    assert len(run["classes"]) == 8 and "neutral" in run["classes"]
    assert "serenity" in run["classes"] and "joy" in run["classes"]  # calm apart from happy


def test_ravdess_chfen_is_not_below_the_probe(ravdess):
    out, _ = ravdess
    rows = out["runs"][0]["rows"]
    assert rows["majority"]["accuracy"] == pytest.approx(4 / 32)
    assert rows["model"]["macro_f1"] >= rows["probe"]["macro_f1"] - TOLERANCE, rows
    assert rows["model"]["accuracy"] >= rows["majority"]["accuracy"] + 0.10, rows


@pytest.fixture(scope="module")
def meld(shared_data, tmp_path_factory):
    _dataset(shared_data, "text", "meld")
    ws = bench.Workspace(tmp_path_factory.mktemp("meld"))
    protocol = bench.meld(shared_data, None, None, MELD_ROWS)
    return bench.run_protocol(ws, protocol, [0], {}), _manifests(ws, "meld")


def test_meld_keeps_neutral_utterances(meld):
    out, manifests = meld
    assert out["train_import"]["items"] == MELD_ROWS
    assert len(manifests["train"]) == MELD_ROWS  # neutral is a class, not an abstention
    primaries = Counter(e.label.primary for e in manifests["test"])
    assert primaries["neutral"] == out["test_import"]["labels"]["neutral"] > 0
    assert {e.split for e in manifests["test"]} == {"test"}


def test_meld_chfen_is_not_far_below_the_probe(meld):
    out, _ = meld
    rows = out["runs"][0]["rows"]
    assert rows["model"]["macro_f1"] >= rows["probe"]["macro_f1"] - TOLERANCE, rows
    assert rows["model"]["weighted_f1"] > rows["majority"]["weighted_f1"], rows
