"""Where model weights come from: one place, never the network.

Search order for a backend's weights: the explicit path in params, then the project's
``models/<family>/`` folder (DVC-trackable, so weights travel with ``dvc pull``), then the
library's own cache. A miss is an immediate ``MissingWeights`` error that names what was wanted,
every place searched, how to obtain it, and the backend that needs no weights.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pipeline import paths
from pipeline.hashing import HashIndex, default_index_path

MODELS_DIR = paths.MODELS


class MissingWeights(FileNotFoundError):
    """Weights that are not on this machine. The message says where they were looked for."""


@dataclass(frozen=True)
class WeightsSpec:
    family: str  # e.g. "demucs", "yolo": the folder under models/
    names: tuple[str, ...]  # file or folder names that satisfy the request
    how_to_get: str  # one sentence: how to obtain them on a machine with network
    offline_alternative: str  # the backend that needs no weights, as a params setting


def resolve(
    spec: WeightsSpec, explicit: Path | None = None, extra_dirs: Iterable[Path] = ()
) -> Path:
    """The first existing candidate: ``explicit``, then ``models/<family>/<name>``, then
    ``<extra_dir>/<name>`` for each library cache folder given."""
    searched: list[Path] = []
    if explicit is not None:
        searched.append(Path(explicit))
    for folder in (MODELS_DIR / spec.family, *extra_dirs):
        searched += [Path(folder) / name for name in spec.names]
    for candidate in searched:
        if candidate.exists():
            return candidate
    raise MissingWeights(missing_message(spec, searched))


def missing_message(spec: WeightsSpec, searched: Iterable[Path]) -> str:
    places = "\n".join(f"  - {p}" for p in searched)
    return (
        f"{spec.family} weights {' or '.join(spec.names)!s} not found. Searched:\n{places}\n"
        f"To obtain them: {spec.how_to_get}\n"
        f"Or copy them into {MODELS_DIR / spec.family}/ (track with `dvc add models`), or use the "
        f"backend that needs no weights: {spec.offline_alternative}."
    )


def fingerprint(path: Path) -> str:
    """A short content hash of a weights file or folder: part of cache keys and feature
    attributes, so changed weights never mix with results of the old ones. Each file's sha256
    is remembered by its (path, size, mtime, inode) in ``HashIndex``, so multi-GB weights are
    read again only when they changed, not at every stage start."""
    path = Path(path)
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    h = hashlib.sha256()
    with HashIndex(default_index_path()) as index:
        for f in files:
            h.update(str(f.relative_to(path) if path.is_dir() else f.name).encode())
            h.update(bytes.fromhex(index.digest(f)))
    return h.hexdigest()[:16]
