"""The evaluate stage: metrics on the held-out split at every level of the wheel, a confusion
matrix, the value of each modality (the model scored with that modality masked), and the
majority class and a linear probe fitted on the train split beside the model (``baselines``)."""

from __future__ import annotations

import csv
import io
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import f1_score

from model.config import ModelConfig
from model.data import FeatureDataset
from model.factory import CONFIG_FILE, load
from model.inference import modality_heads, predict
from model.metrics import confusion, scores
from pipeline import atomic, paths
from pipeline.params import ParamsError, load_params
from pipeline.plutchik import NEUTRAL, Granularity, label_space
from pipeline.records import ManifestEntry
from pipeline.stage_result import StageResult
from stages.evaluate import baselines
from stages.evaluate.params import EvaluateParams
from stages.labels.schema import read_labelled


def evaluate(
    model_dir: Path,
    manifest: Path,
    features: Path,
    split: str | None,
    ablate: bool,
    labels: Path | None = None,
    train_data: tuple[Path, Path, Path | None] | None = None,
) -> dict[str, Any]:
    """Score a trained model on ``split`` of ``manifest`` (every video when ``split`` is None).

    The manifest may come from another dataset than the model's: scores are given at the finest
    label space both support (``shared_labels``; a dataset without intensities cannot be scored
    on the 24 graded emotions) and every coarser one, and ``classes_in_data`` with
    ``macro_f1_in_data`` say how the model does on the classes the manifest actually has.

    ``labels`` is the labels stage's output joined onto the media manifest (None: the labels
    the manifest carries, as an imported labelled manifest may). The baselines are fitted on the
    train split (C of the probe chosen on the val split) of ``train_data`` (manifest, features,
    labels), by default the evaluated data itself."""
    if not (Path(model_dir) / CONFIG_FILE).is_file():
        raise ParamsError(f"{model_dir}: no trained model ({CONFIG_FILE}); train one first")
    model, cfg = load(model_dir)
    entries = [e for e in read_labelled(manifest, labels) if split is None or e.split == split]
    if not entries:
        raise ParamsError(f"{manifest}: no videos in split {split!r} to evaluate on")
    ds = FeatureDataset(entries, features, cfg.modalities, cfg.labels)
    space = shared_labels(cfg.labels, entries)
    probs, targets = (label_space(cfg.labels).project(a, space) for a in predict(model, ds))
    result: dict[str, Any] = {
        # not "model": DVC names a metric and a dependency path by their key alone, and the
        # model/ code folder is a dependency, so `dvc exp show` would show one in both columns
        "architecture": cfg.model,
        "fusion": cfg.fusion,
        "model_labels": cfg.labels,
        "labels": space,
        "split": split or "all",
        "videos": len(entries),
        **scores(probs, targets, space),
        **in_data(probs, targets, space),
    }
    if ablate and len(cfg.modalities) > 1:
        result["ablation"] = {}
        for m in cfg.modalities:
            p, t = (
                label_space(cfg.labels).project(a, space) for a in predict(model, ds, hide=(m,))
            )
            s = scores(p, t, space)
            result["ablation"][m] = {
                "macro_f1": s["macro_f1"],
                "accuracy": s["accuracy"],
                "macro_f1_drop": result["macro_f1"] - s["macro_f1"],
            }
    result["baselines"] = fit_baselines(
        ds, space, train_data or (manifest, features, labels), cfg, targets
    )
    result["warnings"] = [
        f"the model's macro-F1 {result['macro_f1']:.3f} is below the linear probe's "
        f"{result['baselines']['probe']['macro_f1']:.3f} on the same features"
    ] * (result["macro_f1"] < result["baselines"]["probe"]["macro_f1"])
    # each modality head against what annotators said that modality carries
    model_space = label_space(cfg.labels)
    result["modality_heads"] = {
        m: {
            "videos": len(t),
            "accuracy": float(
                np.mean(
                    model_space.project(p, space).argmax(1)
                    == model_space.project(t, space).argmax(1)
                )
            ),
        }
        for m, (p, t) in modality_heads(model, ds).items()
    }
    result["confusion"] = confusion(probs, targets, space).tolist()
    return result


