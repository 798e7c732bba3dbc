"""What the audit stage writes: one ``LabelIssue`` row per flagged video in
``reports/label_issues.csv`` (readable by ``chfen annotate tasks --label-issues``, which needs
only its ``video_id`` column), and the ``AuditResult`` behind the markdown and JSON reports."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from pipeline.records import SafeId


class LabelIssue(BaseModel):
    """A video whose given label is likely wrong."""

    model_config = ConfigDict(extra="forbid")

    video_id: SafeId
    given_label: str
    suggested_label: str
    label_quality: float = Field(ge=0, le=1, description="cleanlab score; lower: likelier wrong")
    agreement: float = Field(ge=0, le=1, description="share of the votes on the given label")
    votes: str = Field(description='the annotators\' votes, "annotator:label;..."')
    split: str
    account: str


class Skipped(BaseModel):
    model_config = ConfigDict(extra="forbid")

    video_id: SafeId
    reason: str


class AuditResult(BaseModel):
    """Every labelled video judged or skipped (with the reason); the flagged ones worst first."""

    model_config = ConfigDict(extra="forbid")

    method: str
    modalities: list[str]
    labels: str
    folds: int
    probe_c: dict[str, list[float]] = Field(description="the probe's C per fold, by modality")
    labelled: int
    judged: int
    issues: list[LabelIssue]
    skipped: list[Skipped]
    oof_accuracy: float | None
    note: str | None = None


def votes_cell(votes: dict[str, str]) -> str:
    """``{"a1": "joy", "a2": "fear"}`` as ``a1:joy;a2:fear`` (by annotator)."""
    return ";".join(f"{a}:{label}" for a, label in sorted(votes.items()))
