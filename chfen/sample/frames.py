"""The picture of a sample clip: graded photos under a slow Ken Burns move, hard cuts between
scenes, and subtitles burned into a bottom band in a CJK font.

Frames are produced one at a time as RGB arrays and streamed to the encoder, so memory stays at
one frame whatever the clip's length. Grading happens once per scene on the source photo, scaled
so that frames only upsample it a little; each frame is then one sub-pixel affine warp, a
vignette multiply and a subtitle blend: about 2 ms at 640x360 with OpenCV (PIL's box resize
alone takes 4 ms, and the frame loop, not the encoder, bounds the generator's speed).
"""

from __future__ import annotations

import math
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from chfen.sample.clip import FPS, ClipSpec, SceneSpec
from chfen.sample.content import Grade
from chfen.sample.photos import load_photo

FONT_FAMILY = "WenQuanYi Micro Hei"
# Where subtitles sit: their bottom edge this far up from the frame's bottom, at most two lines.
SUBTITLE_BOTTOM_MARGIN = 0.05
SUBTITLE_MAX_LINES = 2
LUMA = np.array([0.299, 0.587, 0.114])


@cache
def subtitle_font_path() -> Path:
    """The WenQuanYi Micro Hei font file (Chinese and Latin glyphs in one face). fontconfig
    silently substitutes another font for a missing one, which would draw Chinese as boxes, so
    the match is checked by name."""
    try:
        found = subprocess.run(
            ["fc-match", "-f", "%{file}", FONT_FAMILY],
            check=True,
            capture_output=True,
            text=True,
            timeout=30,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError) as e:
        raise FileNotFoundError(f"cannot ask fontconfig for {FONT_FAMILY!r}: {e}") from None
    if "wqy" not in Path(found).name.lower():
        raise FileNotFoundError(
            f"the subtitle font {FONT_FAMILY!r} is not installed (fontconfig offers {found!r}); "
            "Debian/Ubuntu: apt-get install fonts-wqy-microhei"
        )
    return Path(found)


@cache
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(subtitle_font_path()), size, index=0)


def grade(image: np.ndarray, g: Grade) -> np.ndarray:
    """Apply a colour grade to an RGB uint8 image: channel gains and saturation (around the
    pixel's luma) as one 3x3 colour matrix, then contrast around mid-grey, a brightness offset
    and gamma as one lookup table; both run in OpenCV, a few milliseconds per photo."""
    saturation = g.saturation * np.eye(3) + (1 - g.saturation) * np.outer(np.ones(3), LUMA)
    matrix = saturation @ np.diag(g.gains)
    mixed = cv2.transform(image, matrix)
    levels = np.arange(256) / 255.0
    curve = np.clip((levels - 0.5) * g.contrast + 0.5 + g.brightness, 0.0, 1.0) ** g.gamma
    return cv2.LUT(mixed, (curve * 255.0 + 0.5).astype(np.uint8))


def _vignette(width: int, height: int, strength: float) -> np.ndarray:
    """A multiply layer that darkens the corners (255 = unchanged), one value per channel."""
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    r2 = ((xx / width - 0.5) ** 2 + (yy / height - 0.5) ** 2) / 0.5
    level = 255.0 * (1.0 - strength * np.clip(r2, 0, 1) ** 1.5)
    return np.repeat((level + 0.5).astype(np.uint8)[..., None], 3, axis=2)


@dataclass(frozen=True)
class Caption:
    """A rendered subtitle, premultiplied for blending (``rgb`` = colour x alpha, ``keep`` =
    255 - alpha, both uint16) and its pixel box in the frame."""

    rgb: np.ndarray
    keep: np.ndarray
    box: tuple[int, int, int, int]


def _wrap(text: str, font: ImageFont.FreeTypeFont, max_width: float) -> list[str]:
    """Break at spaces for Latin text and between characters for Chinese."""
    units = text.split(" ") if " " in text else list(text)
    joiner = " " if " " in text else ""
    lines: list[str] = []
    current = ""
    for unit in units:
        candidate = f"{current}{joiner}{unit}" if current else unit
        if current and font.getlength(candidate) > max_width:
            lines.append(current)
            current = unit
        else:
            current = candidate
    lines.append(current)
    return lines


