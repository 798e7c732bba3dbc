"""Label spaces on Plutchik's wheel: what the model predicts, and the coarser views metrics
are also reported at. A ``+neutral`` space has neutral as its last class; its coarser views keep
neutral (valence3 has it as the neutral valence)."""

from __future__ import annotations

import numpy as np

from pipeline.plutchik import GRANULARITIES, NEUTRAL, WITH_NEUTRAL, Granularity, wheel
from pipeline.records import LabelSummary


def classes(space: Granularity) -> tuple[str, ...]:
    return wheel().labels(space)


def coarser(space: Granularity) -> tuple[Granularity, ...]:
    """The label spaces a prediction in ``space`` can be summed into (itself first)."""
    base = space.removesuffix(WITH_NEUTRAL)
    chain = GRANULARITIES[GRANULARITIES.index(base) :]
    if not has_neutral(space):
        return chain
    return tuple(s if s == "valence3" else f"{s}{WITH_NEUTRAL}" for s in chain)


def has_neutral(space: Granularity) -> bool:
    return space.endswith(WITH_NEUTRAL) or space == "valence3"


def target(label: LabelSummary, space: Granularity) -> np.ndarray:
    """The annotators' soft label in ``space``. For the 24 graded emotions, the primary's mass
    goes to its aggregated intensity, the other primaries' mass to their basic level. Neutral
    mass goes to the neutral class; in a space without one it is dropped (an all-zero target:
    the item has no class there)."""
    w = wheel()
    if space.startswith("emotion24"):
        out = np.zeros(len(classes(space)), np.float32)
        for p_index, name in enumerate(w.names):
            mass = label.distribution.get(name, 0.0)
            level = label.intensity if name == label.primary and label.intensity is not None else 1
            out[p_index * 3 + level] += mass
        if has_neutral(space):
            out[-1] = label.distribution.get(NEUTRAL, 0.0)
    else:
        coarse = w.coarsen(label.distribution, space)
        out = np.array([coarse[c] for c in classes(space)], np.float32)
    total = out.sum()
    return out / total if total > 0 else out


def project(probs: np.ndarray, source: Granularity, dest: Granularity) -> np.ndarray:
    """Sum class probabilities (..., len(classes(source))) into ``dest``, a coarser space."""
    if source == dest:
        return probs
    src, dst = classes(source), classes(dest)
    matrix = np.zeros((len(src), len(dst)), np.float32)
    w = wheel()
    for i, name in enumerate(src):
        if name == NEUTRAL:
            if NEUTRAL in dst:
                matrix[i, dst.index(NEUTRAL)] = 1.0
            continue
        primary = w.names[i // 3] if source.startswith("emotion24") else name
        key = primary if dest.startswith("primary8") else w.primary(primary).valence
        matrix[i, dst.index(key)] = 1.0
    return probs @ matrix
