"""How many deliberately wrong labels the audit stage finds (issue #18, part 2).

On a labelled sample with cached features, a known random ``--share`` of the labelled videos
get their primary label flipped to another class present in the data (every vote with it, as if
all annotators had been misled); the audit core (``stages.audit``: pooled features, out-of-fold
probabilities of each probe method grouped by account, cleanlab) runs on the flipped labels, and
the flagged set is scored against the flips: precision, recall and F1, mean and population std over
``--seeds`` (each seed draws other flips and other folds). Every cleanlab ``filter_by`` is
scored on the same out-of-fold probabilities; the run without flips says how many videos are
flagged on the sample's own labels. ``--model-seeds N`` also scores the train stage's own model
(params.yaml's train section, trained per fold) on the first N seeds, the issue's alternative
to the probe. Build the sample in a scratch clone first:

    chfen sample --out data/raw --videos 96 --seed 1
    dvc repro labels embed_text embed_visual embed_audio
    .venv/bin/python -m benchmarks.label_issues [--seeds 5] [--share 0.1] [--model-seeds 3] \
        [--truth data/raw/sample_truth.json]

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
from typing import get_args

import numpy as np
import torch

from model.data import FeatureDataset
from model.inference import predict
from model.train import train
from pipeline.params import AuditParams, TrainParams, load_params
from pipeline.plutchik import label_space
from pipeline.records import ManifestEntry
from stages.audit import oof
from stages.audit.stage import Pooled, out_of_fold, pool, verdict
from stages.labels.schema import read_labelled

FILTERS = get_args(AuditParams.model_fields["filter_by"].annotation)
METHODS = get_args(AuditParams.model_fields["method"].annotation)


def flip(
    entries: list[ManifestEntry], share: float, seed: int
) -> tuple[list[ManifestEntry], set[str]]:
    """``entries`` with the primary label of a random ``share`` of them moved to another class
    present in the data (distribution and votes with it); the flipped ids."""
    rng = np.random.default_rng([seed, 18])
    present = sorted({e.label.primary for e in entries if e.label})
    chosen = set(rng.choice(len(entries), round(share * len(entries)), replace=False).tolist())
    out, ids = [], set()
    for i, e in enumerate(entries):
        if i in chosen and e.label:
            new = str(rng.choice([c for c in present if c != e.label.primary]))
            label = e.label.model_copy(
                update={
                    "primary": new,
                    "distribution": {new: 1.0},
                    "votes": dict.fromkeys(e.label.votes, new),
                }
            )
            e = e.model_copy(update={"label": label})
            ids.add(e.id)
        out.append(e)
    return out, ids


def scored(found: set[str], truth: set[str]) -> dict[str, float]:
    hit = len(found & truth)
    p = hit / len(found) if found else 0.0
    r = hit / len(truth) if truth else 0.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


def model_out_of_fold(
    data: Pooled, features: Path, params: TrainParams, folds: int, seed: int
) -> oof.OutOfFold:
    """Out-of-fold probabilities of the train stage's own model on the audit's folds: for each
    fold, trained on the others but the next one, early-stopped on that one (as
    benchmarks/model.py does)."""
    params = params.changed({"task": {"labels": data.space}, "optim": {"seed": seed}})
    k = oof.fold_count(data.y, data.groups, folds)
    tests = oof.grouped_folds(data.y, data.groups, k, seed)
    probs = np.zeros((len(data.y), len(label_space(data.space).classes)))
    seen = np.zeros(len(data.y), bool)

    def subset(idx: np.ndarray) -> FeatureDataset:
        chosen = [data.entries[i] for i in idx]
        return FeatureDataset(chosen, features, params.task.modalities, data.space)

    for i, test in enumerate(tests):
        val = tests[(i + 1) % k]
        fit = np.setdiff1d(np.arange(len(data.y)), np.union1d(test, val))
        torch.set_num_threads(1)
        result = train(subset(fit), subset(val), params)
        probs[test] = predict(result.model, subset(test))[0]
        seen[test] = np.isin(data.y[test], data.y[np.union1d(fit, val)])
    return oof.OutOfFold(probs, seen, k, {})


def run_seed(
    entries: list[ManifestEntry],
    features: Path,
    cfg: AuditParams,
    share: float,
    seed: int,
    model_params: TrainParams | None = None,
    emotions: dict[str, str] | None = None,
) -> dict[str, dict[str, dict[str, float]]]:
    """Per method (the audit's; the train stage's model when ``model_params`` is given), every
    filter's scores on one seed's flips (folds shuffled by the same seed); with ``emotions``
    (the sample's true emotion by id) also against every label that differs from the truth,
    flipped or not (``*_vs_truth``)."""
    cfg = cfg.changed({"seed": seed})
    flipped, flips = flip(entries, share, seed)
    wrong = {
        e.id
        for e in flipped
        if e.label and emotions and emotions.get(e.id, e.label.primary) != e.label.primary
    }
    data = pool(flipped, features, cfg.modalities)
    methods = {m: out_of_fold(data, cfg.changed({"method": m})) for m in METHODS}
    if model_params is not None:
        methods["model"] = model_out_of_fold(data, features, model_params, cfg.folds, seed)
    results: dict[str, dict[str, dict[str, float]]] = {}
    for method, out in methods.items():
        results[method] = {}
        for name in FILTERS:
            found = verdict(data, out, cfg.changed({"filter_by": name}))
            flagged = {i.video_id for i in found.issues}
            results[method][name] = {
                **scored(flagged, flips),
                "flagged": len(found.issues),
                "flipped": len(flips),
                "oof_accuracy": found.oof_accuracy,
            }
            if emotions:
                vs_truth = scored(flagged, wrong)
                results[method][name] |= {
                    "wrong_vs_truth": len(wrong),
                    "precision_vs_truth": vs_truth["precision"],
                    "recall_vs_truth": vs_truth["recall"],
                }
    return results


def summary(per_seed: list[dict[str, dict[str, float]]]) -> dict[str, dict[str, float]]:
    """Mean and population std over seeds of each filter's scores."""
    out = {}
    for name in per_seed[0]:
        out[name] = {}
        for key in per_seed[0][name]:
            values = [s[name][key] for s in per_seed]
            out[name][f"{key}_mean"] = statistics.fmean(values)
            out[name][f"{key}_std"] = statistics.pstdev(values)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--manifest", type=Path, default=Path("data/interim/manifest.jsonl"))
    parser.add_argument("--labels", type=Path, default=Path("data/interim/labels.jsonl"))
    parser.add_argument("--features", type=Path, default=Path("data/features"))
    parser.add_argument("--params", type=Path, default=Path("params.yaml"))
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--share", type=float, default=0.1)
    parser.add_argument(
        "--truth",
        type=Path,
        default=None,
        help="the sample's data/raw/sample_truth.json: also score against its true emotions",
    )
    parser.add_argument(
        "--model-seeds", type=int, default=0, help="also the train stage's model on this many seeds"
    )
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/label_issues.json"))
    args = parser.parse_args()
    cfg = load_params(args.params, section="audit").audit
    entries = read_labelled(args.manifest, args.labels)
    start = time.perf_counter()
    train_params = load_params(args.params, section="train").train
    emotions = (
        {item["id"]: item["emotion"] for item in json.loads(args.truth.read_text())["items"]}
        if args.truth
        else None
    )
    per_seed = []
    for seed in range(args.seeds):
        with_model = train_params if seed < args.model_seeds else None
        per_seed.append(
            run_seed(entries, args.features, cfg, args.share, seed, with_model, emotions)
        )
        for method, filters in per_seed[-1].items():
            line = filters[cfg.filter_by]
            print(f"seed {seed} {method}: precision {line['precision']:.2f} recall "
                  f"{line['recall']:.2f} ({line['flagged']} flagged, {line['flipped']} flipped)",
                  flush=True)  # fmt: skip
    clean = run_seed(entries, args.features, cfg, 0.0, 0, None, emotions)[cfg.method]
    result = {
        "generated_by": "python -m benchmarks.label_issues",
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "manifest": str(args.manifest),
        "videos": len(entries),
        "share_flipped": args.share,
        "seeds": list(range(args.seeds)),
        "audit": cfg.model_dump(mode="json"),
        "protocol": (
            f"per seed, {args.share:.0%} of the labelled videos (random, seeded) get another "
            "class present in the data as their primary label and every vote; the audit's "
            f"out-of-fold probe probabilities ({cfg.folds} folds grouped by account, shuffled "
            "by the seed) go through cleanlab with each filter_by; the flagged set is scored "
            "against the flipped set; mean and population std over seeds"
        ),
        "target": {"recall": 0.6, "precision": 0.6},
        "default": {"method": cfg.method, "filter_by": cfg.filter_by},
        **{m: summary([s[m] for s in per_seed]) for m in METHODS},
        "model": (
            summary([s["model"] for s in per_seed if "model" in s]) if args.model_seeds else None
        ),
        "model_seeds": list(range(min(args.model_seeds, args.seeds))),
        "without_flips": clean,
        "per_seed": per_seed,
        "seconds": round(time.perf_counter() - start, 1),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    for name, s in result[cfg.method].items():
        print(f"{cfg.method} {name:24s} "
              f"precision {s['precision_mean']:.2f} ± {s['precision_std']:.2f}  "
              f"recall {s['recall_mean']:.2f} ± {s['recall_std']:.2f}  "
              f"F1 {s['f1_mean']:.2f}", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
