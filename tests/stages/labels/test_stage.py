"""The labels stage on the clean stage's output of a hand-built raw folder."""

import csv
import json

import pytest

from stages.clean import stage as clean_stage
from stages.labels import stage
from stages.labels.schema import read_labelled, read_labels, read_unlabelled
from tests.stages.clean.raw_folder import EXPECTED_UNLABELLED, GOOD, build_raw

pytestmark = pytest.mark.slow  # module fixtures run whole stages or train models


def _labels(root, params=None):
    return stage.run(
        root / "interim/manifest.jsonl",
        root / "raw/annotations",
        root / "interim",
        root / "reports",
        params or root / "params.yaml",
    )


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    root = build_raw(tmp_path_factory.mktemp("labels"))
    clean_stage.run(root / "raw", root / "interim", root / "reports", root / "params.yaml", False)
    return root


@pytest.fixture(scope="module")
def result(root):
    return _labels(root)


def test_labels_of_the_good_items(root, result):
    labels = read_labels(root / "interim/labels.jsonl")
    assert set(labels) == set(GOOD)
    assert labels["g2"].label.primary == "fear"
    assert labels["g4"].label.primary == "sadness"
    assert labels["g8"].label.agreement == 1.0
    assert labels["g1"].label.distribution["trust"] == pytest.approx(1 / 3, abs=1e-6)
    assert labels["g1"].modalities == {} and not labels["g1"].conflict  # old 4-column sheets


def test_unlabelled_videos_keep_their_reason(root, result):
    reasons = {r.id: r.reason.value for r in read_unlabelled(root / "interim/unlabelled.jsonl")}
    assert reasons == EXPECTED_UNLABELLED


def test_splits_grouped_by_account(root, result):
    joined = read_labelled(root / "interim/manifest.jsonl", root / "interim/labels.jsonl")
    assert {e.id for e in joined} == set(GOOD)
    by_account = {}
    for e in joined:
        by_account.setdefault(e.account, set()).add(e.split)
    assert all(len(s) == 1 for s in by_account.values())
    assert {"train", "test"} <= {e.split for e in joined}


def test_label_card_and_annotator_report(root, result):
    card = json.loads((root / "reports/labels.json").read_text())
    assert card["counts"]["labelled"] == len(GOOD)
    assert card["counts"]["unlabelled"] == len(EXPECTED_UNLABELLED)
    assert sum(card["class_balance"]["fear"].values()) == 2
    assert card["agreement"]["label"]["alpha"] is not None
    assert card["unlabelled"]["by_reason"] == {"low_agreement": 1, "no_annotations": 1,
                                               "unknown_label": 1}  # fmt: skip
    assert card["unlabelled"]["durations_s"]["total"] == pytest.approx(6.0, abs=0.2)
    md = (root / "reports/labels.md").read_text()
    assert "Krippendorff" in md and "## Unlabelled videos" in md
    plot = (root / "reports/plots/class_balance.csv").read_text().splitlines()
    assert plot[0] == "emotion,videos" and "fear,2" in plot
    annotators = json.loads((root / "reports/annotators.json").read_text())["annotators"]
    assert {a["annotator"] for a in annotators} == {"ann_a", "ann_b", "ann_c"}
    assert all(a["items"] == len(GOOD) + len(EXPECTED_UNLABELLED) - 1 for a in annotators)


