"""Feature extraction and feature-store speed.

- extraction: CPU seconds per minute of video for each embed modality (offline profile by
  default), measured on manifest videos whose upstream outputs exist (run `make demo` first);
- store: random-access read time per video with one open reader, on a synthetic store shaped like
  STACK.md's measurement (5,000 videos, 5-30 steps, 768-d float16);
- sharing: the share of store bytes that change when 1% more videos are added;
- peak resident memory of this process.

    .venv/bin/python benchmarks/features.py [--videos 6] [--out benchmarks/results/features.json]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import resource
import tempfile
import time
from pathlib import Path

import numpy as np

from pipeline.featurestore import FeatureStore, StoreMeta, StreamSpec, VideoFeatures, write_store
from pipeline.params import load_params
from pipeline.video_stage import read_manifest
from pipeline.work import WorkItem
from stages.embed import audio, text, visual
from stages.embed.job import Upstream


def extraction(manifest: Path, params_path: Path, n: int) -> dict:
    params = load_params(params_path)
    entries = read_manifest(manifest)[:n]
    minutes = sum(e.media.duration_s for e in entries) / 60
    out: dict = {"videos": len(entries), "video_minutes": minutes}
    with tempfile.TemporaryDirectory() as scratch:
        for module in (text, visual, audio):
            job = module.job(params, Upstream())
            first = entries[0]
            key, inputs = job.inputs(first)
            job.work(WorkItem(first.id, Path(first.video), key, inputs), Path(scratch))  # warm up
            start = time.process_time()
            wall = time.perf_counter()
            for entry in entries:
                key, inputs = job.inputs(entry)
                job.work(WorkItem(entry.id, Path(entry.video), key, inputs), Path(scratch))
            out[job.modality] = {
                "backend": job.meta.encoder["backend"],
                "cpu_s_per_video_minute": (time.process_time() - start) / minutes,
                "wall_s_per_video_minute": (time.perf_counter() - wall) / minutes,
            }
    out["all_modalities_cpu_s_per_video_minute"] = sum(
        out[m]["cpu_s_per_video_minute"] for m in ("text", "visual", "audio")
    )
    return out


META = StoreMeta(
    modality="bench",
    streams=(StreamSpec(name="frames", kind="sequence", dim=768),),
    encoder={"name": "random"},
    step_s=1.0,
    params_digest="bench",
)


def videos(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    for i in range(n):
        steps = int(rng.integers(5, 31))
        data = rng.standard_normal((steps, 768)).astype(np.float16)
        yield f"v{i:06d}", VideoFeatures(steps, {"frames": data}, {"frames": np.ones(steps, bool)})


def read_speed(root: Path, n_videos: int = 5000, reads: int = 1000) -> dict:
    write_store(root / "read", META, videos(n_videos), shard_videos=256)
    store = FeatureStore(root / "read")
    ids = store.ids
    for vid in ids[:: max(1, len(ids) // 50)]:
        store.get(vid)  # open every shard once, as a long-lived data-loader worker does
    picks = random.Random(0).choices(ids, k=reads)
    start = time.perf_counter()
    for vid in picks:
        store.get(vid)
    return {
        "videos": n_videos,
        "reads": reads,
        "us_per_video": 1e6 * (time.perf_counter() - start) / reads,
    }


def sharing(root: Path, n_videos: int = 2000, shard_videos: int = 256) -> dict:
    def digests(folder: Path) -> dict[str, tuple[str, int]]:
        return {
            p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_size)
            for p in folder.iterdir()
        }

    write_store(root / "before", META, videos(n_videos), shard_videos)
    write_store(root / "after", META, videos(n_videos + n_videos // 100), shard_videos)
    before, after = digests(root / "before"), digests(root / "after")
    changed = sum(size for name, (h, size) in after.items() if before.get(name, (None,))[0] != h)
    total = sum(size for _, size in after.values())
    return {
        "videos_before": n_videos,
        "videos_added": n_videos // 100,
        "bytes_total_after": total,
        "bytes_changed_or_new": changed,
        "changed_share": changed / total,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--manifest", type=Path, default=Path("data/interim/manifest.jsonl"))
    parser.add_argument("--params", type=Path, default=Path("params.yaml"))
    parser.add_argument("--videos", type=int, default=6)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/features.json"))
    args = parser.parse_args()
    result: dict = {"cpus": os.cpu_count(), "load_average_at_start": os.getloadavg()[0]}
    if args.manifest.is_file():
        result["extraction"] = extraction(args.manifest, args.params, args.videos)
    with tempfile.TemporaryDirectory() as tmp:
        result["store_read"] = read_speed(Path(tmp))
        result["sharing"] = sharing(Path(tmp))
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
