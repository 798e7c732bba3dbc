"""``clean``: the clean stage's section of ``params.yaml``."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from pipeline.section import Section


class FingerprintParams(Section):
    fps: float = Field(default=2.0, gt=0, le=10)


class NearDuplicateParams(Section):
    mode: Literal["group", "reject", "off"] = "group"
    fingerprint: FingerprintParams = FingerprintParams()
    max_distance: int = Field(default=10, ge=0, le=16)
    min_shared: float = Field(default=0.55, gt=0, le=1)


class CleanParams(Section):
    min_duration_s: float = Field(default=3.0, ge=0)
    max_duration_s: float = Field(default=600.0, gt=0)
    near_duplicates: NearDuplicateParams = NearDuplicateParams()

    @model_validator(mode="after")
    def _range(self) -> CleanParams:
        if self.min_duration_s >= self.max_duration_s:
            raise ValueError("min_duration_s must be below max_duration_s")
        return self
