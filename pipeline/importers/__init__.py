"""Importers of public emotion datasets into chfen's raw layout (see ``layout``): RAVDESS,
CREMA-D, MELD and a generic folder + CSV. Each reads its dataset's own naming and labels, maps
the labels onto Plutchik's wheel (keeping the originals) and reports every file or row it could
not import, importing the rest."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from pipeline.importers import cremad, folder, meld, ravdess
from pipeline.importers.layout import ImportItem, ImportProblem, ImportSummary, write_raw
from pipeline.importers.selection import Selection

Reader = Callable[[Path, Selection, str | None], tuple[list[ImportItem], list[ImportProblem]]]
READERS: dict[str, Reader] = {
    "ravdess": lambda src, sel, _: ravdess.read(src, sel),
    "crema-d": lambda src, sel, _: cremad.read(src, sel),
    "meld": lambda src, sel, _: meld.read(src, sel),
    "folder": lambda src, _, label_set: folder.read(src, label_set),
}


def import_dataset(
    fmt: str,
    source: Path,
    out: Path,
    selection: Selection | None = None,
    label_set: str | None = None,
) -> ImportSummary:
    """Read ``source`` as ``fmt`` and write the raw folder ``out``; raises ``ValueError`` for an
    unknown format or a missing source and ``FileExistsError`` for an ``out`` that is not a
    previous import."""
    if fmt not in READERS:
        raise ValueError(f"unknown format {fmt!r}; choose from {sorted(READERS)}")
    if not Path(source).exists():
        raise ValueError(f"{source} does not exist")
    selection = selection or Selection()
    items, problems = READERS[fmt](Path(source), selection, label_set)
    return write_raw(out, fmt.replace("-", ""), declare_split(items, selection, fmt), problems)


def declare_split(items: list[ImportItem], selection: Selection, fmt: str) -> list[ImportItem]:
    """``items`` with the split ``selection`` declares; raises ``ValueError`` when the official
    split is asked of items that have none."""
    if selection.split is None:
        return items
    if selection.split != "official":
        return [replace(i, split=selection.split) for i in items]
    missing = [i.id for i in items if i.official_split is None]
    if missing:
        raise ValueError(
            f"{fmt}: {len(missing)} item(s) have no official split (e.g. {missing[0]!r}); "
            "declare one with --split train|val|test (RAVDESS/CREMA-D: one import per actor list)"
        )
    return [replace(i, split=i.official_split) for i in items]
