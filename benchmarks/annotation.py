"""Annotation QC against the sample's planted truth (issue 17, part 6).

For each seed, ``chfen sample``'s planner and annotation simulator write the sheets (three honest
annotators over two rounds with per-modality labels, one careless annotator answering at
random, gold items) without rendering any video; the labels stage then runs on a media manifest
of the planned items, once per aggregation. Measured against the truth:

- the annotators ranked by Dawid-Skene competence, and the careless one's rank;
- soft-label accuracy (argmax of the soft label = the planted emotion) and the mean mass the
  soft label puts on the planted emotion, with ``labels.aggregation`` ``mean`` and
  ``dawid_skene`` (one-coin and full models), and with ``mean`` after
  ``labels.min_competence: 0.5`` (which leaves the careless annotator out);
- per-modality label accuracy (the modality's soft-label primary = its planted emotion or
  neutral) and how the items' conflict flags match the planted conflicts (a modality planted
  with another emotion than the clip's).

The text modality's truth comes from the candidate lines of each clip (rendering, which the
benchmark skips, keeps the lines that fit the clip).

    .venv/bin/python -m benchmarks.annotation [--videos 48] [--seeds 0 1 2 3 4]
        [--out benchmarks/results/annotation.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from chfen.sample.annotations import CARELESS
from chfen.sample.dataset import modality_truths, write_annotations
from chfen.sample.plan import plan_sample
from pipeline.plutchik import wheel
from pipeline.records import Engagement, ManifestEntry, MediaInfo
from stages.labels import stage
from stages.labels.modalities import NEUTRAL

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "annotation.json"
VARIANTS = {
    "mean": {"aggregation": "mean"},
    "dawid_skene": {"aggregation": "dawid_skene"},
    "dawid_skene_full": {"aggregation": "dawid_skene", "reliability_model": "full"},
    "mean_min_competence_0.5": {"aggregation": "mean", "min_competence": 0.5},
}


def _manifest(plan, path: Path) -> None:
    """A media manifest of the planned items clean would keep (no media is read by labels)."""
    lines = []
    seen: set[str] = set()
    for item in plan.items:
        if item.expected not in ("kept", "unknown_label") or item.id in seen:
            continue
        seen.add(item.id)
        entry = ManifestEntry(
            id=item.id,
            platform="douyin",
            account=item.account.uid,
            title=item.title,
            engagement=Engagement(),
            source_file=f"crawl/{item.source}",
            video=item.video_file,
            content_hash=item.id,
            media=MediaInfo(duration_s=item.duration_s, has_video=True, has_audio=True,
                            size_bytes=0),
        )  # fmt: skip
        lines.append(entry.model_dump_json())
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _params(folder: Path, labels: dict[str, Any]) -> Path:
    data = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
    data["labels"] = {**data["labels"], **labels}
    path = folder / "params.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def one_seed(videos: int, seed: int, work: Path) -> dict[str, Any]:
    plan = plan_sample(videos, seed)
    (work / "annotations").mkdir(parents=True)
    write_annotations(plan, work / "annotations", {})
    truths = modality_truths(plan, {})
    emotion = {i.id: i.media_emotion for i in plan.items if i.expected == "kept"}
    _manifest(plan, work / "manifest.jsonl")
    out: dict[str, Any] = {"seed": seed, "items": len(emotion)}
    for name, labels in VARIANTS.items():
        run = work / name
        run.mkdir()
        start = time.process_time()
        result = stage.run(
            work / "manifest.jsonl", work / "annotations", run, run, _params(run, labels)
        )
        cpu = time.process_time() - start
        got = {x.id: x for x in result.labels if x.id in emotion}
        row: dict[str, Any] = {
            "labelled": len(got),
            "accuracy": round(
                sum(got[i].label.primary == e for i, e in emotion.items() if i in got)
                / len(emotion),
                4,
            ),
            "mass_on_truth": round(
                statistics.fmean(
                    got[i].label.distribution.get(e, 0.0) if i in got else 0.0
                    for i, e in emotion.items()
                ),
                4,
            ),
            "stage_cpu_s": round(cpu, 2),
        }
        if name == "mean":
            ranking = [a["annotator"] for a in result.annotators]
            out["competence"] = {a["annotator"]: a["competence"] for a in result.annotators}
            out["careless_rank"] = ranking.index(CARELESS) + 1
            out["annotators"] = len(ranking)
        row["modalities"] = _modalities(got, truths, emotion)
        out[name] = row
    return out


def _modalities(got, truths, emotion) -> dict[str, Any]:
    per: dict[str, list[bool]] = {}
    planted_conflict, flagged = [], []
    for vid, labels in got.items():
        truth = truths[vid]
        for m, planted in truth.items():
            if m in labels.modalities:
                per.setdefault(m, []).append(labels.modalities[m].primary == planted)
        planted_conflict.append(any(e not in (NEUTRAL, emotion[vid]) for e in truth.values()))
        flagged.append(labels.conflict)
    tp = sum(p and f for p, f in zip(planted_conflict, flagged, strict=True))
    return {
        "accuracy": {m: round(sum(v) / len(v), 4) for m, v in sorted(per.items())},
        "planted_conflicts": sum(planted_conflict),
        "flagged_conflicts": sum(flagged),
        "conflict_precision": round(tp / sum(flagged), 4) if any(flagged) else None,
        "conflict_recall": round(tp / sum(planted_conflict), 4) if any(planted_conflict) else None,
    }


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    def mean(values: list[float]) -> float:
        return round(statistics.fmean(values), 4)

    modalities = sorted(runs[0]["mean"]["modalities"]["accuracy"])
    return {
        "careless_ranked_last": all(r["careless_rank"] == r["annotators"] for r in runs),
        **{
            name: {
                "accuracy": mean([r[name]["accuracy"] for r in runs]),
                "mass_on_truth": mean([r[name]["mass_on_truth"] for r in runs]),
                "modality_accuracy": {
                    m: mean([r[name]["modalities"]["accuracy"][m] for r in runs])
                    for m in modalities
                },
                "conflict_recall": mean(
                    [r[name]["modalities"]["conflict_recall"] or 0.0 for r in runs]
                ),
                "conflict_precision": mean(
                    [r[name]["modalities"]["conflict_precision"] or 0.0 for r in runs]
                ),
            }
            for name in VARIANTS
        },
        "dawid_skene_accuracy_at_least_mean": all(
            r["dawid_skene"]["accuracy"] >= r["mean"]["accuracy"] for r in runs
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--videos", type=int, default=48)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    runs = []
    for seed in args.seeds:
        with tempfile.TemporaryDirectory(prefix="chfen-annotation-") as tmp:
            runs.append(one_seed(args.videos, seed, Path(tmp)))
            print(json.dumps(runs[-1]))
    result = {
        "benchmark": "annotation",
        "videos": args.videos,
        "seeds": args.seeds,
        "classes": list(wheel().names),
        "summary": summarise(runs),
        "runs": runs,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result["summary"], indent=2))


if __name__ == "__main__":
    main()
