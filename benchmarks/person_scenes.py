"""Generated scenes with people at many scales and known boxes, to choose the person detector's
settings on material other than the footage it is scored on (MOT17-02).

People are cut out of the walking video (``tracking/walking_video`` in the shared data): its
camera is still and the room is empty on some seconds, so a frame minus the nearest empty
frame is the person's silhouette. Each scene (640x360, the track stage's frame size) pastes
3-12 of them, heights log-uniform over ``HEIGHTS`` (farther people first, so nearer ones hide
parts of them, each at least half visible), on the empty room at a random zoom or on a texture
that ships with scikit-image. Scenes without people measure boxes on nobody.
"""

from __future__ import annotations

import math
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image
from scipy import ndimage

WALKING = Path("tracking/walking_video/one-by-one-person-detection.mp4")
SIZE = (640, 360)
HEIGHTS = (20.0, 160.0)
EMPTY_SECONDS = (0, 20, 45, 70, 85, 120, 135)  # the empty room, by eye
# Seconds with one person standing whole and apart from the table's top, by eye.
PERSON_SECONDS = (10, 15, 30, 35, 55, 60, 65, 105, 110)
TEXTURES = ("brick", "grass", "gravel")
MIN_VISIBLE = 0.5


@dataclass(frozen=True)
class Scene:
    image: np.ndarray  # RGB, SIZE
    boxes: list[tuple[float, float, float, float]]  # x, y, w, h of each pasted person


def frame_at(video: Path, second: float) -> np.ndarray:
    cmd = ["ffmpeg", "-v", "error", "-nostdin", "-ss", str(second), "-i", str(video),
           "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:"]  # fmt: skip
    raw = subprocess.run(cmd, capture_output=True, check=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(432, 768, 3)


def cutouts(video: Path) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """RGBA people (silhouette as alpha) and the empty room's frames."""
    empty = {s: frame_at(video, s) for s in EMPTY_SECONDS}
    people = []
    for second in PERSON_SECONDS:
        frame = frame_at(video, second)
        room = empty[min(EMPTY_SECONDS, key=lambda e: abs(e - second))]
        moved = np.abs(frame.astype(int) - room.astype(int)).max(-1) > 45
        moved = ndimage.binary_fill_holes(
            ndimage.binary_closing(ndimage.binary_opening(moved, iterations=2), iterations=5)
        )
        labels, n = ndimage.label(moved)
        largest = labels == 1 + int(np.argmax(ndimage.sum(moved, labels, range(1, n + 1))))
        ys, xs = np.nonzero(largest)
        cut = (slice(ys.min(), ys.max() + 1), slice(xs.min(), xs.max() + 1))
        rgba = np.dstack([frame[cut], largest[cut].astype(np.uint8) * 255])
        people += [rgba, rgba[:, ::-1]]
    return people, list(empty.values())


def background(rng: np.random.Generator, rooms: list[np.ndarray]) -> np.ndarray:
    if rng.random() < 0.6:
        room = rooms[int(rng.integers(len(rooms)))]
        zoom = rng.uniform(1.0, 2.0)
        w, h = round(768 / zoom), round(432 / zoom)
        x, y = int(rng.integers(0, 768 - w + 1)), int(rng.integers(0, 432 - h + 1))
        crop = Image.fromarray(room[y : y + h, x : x + w])
        return np.asarray(crop.resize(SIZE, Image.Resampling.BILINEAR))
    import skimage.data

    texture = getattr(skimage.data, TEXTURES[int(rng.integers(len(TEXTURES)))])()
    texture = np.stack([texture] * 3, -1) if texture.ndim == 2 else texture
    reps = (math.ceil(SIZE[1] / texture.shape[0]), math.ceil(SIZE[0] / texture.shape[1]), 1)
    return np.ascontiguousarray(np.tile(texture, reps)[: SIZE[1], : SIZE[0]])


def scene(
    rng: np.random.Generator, people: list[np.ndarray], rooms: list[np.ndarray], n: int
) -> Scene:
    """``n`` people (fewer where no placement leaves each at least half visible)."""
    image = background(rng, rooms).copy()
    placed: list[tuple[np.ndarray, np.ndarray, tuple[int, int, int, int]]] = []
    owner = np.full(SIZE[::-1], -1)
    for _ in range(40 * n):
        if len(placed) == n:
            break
        person = people[int(rng.integers(len(people)))]
        h = round(math.exp(rng.uniform(*np.log(HEIGHTS))))
        w = max(4, round(person.shape[1] * h / person.shape[0]))
        x, y = int(rng.integers(0, SIZE[0] - w + 1)), int(rng.integers(0, SIZE[1] - h + 1))
        pasted = np.asarray(Image.fromarray(person).resize((w, h), Image.Resampling.LANCZOS))
        alpha = pasted[..., 3] > 127
        trial = owner.copy()
        trial[y : y + h, x : x + w][alpha] = len(placed)
        new = [*placed, (pasted, alpha, (x, y, w, h))]
        # Painted far to near: a person lower in the frame is nearer and hides those behind.
        new.sort(key=lambda p: p[2][1] + p[2][3])
        trial = np.full(SIZE[::-1], -1)
        for i, (_, a, (px, py, pw, ph)) in enumerate(new):
            trial[py : py + ph, px : px + pw][a] = i
        if all((trial == i).sum() >= MIN_VISIBLE * a.sum() for i, (_, a, _) in enumerate(new)):
            placed, owner = new, trial
    for pasted, alpha, (x, y, w, h) in placed:
        region = image[y : y + h, x : x + w]
        region[alpha] = pasted[..., :3][alpha]
    return Scene(image, [tuple(float(v) for v in p[2]) for p in placed])


def scenes(video: Path, count: int, empty: int, seed: int = 0) -> list[Scene]:
    """``count`` scenes with 3-12 people and ``empty`` with nobody."""
    rng = np.random.default_rng(seed)
    people, rooms = cutouts(video)
    made = [scene(rng, people, rooms, int(rng.integers(3, 13))) for _ in range(count)]
    return made + [scene(rng, people, rooms, 0) for _ in range(empty)]
