"""The embed stages (``embed_text``, ``embed_visual``, ``embed_audio``): frozen encoders over
the extraction stages' outputs, written to the HDF5 feature store of their modality.

Each video's features are computed once into the per-video work cache, keyed by everything they
are computed from (the video or its upstream outputs, the modality's params, the encoder and its
weights); the store is then assembled from the cache in manifest order (see
``pipeline.featurestore``). Changing one modality's encoder re-runs only that modality.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pipeline.featurestore import StoreIndex, load_video, write_store
from pipeline.params import Params, load_params
from pipeline.runner import RunReport, run_per_video
from pipeline.video_stage import failure_rows, read_manifest
from pipeline.work import WorkItem
from stages.embed import audio, text, visual
from stages.embed.job import FEATURES_FILE, Job, Upstream

JOBS: dict[str, Callable[[Params, Upstream], Job]] = {
    "text": text.job,
    "visual": visual.job,
    "audio": audio.job,
}


def run(
    modality: str,
    manifest: Path = Path("data/interim/manifest.jsonl"),
    upstream: Upstream | None = None,
    features: Path = Path("data/features"),
    params_path: Path = Path("params.yaml"),
    show_progress: bool = True,
) -> tuple[StoreIndex, RunReport]:
    if modality not in JOBS:
        raise ValueError(f"unknown modality {modality!r}; choose from {sorted(JOBS)}")
    params = load_params(params_path, section=("embed", "store"))
    job = JOBS[modality](params, upstream or Upstream())
    entries = read_manifest(manifest)
    items = []
    for entry in entries:
        key, inputs = job.inputs(entry)
        video = Path(entry.video or "") if job.reads_video else Path()
        items.append(WorkItem(entry.id, video, key, inputs))
    report = run_per_video(
        f"embed_{modality}",
        items,
        job.work,
        section=job.section,
        version=job.version,
        runner=params.runner,
        show_progress=show_progress,
    )
    report.check(params.runner.max_failure_ratio)
    videos = (
        (o.item.id, load_video(o.entry / FEATURES_FILE))
        for o in report.outcomes
        if o.ok and o.entry is not None
    )
    failures = "".join(f"{row}\n" for row in failure_rows(report))
    index = write_store(
        features / modality,
        job.meta,
        videos,
        params.store.shard_videos,
        extra_files={"failures.jsonl": failures},
    )
    return index, report
