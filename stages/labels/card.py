"""The label part of the data card (``reports/labels.{md,json}``), the annotator report
(``reports/annotators.{md,json}``) and the class-balance plot data."""

from __future__ import annotations

import csv
import io
import statistics
from collections import Counter
from pathlib import Path
from typing import Any

from pipeline import atomic
from pipeline.plutchik import NEUTRAL, wheel
from pipeline.records import ManifestEntry, Rejection
from stages.labels.params import LabelsParams
from stages.labels.schema import VideoLabels
from stages.labels.sheets import SheetProblem

SPLITS = ("train", "val", "test")


def build_card(
    entries: list[ManifestEntry],
    labels: list[VideoLabels],
    unlabelled: list[Rejection],
    agreement: dict[str, Any],
    annotators: list[dict[str, Any]],
    conflict: dict[str, Any],
    sheet_problems: list[SheetProblem],
    orphan_votes: int,
    gold_items: int,
    findings: dict[str, Any],
    params: LabelsParams,
) -> dict[str, Any]:
    by_id = {e.id: e for e in entries}
    missing = [by_id[r.id] for r in unlabelled if r.id in by_id]
    durations = [e.media.duration_s for e in missing]
    return {
        "counts": {
            "videos": len(entries),
            "labelled": len(labels),
            "unlabelled": len(unlabelled),
            "splits": {s: sum(1 for x in labels if x.split == s) for s in SPLITS},
            "accounts_per_split": {
                s: len({by_id[x.id].account or x.id for x in labels if x.split == s})
                for s in SPLITS
            },
            "gold_items": gold_items,
            # labelled neutral (labels.neutral: class); as abstentions they are unlabelled
            "neutral": params.neutral,
            "neutral_items": sum(1 for x in labels if x.label.primary == NEUTRAL),
        },
        "class_balance": {
            name: {
                s: sum(1 for x in labels if x.label.primary == name and x.split == s)
                for s in SPLITS
            }
            for name in wheel().names + ((NEUTRAL,) if params.neutral == "class" else ())
        },
        "agreement": agreement,
        "mean_item_agreement": round(statistics.fmean(x.label.agreement for x in labels), 4)
        if labels
        else None,
        "modality_conflict": conflict,
        "annotators": [
            {k: a[k] for k in ("annotator", "items", "competence", "dropped")} for a in annotators
        ],
        "unlabelled": {
            "by_reason": dict(sorted(Counter(r.reason.value for r in unlabelled).items())),
            "kinds": dict(sorted(Counter(e.kind for e in missing).items())),
            "with_audio": sum(1 for e in missing if e.media.has_audio),
            "durations_s": {
                "total": round(sum(durations), 2),
                "min": min(durations, default=None),
                "median": statistics.median(durations) if durations else None,
                "max": max(durations, default=None),
            },
            "extraction": findings,
            "examples": [r.model_dump(mode="json") for r in unlabelled[:5]],
        },
        "annotation_sheets": {
            "problems": [p.__dict__ for p in sheet_problems],
            "votes_for_unknown_videos": orphan_votes,
        },
        "params": params.model_dump(mode="json"),
    }


def write_reports(reports: Path, annotators: list[dict[str, Any]], **parts: Any) -> dict[str, Any]:
    card = build_card(annotators=annotators, **parts)
    atomic.write_json(reports / "labels.json", card)
    atomic.write_text(reports / "labels.md", render_card(card))
    atomic.write_json(reports / "annotators.json", {"annotators": annotators})
    atomic.write_text(reports / "annotators.md", render_annotators(annotators))
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["emotion", "videos"])
    writer.writerows((k, sum(v.values())) for k, v in card["class_balance"].items())
    atomic.write_text(reports / "plots" / "class_balance.csv", buf.getvalue())
    return card


