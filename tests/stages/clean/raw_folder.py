"""A small hand-built raw folder (crawl export, videos, annotation sheets) with every planted
problem, shared by the clean and labels stage tests."""

import csv
import shutil
from pathlib import Path

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
}
# Kept by clean (media is fine) but without a usable label.
EXPECTED_UNLABELLED = {
    "nostalgic": "unknown_label",
    "split": "low_agreement",
    "unlabelled": "no_annotations",
}


def build_raw(root: Path) -> Path:
    """A raw folder under ``root`` with every planted problem, and its params.yaml."""
    raw = root / "raw"
    videos = raw / "videos"
    rows = []
    for i, (vid, (account, _)) in enumerate(GOOD.items()):
        make_video(videos / f"{vid}.mp4", seconds=2.0 + 0.1 * i, tone_hz=300 + 50 * i, footage=i)
        rows.append(
            [vid, f"news title {vid}", account, "2024-05-01T08:00:00", "2", "10", vid + ".mp4"]
        )
    make_video(videos / "short.mp4", seconds=0.5)
    (videos / "zero.mp4").write_bytes(b"")
    (videos / "garbage.mp4").write_bytes(b"\x13\x37" * 5000)
    shutil.copy(videos / "g1.mp4", videos / "reupload.mp4")
    for i, vid in enumerate(("notitle", "nostalgic", "split", "unlabelled"), start=len(GOOD)):
        make_video(videos / f"{vid}.mp4", seconds=2.0, tone_hz=1000 + len(vid), footage=i)
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
        "clean:\n  min_duration_s: 1.5\n"
        "labels:\n  split: {train: 0.5, val: 0.25, test: 0.25}\n"
    )
    return root
