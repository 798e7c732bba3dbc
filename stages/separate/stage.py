"""The separate stage: each manifest video's audio as vocals and music, at two rates.

Per video (through the per-video runner, so re-runs compute only new or changed videos): decode
the first audio track with ffmpeg to 44.1 kHz stereo (the separators' input) and to 16 kHz
mono (the audio encoders' input), separate vocals from everything else with the configured
backend, track voice activity per second (``stages/separate/vad.py``), and write
``<id>/{vocals,music}.flac`` (44.1 kHz stereo) plus ``<id>/{vocals,music,mix}_16k.flac`` (16 kHz
mono). A video without an audio track is a missing
modality: an index row with ``has_audio: false`` and no files, not a failure.

Outputs (``data/interim/audio/`` by default, replaced as a whole): the files above, ``index.jsonl``
(one ``AudioIndexRow`` per separated or audio-less video, read back with ``read_index``) and
``failures.jsonl``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import soxr
from pydantic import BaseModel, ConfigDict

from pipeline.params import Params, VadParams, load_params
from pipeline.records import ManifestEntry
from pipeline.runner import RunReport
from pipeline.safe_paths import check_id
from pipeline.video_stage import DEFAULT_MANIFEST, publish, read_manifest, run_manifest_stage
from pipeline.work import WorkItem
from stages.separate import audio_io, vad
from stages.separate.audio_io import Levels
from stages.separate.backends import BackendChoice, choose, separator
from stages.separate.stems import Stems

STAGE = "separate"
DEFAULT_OUT = Path("data/interim/audio")
STEM_RATE = 44100
STEM_CHANNELS = 2
ENCODER_RATE = 16000
INDEX = "index.jsonl"
FILES = {
    "vocals": "vocals.flac",
    "music": "music.flac",
    "vocals_16k": "vocals_16k.flac",
    "music_16k": "music_16k.flac",
    "mix_16k": "mix_16k.flac",
}


class AudioIndexRow(BaseModel):
    """One line of ``index.jsonl``. ``files`` maps a role to a path relative to the output
    folder; ``levels`` has ``vocals``, ``music`` and ``mix`` (at 44.1 kHz stereo). ``speech``:
    for each started second, the share of it in which someone speaks (voice activity on the
    16 kHz mix, which benchmarks/separation.py finds more accurate than on the speech stem; empty
    when ``vad`` is None: the VAD was off)."""

    model_config = ConfigDict(extra="forbid")

    id: str
    has_audio: bool
    missing_reason: str | None = None
    duration_s: float
    backend: str
    weights_version: str | None
    stem_rate: int = STEM_RATE
    encoder_rate: int = ENCODER_RATE
    levels: dict[str, Levels] = {}
    files: dict[str, str] = {}
    vad: str | None = None
    speech: list[float] = []


def read_index(folder: Path) -> dict[str, AudioIndexRow]:
    """The stage's ``index.jsonl`` in ``folder``, by video id."""
    rows = (AudioIndexRow.model_validate_json(line) for line in _lines(Path(folder) / INDEX))
    return {row.id: row for row in rows}


