import numpy as np
import pytest

from stages.track.mot import MotRow, clip_box, format_rows, iou_matrix, match, read_rows, suppress


def test_iou_matrix_values():
    a = [(0, 0, 10, 10), (100, 100, 5, 5)]
    b = [(0, 0, 10, 10), (5, 0, 10, 10), (50, 50, 1, 1)]
    iou = iou_matrix(a, b)
    assert iou.shape == (2, 3)
    assert iou[0, 0] == pytest.approx(1.0)
    assert iou[0, 1] == pytest.approx(50 / 150)
    assert iou[0, 2] == 0 and iou[1].sum() == 0
    assert iou_matrix([], b).shape == (0, 3)


def test_match_is_one_to_one_and_respects_the_threshold():
    truth = [(0, 0, 10, 20), (30, 0, 10, 20)]
    hyp = [(31, 0, 10, 20), (1, 0, 10, 20), (0, 0, 10, 20), (200, 0, 10, 20)]
    pairs = dict(match(hyp, truth))
    assert pairs == {0: 1, 2: 0}  # the exact box wins truth 0 over the shifted one
    assert match([(0, 0, 10, 10)], [(6, 0, 10, 10)]) == []  # IoU 0.25 < 0.5


def test_suppress_keeps_the_best_of_overlapping_boxes():
    boxes = [(0, 0, 10, 20), (1, 0, 10, 20), (40, 0, 10, 20)]
    assert suppress(boxes, [0.5, 0.9, 0.1], max_iou=0.4) == [1, 2]
    assert suppress(boxes, [0.5, 0.9, 0.1], max_iou=0.95) == [1, 0, 2]


def test_clip_box():
    assert clip_box((-5, -5, 20, 20), 10, 10) == (0, 0, 10, 10)
    assert clip_box((20, 0, 5, 5), 10, 10)[2] == 0


def test_mot_text_round_trip(tmp_path):
    rows = [
        MotRow(1, 3, (1.5, 2.0, 30.25, 60.0), 0.87654321, 0.2),
        MotRow(2, 3, (2, 2, 30, 60), 1.0, 0.4),
    ]
    text = format_rows(rows)
    first = text.splitlines()[0].split(",")
    assert first == ["1", "3", "1.5", "2", "30.25", "60", "0.8765", "-1", "-1", "-1", "0.2"]
    path = tmp_path / "t.csv"
    path.write_text(text)
    back = read_rows(path)
    assert [(r.frame, r.id, r.t) for r in back] == [(1, 3, 0.2), (2, 3, 0.4)]
    assert np.allclose(back[0].box, rows[0].box)
    assert format_rows([]) == ""