def render_card(card: dict[str, Any]) -> str:
    c = card["counts"]
    lines = [
        "# Labels",
        "",
        f"{c['videos']} videos in the media manifest: **{c['labelled']} labelled**, "
        f"{c['unlabelled']} unlabelled; {c['gold_items']} gold items.",
        f"Splits: {', '.join(f'{s} {n}' for s, n in c['splits'].items())} "
        f"(accounts: {', '.join(f'{s} {n}' for s, n in c['accounts_per_split'].items())}; "
        "no account spans two splits).",
        "",
        "## Class balance (primary emotion)",
        "",
        "| emotion | train | val | test | total | modality conflict rate |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    per_class = card["modality_conflict"]["per_class"]
    for name, per in card["class_balance"].items():
        rate = per_class.get(name, {}).get("rate")
        lines.append(
            f"| {name} | {per['train']} | {per['val']} | {per['test']} | {sum(per.values())} "
            f"| {_fmt(rate)} |"
        )
    mc = card["modality_conflict"]
    lines += [
        "",
        f"Modality conflict (a modality labelled with another emotion than the overall label): "
        f"{_fmt(mc['rate'])} of {mc['items_with_modality_labels']} items with modality labels.",
        "",
        "## Annotation agreement (Krippendorff's alpha)",
        "",
        "| dimension | level | votes | alpha | per round |",
        "|---|---|---:|---:|---|",
    ]
    for name, a in card["agreement"].items():
        rounds = ", ".join(f"{r}: {_fmt(v)}" for r, v in a["per_round"].items())
        lines.append(f"| {name} | {a['level']} | {a['votes']} | {_fmt(a['alpha'])} | {rounds} |")
    if "label" in card["agreement"]:
        lines += ["", "| class | alpha (one vs rest) |", "|---|---:|"]
        lines += [
            f"| {k} | {_fmt(v)} |" for k, v in card["agreement"]["label"]["per_class"].items()
        ]
    lines += [
        "",
        f"Mean share of votes on the labelled items' primary: {_fmt(card['mean_item_agreement'])}"
        f" (items under {card['params']['min_agreement']} are left unlabelled).",
        "",
        "## Annotators",
        "",
        "| annotator | items | competence | left out |",
        "|---|---:|---:|---|",
        *(
            f"| {a['annotator']} | {a['items']} | {_fmt(a['competence'])} | {a['dropped'] or ''} |"
            for a in card["annotators"]
        ),
        "",
        "Details: reports/annotators.md. Likely wrong labels that agreement does not expose (all "
        "annotators misled): reports/label_issues.md, written by the audit stage.",
        "",
        "## Unlabelled videos",
        "",
    ]
    u = card["unlabelled"]
    d = u["durations_s"]
    lines += [
        f"{c['unlabelled']} videos ({d['total']} s; min {d['min']}, median {d['median']}, "
        f"max {d['max']} s), {u['with_audio']} with audio; kinds: "
        + ", ".join(f"{k} {n}" for k, n in u["kinds"].items()),
        "",
        *(f"- {reason}: {n}" for reason, n in u["by_reason"].items()),
        "",
        "What extraction found in them:",
        "",
        *(
            f"- {stage}: "
            + (
                ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in found.items())
                if found
                else "not run"
            )
            for stage, found in u["extraction"].items()
        ),
    ]
    sheets = card["annotation_sheets"]
    if sheets["problems"] or sheets["votes_for_unknown_videos"]:
        lines += ["", "## Annotation sheet problems", ""]
        lines += [f"- {p['sheet']} row {p['row']}: {p['detail']}" for p in sheets["problems"]]
        lines.append(
            f"- votes for videos not in the media manifest: {sheets['votes_for_unknown_videos']}"
        )
    return "\n".join(lines) + "\n"


def render_annotators(annotators: list[dict[str, Any]]) -> str:
    lines = [
        "# Annotators",
        "",
        "Most competent first. Competence: expected accuracy under crowd-kit's Dawid-Skene model. "
        "Agreement: share of the other annotators' votes on the same items that match. "
        "Top label share: how much of their work is one label (straight-lining when flagged).",
        "",
        "| annotator | items | agreement with others | competence | gold | top label share "
        "| straight-lining | left out |",
        "|---|---:|---:|---:|---|---:|---|---|",
    ]
    for a in annotators:
        gold = ", ".join(f"{k} {v}" for k, v in a["gold"].items())
        lines.append(
            f"| {a['annotator']} | {a['items']} | {_fmt(a['agreement_with_others'])} "
            f"| {_fmt(a['competence'])} | {gold} | {_fmt(a['top_label_share'])} "
            f"| {'yes' if a['straight_lining'] else 'no'} | {a['dropped'] or ''} |"
        )
    lines += ["", "## Label distributions", ""]
    for a in annotators:
        dist = ", ".join(f"{k} {n}" for k, n in a["label_distribution"].items())
        lines.append(f"- {a['annotator']}: {dist}")
    return "\n".join(lines) + "\n"


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"
