"""The embed stages (``embed_text``, ``embed_visual``, ``embed_audio``): frozen encoders over
the extraction stages' outputs, written to the HDF5 feature store of their modality.

Each video's features are computed once into the per-video work cache, keyed by everything they
are computed from (the video or its upstream outputs, the modality's params, the encoder and its
weights); the store is then assembled from the cache in manifest order (see
``pipeline.featurestore``). Changing one modality's encoder re-runs only that modality.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import paths
from pipeline.featurestore import StoreIndex, load_video, write_store
from pipeline.params import Params, load_params
from pipeline.records import ManifestEntry
from pipeline.runner import Outcome, RunReport
from pipeline.stage_result import StageResult
from pipeline.video_stage import failure_rows, read_manifest, run_manifest_stage
from pipeline.work import WorkItem
from stages.embed import audio, text, visual
from stages.embed.job import FEATURES_FILE, Job, Upstream

JOBS: dict[str, Callable[[Params, Upstream], Job]] = {
    "text": text.job,
    "visual": visual.job,
    "audio": audio.job,
}


@dataclass
class EmbedResult(StageResult):
    """One modality's store: its index (shards and the videos in each) and the runner's
    report."""

    modality: str
    index: StoreIndex
    report: RunReport
    outputs: list[Path] = field(default_factory=list)

    @property
    def stage(self) -> str:
        return f"embed_{self.modality}"

    @property
    def counts(self) -> dict[str, int]:
        stored = sum(len(shard.ids) for shard in self.index.shards)
        return {"videos": stored, "shards": len(self.index.shards), **self.report.counts}

    @property
    def failures(self) -> list[Outcome]:
        return self.report.failures


def run(
    modality: str,
    manifest: Path = paths.MANIFEST,
    upstream: Upstream | None = None,
    features: Path = paths.FEATURES,
    params_path: Path = paths.PARAMS,
    show_progress: bool = True,
) -> EmbedResult:
    """The stage on files, as ``python -m stages.embed <modality>`` runs it: ``process`` on
    the params file and the manifest."""
    params = load_params(params_path, section=("embed", "store"))
    return process(
        modality, params, read_manifest(manifest), upstream or Upstream(), features, show_progress
    )


def process(
    modality: str,
    params: Params,
    entries: list[ManifestEntry],
    upstream: Upstream,
    features: Path,
    show_progress: bool = True,
) -> EmbedResult:
    """Encode ``modality`` for every entry (cached per video) into the store under
    ``features``, through the same runner path as every per-video stage."""
    if modality not in JOBS:
        raise ValueError(f"unknown modality {modality!r}; choose from {sorted(JOBS)}")
    job = JOBS[modality](params, upstream)

    def item(entry: ManifestEntry) -> WorkItem:
        key, inputs = job.inputs(entry)
        video = Path(entry.video or "") if job.reads_video else Path()
        return WorkItem(entry.id, video, key, inputs)

    report = run_manifest_stage(
        f"embed_{modality}",
        entries,
        job.work,
        section=job.section,
        version=job.version,
        params=params,
        show_progress=show_progress,
        item=item,
    )
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
    return EmbedResult(modality, index, report, [features / modality])
