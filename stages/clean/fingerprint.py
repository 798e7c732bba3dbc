"""Perceptual fingerprints of a video's picture: the near-duplicate detector's per-video work.

A re-upload of the same footage is re-encoded, scaled, cropped or padded to 9:16, mirrored,
watermarked, re-subtitled, trimmed or slightly sped up. The fingerprint is built to survive all
of these and to stay cheap:

- **Frames.** About ``fps`` frames per second, decoded from the I and P frames only with the
  loop filter skipped (``-skip_frame bidir -skip_loop_filter all``): B frames are never
  reference frames, so skipping them costs nothing in accuracy for a 1-2 fps sample and halves
  the decoding. Frames are delivered as 128x128 grey images (aspect is restored from the probe).
- **Content box.** Rows and columns that stay black in every sampled frame (letterbox and
  pillarbox bars, the padding of a 16:9 video put into a 9:16 frame) are cut off first.
- **Two views.** ``full``: the content box. ``center``: its centred 9:16 part when the content
  is wider than that (what a crop to portrait keeps), else the content box again. A portrait
  crop of a landscape video then matches the original's ``center`` view.
- **Hashes.** A 64-bit DCT pHash (``imagehash.phash``) of each view, and of its mirror image,
  so mirrored re-uploads are caught by comparing mirrored hashes with plain ones.

Watermarks, subtitle bands and re-encoding move a pHash by a few bits; trims and speed changes
only change which frames exist, which the share-of-matching-frames test in
``stages.clean.near_duplicates`` absorbs.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import ffmpeg
import imagehash
import numpy as np
from PIL import Image
from pydantic import BaseModel, ConfigDict

from pipeline.media import MediaError
from stages.clean.params import FingerprintParams

if TYPE_CHECKING:
    from pipeline.work import WorkItem


SIDE = 128  # frames are decoded at SIDE x SIDE grey pixels
BLACK = 24  # a pixel at most this bright is part of a black bar
BAR_SHARE = 0.03  # a row/column is content when more than this share of it is ever brighter
MIN_CONTENT = 0.15  # a content box under this share of the frame is not trusted (dark footage)
PORTRAIT = 9 / 16
WIDER = 1.15  # content at least this much wider than 9:16 gets a separate centre view
VIEWS = ("full", "center")
FLAT = 6.0  # frames whose grey levels vary less than this (std) are not hashed


class Fingerprint(BaseModel):
    """The hashes of one video: for each view and its mirror image, one 16-hex-digit pHash per
    sampled frame with some picture in it (flat frames are left out), in time order."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    fps: float
    frames: int
    box: tuple[float, float, float, float]  # content box: top, bottom, left, right (0-1)
    hashes: dict[str, list[str]]  # "full", "full_mirror", "center", "center_mirror"

    def codes(self, view: str) -> np.ndarray:
        """The hashes of ``view`` as an (n, 8) uint8 array, most significant byte first."""
        values = self.hashes[view]
        return (
            np.array([bytes.fromhex(h) for h in values], dtype="S8")
            .view(np.uint8)
            .reshape(len(values), 8)
        )


def fingerprint_video(item: WorkItem, out_dir: Path, params: FingerprintParams) -> dict[str, Any]:
    """Per-video work: the fingerprint of ``item.path``; ``aspect`` (displayed width / height,
    from the clean stage's probe) in its inputs."""
    frames = decode(item.path, params.fps)
    if len(frames) == 0:
        raise MediaError(f"{item.path.name}: no frame could be decoded")
    return fingerprint(frames, item.inputs["aspect"], params.fps).model_dump(mode="json")


def decode(path: Path, fps: float) -> np.ndarray:
    """About ``fps`` grey SIDE x SIDE frames per second of ``path``, as an (n, SIDE, SIDE) array."""
    stream = (
        ffmpeg.input(str(path), skip_frame="bidir", skip_loop_filter="all", threads=1)
        .video.filter("fps", fps)
        .filter("scale", SIDE, SIDE)
    )
    try:
        raw, _ = (
            stream.output("pipe:", format="rawvideo", pix_fmt="gray")
            .global_args("-hide_banner", "-nostdin", "-loglevel", "error")
            .run(capture_stdout=True, capture_stderr=True)
        )
    except ffmpeg.Error as e:
        detail = (e.stderr or b"").decode("utf-8", "replace").strip().splitlines()
        raise MediaError(f"{path.name}: cannot decode frames: {detail[-1] if detail else e}") from e
    n = len(raw) // (SIDE * SIDE)
    return np.frombuffer(raw[: n * SIDE * SIDE], np.uint8).reshape(n, SIDE, SIDE)


def fingerprint(frames: np.ndarray, aspect: float, fps: float) -> Fingerprint:
    """The fingerprint of grey SIDE x SIDE ``frames`` of a picture ``aspect`` (width/height)."""
    top, bottom, left, right = content_box(frames)
    content_aspect = aspect * (right - left) / (bottom - top)
    hashes: dict[str, list[str]] = {k: [] for v in VIEWS for k in (v, f"{v}_mirror")}
    for frame in frames:
        content = frame[top:bottom, left:right]
        if content.std() < FLAT:
            continue  # a black, white or faded frame names no footage
        for view, pixels in zip(VIEWS, (content, centre(content, content_aspect)), strict=True):
            image = Image.fromarray(np.ascontiguousarray(pixels))
            hashes[view].append(str(imagehash.phash(image)))
            hashes[f"{view}_mirror"].append(
                str(imagehash.phash(image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)))
            )
    box = (top / SIDE, bottom / SIDE, left / SIDE, right / SIDE)
    return Fingerprint(fps=fps, frames=len(hashes["full"]), box=box, hashes=hashes)


def content_box(frames: np.ndarray) -> tuple[int, int, int, int]:
    """Rows top:bottom and columns left:right that are not a black bar in every frame."""
    brightest = frames.max(axis=0) > BLACK
    rows = np.flatnonzero(brightest.mean(axis=1) > BAR_SHARE)
    if len(rows) < SIDE * MIN_CONTENT:
        return 0, SIDE, 0, SIDE
    top, bottom = int(rows[0]), int(rows[-1]) + 1
    cols = np.flatnonzero(brightest[top:bottom].mean(axis=0) > BAR_SHARE)
    if len(cols) < SIDE * MIN_CONTENT:
        return top, bottom, 0, SIDE
    return top, bottom, int(cols[0]), int(cols[-1]) + 1


def centre(content: np.ndarray, aspect: float) -> np.ndarray:
    """The centred 9:16 part of ``content`` (of true ``aspect``), or all of it when narrower."""
    if aspect <= PORTRAIT * WIDER:
        return content
    width = content.shape[1]
    keep = max(1, round(width * PORTRAIT / aspect))
    start = (width - keep) // 2
    return content[:, start : start + keep]
