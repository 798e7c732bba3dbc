"""Generated clips of the two ways real clips fooled the ocr stage (issue 20): a subtitle with a
thin, grey outline over a light, busy picture (its strokes have too little contrast for the
stroke-pixel change test), and a word printed on a shirt inside the subtitle band on another
row (glued to the front of the cue before rows were told apart by geometry)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw

from tests.stages.ocr.ocr_synthetic import TextSpan, _font, background, write_video

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
