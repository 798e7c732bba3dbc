"""The stroke-pixel change test on drawn frames: text that stays, changes, leaves or arrives
over a moving picture."""

import numpy as np
import pytest
from PIL import Image

from pipeline.params import OcrParams
from stages.ocr.change import (
    has_text_run,
    lost_share,
    new_text,
    per_column,
    signature,
    text_left,
    vanished,
)
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


def _small_line(image, text, cx, cy):
    """Small thin-outlined type (20 px on this 1280-wide region, as 30 px on a 1920-wide frame
    after scaling): box in region pixels."""
    layer = text_layer(text, 20, (255, 255, 255), 1)
    paste(image, layer, cx, cy)
    h, w = layer.shape[:2]
    return (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)


def test_a_short_line_of_small_type_is_new_text_however_wide_the_region():
    a, _ = frame(1.0, kind="dark")
    b, _ = frame(1.0, kind="dark")
    _small_line(b, "走吧", W / 2, 250)
    cur = signature(b)
    blobs = new_text(signature(a), cur, [])
    assert per_column(blobs, cur) < PARAMS.change_new  # too few strokes for the column sum
    assert has_text_run(blobs)
    assert not has_text_run(new_text(signature(a), signature(frame(1.0, kind="dark")[0]), []))


def _sleeve(t):
    """A dark picture with a light-blue patch (a sleeve) under the right of the line's row."""
    image, _ = frame(t, kind="dark")
    image[200:288, W // 2 - 5 : W // 2 + 170] = (170, 205, 235)
    return image


def test_a_short_line_where_a_long_one_was_is_text_left_not_plain_picture():
    a = _sleeve(1.0)
    box = _small_line(a, "我们明天早上一起去海边看日出吧好吗朋友们", W / 2, 250)
    short, removed = _sleeve(1.34), _sleeve(1.34)
    _small_line(short, "好不好啊", W / 2, 250)
    ref = signature(a)
    # half over the light patch, the short line keeps under a quarter of the long line's
    # strokes: "vanished" alone calls the long line gone and the detector would not run
    assert vanished(ref, signature(short), box)
    assert text_left(signature(short), box)
    assert not text_left(signature(removed), box)


@pytest.mark.parametrize("rise", [25, 28])
def test_a_line_touching_a_tilted_word_above_it_is_still_new_text(rise):
    a, _ = frame(1.0, kind="dark")
    b, box = frame(1.0, "空间里面有很多东西", kind="dark")
    word = Image.fromarray(text_layer("NAZA", 40, (240, 240, 240), 2)).rotate(25, expand=True)
    paste(b, np.asarray(word), box[0] + 40, box[1] - rise)  # its lower corner reaches the line
    blobs = new_text(signature(a), signature(b), [])
    middle = (box[1] + box[3]) / 2
    on_line = [blob for blob in blobs if blob[0][1] <= middle <= blob[0][3]]
    assert has_text_run(on_line)
