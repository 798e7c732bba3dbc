"""The detection schedule: which sampled frames the detector runs on, with which passes, and
how the tracker carries people over the frames it skips."""

import numpy as np
import pytest

from pipeline.params import TrackParams
from pipeline.work import WorkItem
from stages.track import work
from stages.track.detectors import Detection
from stages.track.mot import read_rows
from stages.track.schedule import DetectorRun, detector_run
from stages.track.summary import TrackSummary
from stages.track.tracker import PersonTracker
from tests.stages.track.track_synthetic import crossing_boxes, write_video

SKIP, TALL, ALL = DetectorRun.SKIP, DetectorRun.TALL, DetectorRun.ALL


def test_every_frame_by_default_and_every_nth_with_its_passes():
    assert [detector_run(i, 1) for i in range(3)] == [ALL] * 3
    assert [detector_run(i, 3) for i in range(7)] == [ALL, SKIP, SKIP, ALL, SKIP, SKIP, ALL]
    runs = [detector_run(i, 2, fine_every=3) for i in range(12)]
    assert [r for r in runs if r is not SKIP] == [ALL, TALL, TALL, ALL, TALL, TALL]
    assert [i for i, r in enumerate(runs) if r is not SKIP] == [0, 2, 4, 6, 8, 10]
    with pytest.raises(ValueError):
        detector_run(0, 0)


def _tracker(n_init=1):
    return PersonTracker(max_age=10, n_init=n_init, max_cosine_distance=0.3)


def test_tracks_are_carried_by_their_prediction_between_detections():
    frames = crossing_boxes(n_frames=21)
    tracker = _tracker()
    reported = []
    for i, (image, boxes) in enumerate(frames):
        if i % 4:
            reported.append(tracker.carry())
        else:
            reported.append(tracker.update(image, [Detection(b, 0.9) for _, b in boxes]))
    assert [len(r) for r in reported] == [2] * 21
    assert all({t.id for t in r} == {1, 2} for r in reported)
    # between detections the boxes move on with the people (a constant-velocity filter): the
    # carried box is nearer the person than the last detection was
    for i in (13, 14, 15):
        truth = dict(frames[i][1])
        last = dict(frames[12][1])
        for t in reported[i]:
            name = min(truth, key=lambda n: abs(truth[n][0] - t.box[0]))
            assert abs(t.box[0] - truth[name][0]) < abs(last[name][0] - truth[name][0]) / 2
            assert t.score == 0.9


def test_a_track_missed_by_a_run_that_could_see_it_is_no_longer_reported():
    image, boxes = crossing_boxes(n_frames=2)[0]
    tracker = _tracker()
    assert len(tracker.update(image, [Detection(boxes[0][1], 0.8)])) == 1
    assert len(tracker.carry()) == 1
    assert tracker.update(image, []) == []
    assert tracker.carry() == []


def test_short_tracks_are_held_on_runs_that_look_for_tall_people_only():
    image, boxes = crossing_boxes(n_frames=2)[0]  # both 90 px tall in a 160-px frame
    tracker = _tracker(n_init=2)
    both = [Detection(b, 0.9) for _, b in boxes]
    assert tracker.update(image, both) == []  # tentative
    # a run that saw nobody taller than 100 px neither confirms nor deletes them
    assert tracker.update(image, [], unseen_below=100.0) == []
    confirmed = tracker.update(image, both)  # the second hit confirms both, on all 3 frames
    assert sorted(tb.frame for tb in confirmed) == [0, 0, 1, 1, 2, 2]
    assert len(tracker.update(image, [], unseen_below=100.0)) == 2  # held, still reported
    assert tracker.update(image, [], unseen_below=50.0) == []  # tall enough to be seen: missed


class CountingDetector:
    """Two fixed people on every frame; records which of its passes ran."""

    name = "ssdlite"

    def __init__(self, boxes):
        self.boxes = boxes
        self.runs: list[str] = []

    def detect(self, image: np.ndarray) -> list[Detection]:
        self.runs.append("all")
        return [Detection(b, 0.9) for b in self.boxes]

    def detect_tall(self, image: np.ndarray) -> tuple[list[Detection], float]:
        self.runs.append("tall")
        return [Detection(b, 0.9) for b in self.boxes if b[3] >= 60], 60.0


def test_stage_runs_the_detector_on_the_scheduled_frames_and_counts_people(tmp_path, monkeypatch):
    frames = crossing_boxes(n_frames=40, size=(320, 160))  # 4 s at 10 frames a second
    video = write_video(tmp_path / "walk.mp4", [image for image, _ in frames], fps=10)
    tall, short = (20.0, 20.0, 40.0, 100.0), (200.0, 60.0, 25.0, 50.0)
    fake = CountingDetector([tall, short])
    monkeypatch.setattr(work, "_detector", lambda name, params: fake)
    params = TrackParams(detect_every=5, n_init=2, ssdlite={"fine_every": 2})
    work.track_video(WorkItem("walk", video, "-"), tmp_path, params=params, detector="ssdlite")
    s = TrackSummary.model_validate_json((tmp_path / "summary.json").read_text())
    assert s.frames == 20  # 5 a second
    assert fake.runs == ["all", "tall", "all", "tall"]  # sampled frames 0, 5, 10, 15
    # n_init = 2 counts the runs that could see a person: the tall one is confirmed at the
    # second run, the short one, held over the run that looked for tall people only, at the
    # third; both are then reported from the first frame on, carried between the runs
    rows = read_rows(tmp_path / "tracks.csv")
    frames_of = {i: sorted(r.frame for r in rows if r.id == i) for i in {r.id for r in rows}}
    assert frames_of == {1: list(range(1, 21)), 2: list(range(1, 21))}  # MOT counts from 1
    assert next(r.box for r in rows if r.id == 2) == short
    assert (s.unique_persons, s.max_persons) == (2, 2)
    assert s.persons_per_second == [2, 2, 2, 2]
