"""Frames sampled at a fixed rate by their real presentation timestamps.

Stages that look at pictures (OCR, tracking, visual embeddings) sample a few frames per second.
Counting frames and dividing by a nominal rate drifts on variable-frame-rate video, so the
sampler keeps, for each 1/fps grid cell, the first decoded frame whose timestamp falls in it
(ffmpeg's ``select`` filter) and reports that frame's own timestamp (``showinfo``).
"""

from __future__ import annotations

import queue
import re
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import ffmpeg
import numpy as np

from pipeline.media import MediaError, displayed_size

_PTS = re.compile(rb"showinfo.*\bpts_time:\s*(-?[\d.]+(?:e-?\d+)?)")


@dataclass(frozen=True)
class Frame:
    index: int  # position among the sampled frames
    t: float  # presentation time in seconds from the start of the video stream
    image: np.ndarray  # H x W x 3, uint8, RGB


def display_size(path: Path) -> tuple[int, int, float]:
    """Width and height as displayed (rotation metadata applied) and the stream's start time."""
    try:
        info = ffmpeg.probe(str(path), select_streams="v:0")
    except ffmpeg.Error as e:
        raise MediaError(f"{path}: ffprobe cannot read it") from e
    streams = info.get("streams") or []
    if not streams:
        raise MediaError(f"{path}: no video stream")
    s = streams[0]
    w, h = displayed_size(s)
    if w is None or h is None:
        raise MediaError(f"{path}: the video stream has no size")
    return w, h, float(s.get("start_time", 0) or 0)


def scaled_size(width: int, height: int, max_side: int | None) -> tuple[int, int]:
    """The size frames are delivered at: the longer side capped at ``max_side``, even numbers."""
    if not max_side or max(width, height) <= max_side:
        return width, height
    scale = max_side / max(width, height)
    return max(2, round(width * scale / 2) * 2), max(2, round(height * scale / 2) * 2)


def sample_frames(path: Path, fps: float, max_side: int | None = None) -> Iterator[Frame]:
    """Yield about ``fps`` frames per second of video, each with its presentation time."""
    if fps <= 0:
        raise ValueError(f"fps must be positive, got {fps}")
    path = Path(path)
    src_w, src_h, start = display_size(path)
    width, height = scaled_size(src_w, src_h, max_side)
    stream = ffmpeg.input(str(path)).video.filter(
        "select", f"isnan(prev_selected_t)+gt(floor(t*{fps}),floor(prev_selected_t*{fps}))"
    )
    stream = stream.filter("showinfo")
    if (width, height) != (src_w, src_h):
        stream = stream.filter("scale", width, height)
    cmd = (
        stream.output("pipe:", format="rawvideo", pix_fmt="rgb24", fps_mode="passthrough")
        .global_args("-hide_banner", "-nostats", "-nostdin", "-loglevel", "info")
        .compile()
    )
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    times: queue.Queue[float | None] = queue.Queue()
    tail: list[bytes] = []
    reader = threading.Thread(target=_read_pts, args=(proc.stderr, times, tail), daemon=True)
    reader.start()
    frame_bytes = width * height * 3
    index = 0
    try:
        while True:
            buf = proc.stdout.read(frame_bytes)
            if len(buf) < frame_bytes:
                break
            t = times.get(timeout=60)
            if t is None:
                break
            image = np.frombuffer(buf, np.uint8).reshape(height, width, 3).copy()
            yield Frame(index, round(max(t - start, 0.0), 6), image)
            index += 1
    finally:
        proc.stdout.close()
        code = proc.wait()
        reader.join(timeout=5)
    if code != 0 and index == 0:
        detail = tail[-1].decode("utf-8", "replace").strip() if tail else f"exit code {code}"
        raise MediaError(f"{path}: cannot decode frames: {detail}")


def _read_pts(stderr, times: queue.Queue[float | None], tail: list[bytes]) -> None:
    for line in stderr:
        match = _PTS.search(line)
        if match:
            times.put(float(match.group(1)))
        elif line.strip():
            tail[:] = [*tail[-4:], line]
    times.put(None)
