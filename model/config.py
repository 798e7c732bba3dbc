"""Everything needed to rebuild a trained model: saved beside its weights as ``chfen.json``."""

from __future__ import annotations

from pydantic import Field

from model.params import ArchitectureParams, Modality, TrainParams
from pipeline.plutchik import Granularity


class ModelConfig(ArchitectureParams):
    """The ``train.architecture`` section (the same fields, defaults and checks) plus what the
    task and the data decide: the label space and its classes, the modalities and the input
    dimension of every stream, and the branch dropout the forward pass applies in training."""

    labels: Granularity
    classes: tuple[str, ...]
    modalities: tuple[Modality, ...]
    dims: dict[str, int]  # input stream -> feature dimension
    branch_dropout: float = 0.0
    # models saved before the power existed were trained balanced (1)
    class_weights: float = Field(default=1.0, ge=0, le=1)
    # fits averaged into the saved model (``model/ensemble.py``); ``train`` sets it, one fit is 1
    members: int = Field(default=1, ge=1)

    @classmethod
    def from_params(
        cls, train: TrainParams, classes: tuple[str, ...], dims: dict[str, int]
    ) -> ModelConfig:
        return cls(
            **train.architecture.model_dump(),
            labels=train.task.labels,
            classes=classes,
            modalities=train.task.modalities,
            dims=dims,
            branch_dropout=train.optim.branch_dropout,
            class_weights=train.task.class_weights,
        )
