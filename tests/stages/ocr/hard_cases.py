"""Generated clips of the ways real clips fooled the ocr stage. Issue 20: a subtitle with a
thin, grey outline over a light, busy picture (its strokes have too little contrast for the
stroke-pixel change test), and a word printed on a shirt inside the subtitle band on another
row (glued to the front of the cue before rows were told apart by geometry). Issue 28: short
lines of small, thin white type at the bottom of a letterboxed 2.39:1 1080p film frame, partly
over a light-blue sleeve, each on screen for 1 s (one replacing a long line at its place, one
after a pause: both never reached the ``.srt``), and a tilted word printed on a shirt just above
the subtitle (its strokes touching the line's hid the line from the change test; upright enough
to pass the row tests, it was glued to the cue)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw

from tests.stages.ocr.ocr_synthetic import (
    TextSpan,
    _font,
    background,
    paste,
    text_layer,
    write_video,
)

SIZE = (1280, 720)
LIGHT_SUBTITLES = [
    TextSpan(0.5, 2.5, "今天上午市中心发生交通事故"),
    TextSpan(3.2, 5.5, "消防人员迅速赶到现场救援"),
    TextSpan(6.0, 8.0, "目前伤者已被送往附近医院"),
]
SHIRT_SUBTITLES = [TextSpan(0.2, 1.5, "我要去杂货店"), TextSpan(1.6, 2.9, "你要一起来吗")]
SHIRT_WORD = TextSpan(0.6, 2.4, "LOVE")


def light_texture(width: int, height: int, seed: int = 0, strokes: int = 800) -> np.ndarray:
    """Near-white with thin grey scribbles and grain: paper, snow, an overcast sky in branches."""
    rng = np.random.default_rng(seed)
    tex = np.full((height, width, 3), 245, np.uint8)
    for _ in range(strokes):
        x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
        end = (x + int(rng.integers(-25, 25)), y + int(rng.integers(-25, 25)))
        grey = int(rng.integers(120, 220))
        cv2.line(tex, (x, y), end, (grey, grey, grey), 1)
    grain = rng.integers(-15, 15, tex.shape)
    return np.clip(tex.astype(int) + grain, 0, 255).astype(np.uint8)


def _draw(frame: np.ndarray, text: str, size: int, cx: float, top: float, outline, stroke: int):
    image = Image.fromarray(frame)
    draw = ImageDraw.Draw(image)
    font = _font(size)
    x = cx - draw.textlength(text, font=font) / 2
    draw.text((x, top), text, font=font, fill=(255, 255, 255), stroke_width=stroke,
              stroke_fill=outline)  # fmt: skip
    return np.asarray(image)


def light_background_clip(path: Path) -> Path:
    """Three subtitles, white with a 1-pixel grey outline, over a still, light, busy picture."""
    w, h = SIZE
    plate = light_texture(w, h)

    def frame(t: float) -> np.ndarray:
        out = plate.copy()
        for span in LIGHT_SUBTITLES:
            if span.start <= t < span.end:
                out = _draw(out, span.text, 40, w / 2, 610, (90, 90, 90), 1)
        return out

    return write_video(path, frame, seconds=8.5, fps=25, size=SIZE)


def shirt_word_clip(path: Path) -> Path:
    """Two centred subtitles and, on another row of the band, a bigger word off the centre."""
    w, h = SIZE
    base = background("pan", w, h, speed=30.0)

    def frame(t: float) -> np.ndarray:
        out = base(t)
        if SHIRT_WORD.start <= t < SHIRT_WORD.end:
            out = _draw(out, SHIRT_WORD.text, 52, w * 0.32, 545, (0, 0, 0), 3)
        for span in SHIRT_SUBTITLES:
            if span.start <= t < span.end:
                out = _draw(out, span.text, 40, w / 2, 615, (0, 0, 0), 3)
        return out

    return write_video(path, frame, seconds=3.0, fps=25, size=SIZE)


FILM_SIZE = (1920, 1080)
FILM_SUBTITLES = [
    TextSpan(0.3, 2.3, "我们明天早上一起去海边看日出吧好吗朋友们"),
    TextSpan(2.3, 3.3, "好不好啊"),  # replaces the long line at its place
    TextSpan(3.8, 5.5, "那就这么说定了"),
    TextSpan(6.0, 7.0, "走吧"),  # after a pause
    TextSpan(7.0, 8.5, "你确定要这么做吗"),
]


def letterbox_clip(path: Path) -> Path:
    """A dark 2.39:1 picture letterboxed in a 1920x1080 frame; subtitles of small white type
    (30 px, 1-pixel outline) at its bottom edge, the right half over a light-blue sleeve that
    moves slowly."""
    w, h = FILM_SIZE
    picture = round(w / 2.39)
    bar = (h - picture) // 2

    def frame(t: float) -> np.ndarray:
        out = np.zeros((h, w, 3), np.uint8)
        out[bar : bar + picture] = 25
        shift = int(t * 10)
        cv2.rectangle(out, (300 + shift, bar + 200), (700 + shift, bar + 500), (60, 40, 30), -1)
        sleeve = (w // 2 - 10 + shift, bar + picture - 90, w // 2 + 260 + shift, bar + picture)
        cv2.rectangle(out, sleeve[:2], sleeve[2:], (170, 205, 235), -1)
        for span in FILM_SUBTITLES:
            if span.start <= t < span.end:
                paste(out, text_layer(span.text, 30, (255, 255, 255), 1), w / 2, bar + picture - 30)
        return out

    return write_video(path, frame, seconds=9.0, fps=24, size=FILM_SIZE)


TILT_SUBTITLES = [TextSpan(0.2, 1.8, "空间里面有很多东西"), TextSpan(1.9, 3.5, "我们一起去看看吧")]
TILTED_WORD = TextSpan(0.3, 2.6, "NAZA")


def tilted_word_clip(path: Path, angle: float, rise: float, x_share: float) -> Path:
    """Two centred subtitles over a panning picture and, across their change, ``TILTED_WORD``
    turned ``angle`` degrees, ``rise`` px above the subtitle's centre at ``x_share`` of the
    width (a word printed on a shirt)."""
    w, h = SIZE
    base = background("pan", w, h, speed=20.0)
    word = np.asarray(
        Image.fromarray(text_layer(TILTED_WORD.text, 40, (240, 240, 240), 2)).rotate(
            angle, expand=True, resample=Image.BICUBIC
        )
    )
    row = h * 0.9

    def frame(t: float) -> np.ndarray:
        out = base(t)
        if TILTED_WORD.start <= t < TILTED_WORD.end:
            paste(out, word, w * x_share, row - rise)
        for span in TILT_SUBTITLES:
            if span.start <= t < span.end:
                paste(out, text_layer(span.text, 36, (255, 255, 255), 2), w / 2, row)
        return out

    return write_video(path, frame, seconds=3.6, fps=25, size=SIZE)
