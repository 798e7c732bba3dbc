"""A round's files for the annotators: one sheet per annotator, the wheel vocabulary, and
``round.json`` (who sees what, which items are gold, why each item was chosen).

A sheet has the labels stage's columns (``stages.labels.sheets.SHEET_COLUMNS``; ``video_id``,
``annotator`` and ``round`` filled in, the label columns empty) followed by what the annotator
needs to judge the item: the video file, title, duration and the subtitles the ocr stage
recognised. The labels stage ignores those extra columns, so a filled-in sheet goes straight
into ``annotations/`` as it is. Gold items look like every other row.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from chfen.annotate.selection import Assignment, Candidate
from pipeline import atomic
from pipeline.plutchik import INTENSITY_LEVELS, wheel
from pipeline.records import ManifestEntry
from stages.labels.sheets import SHEET_COLUMNS, SheetRow
from stages.ocr.outputs import document_file, read_subtitles

INFO_COLUMNS = ("video_file", "title", "duration_s", "subtitles")
VOCABULARY_FILE = "wheel_vocabulary.csv"
ROUND_FILE = "round.json"


class ItemInfo(BaseModel):
    """What an annotator is shown about one item."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    video_id: str
    video_file: str
    title: str
    duration_s: float
    subtitles: str


def item_info(entry: ManifestEntry, subtitles_dir: Path | None) -> ItemInfo:
    """An item's file, title, duration and the ocr stage's subtitles (one line per cue)."""
    subtitles = (
        read_subtitles(document_file(subtitles_dir, entry.id)) if subtitles_dir is not None else []
    )
    return ItemInfo(
        video_id=entry.id,
        video_file=entry.video or "",
        title=entry.title,
        duration_s=round(entry.media.duration_s, 3),
        subtitles="\n".join(s.text for s in subtitles),
    )


def sheet_text(annotator: str, round_: int, items: list[ItemInfo]) -> str:
    """One annotator's sheet as CSV text."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=[*SHEET_COLUMNS, *INFO_COLUMNS])
    writer.writeheader()
    for item in items:
        info = item.model_dump()
        writer.writerow(
            {
                **dict.fromkeys(SHEET_COLUMNS, ""),
                "video_id": item.video_id,
                "annotator": annotator,
                "round": round_,
                **{c: info[c] for c in INFO_COLUMNS},
            }
        )
    return buffer.getvalue()


def vocabulary_rows() -> list[dict[str, str]]:
    """Every word an emotion column takes, in English and Chinese: the primaries at their three
    intensities, the dyads and neutral."""
    w = wheel()
    rows = []
    for p in w.primaries:
        for level, (en, zh) in enumerate(zip(p.intensities, p.intensities_zh, strict=True)):
            rows.append(
                {
                    "word": en,
                    "zh": zh,
                    "primary": p.name,
                    "primary_zh": p.zh,
                    "intensity": INTENSITY_LEVELS[level],
                }
            )
    for dyad, (a, b) in w.dyads.items():
        zh = f"{w.primary(a).zh}+{w.primary(b).zh}"
        rows.append({"word": dyad, "zh": zh, "primary": f"{a}+{b}", "primary_zh": zh})
    rows.append({"word": "neutral", "zh": "中性", "primary": "", "primary_zh": ""})
    return rows


def vocabulary_text() -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(
        buffer, fieldnames=["word", "zh", "primary", "primary_zh", "intensity"], restval=""
    )
    writer.writeheader()
    writer.writerows(vocabulary_rows())
    return buffer.getvalue()


def write_round(
    out: Path,
    round_: int,
    assignment: Assignment,
    chosen: list[Candidate],
    info: dict[str, ItemInfo],
) -> list[Path]:
    """Write ``<annotator>.csv`` per annotator, the vocabulary and ``round.json`` under
    ``out``; the sheets' paths."""
    out = Path(out)
    paths = []
    for annotator, items in assignment.sheets.items():
        path = out / f"round{round_}-{annotator}.csv"
        atomic.write_text(path, sheet_text(annotator, round_, [info[i] for i in items]))
        paths.append(path)
    atomic.write_text(out / VOCABULARY_FILE, vocabulary_text())
    record = {
        "round": round_,
        "items": {c.id: [why.name.lower() for why in c.reasons] for c in chosen},
        "sheets": assignment.sheets,
        "gold": assignment.gold,
        "coverage": assignment.coverage(),
    }
    atomic.write_text(out / ROUND_FILE, json.dumps(record, indent=2, ensure_ascii=False) + "\n")
    return paths


def rows_text(rows: list[SheetRow]) -> str:
    """Filled-in sheet rows (e.g. imported from Label Studio) as a CSV sheet."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(SHEET_COLUMNS))
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if v is None else v for k, v in row.model_dump().items()})
    return buffer.getvalue()


def read_items(path: Path) -> list[ItemInfo]:
    """The items listed in a sheet written by ``sheet_text`` (in sheet order)."""
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in ("video_id", *INFO_COLUMNS) if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path}: not a sheet of `chfen annotate tasks` (no {missing})")
        items = []
        for i, row in enumerate(reader, start=2):
            try:
                items.append(ItemInfo.model_validate({k: row[k] for k in ItemInfo.model_fields}))
            except ValueError as e:
                raise ValueError(f"{path}:{i}: {e}".splitlines()[0]) from None
    return items
