"""Everything needed to rebuild a trained model: saved beside its weights as ``chfen.json``."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from pipeline.params import Modality, TrainParams
from pipeline.plutchik import Granularity


class ModelConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    model: Literal["chfen", "late_mlp", "unimodal"]
    labels: Granularity
    classes: tuple[str, ...]
    modalities: tuple[Modality, ...]
    dims: dict[str, int]  # input stream -> feature dimension
    fusion: Literal["hybrid", "early", "late"] = "hybrid"
    conditional_query: bool = True
    face_scene_fusion: bool = True
    d_model: int = 64
    n_queries: int = 4
    n_heads: int = 4
    n_layers: int = 1
    dropout: float = 0.1
    branch_dropout: float = 0.0
    linear_head: bool = False  # False for models saved before the linear branch existed

    @classmethod
    def from_params(
        cls, train: TrainParams, classes: tuple[str, ...], dims: dict[str, int]
    ) -> ModelConfig:
        return cls(
            model=train.model,
            labels=train.labels,
            classes=classes,
            modalities=train.modalities,
            dims=dims,
            fusion=train.fusion,
            conditional_query=train.conditional_query,
            face_scene_fusion=train.face_scene_fusion,
            d_model=train.d_model,
            n_queries=train.n_queries,
            n_heads=train.n_heads,
            n_layers=train.n_layers,
            dropout=train.dropout,
            branch_dropout=train.branch_dropout,
            linear_head=train.linear_head,
        )
