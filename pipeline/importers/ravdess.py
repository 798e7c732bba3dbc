"""RAVDESS: files named ``MM-VV-EE-II-SS-RR-AA.(wav|mp4)``.

MM modality (01 audio-video, 02 video only, 03 audio only), VV vocal channel (01 speech, 02
song), EE emotion (01 neutral .. 08 surprised), II intensity (01 normal, 02 strong), SS
statement, RR repetition, AA actor (odd: male). The emotion goes through the ``ravdess8``
mapping: "normal" is the basic level of its primary, "strong" the high one (happy/strong =
ecstasy); calm has no primary of its own and becomes serenity (low-intensity joy) unless
``calm="drop"`` leaves it out. The actor is the account, so the clean stage's split never puts
one actor in two splits; the statement is the title.
"""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.importers.labels import wheel_word
from pipeline.importers.layout import ImportItem, ImportProblem
from pipeline.importers.selection import Selection
from pipeline.plutchik import UnknownLabel

NAME = re.compile(r"(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)")
EMOTIONS = {
    "01": "neutral",
    "02": "calm",
    "03": "happy",
    "04": "sad",
    "05": "angry",
    "06": "fearful",
    "07": "disgust",
    "08": "surprised",
}
LEVELS = {"01": 1, "02": 2}
STATEMENTS = {"01": "Kids are talking by the door", "02": "Dogs are sitting by the door"}
SUFFIXES = {".wav": "audio", ".mp4": "video"}


def read(source: Path, selection: Selection) -> tuple[list[ImportItem], list[ImportProblem]]:
    items: list[ImportItem] = []
    problems: list[ImportProblem] = []
    for path in sorted(p for p in Path(source).rglob("*") if p.is_file()):
        if path.suffix.lower() not in SUFFIXES:
            continue
        match = NAME.fullmatch(path.stem)
        if match is None:
            problems.append(
                ImportProblem(str(path), None, "name is not MM-VV-EE-II-SS-RR-AA (RAVDESS)")
            )
            continue
        modality, _, emotion, level, statement, _, actor = match.groups()
        if not selection.wants_actor(int(actor)):
            continue
        name = EMOTIONS.get(emotion)
        if name is None or level not in LEVELS or statement not in STATEMENTS:
            problems.append(
                ImportProblem(
                    str(path),
                    None,
                    f"unknown code in {path.stem} (emotion {emotion}, "
                    f"intensity {level}, statement {statement})",
                )
            )
            continue
        if name == "calm" and selection.calm == "drop":
            continue
        try:
            label = wheel_word(
                name, "ravdess8", LEVELS[level] if selection.levels == "keep" else None
            )
        except UnknownLabel as e:
            problems.append(ImportProblem(str(path), None, str(e)))
            continue
        kind = "video" if modality != "03" and path.suffix.lower() == ".mp4" else "audio"
        items.append(
            ImportItem(
                id=path.stem,
                title=STATEMENTS[statement],
                account=f"actor-{actor}",
                kind=kind,
                label=label,
                source_label=name if level == "01" else f"{name} (strong)",
                media=path,
            )
        )
    return items, problems
