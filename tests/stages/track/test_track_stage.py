"""The track stage end to end on generated videos: people, faces, nobody, portrait, a single
frame, a corrupt file; the cache; YOLO through the stage; missing weights."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from pipeline.records import ManifestEntry
from pipeline.weights import MissingWeights
from stages.track import stage
from stages.track.mot import read_rows
from stages.track.summary import TrackSummary
from tests.media_factory import make_video
from tests.stages.track.track_synthetic import corrupt_video, photo, still_video

pytestmark = pytest.mark.slow  # module fixtures run whole stages or train models

ROOT = Path(__file__).resolve().parents[3]
LABEL = {"primary": "joy", "distribution": {"joy": 1.0}, "agreement": 1.0, "n_votes": 1}


def manifest_entry(video_id: str, path: Path) -> str:
    return ManifestEntry(
        id=video_id,
        platform="test",
        title=video_id,
        engagement={},
        source_file="crawl/test.jsonl",
        video=str(path),
        content_hash=hashlib.sha256(path.read_bytes()).hexdigest(),
        media={"duration_s": 3.0, "has_video": True, "has_audio": False, "size_bytes": 1},
        label={**LABEL, "votes": {"a": "joy"}},
        split="train",
    ).model_dump_json()


def write_inputs(root: Path, videos: dict[str, Path], track: dict) -> tuple[Path, Path]:
    manifest = root / "manifest.jsonl"
    manifest.write_text("\n".join(manifest_entry(k, v) for k, v in videos.items()) + "\n")
    params = root / "params.yaml"
    runner = {"workers": 1, "max_failure_ratio": 0.5, "cache_dir": str(root / "cache")}
    params.write_text(yaml.safe_dump({"profile": "offline", "runner": runner, "track": track}))
    return manifest, params


@pytest.fixture(scope="module")
def offline_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("track")
    v = root / "videos"
    videos = {
        "nobody": make_video(v / "nobody.mp4", seconds=2.0, size=(160, 90), audio=False),
        "portrait": still_video(v / "portrait.mp4", photo("bus"), (360, 480), seconds=3.0),
        "face": still_video(v / "face.mp4", photo("astronaut"), (320, 320), seconds=2.0),
        "single": still_video(v / "single.mp4", photo("coffee"), (320, 240), seconds=0.1),
        "corrupt": corrupt_video(v / "corrupt.mp4"),
    }
    manifest, params = write_inputs(root, videos, {"detector": "auto"})
    out = root / "tracks"
    report = stage.run(manifest, out, params, show_progress=False)
    return root, manifest, params, out, report


def summary(out: Path, video_id: str) -> TrackSummary:
    return TrackSummary.model_validate_json((out / f"{video_id}.json").read_text())


def test_outputs_for_every_good_video_and_the_corrupt_one_recorded(offline_run):
    out, report = offline_run[3], offline_run[4]
    assert len(report.outcomes) == 5 and len(report.failures) == 1
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"{i}.{ext}" for i in ("nobody", "portrait", "face", "single") for ext in ("csv", "json")]
        + ["index.jsonl", "failures.jsonl"]
    )
    failures = [json.loads(x) for x in (out / "failures.jsonl").read_text().splitlines()]
    assert [(f["id"], f["stage"]) for f in failures] == [("corrupt", "track")]
    assert "MediaError" in failures[0]["error"]
    index = {r["id"]: r for r in map(json.loads, (out / "index.jsonl").read_text().splitlines())}
    assert set(index) == {"nobody", "portrait", "face", "single"}
    assert all(r["detector"] == "ssdlite" for r in index.values())
    assert index["portrait"]["unique_persons"] == summary(out, "portrait").unique_persons


def test_nobody_on_screen_is_a_result_with_zero_persons(offline_run):
    out = offline_run[3]
    s = summary(out, "nobody")
    assert (s.frames, s.seconds, s.unique_persons, s.max_persons) == (10, 2, 0, 0)
    assert s.persons_per_second == [0, 0]
    assert [fs.faces for fs in s.faces_per_second] == [[], []]
    assert (out / "nobody.csv").read_text() == ""


def test_portrait_person_is_tracked_in_display_pixels(offline_run):
    out = offline_run[3]
    s = summary(out, "portrait")
    assert (s.width, s.height, s.frames, s.seconds) == (360, 480, 15, 3)
    assert s.unique_persons >= 1 and s.max_persons >= 1
    rows = read_rows(out / "portrait.csv")
    # once confirmed (n_init detector runs), a person is reported from the first frame on, on
    # the frames the detector skips too
    first_id = rows[0].id
    frames_of_first = [r.frame for r in rows if r.id == first_id]
    assert frames_of_first == list(range(1, 16))
    for r in rows:
        x, y, w, h = r.box
        assert x >= 0 and x + w <= 360.01 and y >= 0 and y + h <= 480.01 and h > w
        assert r.t == pytest.approx((r.frame - 1) / 5, abs=0.01)
    # the bus photo shows four people, one cut by the frame's edge (HOG found one of them)
    assert all(2 <= n <= 4 for n in s.persons_per_second)


def test_faces_are_found_once_a_second_where_there_is_one(offline_run):
    out = offline_run[3]
    s = summary(out, "face")
    assert [(fs.second, len(fs.faces)) for fs in s.faces_per_second] == [(0, 1), (1, 1)]
    face = s.faces_per_second[0].faces[0]
    x, y, _, _ = face.box
    assert 95 < x < 135 and 20 < y < 60 and 0.02 < face.area_ratio < 0.06
    assert face.probability >= 0.9
    assert (s.seconds_with_faces, s.max_faces) == (2, 1)
    assert summary(out, "portrait").frames == 15  # the other clips are unaffected


def test_a_single_frame_video(offline_run):
    s = summary(offline_run[3], "single")
    assert (s.frames, s.seconds, s.unique_persons) == (1, 1, 0)
    assert [(fs.second, fs.faces) for fs in s.faces_per_second] == [(0, [])]


def test_second_run_is_all_cache_hits_with_identical_outputs(offline_run):
    _, manifest, params, out, _ = offline_run
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    report = stage.run(manifest, out, params, show_progress=False)
    assert report.n_cached == 4 and len(report.failures) == 1
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_tiny_yolo_through_the_stage_keeps_confirmed_ids(tmp_path, tiny_yolo):
    clip = still_video(tmp_path / "v" / "street.mp4", photo("bus"), (320, 240), seconds=2.0)
    track = {"detector": "yolo", "weights": str(tiny_yolo), "max_detections": 3, "n_init": 2}
    manifest, params = write_inputs(tmp_path, {"street": clip}, track)
    report = stage.run(manifest, tmp_path / "tracks", params, show_progress=False)
    assert report.failures == []
    rows = read_rows(tmp_path / "tracks" / "street.csv")
    by_frame: dict[int, set[int]] = {}
    for r in rows:
        by_frame.setdefault(r.frame, set()).add(r.id)
    # confirmed at the second detector run (frame 6), then reported from the first frame on;
    # the same ids on every frame (nothing moves)
    assert sorted(by_frame) == list(range(1, 11))
    assert 1 <= len(by_frame[1]) <= 3
    assert all(ids == by_frame[1] for ids in by_frame.values())
    s = summary(tmp_path / "tracks", "street")
    assert s.detector == "yolo" and s.unique_persons == len(by_frame[1])


def test_missing_yolo_weights_stop_the_stage_before_any_video(tmp_path):
    clip = make_video(tmp_path / "v" / "a.mp4", seconds=1.0, audio=False)
    track = {"detector": "yolo", "weights": str(tmp_path / "absent.pt")}
    manifest, params = write_inputs(tmp_path, {"a": clip}, track)
    with pytest.raises(MissingWeights, match=r"absent\.pt"):
        stage.run(manifest, tmp_path / "tracks", params, show_progress=False)
    assert not (tmp_path / "tracks").exists() and not (tmp_path / "cache").exists()
    # the command line turns it into one message and exit status 1
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = ["--manifest", manifest, "--out", tmp_path / "tracks", "--params", params]
    cli = subprocess.run(
        [sys.executable, "-m", "stages.track", *map(str, args)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert cli.returncode == 1
    assert "absent.pt" in cli.stderr and "track.detector: hog" in cli.stderr
    assert "Traceback" not in cli.stderr
