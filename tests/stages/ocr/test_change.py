"""The stroke-pixel change test on drawn frames: text that stays, changes, leaves or arrives
over a moving picture."""

import numpy as np
import pytest

from pipeline.params import OcrParams
from stages.ocr.change import lost_share, new_text, per_column, signature, vanished
from tests.stages.ocr.ocr_synthetic import background, font_path, paste, text_layer

pytestmark = pytest.mark.skipif(not font_path(), reason="the CJK font WenQuanYi Micro Hei")

W, H = 1280, 288
PARAMS = OcrParams()


def frame(t, text=None, kind="pan"):
    image = background(kind, W, H)(t)
    box = None
    if text:
        layer = text_layer(text, 40, (255, 255, 255), 3)
        paste(image, layer, W / 2, 200)
        h, w = layer.shape[:2]
        box = (W / 2 - w / 2, 200 - h / 2, W / 2 + w / 2, 200 + h / 2)
    return image, box


@pytest.mark.parametrize("kind", ["pan", "dark", "bright"])
def test_unchanged_text_over_a_moving_or_flat_picture_is_unchanged(kind):
    a, box = frame(1.0, "这句话当时也是红遍网络", kind)
    b, _ = frame(1.34, "这句话当时也是红遍网络", kind)
    ref, cur = signature(a), signature(b)
    assert lost_share(ref, cur, box) < PARAMS.change_lost / 2
    assert per_column(new_text(ref, cur, [box]), cur) < PARAMS.change_new


@pytest.mark.parametrize("kind", ["pan", "dark", "bright"])
def test_replaced_or_removed_text_is_lost_and_only_removed_text_vanished(kind):
    a, box = frame(1.0, "这句话当时也是红遍网络", kind)
    replaced, _ = frame(1.34, "到现在依然经久不息的话", kind)
    removed, _ = frame(1.34, None, kind)
    ref = signature(a)
    assert lost_share(ref, signature(replaced), box) > 2 * PARAMS.change_lost
    assert lost_share(ref, signature(removed), box) > 2 * PARAMS.change_lost
    assert vanished(ref, signature(removed), box)
    assert not vanished(ref, signature(replaced), box)


def test_faint_text_never_counts_as_vanished():
    a, box = frame(1.0, kind="bright")
    faint = text_layer("Yami Sukehiro", 40, (255, 255, 255), 0)
    paste(a, faint, W / 2, 200)  # white on near-white: almost no strokes
    removed, _ = frame(1.34, kind="bright")
    assert not vanished(signature(a), signature(removed), box or (400, 170, 880, 230))


def test_text_appearing_is_new_and_located():
    a, _ = frame(1.0)
    b, box = frame(1.34, "Yes?")
    cur = signature(b)
    blobs = new_text(signature(a), cur, [])
    assert per_column(blobs, cur) > PARAMS.change_new
    assert any(
        bx0 <= box[2] and box[0] <= bx1 and by0 <= box[3] and box[1] <= by1
        for (bx0, by0, bx1, by1), _ in blobs
    )
    assert per_column(new_text(None, cur, [box]), cur) < PARAMS.change_new  # known: not new


def test_small_frames_are_compared_at_their_own_size():
    small = np.zeros((90, 160, 3), np.uint8)
    sig = signature(small)
    assert sig.gray.shape == (90, 160) and sig.scale == 1.0
    assert signature(np.zeros((720, 1280, 3), np.uint8)).gray.shape == (360, 640)
