"""A tiny CHFEN trained in the test on random feature stores laid out exactly as this machine's
offline encoders write them (same encoder names, weights fingerprints, dims and params digest),
so ``chfen predict`` runs the real extraction on a clip and feeds the model what it expects."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import yaml

from pipeline.featurestore import StoreMeta, VideoFeatures, write_store
from pipeline.params import load_params
from pipeline.plutchik import wheel
from pipeline.records import Engagement, LabelSummary, ManifestEntry, MediaInfo
from stages.embed import audio, text, visual
from stages.embed.job import Upstream
from stages.train import stage as train_stage
from tests.debug_params import TINY_TRAIN

# Cheap extraction (recorded with the model, so predict uses it too) and a tiny network.
PARAMS = {
    "ocr": {"fps": 1.0},
    "track": {"fps": 2.0, "n_init": 1},
    "embed": {"max_steps": 10},
    "train": TINY_TRAIN,
}


def store_metas(params_path: Path) -> dict[str, StoreMeta]:
    params = load_params(params_path, section=("embed", "store"))
    return {
        m.__name__.split(".")[-1]: m.job(params, Upstream()).meta for m in (text, visual, audio)
    }


def _features(meta: StoreMeta, steps: int, y: int, rng: np.random.Generator) -> VideoFeatures:
    arrays, masks = {}, {}
    for spec in meta.streams:
        shape = (spec.dim,) if spec.kind == "vector" else (steps, spec.dim)
        centre = np.sin(np.arange(spec.dim) * (y + 1))
        arrays[spec.name] = (centre + 0.5 * rng.standard_normal(shape)).astype(np.float32)
        if spec.name == "face_count":  # a count: never negative
            arrays[spec.name] = np.full(shape, y % 3, np.float32)
        masks[spec.name] = np.array(True) if spec.kind == "vector" else np.ones(steps, bool)
    return VideoFeatures(steps, arrays, masks)


def train_tiny_model(root: Path, n: int = 16) -> Path:
    """Train on ``n`` random videos under ``root``; return the model folder."""
    root.mkdir(parents=True, exist_ok=True)
    params_path = root / "params.yaml"
    params_path.write_text(yaml.safe_dump(PARAMS), encoding="utf-8")
    metas = store_metas(params_path)
    rng = np.random.default_rng(0)
    names = wheel().names
    entries, videos = [], {m: [] for m in metas}
    for i in range(n):
        y, steps = i % 8, 2 + i % 3
        for m, meta in metas.items():
            videos[m].append((f"v{i:02d}", _features(meta, steps, y, rng)))
        entries.append(
            ManifestEntry(
                id=f"v{i:02d}",
                platform="generic",
                title=f"t{i}",
                engagement=Engagement(),
                source_file="x",
                video=f"v{i}.mp4",
                content_hash="0" * 64,
                media=MediaInfo(duration_s=steps, has_video=True, has_audio=True, size_bytes=1),
                label=LabelSummary(
                    primary=names[y],
                    distribution={names[y]: 1.0},
                    agreement=1.0,
                    n_votes=2,
                    votes={},
                ),
                split="val" if i % 4 == 3 else "train",
            )
        )
    for m, meta in metas.items():
        write_store(root / "features" / m, meta, videos[m], 8)
    manifest = root / "manifest.jsonl"
    manifest.write_text("".join(e.model_dump_json() + "\n" for e in entries))
    train_stage.run(manifest, root / "features", root / "models", root / "dvclive", params_path)
    return root / "models"
