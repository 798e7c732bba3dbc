"""The audit's reports: ``label_issues.csv`` (the flagged videos, worst first),
``label_issues.md`` (the data card's section on likely label errors) and ``label_issues.json``
(a DVC metric: how many were judged and flagged)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from pipeline import atomic
from stages.audit.schema import AuditResult, LabelIssue

CSV_FILE, MD_FILE, JSON_FILE = "label_issues.csv", "label_issues.md", "label_issues.json"
METHODS = {
    "probe": "the linear probe",
    "modality_probes": "one linear probe per modality (probabilities averaged)",
}
MD_ROWS = 30  # the markdown table shows the worst this many; the CSV has them all


def metrics(result: AuditResult) -> dict[str, Any]:
    return {
        "method": result.method,
        "folds": result.folds,
        "labelled": result.labelled,
        "judged": result.judged,
        "skipped": len(result.skipped),
        "flagged": len(result.issues),
        "flagged_share": len(result.issues) / result.judged if result.judged else 0.0,
        "oof_accuracy": result.oof_accuracy,
    }


def render_csv(issues: list[LabelIssue]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(LabelIssue.model_fields), lineterminator="\n")
    writer.writeheader()
    for issue in issues:
        writer.writerow(issue.model_dump())
    return buf.getvalue()


def render_md(result: AuditResult) -> str:
    m = metrics(result)
    lines = [
        "# Likely label errors",
        "",
        f"{m['flagged']} of {m['judged']} judged videos ({m['flagged_share']:.1%}) have a label "
        f"that is likely wrong; {m['skipped']} of the {m['labelled']} labelled videos were not "
        "judged.",
        "",
    ]
    if result.note:
        lines += [f"**{result.note}**", ""]
    if result.folds:
        lines += [
            f"Each video's class probabilities come from {METHODS[result.method]} fitted on the "
            f"other {result.folds - 1} of {result.folds} folds (grouped by account, on "
            f"{', '.join(result.modalities)}; out-of-fold accuracy against the given labels "
            f"{result.oof_accuracy:.3f}); cleanlab's confident learning flags the labels they "
            "contradict. Label quality: cleanlab's score, lower is likelier wrong.",
            "",
        ]
    if result.issues:
        shown = result.issues[:MD_ROWS]
        lines += [
            f"The worst {len(shown)} (all of them in {CSV_FILE}; "
            f"`chfen annotate tasks --label-issues reports/{CSV_FILE}` sends them to the next "
            "round):",
            "",
            "| video | given | suggested | quality | agreement | votes |",
            "|---|---|---|---:|---:|---|",
        ]
        for i in shown:
            votes = i.votes.replace(";", ", ")
            lines.append(
                f"| {i.video_id} | {i.given_label} | {i.suggested_label} | "
                f"{i.label_quality:.3f} | {i.agreement:.2f} | {votes} |"
            )
        lines.append("")
    if result.skipped:
        lines += ["Not judged:", "", "| video | reason |", "|---|---|"]
        lines += [f"| {s.video_id} | {s.reason} |" for s in result.skipped]
        lines.append("")
    return "\n".join(lines)


def write_reports(result: AuditResult, reports: Path) -> dict[str, Any]:
    """The three reports under ``reports``; returns the metrics."""
    reports = Path(reports)
    atomic.write_text(reports / CSV_FILE, render_csv(result.issues))
    atomic.write_text(reports / MD_FILE, render_md(result))
    out = metrics(result)
    atomic.write_json(reports / JSON_FILE, out)
    return out
