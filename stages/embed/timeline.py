"""The time base shared by every modality: one step per ``embed.step_s`` seconds of video,
capped at ``embed.max_steps``, so step k of the visual, text and audio streams is the same
stretch of the same video."""

from __future__ import annotations

import math
from pathlib import Path

import srt


def n_steps(duration_s: float, step_s: float, max_steps: int) -> int:
    return max(1, min(max_steps, math.ceil(round(duration_s / step_s, 6))))


def step_of(t: float, step_s: float) -> int:
    return math.floor(round(t / step_s, 6))


def subtitle_steps(srt_path: Path | None, steps: int, step_s: float) -> list[str]:
    """The subtitle text shown during each step ("" where none): every cue overlapping the
    step's interval, in order, duplicates removed."""
    texts: list[list[str]] = [[] for _ in range(steps)]
    if srt_path is None or not Path(srt_path).is_file():
        return ["" for _ in range(steps)]
    for cue in srt.parse(Path(srt_path).read_text(encoding="utf-8-sig")):
        start, end = cue.start.total_seconds(), cue.end.total_seconds()
        content = " ".join(cue.content.split())
        if not content or end <= start:
            continue
        first = step_of(start, step_s)
        last = min(steps - 1, math.ceil(round(end / step_s, 6)) - 1)
        for k in range(max(first, 0), last + 1):
            if content not in texts[k]:
                texts[k].append(content)
    return [" ".join(t) for t in texts]
