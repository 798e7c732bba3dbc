"""A tiny project for the embed stages: videos, a manifest, and upstream outputs (subtitles and
track summaries written with the ocr and track stages' own writers; audio stems as files)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

from stages.track.faces import Face
from stages.track.summary import FaceSecond, TrackSummary, summary_file, write_summary
from tests.media_factory import make_video, manifest_entry
from tests.stages.ocr.documents import write_subtitles

CUES = {  # video id -> [(start s, end s, text)]
    "v0": [(0.2, 1.9, "hello world"), (3.0, 3.8, "second line")],
    "v1": [],
    "v2": [(0.0, 2.5, "hello world")],
}


def build(root: Path, ids: tuple[str, ...] = ("v0", "v1", "v2")) -> Path:
    """Write videos, manifest and upstream outputs under ``root``; return the manifest path."""
    lines = []
    for i, vid in enumerate(ids):
        video = make_video(
            root / "videos" / f"{vid}.mp4", seconds=4.5, size=(320, 180), tone_hz=300 + i
        )
        lines.append(manifest_entry(vid, video, f"title number {i}").model_dump_json())
        write_subtitles(root / "subtitles", vid, CUES.get(vid, []))
        faces = [] if vid != "v0" else [
            FaceSecond(second=1, t=1.0, faces=[
                Face(box=(100.0, 40.0, 60.0, 80.0), probability=0.99, area_ratio=0.083),
                Face(box=(10.0, 10.0, 30.0, 30.0), probability=0.95, area_ratio=0.016),
            ]),
        ]  # fmt: skip
        (root / "tracks").mkdir(parents=True, exist_ok=True)
        write_summary(
            TrackSummary(
                id=vid,
                detector="hog",
                width=320,
                height=180,
                sampled_fps=5.0,
                frames=23,
                seconds=5,
                unique_persons=0,
                persons_per_second=[0] * 5,
                max_persons=0,
                faces_per_second=faces,
                seconds_with_faces=len(faces),
                max_faces=max((len(f.faces) for f in faces), default=0),
            ),
            summary_file(root / "tracks", vid),
        )
        if vid != "v1":  # v1 has no audio stems (as for a video without an audio track)
            rng = np.random.default_rng(i)
            t = np.arange(int(16000 * 4.5)) / 16000
            stems = root / "audio" / vid
            stems.mkdir(parents=True, exist_ok=True)
            sf.write(stems / "vocals_16k.flac", 0.3 * np.sin(2 * np.pi * 220 * t), 16000)
            sf.write(stems / "music_16k.flac", 0.1 * rng.standard_normal(len(t)), 16000)
    manifest = root / "manifest.jsonl"
    manifest.write_text("".join(line + "\n" for line in lines))
    return manifest
