"""The labels stage: annotation sheets and the media manifest to per-video labels, splits and QC.

Inputs: ``manifest.jsonl`` of the clean stage (every usable video, labelled or not) and the
sheets under ``annotations/``. Outputs: ``labels.jsonl`` (overall label, split, per-modality
soft labels, conflict flag per labelled video), ``unlabelled.jsonl`` (every other video of the
manifest, with the reason), ``reports/labels.{md,json}`` (the data card's label part: class
balance, agreement, modality conflicts, annotators, unlabelled videos),
``reports/annotators.{md,json}`` and the class-balance plot. Nothing here reads media (only the
extraction stages' index files, to say what they found in the unlabelled videos), so a new round
of annotations re-runs only this stage, train and evaluate.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from pipeline import atomic, paths
from pipeline.grouping import split_groups
from pipeline.params import Params, load_params
from pipeline.records import ManifestEntry, Reason, Rejection, Split
from pipeline.stage_result import StageResult
from pipeline.video_stage import read_manifest
from stages.labels.aggregate import aggregate, final_votes, read_sheets
from stages.labels.card import write_reports
from stages.labels.crowd import Reliability, dawid_skene, overall_class
from stages.labels.findings import extraction_findings
from stages.labels.modalities import coder, conflicts, modality_labels
from stages.labels.params import LabelsParams, SplitParams
from stages.labels.quality import annotator_report, conflict_rates, dimension_agreement
from stages.labels.schema import VideoLabels
from stages.labels.sheets import MODALITIES, Vote, read_gold
from stages.labels.splits import assign_splits

STAGE = "labels"


@dataclass
class LabelsResult(StageResult):
    labels: list[VideoLabels] = field(default_factory=list)
    unlabelled: list[Rejection] = field(default_factory=list)
    annotators: list[dict[str, Any]] = field(default_factory=list)
    card: dict[str, Any] = field(default_factory=dict)
    outputs: list[Path] = field(default_factory=list)
    stage: str = STAGE

    @property
    def counts(self) -> dict[str, int]:
        return {
            "labelled": len(self.labels),
            "unlabelled": len(self.unlabelled),
            "annotators": len(self.annotators),
        }


def run(
    manifest: Path,
    annotations: Path,
    interim: Path,
    reports: Path,
    params_path: Path = paths.PARAMS,
    extraction: Path | None = None,
) -> LabelsResult:
    """The stage on files, as ``python -m stages.labels`` runs it: ``process`` on the params
    file and the manifest."""
    params = load_params(params_path, section=STAGE)
    return process(params, read_manifest(manifest), annotations, interim, reports, extraction)


def process(
    params: Params,
    entries: list[ManifestEntry],
    annotations: Path,
    interim: Path,
    reports: Path,
    extraction: Path | None = None,
) -> LabelsResult:
    """Aggregate the sheets under ``annotations`` for ``entries``. ``extraction``: the folder
    holding the extraction stages' outputs (audio/, subtitles/, tracks/), to say what they found
    in the unlabelled videos (None: not reported)."""
    cfg = params.labels
    votes, problems = read_sheets(annotations)
    gold, gold_problems = read_gold(annotations)
    problems += gold_problems
    known = {e.id for e in entries}
    by_video: dict[str, list[Vote]] = defaultdict(list)
    for v in votes:
        by_video[v.video_id].append(v)
    in_manifest = {vid: vs for vid, vs in by_video.items() if vid in known}
    final = {vid: final_votes(vs) for vid, vs in in_manifest.items()}
    overall = partial(overall_class, neutral_class=cfg.neutral == "class")
    qc = dawid_skene(final, cfg.reliability_model, overall)
    dropped = _dropped(cfg, qc)
    kept = {vid: [v for v in vs if v.annotator not in dropped] for vid, vs in in_manifest.items()}
    posteriors = _posteriors(cfg, kept, overall)
    modality_posteriors = {m: _posteriors(cfg, kept, coder(m)) for m in MODALITIES}

    labelled: list[tuple[ManifestEntry, Any]] = []
    unlabelled: list[Rejection] = []
    for entry in entries:
        outcome = aggregate(
            kept.get(entry.id, []),
            cfg.min_annotations,
            cfg.min_agreement,
            posterior=posteriors.get(entry.id),
            neutral=cfg.neutral,
        )
        if outcome.reason is not None:
            unlabelled.append(_unlabelled(entry, outcome.reason, outcome.detail))
        else:
            labelled.append((entry, outcome.summary))
    splits = _splits(labelled, cfg.split)
    labels = []
    for entry, summary in labelled:
        modalities = modality_labels(
            final_votes(kept[entry.id]),
            {m: p[entry.id] for m, p in modality_posteriors.items() if entry.id in p},
        )
        labels.append(
            VideoLabels(
                id=entry.id,
                label=summary,
                split=splits[entry.id],
                modalities=modalities,
                conflict=conflicts(summary.primary, modalities),
            )
        )
    annotators = annotator_report(final, qc.competence, gold, dropped)
    card = write_reports(
        Path(reports),
        entries=entries,
        labels=labels,
        unlabelled=unlabelled,
        agreement=dimension_agreement(in_manifest),
        annotators=annotators,
        conflict=conflict_rates(
            {x.id: x.label.primary for x in labels},
            {x.id: x.conflict for x in labels},
            {x.id for x in labels if x.modalities},
        ),
        sheet_problems=problems,
        orphan_votes=sum(len(vs) for vid, vs in by_video.items() if vid not in known),
        gold_items=len(gold),
        findings=extraction_findings(extraction, [r.id for r in unlabelled if r.id]),
        params=cfg,
    )
    interim = Path(interim)
    atomic.write_jsonl(interim / "labels.jsonl", (x.model_dump_json() for x in labels))
    atomic.write_jsonl(interim / "unlabelled.jsonl", (r.model_dump_json() for r in unlabelled))
    outputs = [interim / "labels.jsonl", interim / "unlabelled.jsonl", Path(reports)]
    return LabelsResult(labels, unlabelled, annotators, card, outputs)


def _splits(labelled: list[tuple[ManifestEntry, Any]], params: SplitParams) -> dict[str, Split]:
    """A split the source declares is kept; a video grouped (by account or footage) with a
    declared one joins its split; the rest are drawn by ``assign_splits``."""
    keys = split_groups([e for e, _ in labelled])
    declared = {k: e.split for (e, _), k in zip(labelled, keys, strict=True) if e.split}
    splits = {
        e.id: e.split or declared[k]
        for (e, _), k in zip(labelled, keys, strict=True)
        if e.split or k in declared
    }
    drawn = [(e, s, k) for (e, s), k in zip(labelled, keys, strict=True) if e.id not in splits]
    return splits | assign_splits(
        [e.id for e, _, _ in drawn],
        [s.primary for _, s, _ in drawn],
        [k for *_, k in drawn],
        params,
    )


def _dropped(cfg: LabelsParams, qc: Reliability) -> dict[str, str]:
    """Annotators left out of aggregation, with why."""
    out = {a: "labels.exclude_annotators" for a in cfg.exclude_annotators}
    if cfg.min_competence is not None:
        for a, c in qc.competence.items():
            if c < cfg.min_competence and a not in out:
                out[a] = f"competence {c:.3f} < labels.min_competence={cfg.min_competence}"
    return out


def _posteriors(
    cfg: LabelsParams, kept: dict[str, list[Vote]], code: Callable[[Vote], str | None]
) -> dict[str, dict[str, float]]:
    """Dawid-Skene posteriors of one dimension by item (none with ``aggregation: mean``)."""
    if cfg.aggregation != "dawid_skene":
        return {}
    final = {vid: final_votes(vs) for vid, vs in kept.items() if vs}
    return dawid_skene(final, cfg.reliability_model, code).posteriors


def _unlabelled(entry: ManifestEntry, reason: Reason, detail: str) -> Rejection:
    return Rejection(id=entry.id, source_file=entry.source_file, reason=reason, detail=detail)
