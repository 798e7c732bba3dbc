"""What every stage's ``run`` returns: one ``StageResult`` type.

Each stage's result is a ``StageResult``: its counts (videos kept, computed, cached, failed...),
the items that failed with why, the outputs it published, and ``summary()``, the one line its
command prints. A stage adds what its callers read besides (the clean stage's manifest, the
train stage's fit), so ``python -m stages.<name>`` and ``chfen predict`` treat every stage alike.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol


class Failure(Protocol):
    """One item a stage could not process, and why."""

    @property
    def id(self) -> str: ...

    @property
    def error(self) -> str | None: ...


class StageResult(ABC):
    stage: str
    outputs: Sequence[Path]  # the files and folders the stage published

    @property
    @abstractmethod
    def counts(self) -> dict[str, int | float]:
        """What the stage did, by name (``videos``, ``cached``, ``failed``, ``kept``, ...);
        the model stages add their scores."""

    @property
    def failures(self) -> Sequence[Failure]:
        """The items the stage could not process (none by default: whole-dataset stages fail
        as a whole, with a clear error)."""
        return ()

    def summary(self) -> str:
        """The one line the stage's command prints."""
        counts = ", ".join(
            f"{what} {n:.3f}" if isinstance(n, float) else f"{n} {what}"
            for what, n in self.counts.items()
        )
        where = ", ".join(str(p) for p in self.outputs)
        return f"{self.stage}: {counts}" + (f" -> {where}" if where else "")
