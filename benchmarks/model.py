"""CHFEN against its baselines on the feature store, over several seeds; training throughput
from cached features vs encoding the raw clips at load time (as the original prototype did);
inference latency per video.

Run after `make demo` (or any `dvc repro` that built data/features):

    .venv/bin/python -m benchmarks.model [--seeds 3] [--out benchmarks/results/model.json]

(as a module: run as a script, this file would shadow the `model` package)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path

import torch

from model.data import FeatureDataset, collate
from model.metrics import scores
from model.train import loader, predict, train
from pipeline.params import ALL_MODALITIES, TrainParams, load_params
from pipeline.runner import WorkItem
from pipeline.video_stage import read_manifest
from stages.embed import audio, text, visual
from stages.embed.job import Upstream

VARIANTS: dict[str, dict] = {
    "chfen": {},
    "chfen_early_fusion": {"fusion": "early"},
    "chfen_late_fusion": {"fusion": "late"},
    "chfen_no_conditional_query": {"conditional_query": False},
    "late_mlp": {"model": "late_mlp"},
    **{f"unimodal_{m}": {"model": "unimodal", "modalities": (m,)} for m in ALL_MODALITIES},
}


def datasets(manifest: Path, features: Path, modalities, labels):
    entries = read_manifest(manifest)
    return {
        s: FeatureDataset([e for e in entries if e.split == s], features, modalities, labels)
        for s in ("train", "val", "test")
    }


def compare(manifest: Path, features: Path, base: TrainParams, seeds: list[int]) -> dict:
    results = {}
    for name, overrides in VARIANTS.items():
        f1s, accs = [], []
        for seed in seeds:
            params = base.model_copy(update={**overrides, "seed": seed})
            ds = datasets(manifest, features, params.modalities, params.labels)
            result = train(ds["train"], ds["val"], params)
            probs, targets = predict(result.model, ds["test"])
            s = scores(probs, targets, params.labels)
            f1s.append(s["macro_f1"])
            accs.append(s["accuracy"])
        results[name] = {
            "test_macro_f1_mean": statistics.fmean(f1s),
            "test_macro_f1_std": statistics.pstdev(f1s),
            "test_accuracy_mean": statistics.fmean(accs),
            "per_seed_macro_f1": f1s,
        }
        print(f"{name:32s} macro-F1 {results[name]['test_macro_f1_mean']:.3f} "
              f"± {results[name]['test_macro_f1_std']:.3f}")  # fmt: skip
    return results


def throughput(manifest: Path, features: Path, base: TrainParams, params_path: Path) -> dict:
    """Samples per second through one training step from the store, against the same model fed
    by running the offline encoders on the raw clips at load time."""
    torch.set_num_threads(base.threads)
    ds = datasets(manifest, features, base.modalities, base.labels)["train"]
    result = train(ds, None, base.model_copy(update={"epochs": 1}))
    model = result.model
    optimiser = torch.optim.AdamW(model.parameters(), lr=1e-4)
    start, n = time.perf_counter(), 0
    for _ in range(3):
        for batch in loader(ds, base.batch_size, shuffle=True):
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

    test = datasets(manifest, features, base.modalities, base.labels)["test"]
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
    parser.add_argument("--features", type=Path, default=Path("data/features"))
    parser.add_argument("--params", type=Path, default=Path("params.yaml"))
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/model.json"))
    args = parser.parse_args()
    base = load_params(args.params).train
    result = {
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "videos": len(read_manifest(args.manifest)),
        "seeds": list(range(args.seeds)),
        "models": compare(args.manifest, args.features, base, list(range(args.seeds))),
        "speed": throughput(args.manifest, args.features, base, args.params),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result["speed"], indent=2))


if __name__ == "__main__":
    main()
