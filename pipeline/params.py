"""``params.yaml``: one section per stage, validated by pydantic models.

Unknown keys and wrong types are errors whose message names the file and the full key path
(``params.yaml: labels.split.train: Input should be a valid number``), so a typo never silently
falls back to a default. Each stage validates the shared sections plus its own at start
(``load_params(section=...)``); ``chfen params check`` validates the whole file.

This module composes the sections (each defined beside its stage) and holds the shared ones
(``runner``); it re-exports every section class, so ``from pipeline.params import OcrParams``
keeps working for scripts and tests. Stage work code imports its own section module instead.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, Field, ValidationError, field_validator

from model.params import (
    ALL_MODALITIES,
    ArchitectureParams,
    Modality,
    OptimParams,
    SearchParams,
    TaskParams,
    TrainParams,
)
from pipeline import paths
from pipeline.section import Device, ParamsError, Profile, Section, merged
from stages.audit.params import AuditParams
from stages.clean.params import CleanParams, FingerprintParams, NearDuplicateParams
from stages.embed.params import (
    AudioEmbedParams,
    EmbedParams,
    StoreParams,
    TextEmbedParams,
    VisualEmbedParams,
)
from stages.evaluate.params import EvaluateParams
from stages.labels.params import LabelsParams, SplitParams
from stages.ocr.params import OcrParams
from stages.separate.params import (
    ClassicSeparationParams,
    DemucsParams,
    SeparateParams,
    SpeechSeparationParams,
    VadParams,
)
from stages.track.params import HogParams, SsdliteParams, TrackParams

__all__ = [
    "ALL_MODALITIES",
    "SHARED_SECTIONS",
    "ArchitectureParams",
    "AudioEmbedParams",
    "AuditParams",
    "ClassicSeparationParams",
    "CleanParams",
    "DemucsParams",
    "Device",
    "EmbedParams",
    "EvaluateParams",
    "FingerprintParams",
    "HogParams",
    "LabelsParams",
    "Modality",
    "NearDuplicateParams",
    "OcrParams",
    "OptimParams",
    "Params",
    "ParamsError",
    "Profile",
    "RunnerParams",
    "SearchParams",
    "Section",
    "SeparateParams",
    "SpeechSeparationParams",
    "SplitParams",
    "SsdliteParams",
    "StoreParams",
    "TaskParams",
    "TaskResources",
    "TextEmbedParams",
    "TrackParams",
    "TrainParams",
    "VadParams",
    "VisualEmbedParams",
    "load_params",
    "merged",
]


class TaskResources(Section):
    """What one video's task reserves on a Ray node. Ray places a task only on a node with these
    free, so a stage that asks for a GPU lands on GPU nodes and CPU stages fill the rest."""

    num_cpus: float = Field(default=1, ge=0)
    num_gpus: float = Field(default=0, ge=0, description="fractions share one GPU")
    memory_gb: float | None = Field(default=None, gt=0, description="RAM reserved per task")


class RunnerParams(Section):
    workers: int | None = Field(
        default=None, ge=1, description="None: one per CPU core (ray: as the cluster allows)"
    )
    max_failure_ratio: float = Field(default=0.1, ge=0, le=1)
    cache_dir: Path = Path(".chfen/cache")
    executor: Literal["local", "ray"] = "local"
    ray_address: str | None = Field(
        default=None, description="None: $RAY_ADDRESS, else a Ray started for the run"
    )
    max_retries: int = Field(default=3, ge=0, description="ray: re-runs of a dead worker's task")
    resources: dict[str, TaskResources] = Field(
        default_factory=dict, description="ray: per-stage requests; unlisted stages: 1 CPU"
    )
    inputs_url: str | None = Field(
        default=None,
        description="an fsspec URL standing for the repository root, where workers read the "
        "inputs when they share no filesystem with the driver (s3://bucket/chfen)",
    )
    inputs_options: dict[str, Any] = Field(
        default_factory=dict,
        description="fsspec storage options for inputs_url (e.g. endpoint_url); credentials "
        "come from the filesystem's usual environment or config, never from params",
    )

    @field_validator("inputs_url")
    @classmethod
    def _known_protocol(cls, url: str | None) -> str | None:
        if url is None:
            return None
        from pipeline.remote_inputs import check_url  # fsspec: imported only when used

        return check_url(url)

    def resolved_workers(self) -> int:
        return self.workers or os.cpu_count() or 1

    def resources_for(self, stage: str) -> TaskResources:
        return self.resources.get(stage, TaskResources())


class Params(Section):
    profile: Profile = "offline"
    runner: RunnerParams = RunnerParams()
    clean: CleanParams = CleanParams()
    labels: LabelsParams = LabelsParams()
    separate: SeparateParams = SeparateParams()
    ocr: OcrParams = OcrParams()
    track: TrackParams = TrackParams()
    embed: EmbedParams = EmbedParams()
    store: StoreParams = StoreParams()
    train: TrainParams = TrainParams()
    evaluate: EvaluateParams = EvaluateParams()
    audit: AuditParams = AuditParams()


SHARED_SECTIONS = ("profile", "runner")


def load_params(path: Path = paths.PARAMS, section: str | tuple[str, ...] | None = None) -> Params:
    """Validate ``path``. With ``section`` (a name or several), only the shared sections and
    those are checked (the others take their defaults), so a stage is not blocked by another
    stage's section."""
    raw = _read_yaml(path)
    if section is not None:
        wanted = (section,) if isinstance(section, str) else section
        for name in wanted:
            if name not in Params.model_fields:
                raise ParamsError(f"{path}: no section {name!r} in the params schema")
        raw = {k: v for k, v in raw.items() if k in (*SHARED_SECTIONS, *wanted)}
    try:
        return Params.model_validate(raw)
    except ValidationError as e:
        raise ParamsError(_describe(path, raw, e)) from None


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ParamsError(f"{path}: cannot read: {e}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise ParamsError(f"{path}: not valid YAML: {e}") from None
    except RecursionError:
        raise ParamsError(f"{path}: nested too deeply to be a params file") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ParamsError(
            f"{path}: the top level must be a mapping of sections, got {type(data).__name__}"
        )
    return data


def _describe(path: Path, raw: dict[str, Any], error: ValidationError) -> str:
    lines = []
    for err in error.errors():
        key = ".".join(str(p) for p in err["loc"]) or "(top level)"
        if err["type"] == "extra_forbidden":
            msg = "unknown key" + _suggestion(err["loc"])
        else:
            msg = err["msg"]
            if (
                "input" in err
                and err["type"] not in ("missing",)
                and not isinstance(err["input"], dict)
            ):
                msg += f" (got {err['input']!r})"
        lines.append(f"{path}: {key}: {msg}")
    return "\n".join(lines)


def _suggestion(loc: tuple[Any, ...]) -> str:
    model: type[BaseModel] = Params
    for part in loc[:-1]:
        field = model.model_fields.get(str(part))
        annotation = getattr(field, "annotation", None)
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return ""
        model = annotation
    close = difflib.get_close_matches(str(loc[-1]), list(model.model_fields), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
