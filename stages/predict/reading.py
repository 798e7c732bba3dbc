"""A predicted distribution read onto Plutchik's wheel: per-primary mass, the strongest emotions
with an intensity name, and the primary dyads whose two neighbouring primaries are both strong.

Models trained on ``emotion24`` predict the intensity; for ``primary8`` the intensity word is a
reading of how much mass the primary holds (a rule of thumb, not a learned quantity), and a
``valence3`` model's mass is spread evenly over the primaries of each valence. A ``+neutral``
model's neutral class is kept apart (``LabelSpace.neutral_share``): the primaries hold the rest
of the mass (``LabelSpace.primaries``).
"""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel

from pipeline.plutchik import INTENSITY_LEVELS, Granularity, label_space, wheel

TOP_N = 3
TOP_MIN = 0.10  # a primary under this share is not listed among the top emotions
# primary8: mass at or above these reads as the basic, then the high intensity word
INTENSITY_CUTS = (0.35, 0.70)
DYAD_MIN = 0.20  # both primaries of a dyad need at least this share


class Emotion(BaseModel):
    primary: str
    probability: float
    intensity: str  # the wheel's word, e.g. serenity / joy / ecstasy
    level: str  # low / basic / high


class Dyad(BaseModel):
    name: str
    primaries: tuple[str, str]
    strength: float  # the smaller of the two primaries' shares


def top_emotions(probs: np.ndarray, space: Granularity) -> list[Emotion]:
    """The strongest primaries (at least one, at most ``TOP_N``) with their intensity."""
    w = wheel()
    shares = label_space(space).primaries(probs)
    ranked = sorted(shares, key=lambda n: -shares[n])
    chosen = [n for n in ranked[:TOP_N] if shares[n] >= TOP_MIN] or ranked[:1]
    out = []
    for name in chosen:
        if space.startswith("emotion24"):
            i = w.names.index(name)
            level = int(np.argmax(np.asarray(probs)[3 * i : 3 * i + 3]))
        else:
            level = int(np.searchsorted(INTENSITY_CUTS, shares[name], side="right"))
        out.append(
            Emotion(
                primary=name,
                probability=shares[name],
                intensity=w.primary(name).intensities[level],
                level=INTENSITY_LEVELS[level],
            )
        )
    return out


def dyads(shares: dict[str, float]) -> list[Dyad]:
    """Primary dyads (love = joy + trust, ...) whose primaries both hold ``DYAD_MIN`` or more,
    strongest first."""
    found = [
        Dyad(name=name, primaries=(a, b), strength=min(shares[a], shares[b]))
        for name, (a, b) in wheel().dyads.items()
        if shares[a] >= DYAD_MIN and shares[b] >= DYAD_MIN
    ]
    return sorted(found, key=lambda d: -d.strength)
