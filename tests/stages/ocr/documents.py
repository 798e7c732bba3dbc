"""OCR documents for tests of downstream stages, written with the ocr stage's own writer, so a
fixture cannot drift from what the stage really produces."""

from __future__ import annotations

from pathlib import Path

from stages.ocr.outputs import document_file, write_document
from stages.ocr.schema import CueRecord, OcrDocument, OcrStats


def document(video_id: str, cues: list[tuple[float, float, str]]) -> OcrDocument:
    """A document of ``cues`` ((start s, end s, text)) as the stage would describe them."""
    return OcrDocument(
        id=video_id,
        backend="rapidocr",
        width=320,
        height=180,
        duration_s=max((end for _, end, _ in cues), default=0.0),
        band=None,
        cues=[
            CueRecord(index=n, start=a, end=b, text=text, confidence=0.95, lines=[], frames=[a, b])
            for n, (a, b, text) in enumerate(cues, start=1)
        ],
        other_text=[],
        stats=OcrStats(
            frames=0,
            checks=0,
            ocr_calls=0,
            recognitions=0,
            reused_lines=0,
            seconds=0.0,
            cpu_seconds=0.0,
            decode_s=0.0,
            ocr_s=0.0,
        ),
    )


def write_subtitles(folder: Path, video_id: str, cues: list[tuple[float, float, str]]) -> Path:
    """``<id>.json`` and ``<id>.srt`` under ``folder``, as the ocr stage publishes them."""
    folder.mkdir(parents=True, exist_ok=True)
    path = document_file(folder, video_id)
    write_document(document(video_id, cues), path, folder / f"{video_id}.srt")
    return path