def render_caption(text: str, width: int, height: int) -> Caption:
    """White text with a dark outline, centred, bottom-aligned in the subtitle band; the font
    shrinks until the text fits in ``SUBTITLE_MAX_LINES`` lines."""
    size = round(0.072 * min(width, height))
    lines = _wrap(text, _font(size), 0.9 * width)
    while len(lines) > SUBTITLE_MAX_LINES and size > 12:
        size -= 2
        lines = _wrap(text, _font(size), 0.9 * width)
    font = _font(size)
    stroke = max(2, size // 10)
    spacing = round(0.25 * size)
    probe = ImageDraw.Draw(Image.new("L", (1, 1)))
    bbox = probe.multiline_textbbox(
        (0, 0), "\n".join(lines), font=font, spacing=spacing, align="center", stroke_width=stroke
    )
    # Centred multi-line text can have half-pixel offsets; cover them with whole pixels.
    x0, y0 = math.floor(bbox[0]), math.floor(bbox[1])
    x1, y1 = math.ceil(bbox[2]), math.ceil(bbox[3])
    w, h = x1 - x0, y1 - y0
    layer = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    ImageDraw.Draw(layer).multiline_text(
        (-x0, -y0),
        "\n".join(lines),
        font=font,
        fill=(255, 255, 255, 255),
        spacing=spacing,
        align="center",
        stroke_width=stroke,
        stroke_fill=(16, 16, 16, 255),
    )
    rgba = np.asarray(layer, dtype=np.uint16)
    alpha = rgba[..., 3:4]
    left = (width - w) // 2
    top = round(height * (1 - SUBTITLE_BOTTOM_MARGIN)) - h
    return Caption(rgba[..., :3] * alpha, 255 - alpha, (left, top, left + w, top + h))


def _full_crop(size: tuple[int, int], aspect: float) -> tuple[float, float]:
    """The largest crop of the output's aspect ratio that fits in a photo of ``size``."""
    iw, ih = size
    return (ih * aspect, float(ih)) if iw / ih > aspect else (float(iw), iw / aspect)


def _crop_box(
    size: tuple[int, int], scene: SceneSpec, progress: float, aspect: float, jitter: np.ndarray
) -> tuple[float, float, float, float]:
    """The part of the photo this frame shows: the full crop shrunk by the zoom, around the
    centre (eased between start and end), kept inside the photo."""
    iw, ih = size
    full_w, full_h = _full_crop(size, aspect)
    ease = progress * progress * (3 - 2 * progress)
    zoom = scene.zoom[0] + (scene.zoom[1] - scene.zoom[0]) * ease
    cw, ch = full_w / zoom, full_h / zoom
    (ax, ay), (bx, by) = scene.centre
    cx = (ax + (bx - ax) * ease) * iw + jitter[0] * cw
    cy = (ay + (by - ay) * ease) * ih + jitter[1] * ch
    cx = min(max(cx, cw / 2), iw - cw / 2)
    cy = min(max(cy, ch / 2), ih - ch / 2)
    return (cx - cw / 2, cy - ch / 2, cx + cw / 2, cy + ch / 2)


def _scene_photo(spec: ClipSpec, scene: SceneSpec) -> np.ndarray:
    """The scene's photo, scaled so that its widest crop at the scene's smallest zoom is exactly
    the output size, then graded."""
    photo = load_photo(scene.photo)
    height, width = photo.shape[:2]
    full_w, _ = _full_crop((width, height), spec.width / spec.height)
    scale = spec.width * min(scene.zoom) / full_w
    size = (max(round(width * scale), 1), max(round(height * scale), 1))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    return grade(cv2.resize(photo, size, interpolation=interpolation), scene.grade)


def clip_frames(
    spec: ClipSpec, captions: Sequence[tuple[float, float, Caption]]
) -> Iterator[np.ndarray]:
    """Every frame of the clip in order, as contiguous ``(height, width, 3)`` uint8 RGB arrays;
    ``captions`` are (start s, end s, caption) to burn in."""
    cv2.setNumThreads(1)
    rng = np.random.default_rng(spec.seed)
    aspect = spec.width / spec.height
    size = (spec.width, spec.height)
    for scene in spec.scenes:
        photo = _scene_photo(spec, scene)
        photo_size = (photo.shape[1], photo.shape[0])
        vignette = (
            _vignette(spec.width, spec.height, scene.grade.vignette)
            if scene.grade.vignette > 0
            else None
        )
        first, last = round(scene.start * FPS), round(scene.end * FPS)
        shake = rng.standard_normal((max(last - first, 0), 2)) * 0.008 * scene.shake
        for i in range(first, last):
            progress = (i - first) / max(last - first - 1, 1)
            x0, y0, x1, y1 = _crop_box(photo_size, scene, progress, aspect, shake[i - first])
            sx, sy = (x1 - x0) / spec.width, (y1 - y0) / spec.height
            to_photo = np.array([[sx, 0.0, x0 + 0.5 * sx - 0.5], [0.0, sy, y0 + 0.5 * sy - 0.5]])
            frame = cv2.warpAffine(
                photo,
                to_photo,
                size,
                flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                borderMode=cv2.BORDER_REPLICATE,
            )
            if vignette is not None:
                frame = cv2.multiply(frame, vignette, scale=1 / 255)
            t = i / FPS
            for start, end, caption in captions:
                if start <= t < end:
                    _burn_in(frame, caption)
            yield frame


def _burn_in(frame: np.ndarray, caption: Caption) -> None:
    x0, y0, x1, y1 = caption.box
    region = frame[y0:y1, x0:x1].astype(np.uint16)
    frame[y0:y1, x0:x1] = ((region * caption.keep + caption.rgb + 127) // 255).astype(np.uint8)
