"""A folder of media plus one CSV ``file,label[,title][,account]``.

Labels are in any set the wheel maps: wheel words (English or Chinese, intensities, dyads) by
default, or a named mapping (``label_set``: ``ekman6``, ``meld7``, ``ravdess8``, ``cremad6``,
``sentiment3``). ``file`` is relative to the folder; a row without a file is a text-only item
(its title is its text). Video suffixes make video items, audio suffixes audio-only ones. The
id is the file's stem (or ``row-<n>`` for text) made safe; the title defaults to the stem and
the account to the id (each item its own group) when the CSV has no such column.
"""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.importers.labels import wheel_word
from pipeline.importers.layout import ImportItem, ImportProblem
from pipeline.importers.tables import read_rows
from pipeline.plutchik import UnknownLabel
from pipeline.safe_paths import UnsafePath, child

REQUIRED = ("file", "label")
VIDEO = {".mp4", ".mov", ".mkv", ".webm", ".flv", ".avi", ".m4v"}
AUDIO = {".wav", ".mp3", ".flac", ".m4a", ".ogg", ".aac", ".opus"}
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def read(source: Path, label_set: str | None) -> tuple[list[ImportItem], list[ImportProblem]]:
    source = Path(source)
    problems: list[ImportProblem] = []
    tables = sorted(source.glob("*.csv"))
    if len(tables) != 1:
        found = [t.name for t in tables] or "none"
        problems.append(ImportProblem(str(source), None, f"needs exactly one CSV, found {found}"))
        return [], problems
    table = tables[0]
    items: list[ImportItem] = []
    for row_number, row in read_rows(table, REQUIRED, problems):
        item = _item(source, table, row_number, row, label_set, problems)
        if item is not None:
            items.append(item)
    return items, problems


def _item(
    source: Path,
    table: Path,
    row_number: int,
    row: dict[str, str],
    label_set: str | None,
    problems: list[ImportProblem],
) -> ImportItem | None:
    def problem(detail: str) -> None:
        problems.append(ImportProblem(str(table), row_number, detail))

    name, original = row["file"].strip(), row["label"].strip()
    title = " ".join(row.get("title", "").split())
    try:
        label = wheel_word(original, label_set)
    except UnknownLabel as e:
        problem(str(e))
        return None
    media: Path | None = None
    if name:
        try:
            media = child(source, name)
        except UnsafePath as e:
            problem(str(e))
            return None
        suffix = media.suffix.lower()
        if suffix not in VIDEO | AUDIO:
            problem(
                f"{name}: unknown media suffix {suffix!r} (video: {sorted(VIDEO)}, "
                f"audio: {sorted(AUDIO)})"
            )
            return None
        if not media.is_file():
            problem(f"{name} is not in {source}")
            return None
        kind = "video" if suffix in VIDEO else "audio"
        item_id = _safe(media.stem) or f"row-{row_number}"
    elif title:
        kind, item_id = "text", f"row-{row_number}"
    else:
        problem("no file and no title: nothing to import")
        return None
    account = " ".join(row.get("account", "").split())
    return ImportItem(
        id=item_id,
        title=title or (media.stem if media is not None else ""),
        account=account or item_id,
        kind=kind,
        label=label,
        source_label=original,
        media=media,
    )


def _safe(stem: str) -> str:
    return _UNSAFE.sub("_", stem).strip("._-")[:128]
