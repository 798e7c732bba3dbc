"""Neutral as a class (``labels.neutral``) and splits declared by an import, through the importer
and the clean and labels stages on text-only MELD tables (no media to probe)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pipeline.importers import import_dataset
from pipeline.importers.selection import Selection
from pipeline.plutchik import label_space
from pipeline.video_stage import read_manifest
from stages.clean import stage
from stages.labels import stage as labels_stage
from stages.labels.aggregate import aggregate
from stages.labels.schema import read_labelled
from stages.labels.sheets import Vote
from tests.debug_params import debug_params

HEADER = "Sr No.,Utterance,Speaker,Emotion,Sentiment,Dialogue_ID,Utterance_ID,StartTime,EndTime"
EMOTIONS = ("neutral", "joy", "anger", "neutral", "sadness", "surprise", "neutral", "fear")


def votes(*labels: str) -> list[Vote]:
    return [
        Vote(video_id="v", annotator=f"a{i}", round=1, label=label, sheet="s.csv")
        for i, label in enumerate(labels)
    ]


def test_a_neutral_vote_is_an_abstention_or_a_class():
    abstain = aggregate(votes("neutral", "neutral", "joy"), 1, 0.0, neutral="abstain").summary
    assert abstain.primary == "joy" and "neutral" not in abstain.distribution
    counted = aggregate(votes("neutral", "neutral", "joy"), 1, 0.0, neutral="class").summary
    assert counted.primary == "neutral"
    assert counted.distribution["neutral"] == pytest.approx(2 / 3)
    assert counted.distribution["joy"] == pytest.approx(1 / 3)
    assert aggregate(votes("neutral"), 1, 0.0, neutral="abstain").summary is None


def test_label_spaces_with_neutral():
    label = aggregate(votes("neutral", "grief"), 1, 0.0, neutral="class").summary
    assert (
        label_space("primary8+neutral").classes[-1] == "neutral"
        and len(label_space("primary8+neutral").classes) == 9
    )
    assert len(label_space("emotion24+neutral").classes) == 25
    assert label_space("emotion24+neutral").coarser() == (
        "emotion24+neutral",
        "primary8+neutral",
        "valence3",
    )
    t9 = label_space("primary8+neutral").target(label)
    assert (
        t9[-1] == pytest.approx(0.5) and t9[label_space("primary8").classes.index("sadness")] == 0.5
    )
    t25 = label_space("emotion24+neutral").target(label)
    assert t25[label_space("emotion24").classes.index("grief")] == pytest.approx(0.5)
    valence = label_space("emotion24+neutral").project(t25[None], "valence3")[0]
    np.testing.assert_allclose(valence, [0.0, 0.5, 0.5])  # positive, neutral, negative
    # without a neutral class, the neutral mass has nowhere to go
    assert label_space("primary8").target(label).sum() == pytest.approx(1.0)
    only_neutral = aggregate(votes("neutral"), 1, 0.0, neutral="class").summary
    assert label_space("primary8").target(only_neutral).sum() == 0.0


def meld_tables(folder: Path) -> Path:
    folder.mkdir()
    for table, offset in (("train", 0), ("dev", 100)):
        rows = [
            f"{i},Line {table} {i}.,Ross,{emotion},neutral,{offset + i // 2},{i % 2},,"
            for i, emotion in enumerate(EMOTIONS)
        ]
        (folder / f"{table}_sent_emo.csv").write_text("\n".join([HEADER, *rows]) + "\n")
    return folder


@pytest.mark.parametrize("neutral", ["class", "abstain"])
def test_official_splits_and_neutral_items_through_clean_and_labels(tmp_path, neutral):
    raw = tmp_path / "raw"
    import_dataset("meld", meld_tables(tmp_path / "meld"), raw, Selection(split="official"))
    params = debug_params(
        tmp_path / "params.yaml", labels={"min_annotations": 1, "neutral": neutral}
    )
    interim, reports = tmp_path / "interim", tmp_path / "reports"
    stage.run(raw, interim, reports, params, False)
    assert len(read_manifest(interim / "manifest.jsonl")) == 16  # media: labelled or not
    result = labels_stage.run(
        interim / "manifest.jsonl", raw / "annotations", interim, reports, params
    )
    manifest = read_labelled(interim / "manifest.jsonl", interim / "labels.jsonl")
    by_id = {e.id: e for e in manifest}
    # the tables' own split, not a drawn 70/15/15 one
    assert {e.split for e in manifest if e.id.startswith("meld-train")} == {"train"}
    assert {e.split for e in manifest if e.id.startswith("meld-dev")} == {"val"}
    if neutral == "class":
        assert len(manifest) == 16 and result.card["counts"]["neutral_items"] == 6
        assert by_id["meld-train-dia0-utt0"].label.primary == "neutral"
        assert result.card["class_balance"]["neutral"] == {"train": 3, "val": 3, "test": 0}
    else:
        assert len(manifest) == 10 and "meld-train-dia0-utt0" not in by_id
        assert result.card["counts"]["neutral_items"] == 0
        assert "neutral" not in result.card["class_balance"]


def test_an_explicit_split_is_declared_for_every_item(tmp_path):
    raw = tmp_path / "raw"
    summary = import_dataset("meld", meld_tables(tmp_path / "meld"), raw, Selection(split="test"))
    assert summary.items == 16
    text = (raw / "crawl" / "meld.csv").read_text()
    assert text.count(",test\n") == 16


def test_official_split_where_the_dataset_has_none_is_an_error(tmp_path):
    folder = tmp_path / "ravdess"
    folder.mkdir()
    (folder / "03-01-01-01-01-01-01.wav").write_bytes(b"RIFF")
    with pytest.raises(ValueError, match="no official split"):
        import_dataset("ravdess", folder, tmp_path / "raw", Selection(split="official"))