def test_multidimensional_round_gold_and_exclusion(root, result, tmp_path):
    """A second-round sheet with modality columns, a gold file and an excluded annotator."""
    sheet = root / "raw/annotations/round2_ann_d.csv"
    gold = root / "raw/annotations/gold.csv"
    try:
        with open(sheet, "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["video_id", "annotator", "round", "label", "title_label", "visual_label",
                        "audio_label", "intensity", "confidence", "note"])  # fmt: skip
            w.writerow(
                ["g1", "ann_d", 2, "joy", "neutral", "joy", "sadness", "high", 4, "sad music"]
            )
            w.writerow(["g2", "ann_d", 2, "fear", "fear", "fear", "neutral", 2, 5, ""])
            w.writerow(["g3", "ann_d", 2, "anger", "bogus", "anger", "", 1, 9, ""])
        gold.write_text("video_id,label,visual_label\ng1,joy,joy\ng2,fear,fear\n")
        params = tmp_path / "params.yaml"
        params.write_text(
            (root / "params.yaml")
            .read_text()
            .replace("labels:\n", "labels:\n  exclude_annotators: [ann_c]\n")
        )
        out = _labels(root, params)
    finally:
        sheet.unlink()
        gold.unlink()
    labels = {x.id: x for x in out.labels}
    assert labels["g1"].modalities["audio"].primary == "sadness"
    assert labels["g1"].modalities["title"].primary == "neutral"
    assert labels["g1"].conflict and not labels["g2"].conflict
    assert "title" not in labels["g3"].modalities  # its bad cell was dropped, the row kept
    assert labels["g3"].label.votes == {"ann_a": "anger", "ann_b": "rage", "ann_d": "anger"}
    problems = json.loads((root / "reports/labels.json").read_text())["annotation_sheets"]
    details = [(p["sheet"], p["row"], p["detail"].split(":")[0]) for p in problems["problems"]]
    assert ("round2_ann_d.csv", 4, "title_label") in details
    assert ("round2_ann_d.csv", 4, "confidence") in details
    card = json.loads((root / "reports/labels.json").read_text())
    assert card["modality_conflict"]["per_class"]["joy"] == {"items": 1, "rate": 1.0}
    assert card["agreement"]["visual_label"]["votes"] == 3
    report = {a["annotator"]: a for a in out.annotators}
    assert report["ann_d"]["gold"] == {"items": 2, "label": 1.0, "visual_label": 1.0}
    assert report["ann_c"]["dropped"] == "labels.exclude_annotators"
    assert "ann_c" not in labels["g1"].label.votes


def test_extraction_findings_of_unlabelled_videos(root, result, tmp_path):
    found = tmp_path / "interim"
    rows = {
        "audio": [{"id": "nostalgic", "has_audio": True}, {"id": "split", "has_audio": False}],
        "subtitles": [
            {"id": "nostalgic", "n_cues": 3, "n_other_lines": 0},
            {"id": "g1", "n_cues": 5, "n_other_lines": 1},
        ],
    }
    for folder, lines in rows.items():
        (found / folder).mkdir(parents=True)
        (found / folder / "index.jsonl").write_text("".join(json.dumps(r) + "\n" for r in lines))
    out = tmp_path / "out"
    stage.run(root / "interim/manifest.jsonl", root / "raw/annotations", out, out,
              root / "params.yaml", extraction=found)  # fmt: skip
    card = json.loads((out / "labels.json").read_text())
    assert card["unlabelled"]["extraction"] == {
        "audio": {"processed": 2, "with_audio": 1},
        "subtitles": {"processed": 1, "with_subtitles": 1, "with_other_on_screen_text": 0},
        "tracks": None,
    }
    assert "- tracks: not run" in (out / "labels.md").read_text()


def test_dawid_skene_aggregation_and_min_competence(root, result, tmp_path):
    """A careless annotator who answers anticipation to everything: Dawid-Skene rates them
    lowest, min_competence leaves them out, and the Dawid-Skene soft labels keep the panel's
    primaries."""
    sheet = root / "raw/annotations/round1_lazy.csv"
    rows = "".join(f"{vid},lazy,1,anticipation\n" for vid in GOOD)
    sheet.write_text("video_id,annotator,round,label\n" + rows)
    params = tmp_path / "params.yaml"
    params.write_text(
        (root / "params.yaml")
        .read_text()
        .replace("labels:\n", "labels:\n  aggregation: dawid_skene\n  min_competence: 0.5\n")
    )
    try:
        out = _labels(root, params)
    finally:
        sheet.unlink()
    report = {a["annotator"]: a for a in out.annotators}
    assert out.annotators[-1]["annotator"] == "lazy"
    assert report["lazy"]["dropped"].startswith("competence")
    assert report["lazy"]["straight_lining"]
    labels = {x.id: x.label for x in out.labels}
    mean = {x.id: x.label for x in result.labels}
    assert {k: v.primary for k, v in labels.items()} == {k: v.primary for k, v in mean.items()}
    assert all(sum(v.distribution.values()) == pytest.approx(1) for v in labels.values())
    assert all("lazy" not in v.votes for v in labels.values())
