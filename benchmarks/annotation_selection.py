"""How many wrong labels the next-round selection of ``chfen annotate tasks`` catches.

A simulated round 1: ``--items`` videos with a known true primary, dealt by
``chfen.annotate.selection.assign`` to three annotators with overlap 2 (two honest ones who
pick the true primary with probability ``--accuracy``, else a random other primary, and one
careless one who picks uniformly), run through the real labels stage (default params). An item
is wrong when the labels stage gives it a primary other than the truth or no label at all. The
selection (``candidates`` + ``rank``, agreement under 0.6) with a budget of ``--budget`` of the
items is compared with a random pick of the same size (mean over 200 draws): the share of the
wrong items each catches (recall) and the share of the picked items that are wrong (precision).

    .venv/bin/python -m benchmarks.annotation_selection [--items 400] [--budget 0.25]
        [--accuracy 0.8] [--seed 0] [--out benchmarks/results/annotation_selection.json]
"""

from __future__ import annotations

import argparse
import csv
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from chfen.annotate.selection import assign, candidates, rank
from pipeline.plutchik import primaries
from pipeline.records import Engagement, ManifestEntry, MediaInfo
from stages.labels.schema import read_labels, read_unlabelled
from stages.labels.stage import run as run_labels

ANNOTATORS = {"honest1": "honest", "honest2": "honest", "careless": "careless"}
REPO = Path(__file__).resolve().parents[1]


def _entry(video_id: str) -> ManifestEntry:
    return ManifestEntry(
        id=video_id,
        platform="generic",
        title=video_id,
        engagement=Engagement(),
        source_file="crawl/x.csv",
        video=f"videos/{video_id}.mp4",
        content_hash=video_id,
        media=MediaInfo(duration_s=10.0, has_video=True, has_audio=True, size_bytes=1),
    )


def simulate(n_items: int, accuracy: float, seed: int, root: Path) -> dict[str, str]:
    """Write the manifest and round-1 sheets under ``root``; the true primary of each item."""
    rng = np.random.default_rng([seed, 7])
    names = primaries()
    truth = {f"v{i:04d}": names[int(rng.integers(8))] for i in range(n_items)}
    (root / "annotations").mkdir(parents=True)
    (root / "manifest.jsonl").write_text("".join(_entry(v).model_dump_json() + "\n" for v in truth))
    dealt = assign(list(truth), list(ANNOTATORS), 2, [], 0, seed)
    for annotator, items in dealt.sheets.items():
        with open(root / "annotations" / f"{annotator}.csv", "w", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["video_id", "annotator", "round", "label"])
            for video_id in items:
                true = truth[video_id]
                if ANNOTATORS[annotator] == "careless":
                    label = names[int(rng.integers(8))]
                elif rng.random() < accuracy:
                    label = true
                else:
                    label = [n for n in names if n != true][int(rng.integers(7))]
                writer.writerow([video_id, annotator, 1, label])
    return truth


def measure(n_items: int, budget: float, accuracy: float, seed: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        truth = simulate(n_items, accuracy, seed, root)
        cpu = time.process_time()
        run_labels(
            root / "manifest.jsonl",
            root / "annotations",
            root / "interim",
            root / "reports",
            REPO / "params.yaml",
        )
        labels = read_labels(root / "interim" / "labels.jsonl")
        unlabelled = read_unlabelled(root / "interim" / "unlabelled.jsonl")
        labels_cpu = time.process_time() - cpu
    wrong = {v for v, t in truth.items() if v not in labels or labels[v].label.primary != t}
    k = round(budget * n_items)
    cpu = time.process_time()
    found = candidates(list(truth), labels, unlabelled, set(), 0.6, set())
    picked = {c.id for c in rank(found, k, seed)}
    selection_cpu = time.process_time() - cpu
    rng = np.random.default_rng([seed, 11])
    ids = list(truth)
    random_hits = [len(wrong & set(rng.choice(ids, k, replace=False))) for _ in range(200)]
    hits = len(wrong & picked)
    mean_random = float(np.mean(random_hits))
    return {
        "items": n_items,
        "budget_items": k,
        "honest_accuracy": accuracy,
        "wrong_after_round1": len(wrong),
        "candidates": len(found),
        "best_possible_recall": round(min(k, len(wrong)) / len(wrong), 4),
        "selection": {
            "caught": hits,
            "recall": round(hits / len(wrong), 4),
            "precision": round(hits / len(picked), 4),
        },
        "random_baseline": {
            "caught_mean": round(mean_random, 2),
            "recall": round(mean_random / len(wrong), 4),
            "precision": round(mean_random / k, 4),
        },
        "cpu_seconds": {"labels_stage": round(labels_cpu, 3), "selection": round(selection_cpu, 4)},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=400)
    parser.add_argument("--budget", type=float, default=0.25)
    parser.add_argument("--accuracy", type=float, default=0.8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--out", type=Path, default=REPO / "benchmarks/results/annotation_selection.json"
    )
    args = parser.parse_args()
    result = measure(args.items, args.budget, args.accuracy, args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
