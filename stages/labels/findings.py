"""What the extraction stages found in a set of videos, from their ``index.jsonl`` files: how
many have audio (separate), burned-in subtitles and other on-screen text (ocr), people and faces
(track). A stage whose output folder is absent counts as not run (None), so labels can be
reported before any extraction."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

# stage output folder -> what is counted -> test on the stage's index row
FINDINGS: dict[str, dict[str, Callable[[dict[str, Any]], bool]]] = {
    "audio": {"with_audio": lambda row: bool(row.get("has_audio"))},
    "subtitles": {
        "with_subtitles": lambda row: row.get("n_cues", 0) > 0,
        "with_other_on_screen_text": lambda row: row.get("n_other_lines", 0) > 0,
    },
    "tracks": {
        "with_people": lambda row: row.get("unique_persons", 0) > 0,
        "with_faces": lambda row: row.get("max_faces", 0) > 0,
    },
}


def _index(folder: Path) -> dict[str, dict[str, Any]] | None:
    path = folder / "index.jsonl"
    if not path.is_file():
        return None
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return {str(row["id"]): row for row in rows}


def extraction_findings(interim: Path | None, ids: list[str]) -> dict[str, Any]:
    """Counts over ``ids``; ``processed`` per stage says how many it has a row for."""
    out: dict[str, Any] = {}
    for folder, tests in FINDINGS.items():
        index = _index(Path(interim) / folder) if interim is not None else None
        if index is None:
            out[folder] = None
            continue
        rows = [index[i] for i in ids if i in index]
        out[folder] = {"processed": len(rows)} | {
            name: sum(test(row) for row in rows) for name, test in tests.items()
        }
    return out
