"""What a modality contributes to the embed stage: how to key, encode and store its videos."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline import paths
from pipeline.featurestore import StoreMeta
from pipeline.records import ManifestEntry
from pipeline.section import Section

if TYPE_CHECKING:
    from pipeline.params import Params
    from pipeline.work import Work


FEATURES_FILE = "features.npz"


class JobSection(Section):
    """The params a modality's features depend on: its digest is part of every cache key."""

    step_s: float
    max_steps: int
    dtype: str
    encoder: dict[str, Any]


def job_section(params: Params, encoder: Section) -> JobSection:
    """The section of a modality: the shared time base and dtype plus its encoder's params."""
    return JobSection(
        step_s=params.embed.step_s,
        max_steps=params.embed.max_steps,
        dtype=params.store.dtype,
        encoder=encoder.model_dump(mode="json"),
    )


@dataclass(frozen=True)
class Upstream:
    """Where the extraction stages' outputs are."""

    subtitles: Path = paths.SUBTITLES
    tracks: Path = paths.TRACKS
    audio: Path = paths.AUDIO


@dataclass(frozen=True)
class Job:
    modality: str
    section: JobSection
    version: str  # backend + weights fingerprint
    meta: StoreMeta
    work: Work
    # -> (input hash, inputs); the upstream files the work reads are ``Path`` values
    inputs: Callable[[ManifestEntry], tuple[str, dict[str, Any]]]
    reads_video: bool = True  # whether the work opens the video itself (item.path)


def input_hash(*parts: str | bytes) -> str:
    """A hash over every input a video's features are computed from."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


def file_bytes(path: Path) -> bytes:
    return Path(path).read_bytes() if Path(path).is_file() else b""
