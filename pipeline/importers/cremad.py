"""CREMA-D: files named ``ActorID_Sentence_EMO_Level.(flv|mp4|mp3|wav)``.

EMO is one of ANG, DIS, FEA, HAP, NEU, SAD (the ``cremad6`` mapping); Level LO/MD/HI is the
wheel's low/basic/high intensity (XX, unspecified, is basic). The actor (1001..1091) is the
account; the sentence code becomes its text as the title. ``.flv``/``.mp4`` are video items,
``.mp3``/``.wav`` audio-only ones.
"""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.importers.labels import wheel_word
from pipeline.importers.layout import ImportItem, ImportProblem
from pipeline.importers.selection import Selection
from pipeline.plutchik import UnknownLabel

NAME = re.compile(r"(\d{4})_([A-Z]{3})_([A-Z]{3})_([A-Z]{2})")
LEVELS = {"LO": 0, "MD": 1, "HI": 2, "XX": None}
SENTENCES = {
    "IEO": "It's eleven o'clock",
    "TIE": "That is exactly what happened",
    "IOM": "I'm on my way to the meeting",
    "IWW": "I wonder what this is about",
    "TAI": "The airplane is almost full",
    "MTI": "Maybe tomorrow it will be cold",
    "IWL": "I would like a new alarm clock",
    "ITH": "I think I have a doctor's appointment",
    "DFA": "Don't forget a jacket",
    "ITS": "I think I've seen this before",
    "TSI": "The surface is slick",
    "WSI": "We'll stop in a couple of minutes",
}
SUFFIXES = {".flv": "video", ".mp4": "video", ".mp3": "audio", ".wav": "audio"}


def read(source: Path, selection: Selection) -> tuple[list[ImportItem], list[ImportProblem]]:
    items: list[ImportItem] = []
    problems: list[ImportProblem] = []
    for path in sorted(p for p in Path(source).rglob("*") if p.is_file()):
        kind = SUFFIXES.get(path.suffix.lower())
        if kind is None:
            continue
        match = NAME.fullmatch(path.stem)
        if match is None:
            problems.append(
                ImportProblem(str(path), None, "name is not ActorID_Sentence_EMO_Level (CREMA-D)")
            )
            continue
        actor, sentence, emotion, level = match.groups()
        if not selection.wants_actor(int(actor)):
            continue
        if sentence not in SENTENCES or level not in LEVELS:
            problems.append(
                ImportProblem(str(path), None, f"unknown sentence {sentence} or level {level}")
            )
            continue
        try:
            label = wheel_word(
                emotion, "cremad6", LEVELS[level] if selection.levels == "keep" else None
            )
        except UnknownLabel as e:
            problems.append(ImportProblem(str(path), None, str(e)))
            continue
        items.append(
            ImportItem(
                id=path.stem,
                title=SENTENCES[sentence],
                account=f"actor-{actor}",
                kind=kind,
                label=label,
                source_label=f"{emotion}_{level}",
                media=path,
            )
        )
    return items, problems