def fit_baselines(
    test: FeatureDataset,
    space: Granularity,
    train_data: tuple[Path, Path, Path | None],
    cfg: ModelConfig,
    targets: np.ndarray,
) -> dict[str, dict[str, Any]]:
    """The majority class and the linear probe (on the model's modalities and label space,
    classes weighted as in its training), fitted on ``train_data``'s train split, scored on
    ``test`` like the model (headline metrics, the probe's chosen C)."""
    modalities, model_labels = cfg.modalities, cfg.labels
    entries = read_labelled(train_data[0], train_data[2])
    sets = {
        s: FeatureDataset(
            [e for e in entries if e.split == s], train_data[1], modalities, model_labels
        )
        for s in ("train", "val")
    }
    if not len(sets["train"]):
        raise ParamsError(f"{train_data[0]}: no train split to fit the baselines on")
    x_train, y_train = baselines.pooled(sets["train"])
    x_val, y_val = baselines.pooled(sets["val"]) if len(sets["val"]) else (None, None)
    x_test, _ = baselines.pooled(test)
    n = len(label_space(model_labels).classes)
    out = {}
    for fitted in (
        baselines.majority(y_train, n),
        baselines.probe(x_train, y_train, x_val, y_val, n, class_power=cfg.class_weights),
    ):
        probs = label_space(model_labels).project(fitted.predict_proba(x_test), space)
        s = scores(probs, targets, space)
        out[fitted.name] = {
            "accuracy": s["accuracy"],
            "macro_f1": s["macro_f1"],
            "weighted_f1": s["weighted_f1"],
            "macro_f1_in_data": in_data(probs, targets, space)["macro_f1_in_data"],
            **fitted.chosen,
        }
    return out


def shared_labels(model_labels: Granularity, entries: list[ManifestEntry]) -> Granularity:
    """The finest label space of the model that the manifest's labels also have: the graded
    emotions only when every emotional item's label carries an intensity (neutral has none)."""
    if model_labels.startswith("emotion24") and any(
        e.label.intensity is None and e.label.primary != NEUTRAL for e in entries
    ):
        return model_labels.replace("emotion24", "primary8")
    return model_labels


def in_data(probs: np.ndarray, targets: np.ndarray, space: Granularity) -> dict[str, Any]:
    """Macro-F1 over the classes present in the data only: a dataset with six of the eight
    primaries would otherwise be charged two empty classes."""
    names = label_space(space).classes
    present = sorted(set(targets.argmax(1).tolist()))
    f1 = f1_score(
        targets.argmax(1), probs.argmax(1), labels=present, average="macro", zero_division=0
    )
    return {"classes_in_data": [names[i] for i in present], "macro_f1_in_data": float(f1)}


@dataclass
class EvaluateResult(StageResult):
    """The metrics written to ``reports/metrics.json`` (model, probe and majority side by side)."""

    metrics: dict[str, Any]
    outputs: list[Path] = field(default_factory=list)
    stage: str = "evaluate"

    @property
    def counts(self) -> dict[str, int | float]:
        m = self.metrics
        return {
            f"{m['split']} videos": m["videos"],
            "accuracy": m["accuracy"],
            "macro-F1": m["macro_f1"],
            "valence accuracy": m["valence_accuracy"],
        }


def run(
    model_dir: Path = paths.MODELS,
    manifest: Path = paths.MANIFEST,
    features: Path = paths.FEATURES,
    reports: Path = paths.REPORTS,
    params_path: Path = paths.PARAMS,
    labels: Path | None = None,
) -> EvaluateResult:
    """The stage on files, as ``python -m stages.evaluate`` runs it."""
    cfg = load_params(params_path, section="evaluate").evaluate
    return process(cfg, model_dir, manifest, features, reports, labels)


