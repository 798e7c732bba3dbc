"""The raw layout an importer writes: the same folders a crawl fills, so ``clean`` and every
stage after it run unchanged on an imported dataset.

```
<out>/crawl/<format>.csv         flat export: video_id,title,account,...,video_file,media
<out>/videos/                    the media files (hard links where possible, else copies)
<out>/annotations/<format>.csv   one "annotator" (the dataset): video_id,annotator,round,label,
                                 source_label (the dataset's own label, kept alongside)
<out>/import_report.json         counts per label and every problem (file, row, why)
<out>/.chfen-import              marks the folder as an import: only such a folder is replaced
```

The clean stage reads ``crawl/``, ``videos/`` and ``annotations/`` only; the report is for the
user. The folder is written in a temporary sibling and swapped in whole, so an interrupted
import never leaves a half-written raw folder.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import atomic
from pipeline.records import MediaKind, Split

MARKER_FILE = ".chfen-import"
REPORT_FILE = "import_report.json"
CRAWL_COLUMNS = (
    "video_id",
    "title",
    "account",
    "platform",
    "duration_s",
    "video_file",
    "media",
    "source_label",
    "split",
)
SHEET_COLUMNS = ("video_id", "annotator", "round", "label", "source_label")


@dataclass(frozen=True)
class ImportItem:
    """One item of a public dataset, ready for the raw layout.

    ``media`` is the source file (None for a text-only item); ``label`` is the wheel word the
    clean stage resolves (``neutral`` for a label the wheel has no emotion for) and
    ``source_label`` the dataset's own label, kept for the reader. ``official_split`` is the
    dataset's own split where it has one; ``split`` the split declared to clean (None: clean
    draws it).
    """

    id: str
    title: str
    account: str
    kind: MediaKind
    label: str
    source_label: str
    media: Path | None = None
    duration_s: float | None = None
    official_split: Split | None = None
    split: Split | None = None


@dataclass(frozen=True)
class ImportProblem:
    """A file or a row that was not imported, and why (the rest of the dataset still is)."""

    file: str
    row: int | None
    detail: str

    def __str__(self) -> str:
        where = f"{self.file}, row {self.row}" if self.row is not None else self.file
        return f"{where}: {self.detail}"


@dataclass
class ImportSummary:
    format: str
    out: Path
    items: int = 0
    labels: dict[str, int] = field(default_factory=dict)
    kinds: dict[str, int] = field(default_factory=dict)
    problems: list[ImportProblem] = field(default_factory=list)

    def __str__(self) -> str:
        kinds = ", ".join(f"{n} {k}" for k, n in sorted(self.kinds.items()))
        return (
            f"{self.items} items ({kinds or 'none'}) into {self.out}; "
            f"{len(self.problems)} problem(s), see {self.out / REPORT_FILE}"
        )


def write_raw(
    out: Path, fmt: str, items: list[ImportItem], problems: list[ImportProblem]
) -> ImportSummary:
    """Write ``items`` as a raw folder at ``out`` (replacing a previous import there; refusing
    any other existing folder, which may hold someone's crawl)."""
    out = Path(out)
    if out.exists() and not (out / MARKER_FILE).is_file():
        raise FileExistsError(
            f"{out} exists and is not a previous import (no {MARKER_FILE}); choose another --out"
        )
    problems = list(problems)
    kept: list[ImportItem] = []
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            problems.append(ImportProblem(str(item.media or item.id), None, "duplicate id"))
            continue
        seen.add(item.id)
        kept.append(item)
    summary = ImportSummary(
        format=fmt,
        out=out,
        items=len(kept),
        labels=dict(Counter(i.label for i in kept).most_common()),
        kinds=dict(Counter(i.kind for i in kept)),
        problems=problems,
    )
    with atomic.directory(out) as tmp:
        (tmp / "videos").mkdir()
        for item in kept:
            if item.media is not None:
                _link_or_copy(item.media, tmp / "videos" / _file_name(item))
        crawl = [
            {
                "video_id": i.id,
                "title": i.title,
                "account": i.account,
                "platform": fmt,
                "duration_s": "" if i.duration_s is None else f"{i.duration_s:.3f}",
                "video_file": _file_name(i) if i.media is not None else "",
                "media": i.kind,
                "source_label": i.source_label,
                "split": i.split or "",
            }
            for i in kept
        ]
        sheet = [
            {
                "video_id": i.id,
                "annotator": fmt,
                "round": 1,
                "label": i.label,
                "source_label": i.source_label,
            }
            for i in kept
        ]
        atomic.write_text(tmp / "crawl" / f"{fmt}.csv", _csv(CRAWL_COLUMNS, crawl))
        atomic.write_text(tmp / "annotations" / f"{fmt}.csv", _csv(SHEET_COLUMNS, sheet))
        report = {
            "format": fmt,
            "items": summary.items,
            "kinds": summary.kinds,
            "labels": summary.labels,
            "problems": [
                {"file": p.file, "row": p.row, "detail": p.detail} for p in summary.problems
            ],
        }
        atomic.write_text(tmp / REPORT_FILE, json.dumps(report, indent=2, ensure_ascii=False))
        atomic.write_text(tmp / MARKER_FILE, f"{fmt}\n")
    return summary


def _file_name(item: ImportItem) -> str:
    assert item.media is not None
    return f"{item.id}{item.media.suffix.lower()}"


def _link_or_copy(src: Path, dest: Path) -> None:
    """A hard link costs no space for a dataset of thousands of clips; across file systems (or
    where links are refused) the file is copied."""
    try:
        os.link(src, dest)
    except OSError:
        shutil.copyfile(src, dest)


def _csv(columns: tuple[str, ...], rows: list[dict[str, object]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()
