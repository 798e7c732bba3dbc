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

from pipeline import paths
from pipeline.params import Params, load_params
from pipeline.records import ManifestEntry
from pipeline.runner import Outcome, RunReport
from pipeline.safe_paths import check_id
from pipeline.stage_result import StageResult
from pipeline.video_stage import publish, read_manifest, run_manifest_stage
from stages.separate import vad
from stages.separate.backends import BackendChoice, choose
from stages.separate.schema import FILES, AudioIndexRow
from stages.separate.work import separate_video

STAGE = "separate"


@dataclass
class SeparateResult(StageResult):
    report: RunReport
    backend: BackendChoice
    rows: list[AudioIndexRow] = field(default_factory=list)
    outputs: list[Path] = field(default_factory=list)
    stage: str = STAGE

    @property
    def counts(self) -> dict[str, int]:
        silent = sum(not row.has_audio for row in self.rows)
        return {**self.report.counts, "without audio": silent}

    @property
    def failures(self) -> list[Outcome]:
        return self.report.failures

    def summary(self) -> str:
        return f"{super().summary()} (backend {self.backend.name})"


def run(
    manifest: Path = paths.MANIFEST,
    out: Path = paths.AUDIO,
    params_path: Path = paths.PARAMS,
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
    return SeparateResult(report, backend, rows, [Path(out)])


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
