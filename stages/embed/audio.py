"""Audio features: for the separated vocals and music, a clip-level vector and a per-step
sequence each, plus ``speech``: per step, the share of it in which someone speaks (the separate
stage's voice activity; masked where the VAD was off). A video without an audio track is masked,
not failed."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import soundfile as sf

from pipeline.featurestore import StoreMeta, StreamSpec, VideoFeatures, save_video
from pipeline.records import ManifestEntry
from pipeline.section import ParamsError
from pipeline.weights import fingerprint
from stages.embed.audio_encoders import SAMPLE_RATE, OpenSmileEncoder, audio_encoder
from stages.embed.hf_models import resolve_hf_model
from stages.embed.job import FEATURES_FILE, Job, Upstream, file_bytes, input_hash, job_section
from stages.embed.timeline import n_steps
from stages.separate.schema import read_index

if TYPE_CHECKING:
    from pipeline.params import Params
    from pipeline.work import WorkItem


OFFLINE = "embed.audio.backend: opensmile (eGeMAPSv02, shipped with the opensmile wheel)"
STEMS = ("vocals", "music")
STEM_FILE = "{stem}_16k.flac"  # written by the separate stage


def job(params: Params, upstream: Upstream) -> Job:
    cfg = params.embed.audio
    backend = cfg.resolved_backend(params.profile)
    if backend == "opensmile":
        import opensmile

        folder, clip_dim, step_dim = None, OpenSmileEncoder.clip_dim, OpenSmileEncoder.step_dim
        weights, model_name = f"opensmile-{opensmile.__version__}", "eGeMAPSv02"
    else:
        if not cfg.model:
            raise ParamsError(
                "embed.audio.model: required for the hf backend (a folder or model id)"
            )
        path = resolve_hf_model(cfg.model, OFFLINE)
        from transformers import AutoConfig

        hidden = int(AutoConfig.from_pretrained(str(path), local_files_only=True).hidden_size)
        folder, clip_dim, step_dim = str(path), hidden, hidden
        weights, model_name = fingerprint(path), cfg.model
    section = job_section(params, cfg)
    # openSMILE descriptors span orders of magnitude (Hz, dB, ratios): keep them in float32.
    dtype = "float32" if backend == "opensmile" else params.store.dtype
    streams = []
    for stem in STEMS:
        streams.append(StreamSpec(name=stem, kind="vector", dim=clip_dim, dtype=dtype))
        streams.append(StreamSpec(name=f"{stem}_seq", kind="sequence", dim=step_dim, dtype=dtype))
    streams.append(StreamSpec(name="speech", kind="sequence", dim=1, dtype="float32"))
    meta = StoreMeta(
        modality="audio",
        streams=tuple(streams),
        encoder={"backend": backend, "model": model_name, "weights": weights},
        step_s=params.embed.step_s,
        params_digest=section.digest(),
    )

    index = read_index(upstream.audio) if (upstream.audio / "index.jsonl").is_file() else {}

    def inputs(entry: ManifestEntry) -> tuple[str, dict[str, Any]]:
        files = {s: upstream.audio / entry.id / STEM_FILE.format(stem=s) for s in STEMS}
        steps = n_steps(entry.media.duration_s, params.embed.step_s, params.embed.max_steps)
        row = index.get(entry.id)
        speech = row.speech if row is not None and row.vad is not None else None
        key = input_hash(*(file_bytes(f) for f in files.values()), str(steps), str(speech))
        return key, {"stems": files, "steps": steps, "speech": speech}

    work = partial(encode_audio, backend=backend, folder=folder, step_s=params.embed.step_s)
    return Job(
        "audio", section, f"audio-{backend}-{weights}", meta, work, inputs, reads_video=False
    )


def encode_audio(
    item: WorkItem, out_dir: Path, *, backend: str, folder: str | None, step_s: float
) -> dict[str, Any]:
    encoder = audio_encoder(backend, folder)
    steps = int(item.inputs["steps"])
    arrays: dict[str, np.ndarray] = {}
    masks: dict[str, np.ndarray] = {}
    present = []
    for stem in STEMS:
        path = Path(item.inputs["stems"][stem])
        if path.is_file():
            signal = _read_mono_16k(path)
            clip, seq = encoder.encode(signal, steps, step_s)
            covered = np.arange(steps) * step_s < len(signal) / SAMPLE_RATE
            present.append(stem)
        else:
            clip = np.zeros(encoder.clip_dim, np.float32)
            seq = np.zeros((steps, encoder.step_dim), np.float32)
            covered = np.zeros(steps, bool)
        arrays[stem], masks[stem] = clip, np.array(path.is_file())
        arrays[f"{stem}_seq"], masks[f"{stem}_seq"] = seq, covered
    arrays["speech"], masks["speech"] = speech_steps(item.inputs["speech"], steps, step_s)
    save_video(out_dir / FEATURES_FILE, VideoFeatures(steps, arrays, masks))
    return {"steps": steps, "stems": present}


def speech_steps(
    per_second: list[float] | None, steps: int, step_s: float
) -> tuple[np.ndarray, np.ndarray]:
    """Per step, the speech share of the second it starts in, and where that is known."""
    values = np.zeros((steps, 1), np.float32)
    if per_second is None:
        return values, np.zeros(steps, bool)
    second = (np.arange(steps) * step_s).astype(int)
    known = second < len(per_second)
    values[known, 0] = np.asarray(per_second, np.float32)[second[known]]
    return values, known


def _read_mono_16k(path: Path) -> np.ndarray:
    signal, rate = sf.read(str(path), dtype="float32", always_2d=True)
    mono = signal.mean(axis=1)
    if rate != SAMPLE_RATE:
        import librosa

        mono = librosa.resample(mono, orig_sr=rate, target_sr=SAMPLE_RATE)
    return np.ascontiguousarray(mono, dtype=np.float32)
