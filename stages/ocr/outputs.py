"""The ocr stage's outputs, written and read back here only.

Per video the stage writes ``<id>.json`` (``schema.OcrDocument``: cues, other on-screen text,
boxes, confidences) and ``<id>.srt`` (the same cues for people and other subtitle tools).
Downstream stages, ``chfen predict`` and test fixtures go through ``write_document`` and
``read_subtitles``: the document is validated on the way back, the ``.srt`` is never re-parsed.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import srt
from pydantic import BaseModel, ConfigDict

from pipeline import atomic
from stages.ocr.schema import OcrDocument


class Subtitle(BaseModel):
    """A subtitle as downstream stages see it: when it was on screen and its text, on one line
    (rows joined by a space)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: float
    end: float
    text: str


def document_file(folder: Path, video_id: str) -> Path:
    """Where the ocr stage put ``video_id``'s document under its output ``folder``."""
    return Path(folder) / f"{video_id}.json"


def write_document(document: OcrDocument, json_path: Path, srt_path: Path) -> None:
    """Write ``document`` and its cues as SubRip (``srt.compose``; empty without cues)."""
    subtitles = [
        srt.Subtitle(
            index=c.index,
            start=timedelta(seconds=c.start),
            end=timedelta(seconds=c.end),
            content=c.text,
        )
        for c in document.cues
    ]
    atomic.write_text(srt_path, srt.compose(subtitles) if subtitles else "")
    atomic.write_text(json_path, document.model_dump_json() + "\n")


def read_document(path: Path) -> OcrDocument:
    return OcrDocument.model_validate_json(Path(path).read_text(encoding="utf-8"))


def read_subtitles(path: Path) -> list[Subtitle]:
    """The subtitles of the document at ``path`` in time order; none when the ocr stage wrote
    no document (a video it skipped or that failed)."""
    if not Path(path).is_file():
        return []
    cues = read_document(path).cues
    subtitles = [Subtitle(start=c.start, end=c.end, text=" ".join(c.text.split())) for c in cues]
    return sorted((s for s in subtitles if s.text), key=lambda s: (s.start, s.end))
