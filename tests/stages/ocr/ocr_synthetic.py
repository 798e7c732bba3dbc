"""Videos with known burned-in text, for the ocr tests and ``benchmarks/ocr.py``.

Frames are drawn with PIL in the CJK font the machine has (WenQuanYi Micro Hei, found with
``fc-match``): subtitles as white text with a dark outline over a background that can pan and
cut between scenes (so "the picture moved" and "the text changed" must be told apart), optional
static watermark and upper caption. ffmpeg encodes them (H.264); ``vfr_keep`` drops frames by a
pattern to make variable-frame-rate files with true timestamps, ``rotate`` stores the frames
turned and adds display-rotation metadata so only a player that honours it shows them upright.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont


@dataclass(frozen=True)
class TextSpan:
    """Text on screen from ``start`` to ``end`` seconds; rows separated by newlines."""

    start: float
    end: float
    text: str


@functools.cache
def font_path() -> str:
    """The CJK font file, or an empty string when fontconfig or the font is missing."""
    if shutil.which("fc-match") is None:
        return ""
    out = subprocess.run(
        ["fc-match", "-f", "%{file}", "WenQuanYi Micro Hei"], capture_output=True, text=True
    )
    path = out.stdout.strip()
    return path if path and Path(path).is_file() else ""


@functools.cache
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(font_path(), size)


@functools.cache
def text_layer(text: str, size: int, fill: tuple[int, int, int], stroke: int) -> np.ndarray:
    """RGBA image of ``text`` (rows centred), white-on-outline like burned-in subtitles."""
    font = _font(size)
    probe = ImageDraw.Draw(Image.new("RGBA", (1, 1)))
    box = probe.multiline_textbbox((0, 0), text, font=font, stroke_width=stroke, align="center")
    box = [int(np.floor(box[0])), int(np.floor(box[1])), int(np.ceil(box[2])), int(np.ceil(box[3]))]
    w, h = box[2] - box[0] + 4, box[3] - box[1] + 4
    layer = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    ImageDraw.Draw(layer).multiline_text(
        (2 - box[0], 2 - box[1]),
        text,
        font=font,
        fill=(*fill, 255),
        stroke_width=stroke,
        stroke_fill=(0, 0, 0, 255),
        align="center",
        spacing=size // 3,
    )
    return np.asarray(layer)


def paste(frame: np.ndarray, layer: np.ndarray, cx: float, cy: float) -> None:
    """Alpha-blend ``layer`` onto ``frame`` centred at (cx, cy), clipped to the frame."""
    h, w = layer.shape[:2]
    x0, y0 = round(cx - w / 2), round(cy - h / 2)
    fx0, fy0 = max(x0, 0), max(y0, 0)
    fx1, fy1 = min(x0 + w, frame.shape[1]), min(y0 + h, frame.shape[0])
    if fx0 >= fx1 or fy0 >= fy1:
        return
    part = layer[fy0 - y0 : fy1 - y0, fx0 - x0 : fx1 - x0]
    alpha = part[:, :, 3:4].astype(np.float32) / 255
    region = frame[fy0:fy1, fx0:fx1].astype(np.float32)
    frame[fy0:fy1, fx0:fx1] = (region * (1 - alpha) + part[:, :, :3] * alpha).astype(np.uint8)


def scene_texture(width: int, height: int, seed: int) -> np.ndarray:
    """A picture-like background: smooth colour noise with sharp-edged shapes."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (max(height // 40, 2), max(width // 40, 2), 3), np.uint8)
    tex = cv2.resize(small, (width, height), interpolation=cv2.INTER_CUBIC)
    for _ in range(25):
        x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
        w, h = int(rng.integers(20, width // 4)), int(rng.integers(20, height // 4))
        color = tuple(int(c) for c in rng.integers(0, 256, 3))
        cv2.rectangle(tex, (x, y), (x + w, y + h), color, -1)
    return cv2.GaussianBlur(tex, (3, 3), 0)


def background(kind: str, width: int, height: int, scene_s: float = 5.0, speed: float = 60.0):
    """A function t -> RGB frame: ``pan`` (textures moving ``speed`` px/s, a cut every
    ``scene_s``), or a flat ``black``/``white``/``gray``/``dark``/``bright`` frame."""
    flat = {"black": 0, "dark": 12, "gray": 128, "bright": 243, "white": 255}
    if kind in flat:
        plate = np.full((height, width, 3), flat[kind], np.uint8)
        return lambda t: plate.copy()
    if kind != "pan":
        raise ValueError(kind)
    textures = [scene_texture(width * 2, height, seed) for seed in range(4)]

    def frame(t: float) -> np.ndarray:
        scene = int(t // scene_s)
        tex = textures[scene % len(textures)]
        offset = int((t - scene * scene_s) * speed) % width
        return tex[:, offset : offset + width].copy()

    return frame


def render_frame(
    t: float,
    base: Callable[[float], np.ndarray],
    subtitles: list[TextSpan],
    *,
    font_px: int,
    band_y: float = 0.88,
    watermark: str | None = None,
    captions: list[TextSpan] = (),
    text_color: tuple[int, int, int] = (255, 255, 255),
) -> np.ndarray:
    frame = base(t)
    h, w = frame.shape[:2]
    stroke = max(1, font_px // 14)
    for span in subtitles:
        if span.start <= t < span.end:
            paste(frame, text_layer(span.text, font_px, text_color, stroke), w / 2, h * band_y)
    for span in captions:
        if span.start <= t < span.end:
            paste(frame, text_layer(span.text, font_px, (255, 230, 0), stroke), w * 0.3, h * 0.12)
    if watermark:
        layer = text_layer(watermark, max(font_px * 2 // 3, 12), (235, 235, 235), 1)
        paste(frame, layer, w - layer.shape[1] / 2 - 20, layer.shape[0] / 2 + 16)
    return frame


def write_video(
    path: Path,
    frames: Callable[[float], np.ndarray],
    *,
    seconds: float,
    fps: int,
    size: tuple[int, int],
    vfr_keep: str | None = None,
    rotate: int = 0,
) -> Path:
    """Encode ``frames(t)`` for ``seconds`` at ``fps``. ``vfr_keep``: an ffmpeg ``select``
    expression choosing which frames to keep (kept frames keep their timestamps). ``rotate``
    (90 or -90): store frames turned against it and mark the stream for display rotation."""
    path.parent.mkdir(parents=True, exist_ok=True)
    w, h = size
    stored_w, stored_h = (h, w) if rotate else (w, h)
    target = path.with_suffix(".raw.mp4") if rotate else path
    filters = ["-vf", f"select='{vfr_keep}'", "-fps_mode", "vfr"] if vfr_keep else []
    cmd = [
        "ffmpeg", "-v", "error", "-nostdin", "-y",
        "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{stored_w}x{stored_h}", "-r", str(fps),
        "-i", "pipe:", *filters,
        "-c:v", "libx264", "-preset", "ultrafast", "-crf", "20", "-pix_fmt", "yuv420p",
        "-g", str(fps * 2), str(target),
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE)
    try:
        for n in range(round(seconds * fps)):
            image = frames(n / fps)
            if rotate:
                image = np.rot90(image, -1 if rotate > 0 else 1)
            proc.stdin.write(np.ascontiguousarray(image).tobytes())
    finally:
        proc.stdin.close()
        proc.wait()
    if proc.returncode != 0:
        raise RuntimeError(f"ffmpeg failed writing {target}")
    if rotate:
        subprocess.run(
            ["ffmpeg", "-v", "error", "-nostdin", "-y", "-i", str(target), "-c", "copy",
             "-metadata:s:v:0", f"rotate={rotate}", str(path)],
            check=True,
        )  # fmt: skip
        target.unlink()
    return path


def subtitle_video(
    path: Path,
    subtitles: list[TextSpan],
    *,
    seconds: float,
    size: tuple[int, int] = (640, 360),
    fps: int = 25,
    kind: str = "pan",
    font_px: int | None = None,
    watermark: str | None = None,
    captions: list[TextSpan] = (),
    vfr_keep: str | None = None,
    rotate: int = 0,
    text_color: tuple[int, int, int] = (255, 255, 255),
    band_y: float = 0.88,
) -> Path:
    """A clip showing ``subtitles`` (and optional watermark/captions) over ``kind``."""
    w, h = size
    font_px = font_px or max(14, round(min(w, h) * 0.055))
    base = background(kind, w, h)

    def frames(t: float) -> np.ndarray:
        return render_frame(
            t,
            base,
            subtitles,
            font_px=font_px,
            band_y=band_y,
            watermark=watermark,
            captions=captions,
            text_color=text_color,
        )

    return write_video(
        path, frames, seconds=seconds, fps=fps, size=size, vfr_keep=vfr_keep, rotate=rotate
    )


SENTENCES = [
    "今天上午市中心发生交通事故",
    "消防人员迅速赶到现场救援",
    "目前伤者已被送往附近医院",
    "警方提醒市民注意出行安全",
    "据了解事故原因正在调查中",
    "这次暴雨影响了三个省份",
    "气象台发布橙色预警信号",
    "专家建议减少不必要的外出",
    "学校宣布明天正常上课",
    "志愿者在社区发放物资",
    "The city council met on Monday",
    "Prices rose by three percent",
    "新的政策将于下月开始实施",
    "记者从现场发回报道",
    "这是我们看到的画面",
    "居民们对此表示欢迎",
    "他说我们一定会坚持下去",
    "Rescue teams worked through the night",
    "比赛将在周末继续进行",
    "感谢大家的关注",
    "更多消息请继续关注本台报道",
    "工作人员正在清理道路",
]


def news_script(seconds: float, seed: int = 0, bilingual_every: int = 4) -> list[TextSpan]:
    """Subtitles filling ``seconds``: 1.5-4 s each, gaps of 0-0.8 s, some two-row ones."""
    rng = np.random.default_rng(seed)
    spans: list[TextSpan] = []
    t = 0.4
    i = 0
    while True:
        length = float(rng.uniform(1.5, 4.0))
        if t + length > seconds - 0.3:
            break
        text = SENTENCES[i % len(SENTENCES)]
        if bilingual_every and i % bilingual_every == bilingual_every - 1:
            text = f"{text}\nBreaking news update {i + 1}"
        spans.append(TextSpan(round(t, 2), round(t + length, 2), text))
        t += length + float(rng.choice([0.0, 0.0, 0.4, 0.8]))
        i += 1
    return spans
