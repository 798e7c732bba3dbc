"""Public emotion datasets through the whole pipeline -> benchmarks/results/real_data.json.

    .venv/bin/python -m benchmarks.real_data [--shared ../shared/data] [--meld-rows N]

- RAVDESS (``emotion/ravdess``: 96 speech clips, actors 01-12): actors 01-08 and 09-12 are
  imported as two raw folders (``chfen import ravdess --actors``), each goes through clean,
  separate, ocr and track (which skip the audio-only items) and embed with the offline profile;
  an audio-only CHFEN (``train.modalities: [vocals, music]``) is trained on the first manifest
  (clean's actor-disjoint train/val split) and scored on every clip of the second with
  ``evaluate`` (speaker-independent test accuracy beside the majority-class accuracy).
- MELD (``text/meld``: train and dev tables of Friends utterances): imported as text-only items,
  a text-only model (``train.model: unimodal``, ``train.modalities: [title]``) trained on train
  and scored on dev: weighted-F1 over the six emotions on the wheel (neutral is not an emotion
  on the wheel; the clean stage leaves those utterances out, reported in the data card).

Every stage runs through its Python entry point in a scratch folder with its own params file
and per-video cache, the way ``dvc repro`` would run it. Timings are from a shared 2-core
machine and are not a speed claim.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from model.data import FeatureDataset
from model.factory import save
from model.train import train
from pipeline.importers import import_dataset
from pipeline.importers.selection import Selection, parse_ranges
from pipeline.params import load_params
from pipeline.records import ManifestEntry
from pipeline.video_stage import read_manifest
from stages.clean import stage as clean
from stages.embed import stage as embed
from stages.embed.job import Upstream
from stages.evaluate.stage import evaluate
from stages.labels import stage as labels
from stages.labels.schema import read_labelled
from stages.ocr import stage as ocr
from stages.separate import stage as separate
from stages.track import stage as track

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "real_data.json"
DEFAULT_SHARED = Path(os.environ.get("CHFEN_SHARED_DATA", ROOT.parent / "shared" / "data"))

# Imported datasets have one "annotator" (the dataset itself).
CLEAN_OVERRIDES = {"labels": {"min_annotations": 1}}
AUDIO_TRAIN = {
    "model": "chfen",
    "modalities": ["vocals", "music"],
    "epochs": 60,
    "patience": 20,
    "batch_size": 8,
    "modality_dropout": 0.0,
}
TEXT_TRAIN = {
    "model": "unimodal",
    "modalities": ["title"],
    "epochs": 30,
    "patience": 6,
    "batch_size": 64,
}


@dataclass(frozen=True)
class Workspace:
    """A scratch project: one params file and one per-video cache for every dataset in it."""

    root: Path

    def params(self, train: dict[str, Any]) -> Path:
        data = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
        data["profile"] = "offline"
        data["runner"] = {**data.get("runner", {}), "cache_dir": str(self.root / "cache")}
        for section, values in {**CLEAN_OVERRIDES, "train": train}.items():
            data[section] = {**data.get(section, {}), **values}
        path = self.root / "params.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        load_params(path)  # fail here, naming the key, if an override does not fit the schema
        return path


def run_pipeline(
    ws: Workspace, raw: Path, name: str, params: Path, modalities: tuple[str, ...]
) -> tuple[Path, Path, dict[str, float]]:
    """clean and labels, then the extraction stages and the embed stages of ``modalities``;
    returns the manifest, the features folder and the wall seconds of each stage."""
    interim, features = ws.root / f"interim-{name}", ws.root / f"features-{name}"
    manifest = interim / "manifest.jsonl"
    seconds: dict[str, float] = {}

    def timed(stage: str, fn) -> None:
        start = time.perf_counter()
        fn()
        seconds[stage] = round(time.perf_counter() - start, 1)

    reports = ws.root / f"reports-{name}"
    timed("clean", lambda: clean.run(raw, interim, reports, params, False))
    timed("labels", lambda: labels.run(manifest, raw / "annotations", interim, reports, params))
    upstream = Upstream(interim / "subtitles", interim / "tracks", interim / "audio")
    if "audio" in modalities:
        timed("separate", lambda: separate.run(manifest, upstream.audio, params, False))
    if "visual" in modalities or "text" in modalities:
        timed("ocr", lambda: ocr.run(manifest, upstream.subtitles, params, False))
    if "visual" in modalities:
        timed("track", lambda: track.run(manifest, upstream.tracks, params, False))
    for modality in modalities:
        timed(
            f"embed_{modality}",
            lambda m=modality: embed.run(m, manifest, upstream, features, params, False),
        )
    return manifest, features, seconds


def labels_file(manifest: Path) -> Path:
    """The labels stage's output beside ``manifest`` (run_pipeline writes both there)."""
    return manifest.parent / "labels.jsonl"


def labelled(manifest: Path) -> list[ManifestEntry]:
    return read_labelled(manifest, labels_file(manifest))


def train_model(manifest: Path, features: Path, params: Path, out: Path) -> dict[str, Any]:
    """The train stage's work without dvclive: fit on the manifest's train split, early-stop on
    its val split, save to ``out``."""
    cfg = load_params(params, section="train").train
    entries = labelled(manifest)
    datasets = [
        FeatureDataset([e for e in entries if e.split == s], features, cfg.modalities, cfg.labels)
        for s in ("train", "val")
    ]
    result = train(datasets[0], datasets[1] if len(datasets[1]) else None, cfg)
    save(result.model, result.config, out)
    return {
        "train_items": len(datasets[0]),
        "val_items": len(datasets[1]),
        "best_epoch": result.best_epoch,
        "best_val_macro_f1": round(result.best_val_macro_f1, 4),
    }


