"""The tracker and HOG on third-party footage in ../shared/data/tracking."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest
from PIL import Image

from pipeline.params import TrackParams
from pipeline.work import WorkItem
from stages.track import motchallenge
from stages.track.detectors import Detection
from stages.track.mot import MotRow, read_rows
from stages.track.summary import TrackSummary
from stages.track.tracker import PersonTracker
from stages.track.work import track_video

pytestmark = pytest.mark.real_data


@pytest.fixture(scope="module")
def mot17(shared_data):
    return motchallenge.load_sequence(shared_data / "tracking/MOT17-mini/MOT17-02-FRCNN")


def test_official_detections_and_their_oracle_bound(mot17):
    assert sorted(mot17.frames) == [1, 2, 3, 4] and len(mot17.gt) == 88
    quality = motchallenge.detection_quality(mot17.det, mot17.gt)
    assert quality["recall"] == pytest.approx(0.40, abs=0.01)
    assert quality["precision"] == pytest.approx(0.69, abs=0.01)
    bound = motchallenge.score(
        motchallenge.oracle_tracks(mot17.det, mot17.gt), mot17.gt, mot17.frames
    )
    assert bound["mota"] == pytest.approx(0.22, abs=0.01)
    assert bound["num_switches"] == 0


def test_tracker_on_official_detections_reaches_the_bound(mot17):
    """With confirmation on the first detection, deep-sort must score at least 90% of the MOTA
    a perfect identity assignment of the same detections would."""
    dets = motchallenge.by_frame(mot17.det)
    tracker = PersonTracker(max_age=15, n_init=1, max_cosine_distance=0.3)
    rows = []
    numbers = sorted(mot17.frames)  # frame numbers by the tracker's frame count
    for frame in numbers:
        image = np.asarray(Image.open(mot17.frames[frame]).convert("RGB"))
        found = [Detection(d.box, d.conf) for d in dets[frame]]
        tracked = tracker.update(image, found)
        rows += [MotRow(numbers[t.frame], t.id, t.box, t.score) for t in tracked]
    bound = motchallenge.score(
        motchallenge.oracle_tracks(mot17.det, mot17.gt), mot17.gt, mot17.frames
    )
    scores = motchallenge.score(rows, mot17.gt, mot17.frames)
    assert scores["mota"] >= 0.9 * bound["mota"]
    assert scores["num_switches"] == 0
    assert len({r.id for r in rows}) <= len(mot17.det) // 4 + 5  # ids persist across frames


@pytest.mark.slow
def test_walking_video_person_is_tracked(shared_data, tmp_path):
    """A 12 s cut in which a man stands at the table in the middle of the room."""
    source = shared_data / "tracking/walking_video/one-by-one-person-detection.mp4"
    clip = tmp_path / "walk.mp4"
    cut = ["-ss", "28", "-t", "12", "-i", str(source), "-c:v", "libx264", "-preset", "ultrafast"]
    subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-y", *cut, str(clip)], check=True)
    out = tmp_path / "out"
    out.mkdir()
    track_video(WorkItem("walk", clip, "-"), out, params=TrackParams(), detector="hog")
    s = TrackSummary.model_validate_json((out / "summary.json").read_text())
    assert (s.width, s.height, s.frames) == (768, 432, 60)
    assert s.unique_persons >= 1
    assert sum(1 for n in s.persons_per_second if n) >= 6
    rows = read_rows(out / "tracks.csv")
    assert all(r.box[3] > r.box[2] for r in rows)  # upright people, in 768x432 pixels
    assert max(r.box[1] + r.box[3] for r in rows) <= 432.5


@pytest.mark.slow
def test_close_up_clip_has_a_person_on_every_second(shared_data, tmp_path):
    """A real clip with a presenter close up (13 s): with the detector on one frame a second,
    carried tracks and confirmed tracks reported from their first frame, every second has a
    person, as the detector finds one on every second's frame when run on all of them."""
    clip = shared_data / "ocr/rapidvideocr/1.mp4"
    params = TrackParams()
    assert (params.detect_every, params.fps) == (5, 5.0)
    track_video(WorkItem("close", clip, "-"), tmp_path, params=params, detector="ssdlite")
    s = TrackSummary.model_validate_json((tmp_path / "summary.json").read_text())
    assert s.seconds == 13 and s.frames >= 60
    assert all(n >= 1 for n in s.persons_per_second)
    frames = {r.frame for r in read_rows(tmp_path / "tracks.csv")}
    assert len(frames) >= s.frames - 5  # reported on the skipped frames too
