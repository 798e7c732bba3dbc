"""Options every importer understands: which actors to take, what to do with calm, and which
split the items are declared to belong to."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

_RANGE = re.compile(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?")


@dataclass(frozen=True)
class Selection:
    """``actors``: the actor numbers to import (None: all), for corpora recorded by actors, so
    a train and a test set of disjoint speakers can be imported separately. ``calm``: RAVDESS's
    calm as serenity (low-intensity joy) or not at all. ``split``: the split every item is
    declared to belong to (the clean stage keeps it instead of drawing one), ``official`` for the
    dataset's own split (MELD's train/dev/test tables), or None to let clean split.
    ``levels``: keep the dataset's intensity levels (RAVDESS/CREMA-D) or read every label at its
    basic level (a mapping that names a level itself, calm -> serenity, keeps it), so that the
    dataset's own classes are the classes of ``emotion24+neutral``."""

    actors: frozenset[int] | None = None
    calm: Literal["serenity", "drop"] = "serenity"
    split: Literal["train", "val", "test", "official"] | None = None
    levels: Literal["keep", "basic"] = "keep"

    def wants_actor(self, actor: int) -> bool:
        return self.actors is None or actor in self.actors


def parse_ranges(text: str) -> frozenset[int]:
    """``"1-8"``, ``"1,3,5"`` or ``"1-4,9"`` as a set of numbers; raises ValueError."""
    out: set[int] = set()
    for part in text.split(","):
        match = _RANGE.fullmatch(part)
        if match is None:
            raise ValueError(f"{part!r} is not a number or a range like 1-8")
        first = int(match.group(1))
        last = int(match.group(2) or first)
        if last < first:
            raise ValueError(f"range {part.strip()!r} runs backwards")
        out.update(range(first, last + 1))
    return frozenset(out)
