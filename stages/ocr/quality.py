"""How good a set of cues is against known text: character error rate, cue matching, timing.

Used by ``benchmarks/ocr.py`` and the tests (the stage itself never has ground truth).
Texts are compared with whitespace removed, so line breaks and OCR's word spacing do not count.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

from rapidfuzz.distance import Levenshtein

from stages.ocr.cues import normalise, similarity


def character_error_rate(hypothesis: str, reference: str) -> float:
    """Levenshtein edits / reference length on the normalised texts."""
    ref, hyp = normalise(reference), normalise(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    return Levenshtein.distance(hyp, ref) / len(ref)


@dataclass(frozen=True)
class Span:
    start: float
    end: float
    text: str


@dataclass
class Match:
    """Predicted cues against reference spans (each prediction goes to the reference it
    overlaps most in time)."""

    pairs: list[tuple[Span, Span]] = field(default_factory=list)  # (reference, predicted)
    missing: list[Span] = field(default_factory=list)  # references nothing overlapped
    spurious: list[Span] = field(default_factory=list)  # predictions overlapping no reference
    duplicates: list[Span] = field(default_factory=list)  # a reference's second, third...

    @property
    def cer(self) -> float:
        """Edits over all reference characters; a missing reference counts wholly."""
        total = sum(len(normalise(r.text)) for r, _ in self.pairs)
        total += sum(len(normalise(r.text)) for r in self.missing)
        if total == 0:
            return 0.0
        edits = sum(
            Levenshtein.distance(normalise(p.text), normalise(r.text)) for r, p in self.pairs
        )
        edits += sum(len(normalise(r.text)) for r in self.missing)
        return edits / total

    def boundary_errors(self) -> list[float]:
        """|start - start| and |end - end| of every matched pair, in seconds."""
        errors = []
        for ref, pred in self.pairs:
            errors += [abs(pred.start - ref.start), abs(pred.end - ref.end)]
        return errors


def match_cues(predicted: Sequence[Span], reference: Sequence[Span]) -> Match:
    match = Match()
    taken: dict[int, Span] = {}
    for pred in predicted:
        overlaps = [
            (min(pred.end, ref.end) - max(pred.start, ref.start), i)
            for i, ref in enumerate(reference)
        ]
        best = max(overlaps, default=(0.0, -1))
        if best[0] <= 0:
            match.spurious.append(pred)
        elif best[1] in taken:
            match.duplicates.append(pred)
        else:
            taken[best[1]] = pred
    for i, ref in enumerate(reference):
        if i in taken:
            match.pairs.append((ref, taken[i]))
        else:
            match.missing.append(ref)
    return match


def near_duplicate_neighbours(cues: Sequence[Span], threshold: float = 0.6) -> int:
    """Consecutive cues whose texts differ only slightly: the same subtitle emitted twice."""
    return sum(similarity(a.text, b.text) >= threshold for a, b in itertools.pairwise(cues))
