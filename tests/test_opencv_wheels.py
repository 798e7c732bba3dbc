"""Three wheels install the same ``cv2/`` folder (opencv-python for ultralytics, rapidocr and
deep-sort; opencv-python-headless; opencv-contrib-python for paddlex). Whichever wrote it last is
what ``import cv2`` loads, which is harmless only while all three are the same OpenCV version."""

import importlib.metadata

import cv2
import pytest

WHEELS = ("opencv-python", "opencv-python-headless", "opencv-contrib-python")


def test_every_opencv_wheel_is_the_version_cv2_reports():
    versions = {wheel: importlib.metadata.version(wheel) for wheel in WHEELS}
    assert len(set(versions.values())) == 1, versions
    assert versions["opencv-python"].startswith(f"{cv2.__version__}.")


@pytest.mark.parametrize("name", ["HOGDescriptor", "VideoCapture", "getPerspectiveTransform"])
def test_cv2_has_what_the_stages_use(name):
    assert callable(getattr(cv2, name))
