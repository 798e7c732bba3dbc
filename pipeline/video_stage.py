"""What every per-video stage does around its own work: read the manifest, run the runner,
record failures, and publish the stage's DVC outputs from the work cache in one atomic step."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from pipeline import atomic, paths
from pipeline.params import Params, Section
from pipeline.records import ManifestEntry
from pipeline.runner import Outcome, RunReport, run_per_video
from pipeline.safe_paths import child
from pipeline.work import Work, WorkItem


class ManifestError(ValueError):
    """The manifest is missing or a line does not match the schema (names file and line)."""


def read_manifest(path: Path = paths.MANIFEST) -> list[ManifestEntry]:
    path = Path(path)
    if not path.is_file():
        raise ManifestError(f"{path}: no manifest; run the clean stage first (dvc repro clean)")
    entries = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            entries.append(ManifestEntry.model_validate_json(line))
        except ValueError as e:
            raise ManifestError(f"{path}:{n}: not a manifest entry: {e}".splitlines()[0]) from None
    return entries


def run_manifest_stage(
    stage: str,
    entries: list[ManifestEntry],
    work: Work,
    *,
    section: Section,
    version: str,
    params: Params,
    show_progress: bool = True,
    skip: Callable[[ManifestEntry], dict[str, Any] | None] | None = None,
    item: Callable[[ManifestEntry], WorkItem] | None = None,
) -> RunReport:
    """Run ``work`` over the manifest's videos and fail above the failure budget.

    ``item(entry)`` is the work item of an entry: by default its video, keyed by the video's
    content hash; a stage that reads upstream outputs keys by them too and passes them as
    inputs (the embed stages).

    ``skip(entry)`` returns the result to record, without running ``work``, for an item the
    stage has nothing to do for (an audio-only item in a frame stage, a text-only item in an
    audio stage), or None to process it. Skipped items are successes with no files, so their
    result row says why they have no output instead of their silently missing."""
    skipped = {e.id: result for e in entries if skip and (result := skip(e)) is not None}
    items = [(item or video_item)(e) for e in entries if e.id not in skipped]
    done = run_per_video(
        stage,
        items,
        work,
        section=section,
        version=version,
        runner=params.runner,
        show_progress=show_progress,
    )
    by_id = {o.item.id: o for o in done.outcomes}
    report = RunReport(
        stage,
        [
            by_id[e.id]
            if e.id not in skipped
            else Outcome(WorkItem(e.id, Path(e.video or ""), e.content_hash), skipped[e.id])
            for e in entries
        ],
    )
    report.check(params.runner.max_failure_ratio)
    return report


def video_item(entry: ManifestEntry) -> WorkItem:
    """An entry's video as a work item, keyed by the video's content."""
    return WorkItem(entry.id, Path(entry.video or ""), entry.content_hash)


def skip_without_frames(entry: ManifestEntry) -> dict[str, Any] | None:
    """``skip`` for stages that read frames (ocr, track): audio-only and text-only items."""
    if entry.kind == "video":
        return None
    return {"skipped": f"{entry.kind}_only", "detail": "the item has no video stream"}


def failure_rows(report: RunReport) -> list[str]:
    return [
        json.dumps({"id": o.item.id, "stage": report.stage, "error": o.error}, ensure_ascii=False)
        for o in report.failures
    ]


def result_rows(report: RunReport) -> list[str]:
    """One JSON line per successful video: its id and the work's result (keys sorted, so a
    re-run from the cache writes byte-identical lines)."""
    return [
        json.dumps({**o.result, "id": o.item.id}, ensure_ascii=False, sort_keys=True)
        for o in report.outcomes
        if o.ok and o.result is not None
    ]


def publish(
    dest: Path,
    report: RunReport,
    files: Callable[[str], Iterable[tuple[str, str]]],
    index_rows: Iterable[str] | None = None,
    index_name: str = "index.jsonl",
) -> None:
    """Replace folder ``dest`` as a whole: for each successful video, copy the cache entry's
    files named by ``files(video_id)`` as (name in entry, path under dest); then write the index
    and ``failures.jsonl``. The index defaults to ``result_rows(report)``. Readers never see a
    mix of the old and new outputs."""
    with atomic.directory(dest) as tmp:
        for outcome in report.outcomes:
            if not outcome.ok or outcome.entry is None:
                continue
            for src_name, dest_name in files(outcome.item.id):
                target = child(tmp, dest_name)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(outcome.entry / src_name, target)
        atomic.write_jsonl(
            tmp / index_name, result_rows(report) if index_rows is None else index_rows
        )
        atomic.write_jsonl(tmp / "failures.jsonl", failure_rows(report))