def majority_accuracy(train_manifest: Path, test_manifest: Path) -> float:
    """Accuracy of always answering the train split's most frequent primary."""
    train_labels = Counter(e.label.primary for e in labelled(train_manifest))
    majority = train_labels.most_common(1)[0][0]
    test = labelled(test_manifest)
    return sum(e.label.primary == majority for e in test) / len(test)


def _headline(result: dict[str, Any]) -> dict[str, Any]:
    levels = {
        level: {
            k: round(v, 4) for k, v in s.items() if k in ("accuracy", "macro_f1", "weighted_f1")
        }
        for level, s in result["levels"].items()
    }
    return {
        "items": result["videos"],
        "labels": result["labels"],
        "accuracy": round(result["accuracy"], 4),
        "macro_f1": round(result["macro_f1"], 4),
        "weighted_f1": round(result["weighted_f1"], 4),
        "levels": levels,
    }


def ravdess(shared: Path, ws: Workspace, calm: str = "serenity") -> dict[str, Any]:
    source = shared / "emotion" / "ravdess"
    params = ws.params(AUDIO_TRAIN)
    out: dict[str, Any] = {"calm": calm, "stage_seconds": {}}
    manifests, stores = {}, {}
    for name, actors in (("train", "1-8"), ("test", "9-12")):
        raw = ws.root / f"raw-ravdess-{name}"
        summary = import_dataset(
            "ravdess", source, raw, Selection(actors=parse_ranges(actors), calm=calm)
        )
        out[f"{name}_import"] = {"items": summary.items, "problems": len(summary.problems)}
        manifests[name], stores[name], seconds = run_pipeline(
            ws, raw, f"ravdess-{name}", params, ("audio",)
        )
        out["stage_seconds"][name] = seconds
    kinds = Counter(e.kind for m in manifests.values() for e in read_manifest(m))
    out["manifest_kinds"] = dict(kinds)
    start = time.perf_counter()
    out["training"] = train_model(manifests["train"], stores["train"], params, ws.root / "m-rav")
    out["train_seconds"] = round(time.perf_counter() - start, 1)
    result = evaluate(
        ws.root / "m-rav",
        manifests["test"],
        stores["test"],
        None,
        ablate=False,
        labels=labels_file(manifests["test"]),
    )
    out["test"] = _headline(result)
    out["test"]["majority_class_accuracy"] = round(
        majority_accuracy(manifests["train"], manifests["test"]), 4
    )
    return out


def meld(shared: Path, ws: Workspace, max_rows: int | None = None) -> dict[str, Any]:
    folder = shared / "text" / "meld"
    params = ws.params(TEXT_TRAIN)
    out: dict[str, Any] = {"stage_seconds": {}}
    manifests, stores = {}, {}
    for name in ("train", "dev"):
        table = folder / f"{name}_sent_emo.csv"
        if max_rows is not None:
            table = _head(table, ws.root / f"{name}_sent_emo.csv", max_rows)
        raw = ws.root / f"raw-meld-{name}"
        summary = import_dataset("meld", table, raw)
        out[f"{name}_import"] = {
            "items": summary.items,
            "labels": summary.labels,
            "problems": len(summary.problems),
        }
        manifests[name], stores[name], seconds = run_pipeline(
            ws, raw, f"meld-{name}", params, ("text",)
        )
        out["stage_seconds"][name] = seconds
    out["manifest_kinds"] = dict(
        Counter(e.kind for m in manifests.values() for e in read_manifest(m))
    )
    start = time.perf_counter()
    out["training"] = train_model(manifests["train"], stores["train"], params, ws.root / "m-meld")
    out["train_seconds"] = round(time.perf_counter() - start, 1)
    result = evaluate(
        ws.root / "m-meld",
        manifests["dev"],
        stores["dev"],
        None,
        ablate=False,
        labels=labels_file(manifests["dev"]),
    )
    out["dev"] = _headline(result)
    out["dev"]["majority_class_accuracy"] = round(
        majority_accuracy(manifests["train"], manifests["dev"]), 4
    )
    return out


def _head(table: Path, dest: Path, rows: int) -> Path:
    """The header and first ``rows`` records of a CSV (a quick run's subset; records, not lines,
    since quoted utterances may span lines)."""
    import csv

    with (
        open(table, newline="", encoding="utf-8-sig") as src,
        open(dest, "w", newline="", encoding="utf-8") as dst,
    ):
        reader, writer = csv.reader(src), csv.writer(dst)
        for n, record in enumerate(reader):
            if n > rows:
                break
            writer.writerow(record)
    return dest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    parser.add_argument("--meld-rows", type=int, default=None, help="first N rows of each table")
    parser.add_argument("--only", choices=("ravdess", "meld"), default=None)
    args = parser.parse_args()
    results: dict[str, Any] = (
        json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.is_file() else {}
    )
    results["machine"] = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "load_average_1m": round(os.getloadavg()[0], 2),
    }
    for name, fn in (
        ("ravdess", lambda ws: ravdess(args.shared, ws)),
        ("meld", lambda ws: meld(args.shared, ws, args.meld_rows)),
    ):
        if args.only not in (None, name):
            continue
        with tempfile.TemporaryDirectory(prefix=f"chfen-{name}-") as tmp:
            results[name] = fn(Workspace(Path(tmp)))
        print(json.dumps({name: results[name]}, indent=2))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
