"""The per-video track summary (``data/interim/tracks/<id>.json``): who is on screen, how
many, and how much of each second's frame their faces fill."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from pipeline import atomic
from stages.track.faces import Face


class FaceSecond(BaseModel):
    """The faces on the one frame searched in a second (``track.face_fps`` = 1)."""

    model_config = ConfigDict(extra="forbid")

    second: int = Field(ge=0)  # floor of t
    t: float  # presentation time of the frame searched
    faces: list[Face]  # most probable first


class TrackSummary(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    detector: str  # hog | yolo
    width: int  # the video as displayed; every box is in these pixels
    height: int
    sampled_fps: float
    frames: int  # frames sampled and tracked (rows in the MOT file refer to 1..frames)
    seconds: int  # length of persons_per_second: floor of the last frame's time + 1
    unique_persons: int  # confirmed track ids
    persons_per_second: list[int]  # distinct confirmed ids seen in each second
    max_persons: int  # most confirmed people on one frame
    faces_per_second: list[FaceSecond]
    seconds_with_faces: int
    max_faces: int  # most faces on one searched frame

    def index_row(self) -> dict[str, object]:
        """The counts that go to ``index.jsonl`` (and the work cache's result)."""
        return self.model_dump(exclude={"persons_per_second", "faces_per_second"})


def summary_file(folder: Path, video_id: str) -> Path:
    """Where the track stage put ``video_id``'s summary under its output ``folder``."""
    return Path(folder) / f"{video_id}.json"


def write_summary(summary: TrackSummary, path: Path) -> None:
    atomic.write_text(path, summary.model_dump_json())


def read_summary(path: Path) -> TrackSummary | None:
    """The summary at ``path`` (validated), or None when the track stage wrote none for the
    video (one it skipped, such as an audio-only item, or one that failed)."""
    if not Path(path).is_file():
        return None
    return TrackSummary.model_validate_json(Path(path).read_text(encoding="utf-8"))
