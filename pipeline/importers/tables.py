"""Reading the CSV files public datasets ship, whatever their encoding.

MELD's CSVs are UTF-8 with curly quotes, but copies in circulation were saved as Windows-1252
(and some have mojibake such as ``â€™`` from a double encoding). A file is decoded as UTF-8 (a
byte-order mark is dropped) and, failing that, as Windows-1252 with the first undecodable line
reported; the common mojibake of curly quotes and dashes is repaired either way. A missing
required column makes the whole file a problem; each bad row is reported by the caller with the
row number this module gives (the header is row 1, as a spreadsheet shows it).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

from pipeline.importers.layout import ImportProblem

# UTF-8 punctuation read as Windows-1252 and saved again: the usual damage in scraped subtitles.
_MOJIBAKE = {
    "\u00e2\u20ac\u2122": "\u2019",
    "\u00e2\u20ac\u02dc": "\u2018",
    "\u00e2\u20ac\u0153": "\u201c",
    "\u00e2\u20ac\x9d": "\u201d",
    "\u00e2\u20ac\u201d": "\u2014",
    "\u00e2\u20ac\u201c": "\u2013",
    "\u00e2\u20ac\u00a6": "\u2026",
}


def read_rows(
    path: Path, required: tuple[str, ...], problems: list[ImportProblem]
) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (row number, row) for each data row of ``path``; append to ``problems`` when the
    file cannot be read, lacks a required column, or needed the fallback encoding."""
    name = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as e:
        problems.append(ImportProblem(name, None, f"cannot be read: {e.strerror or e}"))
        return
    text = _decode(raw, name, problems)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in reader.fieldnames or []]
    except csv.Error as e:
        problems.append(ImportProblem(name, 1, f"not a CSV header: {e}"))
        return
    reader.fieldnames = header
    missing = [c for c in required if c not in header]
    if missing:
        problems.append(
            ImportProblem(name, 1, f"missing column(s) {missing}; the header has {header}")
        )
        return
    row = 1
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            row += 1
            problems.append(ImportProblem(name, row, f"not a CSV row: {e}"))
            continue
        row += 1
        yield row, {k: (v or "") for k, v in values.items() if k is not None}


def repair(text: str) -> str:
    """Undo the mojibake of curly quotes, dashes and ellipses."""
    for broken, fixed in _MOJIBAKE.items():
        text = text.replace(broken, fixed)
    return text


def _decode(raw: bytes, name: str, problems: list[ImportProblem]) -> str:
    try:
        return repair(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        problems.append(
            ImportProblem(
                name,
                None,
                f"not UTF-8 (byte {raw[e.start]:#04x} on line {line}); read as Windows-1252",
            )
        )
        return repair(raw.decode("cp1252", errors="replace"))
