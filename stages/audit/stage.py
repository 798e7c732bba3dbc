"""The audit stage: out-of-fold probabilities for every labelled video (``oof``), cleanlab's
verdict on each given label (``confident``), and the reports (``report``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from model.data import STREAMS, FeatureDataset
from pipeline import paths
from pipeline.params import load_params
from pipeline.plutchik import NEUTRAL, Granularity, label_space
from pipeline.records import ManifestEntry
from pipeline.stage_result import StageResult
from stages.audit import confident, oof, report
from stages.audit.params import AuditParams
from stages.audit.schema import AuditResult, LabelIssue, Skipped, votes_cell
from stages.evaluate import baselines
from stages.labels.schema import read_labelled


def group_of(entry: ManifestEntry) -> str:
    """The split's grouping: the account, or the video itself when it has none."""
    return entry.account or f"id:{entry.id}"


@dataclass
class Pooled:
    """The labelled entries that can be judged, their pooled features ``x`` (each modality's
    columns in ``blocks``), class indices ``y`` in ``space`` and account groups; the others with
    the reason."""

    entries: list[ManifestEntry]
    x: np.ndarray
    blocks: dict[str, slice]
    y: np.ndarray
    groups: np.ndarray
    space: Granularity
    skipped: list[Skipped]


def pool(entries: list[ManifestEntry], features: Path, modalities: tuple[str, ...]) -> Pooled:
    """The evaluate probe's inputs for every labelled entry with features under ``features``
    (in ``primary8``, or ``primary8+neutral`` when a label is neutral)."""
    space: Granularity = (
        "primary8+neutral"
        if any(e.label and e.label.primary == NEUTRAL for e in entries)
        else "primary8"
    )
    everything = FeatureDataset(entries, features, modalities, space)
    skipped = [
        Skipped(video_id=e.id, reason=f"no features in {', '.join(sorted(everything.stores))}")
        for e in entries
        if not any(e.id in store for store in everything.stores.values())
    ]
    missing = {s.video_id for s in skipped}
    kept = [e for e in entries if e.id not in missing]
    x, _ = baselines.pooled(FeatureDataset(kept, features, modalities, space))
    # the labels stage's primary, not the soft label's argmax: they differ on ties, which that
    # stage breaks by all rounds' votes
    classes = label_space(space).classes
    y = np.array(
        [
            classes.index(e.label.primary) if e.label and e.label.primary in classes else -1
            for e in kept
        ],
        dtype=int,
    )
    skipped += [
        Skipped(video_id=e.id, reason=f"label {e.label.primary} is not a class of {space}")
        for e, label in zip(kept, y, strict=True)
        if label < 0 and e.label
    ]
    kept = [e for e, label in zip(kept, y, strict=True) if label >= 0]
    groups = np.array([group_of(e) for e in kept], dtype=object)
    return Pooled(kept, x[y >= 0], columns(everything), y[y >= 0], groups, space, skipped)


def columns(ds: FeatureDataset) -> dict[str, slice]:
    """Each modality's columns in ``baselines.pooled(ds)`` (its streams, in order)."""
    out, start = {}, 0
    for m in ds.modalities:
        width = sum(ds.dims[stream] for stream, _ in STREAMS[m][1])
        out[m] = slice(start, start + width)
        start += width
    return out


def out_of_fold(data: Pooled, cfg: AuditParams) -> oof.OutOfFold:
    """``data``'s out-of-fold probabilities by ``cfg.method``."""
    n = len(label_space(data.space).classes)
    if cfg.method == "probe":
        return oof.probe_out_of_fold(
            data.x, data.y, data.groups, n, cfg.folds, cfg.probe_c, cfg.seed
        )
    return oof.modality_probes_out_of_fold(
        data.x, data.blocks, data.y, data.groups, n, cfg.folds, cfg.probe_c, cfg.seed
    )


