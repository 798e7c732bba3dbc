"""The audit stage: out-of-fold probabilities for every labelled video (``oof``), cleanlab's
verdict on each given label (``confident``), and the reports (``report``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from model.data import FeatureDataset
from pipeline.params import AuditParams, load_params
from pipeline.plutchik import NEUTRAL, Granularity, label_space
from pipeline.records import ManifestEntry
from stages.audit import confident, oof, report
from stages.audit.schema import AuditResult, LabelIssue, Skipped, votes_cell
from stages.evaluate import baselines
from stages.labels.schema import read_labelled


def group_of(entry: ManifestEntry) -> str:
    """The split's grouping: the account, or the video itself when it has none."""
    return entry.account or f"id:{entry.id}"


def audit(entries: list[ManifestEntry], features: Path, cfg: AuditParams) -> AuditResult:
    """Judge the label of every labelled entry (``entries`` carry their label) against
    out-of-fold probabilities from the features under ``features``."""
    space: Granularity = (
        "primary8+neutral"
        if any(e.label and e.label.primary == NEUTRAL for e in entries)
        else "primary8"
    )
    classes = label_space(space).classes
    everything = FeatureDataset(entries, features, cfg.modalities, space)
    skipped = [
        Skipped(video_id=e.id, reason=f"no features in {', '.join(sorted(everything.stores))}")
        for e in entries
        if not any(e.id in store for store in everything.stores.values())
    ]
    missing = {s.video_id for s in skipped}
    kept = [e for e in entries if e.id not in missing]
    x, y = baselines.pooled(FeatureDataset(kept, features, cfg.modalities, space))
    skipped += [
        Skipped(video_id=e.id, reason=f"label {e.label.primary} is not a class of {space}")
        for e, label in zip(kept, y, strict=True)
        if label < 0 and e.label
    ]
    x, kept = x[y >= 0], [e for e, label in zip(kept, y, strict=True) if label >= 0]
    y = y[y >= 0]
    groups = np.array([group_of(e) for e in kept], dtype=object)
    result: dict[str, Any] = {
        "method": cfg.method,
        "modalities": list(cfg.modalities),
        "labels": space,
        "labelled": len(entries),
    }
    if not oof.fold_count(y, groups, cfg.folds):
        note = (
            f"nothing judged: {len(set(groups.tolist()))} account group(s) and at most "
            f"{int(np.unique(y, return_counts=True)[1].max()) if len(y) else 0} video(s) per "
            "class allow no two folds"
        )
        skipped += [Skipped(video_id=e.id, reason="too few accounts to hold it out") for e in kept]
        return AuditResult(
            **result,
            folds=0,
            probe_c=[],
            judged=0,
            issues=[],
            skipped=skipped,
            oof_accuracy=None,
            note=note,
        )
    out = oof.probe_out_of_fold(x, y, groups, len(classes), cfg.folds, cfg.probe_c, cfg.seed)
    skipped += [
        Skipped(video_id=e.id, reason=f"no video of its class {e.label.primary} outside its fold")
        for e, seen in zip(kept, out.seen, strict=True)
        if not seen and e.label
    ]
    judged = [e for e, seen in zip(kept, out.seen, strict=True) if seen]
    probs, y = out.pred_probs[out.seen], y[out.seen]
    verdict = confident.judge(y, probs, cfg.filter_by, cfg.rank_by, cfg.max_issues)
    issues = [
        LabelIssue(
            video_id=e.id,
            given_label=classes[y[i]],
            suggested_label=classes[verdict.suggested[i]],
            label_quality=float(np.clip(verdict.quality[i], 0, 1)),
            agreement=e.label.agreement,
            votes=votes_cell(e.label.votes),
            split=e.split or "",
            account=e.account or "",
        )
        for i, e in enumerate(judged)
        if verdict.flagged[i] and e.label
    ]
    issues.sort(key=lambda issue: (issue.label_quality, issue.video_id))
    return AuditResult(
        **result,
        folds=out.folds,
        probe_c=out.c,
        judged=len(judged),
        issues=issues,
        skipped=skipped,
        oof_accuracy=float(np.mean(probs.argmax(1) == y)) if len(y) else None,
    )


def run(
    manifest: Path = Path("data/interim/manifest.jsonl"),
    labels: Path = Path("data/interim/labels.jsonl"),
    features: Path = Path("data/features"),
    reports: Path = Path("reports"),
    params_path: Path = Path("params.yaml"),
) -> dict[str, Any]:
    cfg = load_params(params_path, section="audit").audit
    return report.write_reports(audit(read_labelled(manifest, labels), features, cfg), reports)
