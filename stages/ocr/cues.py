"""From per-frame readings of the subtitle band to timed cues, and cues to ``.srt``.

Consecutive frames whose readings are near-identical (rapidfuzz ratio at least
``merge_similarity``, compared with the previous frame's reading so text typed out word by word
stays one cue) form one cue. Its text is the most complete, most confident reading; it starts at
the first frame showing it and ends half a sampling interval after the last one (never past the
next sampled frame), so a boundary is off by at most one sampling interval, on any frame-rate
pattern, since times are the frames' own presentation timestamps. Cues shorter than
``min_cue_s`` (OCR flicker) are dropped, then neighbours with the same text across a gap of at
most ``merge_gap_s`` are joined: one subtitle is never emitted twice in a row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz

COMPLETE_SHARE = 0.9  # readings this close to the longest one count as complete


def normalise(text: str) -> str:
    """Text as compared: whitespace removed (OCR splits and joins words unpredictably)."""
    return "".join(text.split())


def similarity(a: str, b: str) -> float:
    """rapidfuzz's normalised Indel similarity of the normalised texts, 0..1."""
    a, b = normalise(a), normalise(b)
    if not a and not b:
        return 1.0
    return fuzz.ratio(a, b) / 100.0


def has_content(text: str) -> bool:
    """At least one letter, digit or CJK character (not only punctuation or spaces)."""
    return any(ch.isalnum() for ch in text)


@dataclass(frozen=True)
class Reading:
    """The subtitle text of one sampled frame; ``lines`` are opaque to this module."""

    text: str
    confidence: float
    lines: tuple = ()


@dataclass
class Cue:
    start: float
    end: float
    text: str
    confidence: float
    lines: tuple = ()
    frames: list[float] = field(default_factory=list)
    readings: list[Reading] = field(default_factory=list, repr=False)

    @property
    def duration(self) -> float:
        return self.end - self.start


def best_reading(readings: Sequence[Reading]) -> Reading:
    """Among the most complete readings (length within ``COMPLETE_SHARE`` of the longest), the
    one with the most confidence summed over the frames showing it."""
    longest = max(len(normalise(r.text)) for r in readings)
    votes: dict[str, float] = defaultdict(float)
    first: dict[str, Reading] = {}
    for r in readings:
        if len(normalise(r.text)) >= COMPLETE_SHARE * longest:
            votes[r.text] += r.confidence
            best = first.get(r.text)
            if best is None or r.confidence > best.confidence:
                first[r.text] = r
    text = max(votes, key=lambda k: (votes[k], len(k)))
    return first[text]


def _make_cue(times: Sequence[float], idx: list[int], readings: list[Reading], half: float) -> Cue:
    nxt = idx[-1] + 1
    end = times[idx[-1]] + half
    if nxt < len(times):
        end = min(end, times[nxt])
    best = best_reading(readings)
    frames = [times[i] for i in idx]
    return Cue(times[idx[0]], end, best.text, best.confidence, best.lines, frames, readings)


def build_cues(
    times: Sequence[float],
    readings: Sequence[Reading | None],
    *,
    fps: float,
    merge_similarity: float,
    min_cue_s: float,
    merge_gap_s: float,
) -> list[Cue]:
    """Timed cues from one reading (or None: no subtitle) per sampled frame."""
    if len(times) != len(readings):
        raise ValueError("one reading per sampled frame")
    half = 0.5 / fps
    groups: list[tuple[list[int], list[Reading]]] = []
    previous: Reading | None = None
    for i, reading in enumerate(readings):
        if reading is None or not normalise(reading.text):
            previous = None
            continue
        if previous is not None and similarity(previous.text, reading.text) >= merge_similarity:
            groups[-1][0].append(i)
            groups[-1][1].append(reading)
        else:
            groups.append(([i], [reading]))
        previous = reading
    cues = [_make_cue(times, idx, rs, half) for idx, rs in groups]
    cues = [c for c in cues if c.duration >= min_cue_s - 1e-9]
    merged: list[Cue] = []
    for cue in cues:
        last = merged[-1] if merged else None
        if (
            last is not None
            and cue.start - last.end <= merge_gap_s
            and similarity(last.text, cue.text) >= merge_similarity
        ):
            readings_all = last.readings + cue.readings
            best = best_reading(readings_all)
            merged[-1] = Cue(
                last.start,
                cue.end,
                best.text,
                best.confidence,
                best.lines,
                last.frames + cue.frames,
                readings_all,
            )
        else:
            merged.append(cue)
    return merged
