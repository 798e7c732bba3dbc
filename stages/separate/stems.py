"""What every separation backend returns and promises."""

from __future__ import annotations

from typing import NamedTuple, Protocol

import numpy as np


class Stems(NamedTuple):
    """Two stems shaped like the input (channels x samples), float32, at the input's rate."""

    vocals: np.ndarray
    music: np.ndarray


class Separator(Protocol):
    """A loaded backend. ``version`` goes into the per-video cache key: it names the backend,
    its algorithm revision and, for trained models, the weights' fingerprint, so switching
    either recomputes."""

    name: str
    version: str
    weights_version: str | None

    def separate(self, audio: np.ndarray, rate: int) -> Stems: ...
