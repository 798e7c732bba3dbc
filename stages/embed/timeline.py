"""The time base shared by every modality: one step per ``embed.step_s`` seconds of video,
capped at ``embed.max_steps``, so step k of the visual, text and audio streams is the same
stretch of the same video."""

from __future__ import annotations

import math
from collections.abc import Sequence

from stages.ocr.outputs import Subtitle


def n_steps(duration_s: float, step_s: float, max_steps: int) -> int:
    return max(1, min(max_steps, math.ceil(round(duration_s / step_s, 6))))


def step_of(t: float, step_s: float) -> int:
    return math.floor(round(t / step_s, 6))


def subtitle_steps(subtitles: Sequence[Subtitle], steps: int, step_s: float) -> list[str]:
    """The subtitle text shown during each step ("" where none): every subtitle overlapping the
    step's interval, in order, duplicates removed."""
    texts: list[list[str]] = [[] for _ in range(steps)]
    for cue in subtitles:
        if cue.end <= cue.start:
            continue
        first = step_of(cue.start, step_s)
        last = min(steps - 1, math.ceil(round(cue.end / step_s, 6)) - 1)
        for k in range(max(first, 0), last + 1):
            if cue.text not in texts[k]:
                texts[k].append(cue.text)
    return [" ".join(t) for t in texts]
