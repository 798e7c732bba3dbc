"""Which separator a run uses, decided once in the stage's process, built once per worker.

``choose`` runs before any video is touched, so a missing or unloadable model fails the stage at
once with one message instead of once per video. What it returns is small and picklable: the
runner's worker processes (spawned) rebuild the separator from it, once each.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pipeline.section import Section
from stages.separate.classic import ClassicSeparator
from stages.separate.stems import Separator

if TYPE_CHECKING:
    from pipeline.params import Params


if TYPE_CHECKING:
    from stages.separate.demucs_backend import DemucsWeights


@dataclass(frozen=True)
class BackendChoice:
    name: str
    section: Section  # the backend's own params: their digest is part of the cache key
    version: str  # backend, algorithm revision and weights fingerprint: also in the cache key
    weights_version: str | None
    demucs_weights: DemucsWeights | None = None
    threads: int = 0  # torch threads per worker; 0 leaves torch's default


def choose(params: Params) -> BackendChoice:
    """The backend named by ``separate.backend`` (``auto``: by profile), checked and loaded."""
    cfg = params.separate
    name = cfg.resolved_backend(params.profile)
    if name == "classic":
        sep = ClassicSeparator(cfg.classic)
        return BackendChoice(name, cfg.classic, sep.version, None)
    if name == "speech":
        from stages.separate.speech import SpeechSeparator

        speech = SpeechSeparator(cfg.speech)  # an unloadable runtime fails the stage here
        return BackendChoice(name, cfg.speech, speech.version, speech.weights_version)
    from stages.separate.demucs_backend import find_weights

    found = find_weights(cfg.demucs.model, cfg.demucs.repo)
    threads = max(1, (os.cpu_count() or 1) // params.runner.resolved_workers())
    choice = BackendChoice(name, cfg.demucs, found.cache_version, found.version, found, threads)
    separator(choice)  # load now: unusable weights fail the stage before any video
    return choice


@functools.cache
def separator(choice: BackendChoice) -> Separator:
    """The loaded separator for ``choice``, built once per process."""
    if choice.name == "classic":
        return ClassicSeparator(choice.section)  # type: ignore[arg-type]
    if choice.name == "speech":
        from stages.separate.speech import SpeechSeparator

        return SpeechSeparator(choice.section)  # type: ignore[arg-type]
    from stages.separate.demucs_backend import DemucsSeparator

    assert choice.demucs_weights is not None
    return DemucsSeparator(choice.section, choice.demucs_weights, choice.threads)  # type: ignore[arg-type]
