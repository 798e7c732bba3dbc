"""The scanner's small geometric decisions: merging search windows, extending clipped lines,
joining the pieces of a split line (and nothing else)."""

import numpy as np
import pytest

from stages.ocr.scan import (
    MAX_WINDOWS,
    extend_quad,
    fuller_reading,
    join_split_lines,
    line_beside,
    merge_windows,
    tilt_degrees,
)


def quad(x0, y0, x1, y1):
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float32)


def test_overlapping_windows_merge_and_too_many_become_one():
    assert merge_windows([(0, 0, 10, 10), (5, 5, 20, 20), (30, 0, 40, 10)]) == [
        (0, 0, 20, 20),
        (30, 0, 40, 10),
    ]
    many = [(i * 20, 0, i * 20 + 10, 10) for i in range(MAX_WINDOWS + 1)]
    assert merge_windows(many) == [(0, 0, MAX_WINDOWS * 20 + 10, 10)]


def test_a_cluster_beside_a_line_on_its_row_extends_it():
    lines = [quad(472, 608, 882, 659), quad(400, 700, 800, 740)]
    assert line_beside((394, 610, 432, 655), lines) == 0  # the clipped first character
    assert line_beside((394, 540, 432, 590), lines) is None  # another row
    assert line_beside((100, 610, 140, 655), lines) is None  # too far to the left
    assert extend_quad(lines[0], (394, 610, 432, 655))[:, 0].tolist() == [394, 882, 882, 394]


def test_the_extended_reading_wins_only_when_it_keeps_the_detected_one():
    clipped, wide = quad(472, 608, 882, 659), quad(394, 608, 882, 659)
    detected = ("了解事故原因正在调查中", 0.9998, clipped)
    assert fuller_reading(("据了解事故原因正在调查中", 0.9990, wide), detected)[0].startswith("据")
    assert fuller_reading(("Y凝看视频", 0.69, wide), ("忆看视频", 0.96, clipped))[0] == "忆看视频"
    assert fuller_reading(("据了解事故原因", 0.80, wide), detected) is detected


def _quad(x0, y0, x1, y1, lift=0.0):
    """A box whose right end is ``lift`` px higher than its left (a tilted line)."""
    return np.array([[x0, y0], [x1, y0 - lift], [x1, y1 - lift], [x0, y1]], np.float32)


def test_pieces_of_one_split_line_are_joined():
    left, right = _quad(492, 628, 606, 668), _quad(592, 626, 790, 677)  # overlapping pieces
    (joined,) = join_split_lines([left, right])
    assert joined[:, 0].min() == 492 and joined[:, 0].max() == 790
    gap = _quad(800, 627, 900, 670)  # a word gap (a quarter of the height) still joins
    assert len(join_split_lines([right, gap])) == 1


@pytest.mark.parametrize(
    "other",
    [
        _quad(800, 560, 900, 630, lift=12),  # tilted word beside the line
        _quad(800, 600, 980, 677),  # bigger type on the same baseline
        _quad(800, 650, 900, 700),  # another baseline
        _quad(900, 626, 1000, 677),  # far along the row: another line
    ],
)
def test_text_that_is_not_the_same_line_is_not_joined(other):
    line = _quad(592, 626, 790, 677)
    assert len(join_split_lines([line, other])) == 2


def test_tilt_of_a_quad():
    assert tilt_degrees(_quad(0, 0, 100, 40)) == 0
    assert 4 < tilt_degrees(_quad(0, 0, 100, 40, lift=8)) < 5