def audit(entries: list[ManifestEntry], features: Path, cfg: AuditParams) -> AuditResult:
    """Judge the label of every labelled entry (``entries`` carry their label) against
    out-of-fold probabilities from the features under ``features``."""
    data = pool(entries, features, cfg.modalities)
    if not oof.fold_count(data.y, data.groups, cfg.folds):
        largest = int(np.unique(data.y, return_counts=True)[1].max()) if len(data.y) else 0
        note = (
            f"nothing judged: {len(set(data.groups.tolist()))} account group(s) and at most "
            f"{largest} video(s) per class allow no two folds"
        )
        return AuditResult(
            **_header(data, cfg),
            folds=0,
            probe_c={},
            judged=0,
            issues=[],
            skipped=data.skipped
            + [
                Skipped(video_id=e.id, reason="too few accounts to hold it out")
                for e in data.entries
            ],
            oof_accuracy=None,
            note=note,
        )
    return verdict(data, out_of_fold(data, cfg), cfg)


def verdict(data: Pooled, out: oof.OutOfFold, cfg: AuditParams) -> AuditResult:
    """cleanlab's judgement of ``data``'s labels given the out-of-fold probabilities ``out``;
    a video whose class no fold's model saw is not judged."""
    classes = label_space(data.space).classes
    skipped = data.skipped + [
        Skipped(video_id=e.id, reason=f"no video of its class {e.label.primary} outside its fold")
        for e, seen in zip(data.entries, out.seen, strict=True)
        if not seen and e.label
    ]
    judged = [e for e, seen in zip(data.entries, out.seen, strict=True) if seen]
    probs, y = out.pred_probs[out.seen], data.y[out.seen]
    found = confident.judge(y, probs, cfg.filter_by, cfg.rank_by, cfg.max_issues)
    issues = [
        LabelIssue(
            video_id=e.id,
            given_label=classes[y[i]],
            suggested_label=classes[found.suggested[i]],
            label_quality=float(np.clip(found.quality[i], 0, 1)),
            agreement=e.label.agreement,
            votes=votes_cell(e.label.votes),
            split=e.split or "",
            account=e.account or "",
        )
        for i, e in enumerate(judged)
        if found.flagged[i] and e.label
    ]
    issues.sort(key=lambda issue: (issue.label_quality, issue.video_id))
    return AuditResult(
        **_header(data, cfg),
        folds=out.folds,
        probe_c=out.c,
        judged=len(judged),
        issues=issues,
        skipped=skipped,
        oof_accuracy=float(np.mean(probs.argmax(1) == y)) if len(y) else None,
    )


def _header(data: Pooled, cfg: AuditParams) -> dict[str, Any]:
    return {
        "method": cfg.method,
        "modalities": list(cfg.modalities),
        "labels": data.space,
        "labelled": len(data.entries) + len(data.skipped),
    }


@dataclass
class LabelIssuesResult(StageResult):
    """The audit's metrics (videos judged, flagged, skipped) and its three reports."""

    metrics: dict[str, Any]
    outputs: list[Path] = field(default_factory=list)
    stage: str = "audit"

    @property
    def counts(self) -> dict[str, int | float]:
        m = self.metrics
        return {"judged": m["judged"], "flagged": m["flagged"], "not judged": m["skipped"]}


def run(
    manifest: Path = paths.MANIFEST,
    labels: Path = paths.LABELS,
    features: Path = paths.FEATURES,
    reports: Path = paths.REPORTS,
    params_path: Path = paths.PARAMS,
) -> LabelIssuesResult:
    """The stage on files, as ``python -m stages.audit`` runs it."""
    cfg = load_params(params_path, section="audit").audit
    return process(cfg, read_labelled(manifest, labels), features, reports)


def process(
    cfg: AuditParams, entries: list[ManifestEntry], features: Path, reports: Path
) -> LabelIssuesResult:
    """Judge ``entries``' labels out of fold and write the label-issue reports."""
    metrics = report.write_reports(audit(entries, features, cfg), reports)
    reports = Path(reports)
    names = (report.CSV_FILE, report.MD_FILE, report.JSON_FILE)
    return LabelIssuesResult(metrics, [reports / name for name in names])
