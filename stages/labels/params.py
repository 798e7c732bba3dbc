"""``labels``: the labels stage's section of ``params.yaml``."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from pipeline.section import Section


class SplitParams(Section):
    train: float = Field(default=0.7, gt=0, lt=1)
    val: float = Field(default=0.15, ge=0, lt=1)
    test: float = Field(default=0.15, ge=0, lt=1)  # 0: the test set is declared elsewhere
    seed: int = 42

    @model_validator(mode="after")
    def _sums_to_one(self) -> SplitParams:
        total = self.train + self.val + self.test
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"train + val + test must be 1, got {total:g}")
        return self


class LabelsParams(Section):
    min_annotations: int = Field(default=2, ge=1)
    min_agreement: float = Field(default=0.5, ge=0, le=1)
    aggregation: Literal["mean", "dawid_skene"] = "mean"
    neutral: Literal["abstain", "class"] = Field(
        default="abstain",
        description="a neutral vote: an abstention, or a vote for the neutral class",
    )
    reliability_model: Literal["one_coin", "full"] = "one_coin"
    exclude_annotators: tuple[str, ...] = ()
    min_competence: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="annotators under this Dawid-Skene competence are left out",
    )
    split: SplitParams = SplitParams()