def process(
    cfg: EvaluateParams,
    model_dir: Path,
    manifest: Path,
    features: Path,
    reports: Path,
    labels: Path | None = None,
) -> EvaluateResult:
    """Score the model in ``model_dir`` on ``cfg.split`` and write the reports."""
    result = evaluate(model_dir, manifest, features, cfg.split, cfg.ablate_modalities, labels)
    for warning in result["warnings"]:
        print(f"warning: {warning}", file=sys.stderr)
    metrics = write_reports(result, reports)
    reports = Path(reports)
    return EvaluateResult(metrics, [reports / "metrics.json", reports / "evaluation.md"])


def write_reports(result: dict[str, Any], reports: Path) -> dict[str, Any]:
    """``metrics.json``, ``evaluation.md`` and the confusion/ablation plot tables under
    ``reports``; returns the metrics (the result without its confusion matrix)."""
    reports = Path(reports)
    names = label_space(result["labels"]).classes
    matrix = result.pop("confusion")
    atomic.write_json(reports / "metrics.json", result)
    rows = [
        (names[i], names[j])
        for i, row in enumerate(matrix)
        for j, n in enumerate(row)
        for _ in range(n)
    ]
    atomic.write_text(reports / "plots" / "confusion.csv", _csv(["actual", "predicted"], rows))
    ablation = result.get("ablation", {})
    atomic.write_text(
        reports / "plots" / "ablation.csv",
        _csv(
            ["masked", "macro_f1"],
            [("none", result["macro_f1"])] + [(m, a["macro_f1"]) for m, a in ablation.items()],
        ),
    )
    atomic.write_text(reports / "evaluation.md", render(result))
    return result


def render(result: dict[str, Any]) -> str:
    lines = [
        f"# Evaluation: {result['architecture']} ({result['fusion']}) on {result['split']}"
        f" ({result['videos']} videos)",
        "",
        f"Labels: {result['labels']} (the model's: {result['model_labels']}); classes in the"
        f" data: {', '.join(result['classes_in_data'])} (macro-F1 over them"
        f" {result['macro_f1_in_data']:.3f}).",
        "",
        "| level | accuracy | macro-F1 | weighted-F1 |",
        "|---|---:|---:|---:|",
    ]
    for level, s in result["levels"].items():
        lines.append(
            f"| {level} | {s['accuracy']:.3f} | {s['macro_f1']:.3f} | {s['weighted_f1']:.3f} |"
        )
    lines += ["", "| class | precision | recall | F1 | support |", "|---|---:|---:|---:|---:|"]
    for name, c in result["levels"][result["labels"]]["per_class"].items():
        cells = f"{c['precision']:.2f} | {c['recall']:.2f} | {c['f1']:.2f} | {c['support']}"
        lines.append(f"| {name} | {cells} |")
    lines += [
        "",
        "Beside the model, fitted on the same train split and features:",
        "",
        "| | accuracy | macro-F1 | weighted-F1 |",
        "|---|---:|---:|---:|",
        f"| model | {result['accuracy']:.3f} | {result['macro_f1']:.3f} | "
        f"{result['weighted_f1']:.3f} |",
    ]
    for name, b in result["baselines"].items():
        chosen = f" (C={b['C']:g})" if "C" in b else ""
        lines.append(
            f"| {name}{chosen} | {b['accuracy']:.3f} | {b['macro_f1']:.3f} |"
            f" {b['weighted_f1']:.3f} |"
        )
    lines += ["", *(f"**Warning: {w}.**" for w in result["warnings"])]
    if result.get("ablation"):
        lines += [
            "",
            "Each modality masked at inference:",
            "",
            "| masked | macro-F1 | drop |",
            "|---|---:|---:|",
        ]
        for m, a in result["ablation"].items():
            lines.append(f"| {m} | {a['macro_f1']:.3f} | {a['macro_f1_drop']:+.3f} |")
    if result.get("modality_heads"):
        lines += [
            "",
            "Each modality's own head against the annotators' label of that modality:",
            "",
            "| modality | videos | accuracy |",
            "|---|---:|---:|",
        ]
        for m, h in result["modality_heads"].items():
            lines.append(f"| {m} | {h['videos']} | {h['accuracy']:.3f} |")
    return "\n".join(lines) + "\n"


def _csv(header: list[str], rows: list[tuple[Any, ...]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()
