"""MTCNN (weights shipped in the facenet-pytorch wheel) on real photographs."""

import numpy as np
import pytest

from stages.track.faces import detect_faces
from tests.stages.track.track_synthetic import photo


def test_finds_the_astronauts_face():
    image = photo("astronaut")  # 512 x 512, one face at about x 180-270, y 60-175
    faces = detect_faces(image, min_probability=0.9, min_face_size=20)
    assert len(faces) == 1
    x, y, w, h = faces[0].box
    assert 150 < x < 210 and 40 < y < 90 and 60 < w < 120 and 80 < h < 140
    assert faces[0].probability > 0.99
    assert faces[0].area_ratio == pytest.approx(w * h / (512 * 512), rel=1e-3)


def test_boxes_are_reported_in_display_pixels():
    half = photo("astronaut")[::2, ::2]
    faces = detect_faces(half, min_probability=0.9, min_face_size=20, scale=2.0)
    assert len(faces) == 1
    x, y, w, _ = faces[0].box
    assert 150 < x < 210 and 40 < y < 90 and 60 < w < 120
    assert 0.02 < faces[0].area_ratio < 0.06  # a ratio: the same at any scale


@pytest.mark.parametrize("name", ["coffee", "rocket"])
def test_no_face_where_there_is_nobody(name):
    assert detect_faces(photo(name), min_probability=0.9, min_face_size=20) == []


@pytest.mark.parametrize("shape", [(8192, 16, 3), (2, 8192, 3), (12, 12, 3)])
def test_frames_too_thin_for_a_face_have_none(shape):
    """Absurd video shapes (a 16x8192 upload) find no face instead of crashing MTCNN."""
    image = np.full(shape, 128, dtype=np.uint8)
    assert detect_faces(image, min_probability=0.9, min_face_size=20) == []
