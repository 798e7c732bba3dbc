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
- **Views.** ``full``: the content box. ``center``: its centred 9:16 part when the content
  is wider than that (what a crop to portrait keeps), else the content box again. A portrait
  crop of a landscape video then matches the original's ``center`` view. ``frame``: the whole
  frame, bars included (a logo put over a bar moves the content box, not the frame). ``crop95`` to
  ``crop70``: the centred part keeping 95, 90, ... 70% of the frame's width and height
  (of the frame as uploaded, bars included: a re-uploader crops what they downloaded). A
  re-upload cropped to (or zoomed by) about that much shows what the original's crop view
  shows, whatever it was scaled to afterwards; a picture-in-picture copy (the clip shrunk over
  a blurred copy of itself) shows the original in its own crop view. The crop grid is
  5% apart, so any crop keeping 67.5% or more is within 2.5% of the picture's size of a view;
  a 5% scale mismatch already moves a pHash by 6-7 bits of the 10 allowed (measured on the
  sample's re-uploads), 2.5% by about as much as a re-encode.
- **Hashes.** A 64-bit DCT pHash (the 8x8 lowest frequencies of a 32x32 DCT against their
  median, as ``imagehash.phash``) of each view and of its mirror image, so mirrored re-uploads
  are caught by comparing mirrored hashes with plain ones. The mirror image's DCT is the
  image's with the odd horizontal frequencies negated, so it costs no second transform.

Watermarks, subtitle bands, colour changes and re-encoding move a pHash by a few bits; trims
and speed changes only change which frames exist, which the share-of-matching-frames test in
``stages.clean.near_duplicates`` absorbs.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import ffmpeg
import numpy as np
import scipy.fft
from PIL import Image
from pydantic import BaseModel, ConfigDict

from pipeline.media import MediaError
from stages.clean.params import FingerprintParams

if TYPE_CHECKING:
    from pipeline.work import WorkItem


SIDE = 128  # frames are decoded at SIDE x SIDE grey pixels
BLACK = 24  # a pixel at most this bright is part of a black bar
BAR_SHARE = 0.03  # a row/column is content when more than this share of it is ever brighter
BAR_GAP = 4  # this many dark rows (columns) or more part a caption on a bar from the picture
MIN_CONTENT = 0.15  # a content box under this share of the frame is not trusted (dark footage)
PORTRAIT = 9 / 16
WIDER = 1.15  # content at least this much wider than 9:16 gets a separate centre view
CROPS = {f"crop{k}": k / 100 for k in range(95, 65, -5)}  # centred crop views: share kept
VIEWS = ("full", "center", "frame", *CROPS)
HASH_SIDE = 32  # views are shrunk to this before the DCT; its 8x8 lowest frequencies are hashed
# the horizontal frequencies whose sign a mirror image flips
MIRROR_SIGN = np.where(np.arange(8) % 2, -1.0, 1.0)[None, None, :]
FLAT = 6.0  # frames whose grey levels vary less than this (std) are not hashed


class Fingerprint(BaseModel):
    """The hashes of one video: for each view and its mirror image, one 16-hex-digit pHash per
    sampled frame with some picture in it (flat frames are left out), in time order."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    fps: float
    frames: int
    box: tuple[float, float, float, float]  # content box: top, bottom, left, right (0-1)
    hashes: dict[str, list[str]]  # each view in VIEWS and its mirror, "<view>_mirror"

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
    shrunk: dict[str, list[np.ndarray]] = {v: [] for v in VIEWS}
    for frame in frames:
        content = frame[top:bottom, left:right]
        if content.std() < FLAT:
            continue  # a black, white or faded frame names no footage
        views = {"full": content, "center": centre(content, content_aspect), "frame": frame}
        views |= {name: central(frame, keep) for name, keep in CROPS.items()}
        for view, pixels in views.items():
            shrunk[view].append(_shrink(pixels))
    hashes: dict[str, list[str]] = {}
    for view, images in shrunk.items():
        low = _low_frequencies(np.stack(images)) if images else np.zeros((0, 8, 8))
        hashes[view] = _hex(low)
        hashes[f"{view}_mirror"] = _hex(low * MIRROR_SIGN)
    box = (top / SIDE, bottom / SIDE, left / SIDE, right / SIDE)
    return Fingerprint(fps=fps, frames=len(hashes["full"]), box=box, hashes=hashes)


def _shrink(pixels: np.ndarray) -> np.ndarray:
    image = Image.fromarray(np.ascontiguousarray(pixels))
    return np.asarray(image.resize((HASH_SIDE, HASH_SIDE), Image.Resampling.LANCZOS), np.float64)


def _low_frequencies(images: np.ndarray) -> np.ndarray:
    """The 8x8 lowest DCT frequencies of each (HASH_SIDE x HASH_SIDE) image."""
    return scipy.fft.dct(scipy.fft.dct(images, axis=1), axis=2)[:, :8, :8]


def _hex(low: np.ndarray) -> list[str]:
    """pHash: each low frequency above the image's median of them, as 16 hex digits."""
    bits = low.reshape(len(low), 64) > np.median(low.reshape(len(low), 64), axis=1, keepdims=True)
    return [row.tobytes().hex() for row in np.packbits(bits, axis=1)]


def content_box(frames: np.ndarray) -> tuple[int, int, int, int]:
    """Rows top:bottom and columns left:right that are not a black bar in every frame: the
    longest stretch of rows (then of columns) with some picture in them, so a caption or logo
    put on a bar, apart from the picture, does not count as picture."""
    brightest = frames.max(axis=0) > BLACK
    rows = np.flatnonzero(brightest.mean(axis=1) > BAR_SHARE)
    if len(rows) < SIDE * MIN_CONTENT:
        return 0, SIDE, 0, SIDE
    top, bottom = _longest_run(rows)
    cols = np.flatnonzero(brightest[top:bottom].mean(axis=0) > BAR_SHARE)
    if len(cols) < SIDE * MIN_CONTENT:
        return top, bottom, 0, SIDE
    return (top, bottom, *_longest_run(cols))


def _longest_run(index: np.ndarray) -> tuple[int, int]:
    """start:end of the longest run of sorted ``index`` with no gap of BAR_GAP or more."""
    breaks = np.flatnonzero(np.diff(index) > BAR_GAP)
    starts = np.concatenate([[0], breaks + 1])
    ends = np.concatenate([breaks, [len(index) - 1]])
    k = int(np.argmax(index[ends] - index[starts]))
    return int(index[starts[k]]), int(index[ends[k]]) + 1


def centre(content: np.ndarray, aspect: float) -> np.ndarray:
    """The centred 9:16 part of ``content`` (of true ``aspect``), or all of it when narrower."""
    if aspect <= PORTRAIT * WIDER:
        return content
    width = content.shape[1]
    keep = max(1, round(width * PORTRAIT / aspect))
    start = (width - keep) // 2
    return content[:, start : start + keep]


def central(content: np.ndarray, keep: float) -> np.ndarray:
    """The centred part of ``content`` keeping ``keep`` of its width and height."""
    height, width = content.shape
    h, w = max(1, round(height * keep)), max(1, round(width * keep))
    top, left = (height - h) // 2, (width - w) // 2
    return content[top : top + h, left : left + w]
