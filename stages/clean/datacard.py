"""The data card: what went in, what was kept and why the rest was not.

``reports/data_card.json`` is the machine-readable card (DVC can track it as metrics),
``reports/data_card.md`` the same for people, and ``reports/plots/durations.csv`` the data
behind the duration plot that ``dvc plots show`` renders. The label part of the card (class
balance, splits, agreement, annotators, unlabelled videos) is the labels stage's
``reports/labels.md``.
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
from pipeline.records import ManifestEntry, Reason, Rejection
from stages.clean.params import CleanParams

DURATION_BINS = (0, 5, 10, 15, 20, 30, 60, 120, 300, 600)


def build_card(
    manifest: list[ManifestEntry], rejected: list[Rejection], params: CleanParams
) -> dict[str, Any]:
    by_reason = Counter(r.reason.value for r in rejected)
    durations = [m.media.duration_s for m in manifest]
    return {
        "counts": {
            "input_items": len(manifest) + len(rejected),
            "kept": len(manifest),
            "rejected": len(rejected),
            "accounts": len({m.account or m.id for m in manifest}),
            "platforms": dict(sorted(Counter(m.platform for m in manifest).items())),
        },
        "durations_s": {
            "min": min(durations, default=None),
            "median": statistics.median(durations) if durations else None,
            "max": max(durations, default=None),
            "histogram": _histogram(durations),
        },
        "near_duplicates": {
            "groups": len({m.duplicate_group for m in manifest if m.duplicate_group}),
            "videos_in_groups": sum(1 for m in manifest if m.duplicate_group),
            "rejected_copies": by_reason.get(Reason.NEAR_DUPLICATE.value, 0),
        },
        "media": {
            "portrait": sum(1 for m in manifest if (m.media.height or 0) > (m.media.width or 0)),
            "variable_frame_rate": sum(1 for m in manifest if m.media.vfr),
            "no_audio": sum(1 for m in manifest if not m.media.has_audio),
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
        "params": params.model_dump(mode="json"),
    }


def write_data_card(reports: Path, **parts: Any) -> dict[str, Any]:
    card = build_card(**parts)
    reports = Path(reports)
    atomic.write_json(reports / "data_card.json", card)
    atomic.write_text(reports / "data_card.md", render_markdown(card))
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
    lines = [
        "# Data card",
        "",
        f"{c['input_items']} input items: **{c['kept']} kept**, {c['rejected']} rejected; "
        f"{c['accounts']} accounts. Labels, splits and annotation QC: reports/labels.md.",
    ]
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
        "## Near-duplicate footage",
        "",
        "{groups} groups of the same footage hold {videos_in_groups} kept videos (each group "
        "stays in one split); {rejected_copies} copies rejected. Groups, links and frame "
        "strips: reports/duplicates.md.".format(**card["near_duplicates"]),
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
    return "\n".join(lines) + "\n"


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")[:160]
