"""One clip through extraction and the model: the ``Prediction`` that ``chfen predict`` prints.

Modalities the clip lacks, or that cannot be made here as they were for training, are masked and
say why; the prediction is then the model's answer from what remains (the model was trained
with modality dropout for this). Each available modality's contribution is the drop of the
predicted class's probability when it is masked too.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from pydantic import BaseModel

from model.config import ModelConfig
from model.data import STREAMS, FeatureDataset
from model.factory import CONFIG_FILE, load
from model.inference import infer
from model.params import ALL_MODALITIES
from model.provenance import FeatureProvenance, read
from pipeline import paths
from pipeline.plutchik import label_space
from stages.ocr.outputs import Subtitle
from stages.predict.extract import Extraction, extract
from stages.predict.reading import Dyad, Emotion, dyads, top_emotions

# Why a modality that nothing went wrong for is still empty.
EMPTY = {
    "title": "no title given (--title)",
    "text": "no on-screen text recognised",
    "visual": "no frames decoded",
    "vocals": "no audio",
    "music": "no audio",
}


class PredictError(ValueError):
    """Nothing to predict from, or no usable model; the message says what to do."""


class ModalityReport(BaseModel):
    name: str
    available: bool
    reason: str | None = None  # why it is unavailable (masked)
    contribution: float | None = None  # drop of the top class's probability when masked
    # what the modality's own head reads (trained on per-modality labels where annotators gave
    # them): its most probable class and that probability
    emotion: str | None = None
    emotion_probability: float | None = None


class Timeline(BaseModel):
    """CHFEN's cross-attention per time step: for each coupled pair (tv: subtitles + visual,
    va: visual + audio), the share of its queries' attention on each step of the clip."""

    step_s: float
    pairs: dict[str, list[float]]


class Prediction(BaseModel):
    video: str
    title: str
    duration_s: float  # as probed (0 when the video could not be read)
    model: dict[str, str]
    labels: str
    distribution: dict[str, float]  # over the model's label space; sums to 1
    primaries: dict[str, float]  # the same mass on the 8 primaries of the wheel
    neutral: float = 0.0  # the neutral class's mass (the centre of the wheel), if it has one
    top: list[Emotion]
    dyads: list[Dyad]
    modalities: list[ModalityReport]
    timeline: Timeline | None
    subtitles: list[Subtitle]
    backends: dict[str, str]
    notes: list[str]


def load_model(model_dir: Path) -> tuple[object, ModelConfig, FeatureProvenance]:
    model_dir = Path(model_dir)
    if not (model_dir / CONFIG_FILE).is_file():
        raise PredictError(
            f"{model_dir}: no {CONFIG_FILE}; train a model first (dvc repro train) or "
            "point --model at the folder holding chfen.json and chfen.safetensors"
        )
    try:
        record = read(model_dir)
        model, cfg = load(model_dir)
    except ValueError as e:  # unreadable metadata, or weights that fail their check
        raise PredictError(f"{model_dir}: cannot load the model: {e}") from None
    if record is None:
        raise PredictError(
            f"{model_dir / CONFIG_FILE}: no record of how its features were extracted (the "
            "model predates `chfen predict`); retrain it with `dvc repro train`"
        )
    return model, cfg, record


def predict(
    video: Path,
    title: str = "",
    model_dir: Path = paths.MODELS,
    mask: Sequence[str] = (),
    show_progress: bool = False,
) -> Prediction:
    """Extract ``video``'s features in a temporary folder and run the model on them."""
    unknown = sorted(set(mask) - set(ALL_MODALITIES))
    if unknown:
        raise PredictError(f"--mask: unknown modality {unknown}; known: {list(ALL_MODALITIES)}")
    video = Path(video)
    if not video.is_file():
        raise PredictError(f"{video}: no such file")
    model, cfg, record = load_model(model_dir)
    with tempfile.TemporaryDirectory(prefix="chfen-predict-") as work:
        extraction = extract(video, title, record, Path(work), show_progress)
        return run_model(model, cfg, extraction, mask, model_dir)


def run_model(
    model: object,
    cfg: ModelConfig,
    extraction: Extraction,
    mask: Sequence[str] = (),
    model_dir: Path = paths.MODELS,
) -> Prediction:
    """The model on extracted features, with ``mask`` hidden on request."""
    example = FeatureDataset([extraction.entry], extraction.features, cfg.modalities, cfg.labels)[0]
    reports = []
    for m in cfg.modalities:
        present = any(bool(example[f"{s}_mask"].any()) for s, _ in STREAMS[m][1])
        reason = None
        if m in mask:
            reason = "masked on request (--mask)"
        elif not present:
            reason = next(
                (f"{p.message} ({p.where})" for p in extraction.problems if m in p.modalities),
                EMPTY[m],
            )
        reports.append(ModalityReport(name=m, available=reason is None, reason=reason))
    available = [r.name for r in reports if r.available]
    if not available:
        why = "; ".join(f"{r.name}: {r.reason}" for r in reports)
        raise PredictError(f"{extraction.entry.source_file}: no modality to predict from ({why})")
    hidden = [r.name for r in reports if not r.available]
    result = infer(
        model,
        example,
        cfg.modalities,
        hide=hidden,
        measure=available if len(available) > 1 else (),
    )
    for r in reports:
        r.contribution = result.drops.get(r.name)
        if (head := result.heads.get(r.name)) is not None:
            r.emotion = cfg.classes[int(np.argmax(head))]
            r.emotion_probability = float(np.max(head))
    probs = result.probabilities / result.probabilities.sum()
    shares = label_space(cfg.labels).primaries(probs)
    timeline = None
    if result.step_attention is not None and extraction.video_readable:
        timeline = Timeline(
            step_s=extraction.step_s,
            pairs={pair: [float(v) for v in a] for pair, a in result.step_attention.items()},
        )
    notes = [f"{p.where}: {p.message}" for p in extraction.problems]
    if not extraction.video_readable:
        notes.append("prediction from the title alone: the video could not be read")
    return Prediction(
        video=extraction.entry.source_file,
        title=extraction.entry.title,
        duration_s=extraction.entry.media.duration_s if extraction.video_readable else 0.0,
        model={
            "dir": str(model_dir),
            "model": cfg.model,
            "fusion": cfg.fusion,
            "labels": cfg.labels,
        },
        labels=cfg.labels,
        distribution={c: float(p) for c, p in zip(cfg.classes, probs, strict=True)},
        primaries=shares,
        neutral=label_space(cfg.labels).neutral_share(probs),
        top=top_emotions(probs, cfg.labels),
        dyads=dyads(shares),
        modalities=reports,
        timeline=timeline,
        subtitles=extraction.subtitles,
        backends=extraction.backends,
        notes=notes,
    )