def _lines(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@dataclass
class SeparateResult:
    report: RunReport
    backend: BackendChoice
    rows: list[AudioIndexRow] = field(default_factory=list)


def separate_video(
    item: WorkItem, out_dir: Path, *, backend: BackendChoice, vad_params: VadParams
) -> dict[str, Any]:
    """Per-video work: decode, separate, write the five FLAC files, return levels and speech."""
    if not audio_io.has_audio_stream(item.path):
        return {"has_audio": False, "missing_reason": "no_audio_stream"}
    audio = audio_io.decode(item.path, STEM_RATE, STEM_CHANNELS)
    if audio.shape[1] == 0:
        return {"has_audio": False, "missing_reason": "empty_audio_stream"}
    mix_16k = audio_io.decode(item.path, ENCODER_RATE, 1)
    if np.any(audio):
        stems = separator(backend).separate(audio, STEM_RATE)
    else:
        stems = Stems(vocals=np.zeros_like(audio), music=np.zeros_like(audio))
    encoder_stems = {"vocals": _encoder_mono(stems.vocals), "music": _encoder_mono(stems.music)}
    for role, stem in (("vocals", stems.vocals), ("music", stems.music)):
        audio_io.write_flac(out_dir / FILES[role], stem, STEM_RATE)
        audio_io.write_flac(out_dir / FILES[f"{role}_16k"], encoder_stems[role], ENCODER_RATE)
    audio_io.write_flac(out_dir / FILES["mix_16k"], mix_16k, ENCODER_RATE)
    levels = {
        "vocals": audio_io.levels(stems.vocals),
        "music": audio_io.levels(stems.music),
        "mix": audio_io.levels(audio),
    }
    return {
        "has_audio": True,
        "duration_s": round(audio.shape[1] / STEM_RATE, 3),
        "levels": {k: v.model_dump() for k, v in levels.items()},
        "speech": (
            vad.speech_per_second(mix_16k.reshape(-1), vad_params.threshold)
            if vad_params.enabled
            else []
        ),
    }


def run(
    manifest: Path = DEFAULT_MANIFEST,
    out: Path = DEFAULT_OUT,
    params_path: Path = Path("params.yaml"),
    show_progress: bool = True,
) -> SeparateResult:
    """The stage on files, as ``python -m stages.separate`` runs it: ``process`` on the params
    file and the manifest."""
    params = load_params(params_path, section=STAGE)
    return process(params, read_manifest(manifest), out, show_progress)


def process(
    params: Params, entries: list[ManifestEntry], out: Path, show_progress: bool = True
) -> SeparateResult:
    """Separate every video of ``entries`` (cached per video) and publish to ``out``."""
    backend = choose(params)
    vad_params = params.separate.vad
    vad_version = vad.model_version() if vad_params.enabled else None
    report = run_manifest_stage(
        STAGE,
        entries,
        functools.partial(separate_video, backend=backend, vad_params=vad_params),
        section=backend.section,
        version=f"{backend.version}+{vad_version}@{vad_params.threshold}"
        if vad_version
        else backend.version,
        params=params,
        show_progress=show_progress,
        skip=_skip_text_only,
    )
    durations = {e.id: e.media.duration_s for e in entries}
    rows = [
        _index_row(o.item.id, o.result, durations[o.item.id], backend, vad_version)
        for o in report.outcomes
        if o.ok and o.result is not None
    ]
    audible = {row.id for row in rows if row.has_audio}

    def files(video_id: str) -> list[tuple[str, str]]:
        if video_id not in audible:
            return []
        return [(name, f"{check_id(video_id)}/{name}") for name in FILES.values()]

    publish(out, report, files, [row.model_dump_json() for row in rows])
    return SeparateResult(report, backend, rows)


def _index_row(
    video_id: str,
    result: dict[str, Any],
    manifest_duration: float,
    backend: BackendChoice,
    vad_version: str | None,
) -> AudioIndexRow:
    has_audio = bool(result["has_audio"])
    return AudioIndexRow(
        id=video_id,
        has_audio=has_audio,
        missing_reason=result.get("missing_reason"),
        duration_s=result.get("duration_s", manifest_duration),
        backend=backend.name,
        weights_version=backend.weights_version,
        levels=result.get("levels", {}),
        files={role: f"{video_id}/{name}" for role, name in FILES.items()} if has_audio else {},
        vad=vad_version if has_audio else None,
        speech=result.get("speech", []),
    )


def _skip_text_only(entry: ManifestEntry) -> dict[str, Any] | None:
    """A text-only item has no file to take audio from: a missing modality, not a failure."""
    return {"has_audio": False, "missing_reason": "text_only"} if entry.kind == "text" else None


def _encoder_mono(stem: np.ndarray) -> np.ndarray:
    """A 44.1 kHz stem as the 16 kHz mono signal the audio encoders read."""
    mono = stem.mean(axis=0)
    return soxr.resample(mono, STEM_RATE, ENCODER_RATE).astype(np.float32)
