"""``train``: the train stage's section of ``params.yaml`` (beside the model code it configures:
``model/`` never imports ``stages/``)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from pipeline.section import Section

Modality = Literal["title", "visual", "text", "vocals", "music"]


ALL_MODALITIES: tuple[Modality, ...] = ("title", "visual", "text", "vocals", "music")


class ArchitectureParams(Section):
    """``train.architecture``: the network. The saved model config (``model.config``) is this
    section plus what the data decides (classes, modalities, input dims)."""

    model: Literal["chfen", "late_mlp", "unimodal"] = "chfen"
    fusion: Literal["hybrid", "early", "late"] = "hybrid"
    conditional_query: bool = True
    face_scene_fusion: bool = True
    linear_head: bool = Field(
        default=False, description="CHFEN: a linear read-out of the pooled inputs as one branch"
    )
    d_model: int = Field(default=64, ge=8)
    n_queries: int = Field(default=4, ge=1)
    n_heads: int = Field(default=4, ge=1)
    n_layers: int = Field(default=1, ge=1)
    dropout: float = Field(default=0.1, ge=0, lt=1)
    input_dropout: float = Field(
        default=0.0, ge=0, lt=1, description="dropout on the standardised input features"
    )

    @model_validator(mode="after")
    def _heads(self) -> ArchitectureParams:
        if self.d_model % self.n_heads:
            raise ValueError("d_model must be a multiple of n_heads")
        return self


class TaskParams(Section):
    """``train.task``: what is learned from what: label space, modalities, losses."""

    labels: Literal[
        "primary8", "emotion24", "valence3", "primary8+neutral", "emotion24+neutral"
    ] = "primary8"
    modalities: tuple[Modality, ...] = ALL_MODALITIES
    soft_labels: bool = True
    modality_labels: bool = Field(
        default=True,
        description="per-modality labels, where annotators gave them, supervise the modality heads",
    )
    class_weights: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="power of the inverse class frequency weighting the loss: 0 none, 1 balanced"
        " (true/false stand for 1/0)",
    )
    branch_loss: float = Field(default=1.0, ge=0)

    @field_validator("class_weights", mode="before")
    @classmethod
    def _class_weights(cls, value: Any) -> Any:
        return float(value) if isinstance(value, bool) else value

    @model_validator(mode="after")
    def _modalities(self) -> TaskParams:
        if not self.modalities or len(set(self.modalities)) != len(self.modalities):
            raise ValueError("modalities must list at least one modality, each once")
        return self


class OptimParams(Section):
    """``train.optim``: how the weights are fitted: optimiser, schedule, dropout schedules,
    early stopping, seed, threads, and how many final fits the saved model averages."""

    lr: float = Field(default=2e-3, gt=0)
    weight_decay: float = Field(default=0.01, ge=0)
    epochs: int = Field(default=80, ge=1)
    batch_size: int = Field(default=16, ge=1)
    patience: int = Field(default=15, ge=1)
    modality_dropout: float = Field(default=0.15, ge=0, lt=1)
    branch_dropout: float = Field(default=0.5, ge=0, lt=1)
    seed: int = 0
    threads: int = Field(default=1, ge=1, description="torch intra-op threads")
    members: int = Field(
        default=5,
        ge=1,
        description="final fits averaged into the saved model (seeds seed, seed + 1000, ...)",
    )


def _dotted(changes: dict[str, Any]) -> dict[str, Any]:
    """``{"optim.lr": 1e-3}`` as the nested mapping ``{"optim": {"lr": 1e-3}}``."""
    out: dict[str, Any] = {}
    for key, value in changes.items():
        *parents, leaf = key.split(".")
        node = out
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return out


class SearchParams(Section):
    """``train.search``: hyper-parameters chosen by cross-validation on the train split before
    the final fit (``model/search.py``). ``grid`` maps dotted ``train`` keys (``optim.lr``,
    ``architecture.dropout``) to the values tried; every combination is a candidate."""

    enabled: Literal["auto", "on", "off"] = Field(
        default="auto", description="auto: search when the train split has <= max_items videos"
    )
    max_items: int = Field(default=2000, ge=1)
    folds: int = Field(default=3, ge=2, description="stratified, grouped by account")
    epochs: Literal["folds", "val"] = Field(
        default="folds",
        description="folds: the final fit trains for the epoch count with the best out-of-fold"
        " macro-F1 | val: it stops early on the val split",
    )
    grid: dict[str, tuple[Any, ...]] = Field(
        default={"architecture.dropout": (0.1, 0.3), "task.class_weights": (0.5, 1.0)}
    )

    @model_validator(mode="after")
    def _grid(self) -> SearchParams:
        for key, values in self.grid.items():
            if key.split(".")[0] == "search":
                raise ValueError(f"search.grid: {key} cannot be searched")
            if not values:
                raise ValueError(f"search.grid: {key} lists no values")
        return self

    def applies(self, n_items: int) -> bool:
        return self.enabled == "on" or (self.enabled == "auto" and n_items <= self.max_items)

    def candidates(self) -> list[dict[str, Any]]:
        """Every combination of the grid's values, as dotted ``train`` keys."""
        from sklearn.model_selection import ParameterGrid

        return list(ParameterGrid({k: list(v) for k, v in self.grid.items()})) or [{}]


class TrainParams(Section):
    """The train section, grouped by concern: ``architecture``, ``task``, ``optim`` and the
    hyper-parameter ``search``."""

    architecture: ArchitectureParams = ArchitectureParams()
    task: TaskParams = TaskParams()
    optim: OptimParams = OptimParams()
    search: SearchParams = SearchParams()

    def with_candidate(self, candidate: dict[str, Any]) -> TrainParams:
        """These params with one search candidate's dotted keys applied, the search off."""
        return self.changed(_dotted({**candidate, "search.enabled": "off"}))

    @model_validator(mode="after")
    def _consistent(self) -> TrainParams:
        if self.architecture.model == "unimodal" and len(self.task.modalities) != 1:
            raise ValueError("the unimodal model takes exactly one modality")
        if self.search.enabled != "off":  # every candidate must be a valid train section
            for candidate in self.search.candidates():
                try:
                    self.with_candidate(candidate)
                except ValidationError as err:
                    raise ValueError(f"search.grid candidate {candidate}: {err}") from None
        return self
