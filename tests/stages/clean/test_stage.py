"""The clean stage on a small hand-built raw folder: every planted problem, one reason each."""

import csv
import json
import shutil

import pytest

from stages.clean import stage
from tests.media_factory import make_video

GOOD = {  # id: (account, label of the three annotators)
    "g1": ("acct1", ["joy", "joy", "trust"]),
    "g2": ("acct1", ["fear", "terror", "fear"]),
    "g3": ("acct2", ["anger", "rage", "anger"]),
    "g4": ("acct2", ["sadness", "悲伤", "grief"]),
    "g5": ("acct3", ["joy", "ecstasy", "joy"]),
    "g6": ("acct3", ["fear", "fear", "surprise"]),
    "g7": ("acct4", ["anger", "anger", "disgust"]),
    "g8": ("acct4", ["sadness", "sadness", "sadness"]),
}
EXPECTED_REJECTIONS = {
    "../../escape": "unsafe_id",
    "notitle": "empty_title",
    "missing": "missing_video",
    "zero": "empty_video",
    "garbage": "undecodable_video",
    "short": "too_short",
    "reupload": "duplicate_content",
    "nostalgic": "unknown_label",
    "split": "low_agreement",
    "unlabelled": "no_annotations",
}


@pytest.fixture(scope="module")
def raw(tmp_path_factory):
    root = tmp_path_factory.mktemp("clean")
    raw = root / "raw"
    videos = raw / "videos"
    rows = []
    for i, (vid, (account, _)) in enumerate(GOOD.items()):
        make_video(videos / f"{vid}.mp4", seconds=2.0 + 0.1 * i, tone_hz=300 + 50 * i)
        rows.append(
            [vid, f"news title {vid}", account, "2024-05-01T08:00:00", "2", "10", vid + ".mp4"]
        )
    make_video(videos / "short.mp4", seconds=0.5)
    (videos / "zero.mp4").write_bytes(b"")
    (videos / "garbage.mp4").write_bytes(b"\x13\x37" * 5000)
    shutil.copy(videos / "g1.mp4", videos / "reupload.mp4")
    for vid in ("notitle", "nostalgic", "split", "unlabelled"):
        make_video(videos / f"{vid}.mp4", seconds=2.0, tone_hz=1000 + len(vid))
    extra = [
        ["../../escape", "escape attempt", "acct9", "", "2", "1", ""],
        ["notitle", "   ", "acct9", "", "2", "1", ""],
        ["missing", "no file", "acct9", "", "2", "1", ""],
        ["zero", "zero bytes", "acct9", "", "2", "1", ""],
        ["garbage", "garbage", "acct9", "", "2", "1", ""],
        ["short", "too short", "acct9", "", "0.5", "1", ""],
        ["reupload", "reupload", "acct9", "", "2", "1", ""],
        ["nostalgic", "odd label", "acct9", "", "2", "1", ""],
        ["split", "annotators disagree", "acct9", "", "2", "1", ""],
        ["unlabelled", "nobody labelled", "acct9", "", "2", "1", ""],
        ["G1", "same id, other case", "acct9", "", "2", "1", "g1.mp4"],
    ]
    crawl = raw / "crawl"
    crawl.mkdir(parents=True)
    with open(crawl / "export.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(
            ["video_id", "title", "account", "published_at", "duration_s", "likes", "video_file"]
        )
        w.writerows(rows + extra)
    (crawl / "zz_broken.json").write_text('{"aweme_list": [ {"aweme_id": ')

    annotations = raw / "annotations"
    annotations.mkdir()
    votes = {vid: labels for vid, (_, labels) in GOOD.items()}
    votes.update(
        {
            vid: ["joy", "joy", "joy"]
            for vid in ("notitle", "missing", "zero", "garbage", "short", "reupload")
        }
    )
    votes["nostalgic"] = ["nostalgia", "nostalgia", "joy"]
    votes["split"] = ["joy", "fear", "anger"]
    for k, annotator in enumerate(("ann_a", "ann_b", "ann_c")):
        with open(annotations / f"round1_{annotator}.csv", "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["video_id", "annotator", "round", "label"])
            w.writerows([vid, annotator, 1, labels[k]] for vid, labels in votes.items())
    params = root / "params.yaml"
    params.write_text(
        f"runner: {{workers: 1, cache_dir: {root / 'cache'}}}\n"
        "clean:\n  min_duration_s: 1.5\n  split: {train: 0.5, val: 0.25, test: 0.25}\n"
    )
    return root


@pytest.fixture(scope="module")
def result(raw):
    return stage.run(raw / "raw", raw / "interim", raw / "reports", raw / "params.yaml", False)


def test_good_items_kept_with_labels(result):
    kept = {m.id: m for m in result.manifest}
    assert set(kept) == set(GOOD)
    assert kept["g2"].label.primary == "fear"
    assert kept["g4"].label.primary == "sadness"
    assert kept["g8"].label.agreement == 1.0
    assert kept["g1"].label.distribution["trust"] == pytest.approx(1 / 3, abs=1e-6)
    assert kept["g3"].media.has_audio and kept["g3"].media.width == 160
    assert kept["g1"].video.endswith("g1.mp4")
    assert len(kept["g1"].content_hash) == 64


def test_each_planted_problem_has_its_reason(result):
    reasons = {r.id: r.reason.value for r in result.rejected}
    for vid, reason in EXPECTED_REJECTIONS.items():
        assert reasons.get(vid) == reason, (vid, reasons.get(vid))
    assert reasons["G1"] == "duplicate_id"
    broken = [r for r in result.rejected if r.id is None]
    assert len(broken) == 1 and broken[0].reason.value == "malformed_file"
    assert "zz_broken.json" in broken[0].source_file
    reupload = next(r for r in result.rejected if r.id == "reupload")
    assert "'g1'" in reupload.detail


def test_every_input_item_in_exactly_one_output(raw, result):
    manifest = [json.loads(x) for x in (raw / "interim/manifest.jsonl").read_text().splitlines()]
    rejected = [json.loads(x) for x in (raw / "interim/rejected.jsonl").read_text().splitlines()]
    item_rows = [r for r in rejected if r["id"] is not None]
    assert len(manifest) + len(item_rows) == len(GOOD) + 11
    keys = [(m["source_file"], m["id"]) for m in manifest] + [
        (r["source_file"], r["id"]) for r in item_rows
    ]
    assert len(keys) == len(set(keys))


def test_splits_grouped_by_account(result):
    by_account = {}
    for m in result.manifest:
        by_account.setdefault(m.account, set()).add(m.split)
    assert all(len(s) == 1 for s in by_account.values())
    assert {"train", "test"} <= {m.split for m in result.manifest}


def test_data_card(raw, result):
    card = json.loads((raw / "reports/data_card.json").read_text())
    assert card["counts"]["kept"] == len(GOOD)
    assert card["counts"]["rejected"] == len(result.rejected)
    assert card["rejections"]["by_reason"]["duplicate_id"] == 1
    assert sum(sum(v.values()) for v in card["class_balance"].values()) == len(GOOD)
    assert sum(card["class_balance"]["fear"].values()) == 2
    assert card["agreement"]["krippendorff_alpha"] is not None
    md = (raw / "reports/data_card.md").read_text()
    assert "Krippendorff" in md and "| unsafe_id | 1 |" in md
    plot = (raw / "reports/plots/class_balance.csv").read_text().splitlines()
    assert plot[0] == "emotion,videos" and "fear,2" in plot


def test_rerun_uses_probe_cache_and_is_identical(raw, result, monkeypatch):
    calls = []
    real = stage.probe
    monkeypatch.setattr(stage, "probe", lambda p: calls.append(p) or real(p))
    before = (raw / "interim/manifest.jsonl").read_bytes()
    stage.run(raw / "raw", raw / "interim", raw / "reports", raw / "params.yaml", False)
    assert calls == []
    assert (raw / "interim/manifest.jsonl").read_bytes() == before
