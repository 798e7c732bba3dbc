"""What the labels stage writes, and its readers: ``labels.jsonl`` (one line per labelled video)
and ``unlabelled.jsonl`` (every video of the media manifest without a usable label, with the
reason). Train and evaluate join the labels onto the media manifest with ``join``."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from pipeline.records import LabelSummary, ManifestEntry, Rejection, SafeId, Split
from pipeline.video_stage import read_manifest


class ModalityLabel(BaseModel):
    """The annotators' soft label of one modality over the 8 primaries and ``neutral``."""

    model_config = ConfigDict(extra="forbid")

    primary: str
    distribution: dict[str, float]
    n_votes: int = Field(ge=1)


class VideoLabels(BaseModel):
    """One labelled video: the overall label, its split, the per-modality soft labels (only the
    modalities somebody labelled) and whether a modality's label conflicts with the overall
    one."""

    model_config = ConfigDict(extra="forbid")

    id: SafeId
    label: LabelSummary
    split: Split
    modalities: dict[str, ModalityLabel] = Field(default_factory=dict)
    conflict: bool = False


def read_labels(path: Path) -> dict[str, VideoLabels]:
    """``labels.jsonl`` by video id."""
    out: dict[str, VideoLabels] = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = VideoLabels.model_validate_json(line)
            out[item.id] = item
    return out


def read_unlabelled(path: Path) -> list[Rejection]:
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return [Rejection.model_validate_json(line) for line in lines if line.strip()]


def join(entries: list[ManifestEntry], labels: dict[str, VideoLabels]) -> list[ManifestEntry]:
    """The manifest's labelled videos with their label and split filled in (in manifest order);
    unlabelled videos are left out."""
    return [
        e.model_copy(
            update={
                "label": labels[e.id].label,
                "split": labels[e.id].split,
                "modality_labels": {
                    m: dict(label.distribution) for m, label in labels[e.id].modalities.items()
                },
            }
        )
        for e in entries
        if e.id in labels
    ]


def read_labelled(manifest: Path, labels: Path | None) -> list[ManifestEntry]:
    """The labelled videos of ``manifest``: joined with ``labels`` (the labels stage's
    ``labels.jsonl``) when given, else the entries that carry their own label and split (a
    manifest of another labelled dataset)."""
    entries = read_manifest(manifest)
    if labels is not None:
        return join(entries, read_labels(labels))
    return [e for e in entries if e.label is not None and e.split is not None]
