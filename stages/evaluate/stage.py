"""The evaluate stage: metrics on the held-out split at every level of the wheel, a confusion
matrix, and the value of each modality (the model scored with that modality masked)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from model.data import FeatureDataset
from model.factory import load
from model.labels import classes
from model.metrics import confusion, scores
from model.train import predict
from pipeline import atomic
from pipeline.params import ParamsError, load_params
from pipeline.video_stage import read_manifest


def evaluate(
    model_dir: Path, manifest: Path, features: Path, split: str | None, ablate: bool
) -> dict[str, Any]:
    """Score a trained model on ``split`` of ``manifest`` (every video when ``split`` is None)."""
    model, cfg = load(model_dir)
    entries = [e for e in read_manifest(manifest) if split is None or e.split == split]
    if not entries:
        raise ParamsError(f"{manifest}: no videos in split {split!r} to evaluate on")
    ds = FeatureDataset(entries, features, cfg.modalities, cfg.labels)
    probs, targets = predict(model, ds)
    result: dict[str, Any] = {
        "model": cfg.model,
        "fusion": cfg.fusion,
        "labels": cfg.labels,
        "split": split or "all",
        "videos": len(entries),
        **scores(probs, targets, cfg.labels),
    }
    if ablate and len(cfg.modalities) > 1:
        result["ablation"] = {}
        for m in cfg.modalities:
            p, t = predict(model, ds, hide=(m,))
            s = scores(p, t, cfg.labels)
            result["ablation"][m] = {
                "macro_f1": s["macro_f1"],
                "accuracy": s["accuracy"],
                "macro_f1_drop": result["macro_f1"] - s["macro_f1"],
            }
    result["confusion"] = confusion(probs, targets, cfg.labels).tolist()
    return result


def run(
    model_dir: Path = Path("models"),
    manifest: Path = Path("data/interim/manifest.jsonl"),
    features: Path = Path("data/features"),
    reports: Path = Path("reports"),
    params_path: Path = Path("params.yaml"),
) -> dict[str, Any]:
    cfg = load_params(params_path, section="evaluate").evaluate
    result = evaluate(model_dir, manifest, features, cfg.split, cfg.ablate_modalities)
    reports = Path(reports)
    names = classes(result["labels"])
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
        f"# Evaluation: {result['model']} ({result['fusion']}) on {result['split']}"
        f" ({result['videos']} videos)",
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
    return "\n".join(lines) + "\n"


def _csv(header: list[str], rows: list[tuple[Any, ...]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()
