"""The data card: what went in, what was kept and why the rest was not.

``reports/data_card.json`` is the machine-readable card (DVC can track it as metrics),
``reports/data_card.md`` the same for people, and ``reports/plots/*.csv`` the data behind the
class-balance and duration plots that ``dvc plots show`` renders.
"""

from __future__ import annotations

import csv
import io
import itertools
import statistics
from collections import Counter
from pathlib import Path
from typing import Any

from pipeline import atomic
from pipeline.params import CleanParams
from pipeline.plutchik import wheel
from pipeline.records import ManifestEntry, Reason, Rejection
from stages.clean.labels import SheetProblem

SPLITS = ("train", "val", "test")
DURATION_BINS = (0, 5, 10, 15, 20, 30, 60, 120, 300, 600)


def build_card(
    manifest: list[ManifestEntry],
    rejected: list[Rejection],
    agreement: dict[str, Any],
    sheet_problems: list[SheetProblem],
    orphan_votes: int,
    params: CleanParams,
    neutral_items: int = 0,
) -> dict[str, Any]:
    by_reason = Counter(r.reason.value for r in rejected)
    balance = {
        name: {
            s: sum(1 for m in manifest if m.label.primary == name and m.split == s) for s in SPLITS
        }
        for name in wheel().names + (("neutral",) if params.neutral == "class" else ())
    }
    durations = [m.media.duration_s for m in manifest]
    accounts = {s: len({m.account or m.id for m in manifest if m.split == s}) for s in SPLITS}
    return {
        "counts": {
            "input_items": len(manifest) + len(rejected),
            "kept": len(manifest),
            "rejected": len(rejected),
            "splits": {s: sum(1 for m in manifest if m.split == s) for s in SPLITS},
            "accounts_per_split": accounts,
            "platforms": dict(sorted(Counter(m.platform for m in manifest).items())),
            # items every annotator called neutral: kept as the neutral class with
            # clean.neutral=class, else rejected as abstentions
            "neutral_items": neutral_items,
            "neutral": params.neutral,
        },
        "class_balance": balance,
        "durations_s": {
            "min": min(durations, default=None),
            "median": statistics.median(durations) if durations else None,
            "max": max(durations, default=None),
            "histogram": _histogram(durations),
        },
        "media": {
            "portrait": sum(1 for m in manifest if (m.media.height or 0) > (m.media.width or 0)),
            "variable_frame_rate": sum(1 for m in manifest if m.media.vfr),
            "no_audio": sum(1 for m in manifest if not m.media.has_audio),
        },
        "agreement": {
            **agreement,
            "mean_item_agreement_kept": round(
                statistics.fmean(m.label.agreement for m in manifest), 4
            )
            if manifest
            else None,
            "min_agreement": params.min_agreement,
        },
        "rejections": {
            "by_reason": {
                r.value: by_reason.get(r.value, 0) for r in Reason if by_reason.get(r.value)
            },
            "examples": {
                reason: [
                    {"id": r.id, "source_file": r.source_file, "detail": r.detail}
                    for r in rejected
                    if r.reason.value == reason
                ][:3]
                for reason in sorted(by_reason)
            },
        },
        "annotation_sheets": {
            "problems": [p.__dict__ for p in sheet_problems],
            "votes_for_unknown_videos": orphan_votes,
        },
        "params": params.model_dump(mode="json"),
    }


def write_data_card(reports: Path, **parts: Any) -> dict[str, Any]:
    card = build_card(**parts)
    reports = Path(reports)
    atomic.write_json(reports / "data_card.json", card)
    atomic.write_text(reports / "data_card.md", render_markdown(card))
    atomic.write_text(
        reports / "plots" / "class_balance.csv",
        _csv(
            ["emotion", "videos"], [(k, sum(v.values())) for k, v in card["class_balance"].items()]
        ),
    )
    atomic.write_text(
        reports / "plots" / "durations.csv",
        _csv(
            ["bin_s", "videos"], [(h["bin"], h["videos"]) for h in card["durations_s"]["histogram"]]
        ),
    )
    return card


def _histogram(values: list[float]) -> list[dict[str, Any]]:
    edges = [*DURATION_BINS, float("inf")]
    out = []
    for lo, hi in itertools.pairwise(edges):
        label = f"{lo}-{hi}" if hi != float("inf") else f"{lo}+"
        out.append({"bin": label, "videos": sum(1 for v in values if lo <= v < hi)})
    return out


def _csv(header: list[str], rows: list[tuple[Any, ...]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def render_markdown(card: dict[str, Any]) -> str:
    c = card["counts"]
    a = card["agreement"]
    lines = [
        "# Data card",
        "",
        f"{c['input_items']} input items: **{c['kept']} kept**, {c['rejected']} rejected.",
        f"Neutral items (every vote neutral): {c['neutral_items']}, "
        + ("kept as the neutral class." if c["neutral"] == "class" else "left out (abstentions)."),
        f"Splits: {', '.join(f'{s} {n}' for s, n in c['splits'].items())} "
        f"(accounts: {', '.join(f'{s} {n}' for s, n in c['accounts_per_split'].items())}; "
        "no account spans two splits).",
        "",
        "## Class balance (primary emotion)",
        "",
        "| emotion | train | val | test | total |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, per in card["class_balance"].items():
        lines.append(
            f"| {name} | {per['train']} | {per['val']} | {per['test']} | {sum(per.values())} |"
        )
    d = card["durations_s"]
    lines += [
        "",
        "## Durations",
        "",
        f"min {d['min']} s, median {d['median']} s, max {d['max']} s.",
        "",
        "| seconds | videos |",
        "|---|---:|",
        *(f"| {h['bin']} | {h['videos']} |" for h in d["histogram"] if h["videos"]),
        "",
        "## Media",
        "",
        *(f"- {k.replace('_', ' ')}: {v}" for k, v in card["media"].items()),
        "",
        "## Annotation agreement",
        "",
        f"Krippendorff's alpha (nominal, final votes): **{_fmt(a['krippendorff_alpha'])}** over "
        f"{a['items']} items, {len(a['annotators'])} annotators.",
        "",
        "Per round: " + ", ".join(f"round {r}: {_fmt(v)}" for r, v in a["alpha_per_round"].items()),
        "",
        "| class | alpha (one vs rest) |",
        "|---|---:|",
        *(f"| {k} | {_fmt(v)} |" for k, v in a["alpha_per_class"].items()),
        "",
        "Mean share of votes on the kept items' primary label: "
        f"{_fmt(a['mean_item_agreement_kept'])} (items under {a['min_agreement']} are rejected).",
        "",
        "## Rejections",
        "",
        "| reason | items | example |",
        "|---|---:|---|",
    ]
    for reason, n in card["rejections"]["by_reason"].items():
        ex = card["rejections"]["examples"][reason][0]
        lines.append(
            f"| {reason} | {n} | `{ex['id']}` ({ex['source_file']}): {_cell(ex['detail'])} |"
        )
    sheets = card["annotation_sheets"]
    if sheets["problems"] or sheets["votes_for_unknown_videos"]:
        lines += ["", "## Annotation sheet problems", ""]
        lines += [f"- {p['sheet']} row {p['row']}: {p['detail']}" for p in sheets["problems"]]
        lines.append(
            f"- votes for videos not in any crawl file: {sheets['votes_for_unknown_videos']}"
        )
    return "\n".join(lines) + "\n"


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")[:160]
