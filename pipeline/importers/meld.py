"""MELD: the ``*_sent_emo.csv`` utterance tables of Friends dialogues.

Each row becomes an item whose title is the utterance (curly quotes and mojibake repaired), the
``Emotion`` column through the ``meld7`` mapping is its label (neutral is an abstention the
clean stage reports) and ``Sentiment`` is kept with the original label. The dialogue is the
account, so a dialogue's utterances stay in one split. The clip ``dia{D}_utt{U}.mp4`` is used
when it is under the source folder (in a folder whose name holds the table's split, such as
``train_splits/``, when there are several tables); otherwise the item is text-only. Item ids are
``meld-<split>-dia<D>-utt<U>``, where the split is the table's name before ``_sent_emo``; the
official split of the ``train``, ``dev`` and ``test`` tables is train, val and test.
"""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.importers.labels import wheel_word
from pipeline.importers.layout import ImportItem, ImportProblem
from pipeline.importers.selection import Selection
from pipeline.importers.tables import read_rows
from pipeline.plutchik import UnknownLabel

TABLE_SUFFIX = "_sent_emo.csv"
REQUIRED = ("Utterance", "Emotion", "Dialogue_ID", "Utterance_ID")
CLIP = re.compile(r"dia(\d+)_utt(\d+)")
OFFICIAL = {"train": "train", "dev": "val", "test": "test"}
_TIME = re.compile(r"(\d+):(\d\d):(\d\d)[,.](\d{1,3})")


def read(source: Path, selection: Selection) -> tuple[list[ImportItem], list[ImportProblem]]:
    source = Path(source)
    tables = [source] if source.is_file() else sorted(source.rglob(f"*{TABLE_SUFFIX}"))
    problems: list[ImportProblem] = []
    if not tables:
        problems.append(ImportProblem(str(source), None, f"no *{TABLE_SUFFIX} table found"))
    root = source.parent if source.is_file() else source
    clips = [p for p in root.rglob("*.mp4") if CLIP.fullmatch(p.stem)]
    items: list[ImportItem] = []
    for table in tables:
        split = table.name.removesuffix(TABLE_SUFFIX).removesuffix(".csv").lower()
        split = re.sub(r"[^a-z0-9]+", "-", split).strip("-") or "meld"
        media = _clips_for(split, clips, several=len(tables) > 1)
        for row_number, row in read_rows(table, REQUIRED, problems):
            item = _item(table, row_number, row, split, media, problems)
            if item is not None:
                items.append(item)
    return items, problems


def _item(
    table: Path,
    row_number: int,
    row: dict[str, str],
    split: str,
    media: dict[str, Path],
    problems: list[ImportProblem],
) -> ImportItem | None:
    def problem(detail: str) -> None:
        problems.append(ImportProblem(str(table), row_number, detail))

    dialogue, utterance = row["Dialogue_ID"].strip(), row["Utterance_ID"].strip()
    if not (dialogue.isdigit() and utterance.isdigit()):
        problem(f"Dialogue_ID {dialogue!r} / Utterance_ID {utterance!r} are not numbers")
        return None
    text = " ".join(row["Utterance"].split())
    if not text:
        problem("empty Utterance")
        return None
    emotion = row["Emotion"].strip()
    try:
        label = wheel_word(emotion, "meld7")
    except UnknownLabel as e:
        problem(str(e))
        return None
    clip = media.get(f"dia{int(dialogue)}_utt{int(utterance)}")
    sentiment = row.get("Sentiment", "").strip()
    return ImportItem(
        id=f"meld-{split}-dia{int(dialogue)}-utt{int(utterance)}",
        title=text,
        account=f"meld-{split}-dia{int(dialogue)}",
        kind="video" if clip is not None else "text",
        label=label,
        source_label=f"{emotion} ({sentiment})" if sentiment else emotion,
        media=clip,
        duration_s=_duration(row.get("StartTime", ""), row.get("EndTime", "")),
        official_split=OFFICIAL.get(split),
    )


def _clips_for(split: str, clips: list[Path], several: bool) -> dict[str, Path]:
    """The clips of one table: all of them when there is one table, else those in a folder
    whose name holds the split (``dev_splits_complete`` for ``dev``)."""
    chosen = [c for c in clips if not several or split in c.parent.name.lower()]
    return {c.stem: c for c in sorted(chosen)}


def _duration(start: str, end: str) -> float | None:
    times = [_TIME.fullmatch(t.strip()) for t in (start, end)]
    if times[0] is None or times[1] is None:
        return None
    a, b = (
        int(h) * 3600 + int(m) * 60 + int(s) + int(ms.ljust(3, "0")) / 1000
        for h, m, s, ms in (t.groups() for t in times)
    )
    return round(b - a, 3) if b > a else None
