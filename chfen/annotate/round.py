"""The ``chfen annotate`` commands, from their input files to their output files."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from chfen.annotate.labelstudio import ExportProblem, import_export, labeling_config, task
from chfen.annotate.selection import assign, candidates, rank, read_label_issues
from chfen.annotate.sheets import item_info, read_items, rows_text, write_round
from pipeline import atomic
from pipeline.safe_paths import check_id
from pipeline.video_stage import read_manifest
from stages.labels.schema import read_labels, read_unlabelled
from stages.labels.sheets import read_gold, read_rows


@dataclass(frozen=True)
class RoundInputs:
    manifest: Path
    labels: Path  # the labels stage's labels.jsonl (absent before the first round)
    unlabelled: Path  # its unlabelled.jsonl
    annotations: Path  # the sheets so far and gold.csv
    subtitles: Path | None  # the ocr stage's output folder
    label_issues: Path | None = None


def plan_round(
    inputs: RoundInputs,
    out: Path,
    round_: int,
    annotators: list[str],
    *,
    overlap: int,
    budget: int | None,
    gold_per_annotator: int,
    min_agreement: float,
    seed: int,
) -> str:
    """Choose and deal the items of round ``round_``; write the round's files under ``out``."""
    for name in annotators:
        check_id(name)
    entries = {e.id: e for e in read_manifest(inputs.manifest)}
    rows, _ = read_rows(inputs.annotations) if inputs.annotations.is_dir() else ([], [])
    done = sorted({r.round for r in rows if r.round >= round_})
    if done:
        raise ValueError(
            f"{inputs.annotations} already has rows of round(s) {done}; "
            f"the next round is {max(r.round for r in rows) + 1}"
        )
    gold_rows, gold_problems = read_gold(inputs.annotations)
    if gold_problems:
        raise ValueError(f"gold.csv: {gold_problems[0].detail} (row {gold_problems[0].row})")
    gold = sorted(g for g in gold_rows if g in entries)
    labels = read_labels(inputs.labels) if inputs.labels.is_file() else {}
    flagged = read_unlabelled(inputs.unlabelled) if inputs.unlabelled.is_file() else []
    issues = read_label_issues(inputs.label_issues) if inputs.label_issues else set()
    found = candidates(list(entries), labels, flagged, issues, min_agreement, set(gold))
    chosen = rank(found, budget, seed)
    if not chosen:
        raise ValueError("no item needs labels: every video is labelled with enough agreement")
    assignment = assign([c.id for c in chosen], annotators, overlap, gold, gold_per_annotator, seed)
    info = {
        video_id: item_info(entries[video_id], inputs.subtitles)
        for items in assignment.sheets.values()
        for video_id in items
    }
    paths = write_round(out, round_, assignment, chosen, info)
    return (
        f"round {round_}: {len(chosen)} item(s) x {overlap} annotator(s) + "
        f"{gold_per_annotator} gold each, {len(paths)} sheet(s) in {out}"
    )


def export_labelstudio(sheets: list[Path], out: Path, video_url: str) -> tuple[Path, Path]:
    """``config.xml`` and ``tasks.json`` (one task per distinct item of ``sheets``)."""
    items = {}
    for sheet in sheets:
        for item in read_items(sheet):
            items.setdefault(item.video_id, item)
    tasks = [task(item, video_url + item.video_file) for item in items.values()]
    config_path, tasks_path = Path(out) / "config.xml", Path(out) / "tasks.json"
    atomic.write_text(config_path, labeling_config())
    atomic.write_text(tasks_path, json.dumps(tasks, indent=2, ensure_ascii=False) + "\n")
    return config_path, tasks_path


def read_users(path: Path) -> dict[int, str]:
    """User ids to e-mails from Label Studio's ``/api/users`` JSON (a list of users)."""
    users = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(users, list):
        raise ValueError(f"{path}: expected the list /api/users returns")
    return {int(u["id"]): str(u["email"]) for u in users if "id" in u and u.get("email")}


def import_labelstudio(
    export: Path, round_: int, out: Path, users: Path | None
) -> tuple[int, list[ExportProblem]]:
    """Write the sheet rows of a Label Studio JSON export to ``out``."""
    data = json.loads(Path(export).read_text(encoding="utf-8"))
    if not isinstance(data, list):
        raise ValueError(f"{export}: not a Label Studio JSON export (a list of tasks)")
    rows, problems = import_export(data, round_, read_users(users) if users else None)
    atomic.write_text(Path(out), rows_text(rows))
    return len(rows), problems
