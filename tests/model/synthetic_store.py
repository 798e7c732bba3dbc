"""Small feature stores with a planted signal, for model tests (no media, no encoders)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pipeline.featurestore import StoreMeta, StreamSpec, VideoFeatures, write_store
from pipeline.plutchik import wheel
from pipeline.records import Engagement, LabelSummary, ManifestEntry, MediaInfo

DIMS = {"text": 12, "visual": 10, "clip": 6, "seq": 5}


def _meta(modality: str, streams: tuple[StreamSpec, ...]) -> StoreMeta:
    return StoreMeta(
        modality=modality,
        streams=streams,
        encoder={"name": "synthetic"},
        step_s=1.0,
        params_digest="t",
    )


def build(root: Path, n: int = 32, seed: int = 0, noise: float = 0.5) -> list[ManifestEntry]:
    """``n`` videos, labels cycling over the 8 primaries; each modality carries the label as a
    class centroid plus noise. Video 1 has no audio; video 2 no subtitles; video 3 no faces."""
    rng = np.random.default_rng(seed)
    names = wheel().names
    centroids = {k: rng.standard_normal((8, d)) for k, d in DIMS.items()}
    entries, text, visual, audio = [], [], [], []
    for i in range(n):
        y = i % 8
        steps = int(rng.integers(3, 9))

        def signal(kind: str, rows: int | None = None, y: int = y) -> np.ndarray:
            shape = (DIMS[kind],) if rows is None else (rows, DIMS[kind])
            return (centroids[kind][y] + noise * rng.standard_normal(shape)).astype(np.float32)

        sub_mask = np.ones(steps, bool) if i != 2 else np.zeros(steps, bool)
        text.append(
            (
                f"v{i:03d}",
                VideoFeatures(
                    steps,
                    {
                        "title": signal("text"),
                        "subtitle": signal("text", steps) * sub_mask[:, None],
                    },
                    {"title": np.array(True), "subtitle": sub_mask},
                ),
            )
        )
        faces = np.ones(steps, bool) if i != 3 else np.zeros(steps, bool)
        visual.append(
            (
                f"v{i:03d}",
                VideoFeatures(
                    steps,
                    {
                        "scene": signal("visual", steps),
                        "face": signal("visual", steps) * faces[:, None],
                        "face_count": faces[:, None].astype(np.float32) * (1 + i % 3),
                    },
                    {
                        "scene": np.ones(steps, bool),
                        "face": faces,
                        "face_count": np.ones(steps, bool),
                    },
                ),
            )
        )
        has_audio = i != 1
        a = {}
        m = {}
        for stem in ("vocals", "music"):
            a[stem] = signal("clip") * has_audio
            a[f"{stem}_seq"] = signal("seq", steps) * has_audio
            m[stem] = np.array(has_audio)
            m[f"{stem}_seq"] = np.full(steps, has_audio)
        audio.append((f"v{i:03d}", VideoFeatures(steps, a, m)))
        dist = dict.fromkeys(names, 0.0)
        dist[names[y]] = 0.75
        dist[names[(y + 1) % 8]] = 0.25
        entries.append(ManifestEntry(
            id=f"v{i:03d}", platform="generic", account=f"a{i % 5}", title=f"t{i}",
            engagement=Engagement(), source_file="x", video=f"v{i}.mp4", content_hash="0" * 64,
            media=MediaInfo(duration_s=steps, has_video=True, has_audio=has_audio, size_bytes=1),
            label=LabelSummary(primary=names[y], distribution=dist, intensity=i % 3,
                               agreement=0.75, n_votes=4, votes={}),
            split=("train", "train", "val", "test")[(i // 8) % 4],
        ))  # fmt: skip
    f16, f32 = "float16", "float32"
    write_store(root / "text", _meta("text", (
        StreamSpec(name="title", kind="vector", dim=DIMS["text"], dtype=f16),
        StreamSpec(name="subtitle", kind="sequence", dim=DIMS["text"], dtype=f16),
    )), text, 8)  # fmt: skip
    write_store(root / "visual", _meta("visual", (
        StreamSpec(name="scene", kind="sequence", dim=DIMS["visual"], dtype=f16),
        StreamSpec(name="face", kind="sequence", dim=DIMS["visual"], dtype=f16),
        StreamSpec(name="face_count", kind="sequence", dim=1, dtype=f32),
    )), visual, 8)  # fmt: skip
    streams = []
    for stem in ("vocals", "music"):
        streams.append(StreamSpec(name=stem, kind="vector", dim=DIMS["clip"], dtype=f32))
        streams.append(StreamSpec(name=f"{stem}_seq", kind="sequence", dim=DIMS["seq"], dtype=f32))
    write_store(root / "audio", _meta("audio", tuple(streams)), audio, 8)
    return entries
