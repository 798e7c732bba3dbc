"""One video's probe, as the per-video runner calls it (the clean stage's first per-video work):
what the file holds, or why it cannot be decoded."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.media import MediaError, probe
from pipeline.section import Section

if TYPE_CHECKING:
    from pipeline.work import WorkItem


# Probing depends on the file's content and the probe code, not on clean's params: an empty
# section keeps changing min_duration_s from re-probing every video.
PROBE_SECTION = Section()


def probe_video(item: WorkItem, out_dir: Path) -> dict[str, Any]:
    """Per-video work: what the file holds, or why it cannot be decoded (a cached verdict)."""
    try:
        return {"media": probe(item.path).model_dump(mode="json")}
    except MediaError as e:
        return {"error": str(e).replace(str(item.path), item.path.name)}
