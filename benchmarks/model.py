"""CHFEN against its baselines on the feature store, by cross-validation over several seeds;
training throughput from cached features vs encoding the raw clips at load time (as the original
prototype did); inference latency per video.

The comparison is grouped, stratified K-fold cross-validation over every video of the manifest
(folds by account, as the clean stage's splits are, so no account is in two folds): for fold k
the model trains on the other folds but one, early-stops on fold k+1 and predicts fold k. Every
video is predicted once per seed, out of fold, and macro-F1 is computed over all of them. On the
48-video demo sample the clean stage's test split holds 7 videos, too few to rank models (one
video more or less right moves macro-F1 by 0.1), so use a bigger sample for the figures:

    chfen sample --out data/raw --videos 160 --seed 1   # in a scratch clone, then dvc repro
    .venv/bin/python -m benchmarks.model [--seeds 3] [--folds 5] [--workers 2]
        [--variants chfen late_mlp ...] [--train '{"search": {"enabled": "off"}}']

Every variant trains with ``params.yaml``'s train section (``--train`` changes it for all), so
on a sample this small ``train.search`` runs inside every fold: (candidates x folds + 1)
trainings per fold.

(as a module: run as a script, this file would shadow the `model` package)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import torch
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedGroupKFold

from model.data import FeatureDataset, collate, loader
from model.inference import predict
from model.train import train
from pipeline.params import ALL_MODALITIES, TrainParams, load_params, merged
from pipeline.plutchik import label_space
from pipeline.records import ManifestEntry
from pipeline.video_stage import read_manifest
from pipeline.work import WorkItem
from stages.embed import audio, text, visual
from stages.embed.job import Upstream
from stages.labels.schema import read_labelled

VARIANTS: dict[str, dict] = {
    "chfen": {},
    "chfen_early_fusion": {"architecture": {"fusion": "early"}},
    "chfen_late_fusion": {"architecture": {"fusion": "late"}},
    "chfen_no_conditional_query": {"architecture": {"conditional_query": False}},
    "chfen_no_face_scene_fusion": {"architecture": {"face_scene_fusion": False}},
    "late_mlp": {"architecture": {"model": "late_mlp"}},
    **{
        f"unimodal_{m}": {"architecture": {"model": "unimodal"}, "task": {"modalities": (m,)}}
        for m in ALL_MODALITIES
    },
}


def datasets(manifest: Path, features: Path, modalities, labels):
    entries = read_manifest(manifest)
    return {
        s: FeatureDataset([e for e in entries if e.split == s], features, modalities, labels)
        for s in ("train", "val", "test")
    }


def folds(entries: list[ManifestEntry], k: int, seed: int) -> list[np.ndarray]:
    """Test indices of each fold: stratified by primary label, grouped by account."""
    labels = [e.label.primary for e in entries]
    groups = [e.account or e.id for e in entries]
    split = StratifiedGroupKFold(k, shuffle=True, random_state=seed)
    return [test for _, test in split.split(labels, labels, groups)]


def fold_job(job: tuple) -> tuple[str, int, np.ndarray, np.ndarray, np.ndarray]:
    """Train one variant on one fold; (variant, seed, test indices, predicted, true classes)."""
    name, params, manifest, features, k, fold, seed = job
    torch.set_num_threads(1)
    entries = read_manifest(manifest)
    test = folds(entries, k, seed)[fold]
    val = folds(entries, k, seed)[(fold + 1) % k]
    held = set(test.tolist()) | set(val.tolist())
    train_idx = [i for i in range(len(entries)) if i not in held]

    def subset(idx) -> FeatureDataset:
        chosen = [entries[i] for i in idx]
        return FeatureDataset(chosen, features, params.task.modalities, params.task.labels)

    result = train(subset(train_idx), subset(val), params)
    probs, targets = predict(result.model, subset(test))
    return name, seed, test, probs.argmax(1), targets.argmax(1)


def _seeded(base: TrainParams, overrides: dict, seed: int) -> TrainParams:
    return base.changed(merged(overrides, {"optim": {"seed": seed}}))


def compare(
    manifest: Path,
    features: Path,
    base: TrainParams,
    seeds: list[int],
    k: int,
    workers: int,
    variants: dict[str, dict],
) -> dict:
    n = len(read_manifest(manifest))
    jobs = [
        (
            name,
            base.changed(merged(overrides, {"optim": {"seed": seed}})),
            manifest,
            features,
            k,
            f,
            seed,
        )
        for name, overrides in variants.items()
        for seed in seeds
        for f in range(k)
    ]
    predicted = {(name, seed): np.full(n, -1) for name in variants for seed in seeds}
    truth = np.full(n, -1)
    with ProcessPoolExecutor(workers) as pool:
        for name, seed, test, pred, true in pool.map(fold_job, jobs):
            predicted[name, seed][test] = pred
            truth[test] = true
    labels = list(range(len(label_space(base.task.labels).classes)))
    results = {}
    for name in variants:
        f1s = [
            f1_score(truth, predicted[name, s], labels=labels, average="macro", zero_division=0)
            for s in seeds
        ]
        accs = [accuracy_score(truth, predicted[name, s]) for s in seeds]
        results[name] = {
            "cv_macro_f1_mean": statistics.fmean(f1s),
            "cv_macro_f1_std": statistics.pstdev(f1s),
            "cv_accuracy_mean": statistics.fmean(accs),
            "per_seed_macro_f1": f1s,
        }
        print(f"{name:32s} macro-F1 {results[name]['cv_macro_f1_mean']:.3f} "
              f"± {results[name]['cv_macro_f1_std']:.3f}", flush=True)  # fmt: skip
    return results


def throughput(manifest: Path, features: Path, base: TrainParams, params_path: Path) -> dict:
    """Samples per second through one training step from the store, against the same model fed
    by running the offline encoders on the raw clips at load time."""
    torch.set_num_threads(base.optim.threads)
    ds = datasets(manifest, features, base.task.modalities, base.task.labels)["train"]
    result = train(ds, None, base.changed({"optim": {"epochs": 1}}))
    model = result.model
    optimiser = torch.optim.AdamW(model.parameters(), lr=1e-4)
    start, n = time.perf_counter(), 0
    for _ in range(3):
        for batch in loader(ds, base.optim.batch_size, shuffle=True):
            model.train()
            loss = torch.nn.functional.cross_entropy(model(batch)["logits"], batch["label"])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            n += len(batch["label"])
    cached = n / (time.perf_counter() - start)

    params = load_params(params_path)
    jobs = [m.job(params, Upstream()) for m in (text, visual, audio)]
    entries = read_manifest(manifest)[:4]
    start = time.perf_counter()
    scratch = Path("benchmarks/results/.tmp-encode")
    scratch.mkdir(parents=True, exist_ok=True)
    for entry in entries:
        for job in jobs:
            key, inputs = job.inputs(entry)
            job.work(WorkItem(entry.id, Path(entry.video), key, inputs), scratch)
    raw = len(entries) / (time.perf_counter() - start)
    for f in scratch.iterdir():
        f.unlink()
    scratch.rmdir()

    test = datasets(manifest, features, base.task.modalities, base.task.labels)["test"]
    model.eval()
    with torch.inference_mode():
        start = time.perf_counter()
        for i in range(len(test)):
            model(collate([test[i]], test.kinds))
        latency = (time.perf_counter() - start) / max(len(test), 1)
    return {
        "train_samples_per_s_from_store": cached,
        "train_samples_per_s_encoding_raw_clips": raw,
        "speedup": cached / raw,
        "inference_ms_per_video_from_store": 1000 * latency,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--manifest", type=Path, default=Path("data/interim/manifest.jsonl"))
    parser.add_argument("--labels", type=Path, default=Path("data/interim/labels.jsonl"))
    parser.add_argument("--features", type=Path, default=Path("data/features"))
    parser.add_argument("--params", type=Path, default=Path("params.yaml"))
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2, help="training processes")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/model.json"))
    parser.add_argument("--variants", nargs="+", choices=sorted(VARIANTS), default=list(VARIANTS))
    parser.add_argument(
        "--train",
        type=json.loads,
        default={},
        help='train.* overrides as JSON for every variant, e.g. {"search": {"enabled": "off"}}',
    )
    args = parser.parse_args()
    base = load_params(args.params).train.changed(args.train)
    variants = {name: VARIANTS[name] for name in args.variants}
    # the labelled videos, joined with their labels once, as the manifest every job reads
    joined = Path(tempfile.mkdtemp(prefix="chfen-model-")) / "labelled.jsonl"
    entries = read_labelled(args.manifest, args.labels)
    joined.write_text("".join(e.model_dump_json() + "\n" for e in entries), encoding="utf-8")
    seeds = list(range(args.seeds))
    start = time.perf_counter()
    models = compare(joined, args.features, base, seeds, args.folds, args.workers, variants)
    result = {
        "generated_by": "python -m benchmarks.model",
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "manifest": str(args.manifest),
        "videos": len(entries),
        "seeds": seeds,
        "train_overrides": args.train,
        "search": base.search.model_dump(mode="json"),
        "protocol": (
            f"grouped (account) stratified {args.folds}-fold cross-validation per seed: train on "
            f"{args.folds - 2} folds with the next fold as val (early stopping; only monitored "
            "where train.search chooses the epochs), predict the held-out fold; "
            "macro-F1 over every video's out-of-fold prediction; mean and population std over "
            "seeds (the seed sets the folds, the initialisation and the batch order)"
        ),
        "comparison_seconds": round(time.perf_counter() - start, 1),
        "models": models,
        "speed": throughput(joined, args.features, base, args.params),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result["speed"], indent=2))


if __name__ == "__main__":
    main()
