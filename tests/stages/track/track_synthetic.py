"""Test media for the track stage, made from real photographs that ship inside installed wheels
(scikit-image's astronaut and coffee, ultralytics' bus street photo): detectors need real
bodies and faces, which drawn shapes would not give them."""

from __future__ import annotations

import importlib.util
import subprocess
from pathlib import Path

import numpy as np
from PIL import Image


def photo(name: str) -> np.ndarray:
    """An RGB photo: a scikit-image sample by name, or ``bus``/``zidane`` from ultralytics."""
    if name in ("bus", "zidane"):
        spec = importlib.util.find_spec("ultralytics")
        assert spec is not None and spec.submodule_search_locations
        folder = Path(next(iter(spec.submodule_search_locations))) / "assets"
        with Image.open(folder / f"{name}.jpg") as im:
            return np.asarray(im.convert("RGB"))
    import skimage.data

    return getattr(skimage.data, name)()


def resized(image: np.ndarray, width: int, height: int) -> np.ndarray:
    return np.asarray(Image.fromarray(image).resize((width, height), Image.Resampling.BILINEAR))


def write_video(path: Path, frames: list[np.ndarray], fps: int = 10) -> Path:
    """H.264 from RGB frames (all of one even size) through ffmpeg's raw-video input."""
    path.parent.mkdir(parents=True, exist_ok=True)
    h, w = frames[0].shape[:2]
    cmd = ["ffmpeg", "-v", "error", "-nostdin", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24",
           "-s", f"{w}x{h}", "-r", str(fps), "-i", "pipe:", "-c:v", "libx264", "-preset",
           "ultrafast", "-pix_fmt", "yuv420p", str(path)]  # fmt: skip
    data = b"".join(np.ascontiguousarray(f, dtype=np.uint8).tobytes() for f in frames)
    subprocess.run(cmd, input=data, check=True)
    return path


def still_video(
    path: Path, image: np.ndarray, size: tuple[int, int], seconds: float, fps: int = 10
) -> Path:
    """A photo held still for ``seconds`` at ``size`` (width, height)."""
    frame = resized(image, *size)
    return write_video(path, [frame] * max(1, round(seconds * fps)), fps)


def corrupt_video(path: Path) -> Path:
    """Bytes that look like nothing ffprobe can read, under an .mp4 name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    return path


def crossing_boxes(
    n_frames: int = 24, size: tuple[int, int] = (320, 160)
) -> list[tuple[np.ndarray, list[tuple[str, tuple[float, float, float, float]]]]]:
    """Frames with two textured 'people' walking past each other, and their true boxes.

    ``a`` (red stripes) walks left to right along a slightly higher line than ``b`` (blue
    checks) walking right to left; mid-way they overlap and ``b`` hides part of ``a``."""
    w, h = size
    bw, bh = 40, 90
    yy, xx = np.mgrid[0:bh, 0:bw]
    textures = {
        "a": np.stack([200 + 55 * ((yy // 6) % 2), 30 * ((yy // 6) % 2), 40 + 0 * yy], -1),
        "b": np.stack([20 + 0 * yy, 60 + 60 * (((yy // 8) + (xx // 8)) % 2), 220 + 0 * yy], -1),
    }
    frames = []
    for i in range(n_frames):
        image = np.full((h, w, 3), 235, np.uint8)
        progress = i / (n_frames - 1)
        boxes = [
            ("a", (10 + progress * (w - bw - 20), 30.0, float(bw), float(bh))),
            ("b", (w - bw - 10 - progress * (w - bw - 20), 50.0, float(bw), float(bh))),
        ]
        for name, (x, y, _, _) in boxes:
            image[int(y) : int(y) + bh, int(x) : int(x) + bw] = textures[name]
        frames.append((image, boxes))
    return frames


# The three whole people in ultralytics' bus photo (x0, y0, x1, y1 in its 810x1080 pixels).
BUS_PEOPLE = ((48, 398, 245, 902), (221, 405, 344, 857), (670, 380, 809, 878))


def small_people(height: int, size: tuple[int, int] = (640, 360)) -> tuple[np.ndarray, list]:
    """A grey frame of ``size`` with rows of the bus photo's people, each ``height`` pixels
    tall, 60 px apart: the frame and their boxes (x, y, w, h)."""
    bus = photo("bus")
    frame = np.full((size[1], size[0], 3), 128, np.uint8)
    boxes = []
    for y in range(20, size[1] - 2 * height, 2 * height):
        for x in range(20, size[0] - 40, 60):
            x0, y0, x1, y1 = BUS_PEOPLE[len(boxes) % len(BUS_PEOPLE)]
            w = round(height * (x1 - x0) / (y1 - y0))
            frame[y : y + height, x : x + w] = resized(bus[y0:y1, x0:x1], w, height)
            boxes.append((float(x), float(y), float(w), float(height)))
    return frame, boxes
