"""Which items the next round labels, and which annotators see each.

An item is chosen for a reason: listed in a label-issues CSV (e.g. the likely label errors a
confident-learning check writes), flagged by the labels stage's QC (an unknown label, too few
usable votes), low agreement, a modality conflict, or no label at all. Items are ranked by
their most urgent reason, then by agreement (lowest first), then by a seeded shuffle, so a
budget keeps the most useful ones. Each item goes to ``overlap`` distinct annotators (so their
agreement can be measured) with the load spread evenly, and every annotator also gets
``gold_per_annotator`` gold items (expected labels known) mixed in at random places.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from pipeline.records import Reason, Rejection
from stages.labels.schema import VideoLabels


class Why(IntEnum):
    """Why an item is in the round; a lower value is more urgent."""

    LABEL_ISSUE = 0
    QC_FLAG = 1
    LOW_AGREEMENT = 2
    MODALITY_CONFLICT = 3
    UNLABELLED = 4


@dataclass(frozen=True)
class Candidate:
    id: str
    reasons: tuple[Why, ...]
    agreement: float | None = None

    def rank(self, tiebreak: float) -> tuple[int, float, float]:
        agreement = 1.0 if self.agreement is None else self.agreement
        return (min(self.reasons), agreement, tiebreak)


class LabelIssue(BaseModel):
    """A row of a label-issues CSV: the video and (optionally) why it is suspect."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    video_id: str = Field(min_length=1)


def read_label_issues(path: Path) -> set[str]:
    """The video ids of a label-issues CSV (a ``video_id`` column; other columns ignored)."""
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        if "video_id" not in (reader.fieldnames or []):
            raise ValueError(f"{path}: a label-issues CSV needs a video_id column")
        out = set()
        for i, row in enumerate(reader, start=2):
            try:
                out.add(LabelIssue.model_validate(row).video_id)
            except ValueError as e:
                raise ValueError(f"{path}:{i}: {e}".splitlines()[0]) from None
    return out


QC_REASONS = frozenset({Reason.UNKNOWN_LABEL, Reason.LOW_AGREEMENT})


def candidates(
    ids: list[str],
    labels: dict[str, VideoLabels],
    unlabelled: list[Rejection],
    label_issues: set[str],
    min_agreement: float,
    exclude: set[str],
) -> list[Candidate]:
    """Every item of ``ids`` (the media manifest) that needs labels, with its reasons."""
    flagged = {r.id: r.reason for r in unlabelled if r.id is not None}
    out = []
    for video_id in ids:
        if video_id in exclude:
            continue
        reasons: set[Why] = set()
        agreement = None
        if video_id in label_issues:
            reasons.add(Why.LABEL_ISSUE)
        if flagged.get(video_id) in QC_REASONS:
            reasons.add(Why.QC_FLAG)
        item = labels.get(video_id)
        if item is not None:
            agreement = item.label.agreement
            if agreement < min_agreement:
                reasons.add(Why.LOW_AGREEMENT)
            if item.conflict:
                reasons.add(Why.MODALITY_CONFLICT)
        elif video_id not in flagged or flagged[video_id] == Reason.NO_ANNOTATIONS:
            reasons.add(Why.UNLABELLED)
        if reasons:
            out.append(Candidate(video_id, tuple(sorted(reasons)), agreement))
    return out


def rank(found: list[Candidate], budget: int | None, seed: int) -> list[Candidate]:
    """The most urgent ``budget`` candidates (all without a budget), most urgent first."""
    rng = np.random.default_rng([seed, 0])
    tiebreak = {c.id: float(rng.random()) for c in sorted(found, key=lambda c: c.id)}
    ordered = sorted(found, key=lambda c: c.rank(tiebreak[c.id]))
    return ordered if budget is None else ordered[:budget]


@dataclass
class Assignment:
    """Each annotator's items in sheet order, and which of them are gold."""

    sheets: dict[str, list[str]] = field(default_factory=dict)
    gold: dict[str, list[str]] = field(default_factory=dict)

    def coverage(self) -> dict[str, int]:
        """How many annotators see each (non-gold) item."""
        counts: dict[str, int] = {}
        for annotator, items in self.sheets.items():
            gold = set(self.gold[annotator])
            for video_id in items:
                if video_id not in gold:
                    counts[video_id] = counts.get(video_id, 0) + 1
        return counts


def assign(
    items: list[str],
    annotators: list[str],
    overlap: int,
    gold: list[str],
    gold_per_annotator: int,
    seed: int,
) -> Assignment:
    """Deal ``items`` to ``annotators`` so each item is seen by ``overlap`` of them and the loads
    differ by at most one; mix ``gold_per_annotator`` gold items into each sheet (rotating
    through the gold pool so different annotators share some gold and the pool is used)."""
    if len(set(annotators)) != len(annotators) or not annotators:
        raise ValueError(f"annotators must be distinct and at least one: {annotators}")
    if not 1 <= overlap <= len(annotators):
        raise ValueError(f"overlap {overlap} must be between 1 and {len(annotators)} annotators")
    if gold_per_annotator > len(gold):
        raise ValueError(
            f"{gold_per_annotator} gold items per annotator asked, the gold file has {len(gold)} "
            "in the manifest"
        )
    rng = np.random.default_rng([seed, 1])
    picked: dict[str, list[str]] = {a: [] for a in annotators}
    load = dict.fromkeys(annotators, 0)
    order = {a: i for i, a in enumerate(annotators)}
    for video_id in items:
        draw = rng.random(len(annotators))
        least = sorted(annotators, key=lambda a: (load[a], draw[order[a]]))[:overlap]
        for a in least:
            picked[a].append(video_id)
            load[a] += 1
    result = Assignment()
    for i, a in enumerate(annotators):
        golds = [gold[(i * gold_per_annotator + j) % len(gold)] for j in range(gold_per_annotator)]
        sheet = picked[a] + golds
        sheet = [sheet[k] for k in rng.permutation(len(sheet))]
        result.sheets[a] = sheet
        result.gold[a] = golds
    return result
