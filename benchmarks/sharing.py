"""Bytes a DVC remote receives: the whole sample, then after about 1% more videos.

In a scratch clone of this repository (HEAD, not the working tree) it generates the sample
(``chfen sample``), tracks it with ``dvc add data/raw``, runs ``dvc repro`` and pushes data and
run-cache to a folder remote (the same object layout as S3 or SSH remotes: one object per file,
named by its md5). Then it appends ``--added`` good videos from a second sample as a new crawl
batch (a crawl file and annotation sheets in ``update-01/`` folders, which sort after the
originals, so the clean stage appends them to the manifest), repeats repro and push, and counts
the objects that are new in the remote, by kind (raw media, per-video interim files, feature
shards, model, ...). A synthetic feature-store-only figure (2,000 + 20 videos, as in
benchmarks/features.py) is added for comparison with the earlier layout.

    .venv/bin/python -m benchmarks.sharing [--videos 48] [--added 1] [--work-cache .chfen/cache]

``--work-cache`` seeds the scratch project's per-video work cache with a copy of an existing one
(e.g. the demo's), which saves the extraction time of videos it already holds; it changes no
output byte and so no figure.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from benchmarks.features import sharing as store_only_sharing

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
BATCH = "update-01"
# What each pipeline file is, for the breakdown: the first matching prefix wins.
KINDS = (
    ("data/raw/videos/", "raw videos"),
    ("data/raw/", "raw crawl, annotations, answer key"),
    ("data/interim/audio/", "separated audio (per video)"),
    ("data/interim/subtitles/", "subtitles (per video)"),
    ("data/interim/tracks/", "tracks (per video)"),
    ("data/interim/", "manifest and rejections"),
    ("data/features/", "feature shards and store.json"),
    ("models/", "model"),
)


def sh(args: list[str], cwd: Path) -> str:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    run = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if run.returncode != 0:
        raise RuntimeError(f"{args} failed:\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}")
    return run.stdout + run.stderr


def remote_objects(remote: Path) -> dict[str, int]:
    """Every object in the folder remote: path relative to it -> size in bytes."""
    return {str(p.relative_to(remote)): p.stat().st_size for p in remote.rglob("*") if p.is_file()}


def workspace_md5s(project: Path) -> dict[str, str]:
    """md5 -> one workspace path with that content, to name what a remote object holds."""
    names: dict[str, str] = {}
    for top in ("data", "models", "reports", "dvclive"):
        for p in sorted((project / top).rglob("*")):
            if p.is_file() and p.name != ".gitignore":
                with open(p, "rb") as fh:
                    md5 = hashlib.file_digest(fh, "md5").hexdigest()
                names.setdefault(md5, str(p.relative_to(project)))
    return names


def kind_of(key: str, names: dict[str, str]) -> str:
    if key.startswith("runs/"):
        return "run-cache records"
    parts = key.split("/")
    md5 = "".join(parts[-2:])
    if md5.endswith(".dir"):
        return "directory listings (.dir)"
    path = names.get(md5, "")
    for prefix, kind in KINDS:
        if path.startswith(prefix):
            return kind
    return "reports, metrics, plots" if path else "other"


def summarise(objects: dict[str, int], names: dict[str, str]) -> dict:
    by_kind: Counter[str] = Counter()
    counts: Counter[str] = Counter()
    for key, size in objects.items():
        by_kind[kind_of(key, names)] += size
        counts[kind_of(key, names)] += 1
    return {
        "bytes": sum(objects.values()),
        "objects": len(objects),
        "by_kind": {
            k: {"bytes": by_kind[k], "objects": counts[k]} for k, _ in by_kind.most_common()
        },
    }


def append_batch(raw: Path, extra: Path, added: int) -> list[str]:
    """Copy ``added`` plain good videos of the ``extra`` sample into ``raw`` as a new batch."""
    truth = json.loads((extra / "sample_truth.json").read_text())
    chosen = [
        item
        for item in truth["items"]
        if item["expected"] == "kept"
        and not item["hard"]
        and item["source_file"] == "crawl/flat_export.csv"
    ][:added]
    if len(chosen) < added:
        raise SystemExit(f"the extra sample has only {len(chosen)} plain flat-export videos")
    ids = {item["id"] for item in chosen}
    for item in chosen:
        target = raw / item["video_file"]
        if target.exists():
            raise SystemExit(f"{target} already exists: pick another --seed")
        shutil.copy2(extra / item["video_file"], target)
    _filter_csv(extra / "crawl/flat_export.csv", raw / "crawl" / BATCH / "flat_export.csv", ids)
    for sheet in sorted((extra / "annotations").glob("*.csv")):
        _filter_csv(sheet, raw / "annotations" / BATCH / sheet.name, ids)
    return sorted(ids)


def _filter_csv(src: Path, dest: Path, ids: set[str]) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    with open(src, newline="", encoding="utf-8") as fin:
        rows = list(csv.DictReader(fin))
    with open(dest, "w", newline="", encoding="utf-8") as fout:
        writer = csv.DictWriter(fout, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(r for r in rows if r["video_id"] in ids)


def push(project: Path) -> None:
    sh(["dvc", "push", "-q"], project)
    sh(["dvc", "push", "-q", "--run-cache"], project)


def run(work: Path, n_videos: int, added: int, seed: int, work_cache: Path | None) -> dict:
    project, remote = work / "project", work / "remote"
    sh(["git", "clone", "-q", str(ROOT), str(project)], work)
    if work_cache is not None:
        shutil.copytree(work_cache, project / ".chfen" / "cache")
    sh(["dvc", "config", "--local", "core.analytics", "false"], project)
    sh(["dvc", "remote", "add", "--local", "-d", "bench", str(remote)], project)
    timings: dict[str, float] = {}

    start = time.perf_counter()
    shutil.rmtree(project / "data" / "raw", ignore_errors=True)
    sh(
        ["chfen", "sample", "--out", "data/raw", "--videos", str(n_videos), "--seed", str(seed)],
        project,
    )
    sh(["dvc", "add", "-q", "data/raw"], project)
    sh(["dvc", "repro"], project)
    timings["first_repro_s"] = time.perf_counter() - start
    push(project)
    first = remote_objects(remote)
    first_names = workspace_md5s(project)
    kept_before = len((project / "data/interim/manifest.jsonl").read_text().splitlines())

    sh(
        ["chfen", "sample", "--out", str(work / "extra"), "--videos", "8", "--seed", str(seed + 1)],
        work,
    )
    new_ids = append_batch(project / "data" / "raw", work / "extra", added)
    start = time.perf_counter()
    sh(["dvc", "add", "-q", "data/raw"], project)
    log = sh(["dvc", "repro"], project)
    timings["second_repro_s"] = time.perf_counter() - start
    manifest = [
        json.loads(x)["id"]
        for x in (project / "data/interim/manifest.jsonl").read_text().splitlines()
    ]
    if sorted(manifest[-len(new_ids) :]) != new_ids:
        raise RuntimeError(f"the added videos {new_ids} are not at the end of the manifest")
    push(project)
    second = remote_objects(remote)
    names = {**first_names, **workspace_md5s(project)}
    increment = {k: v for k, v in second.items() if k not in first}
    full, inc = summarise(first, names), summarise(increment, names)
    raw_kinds = ("raw videos", "raw crawl, annotations, answer key")
    full_no_raw = full["bytes"] - sum(full["by_kind"].get(k, {}).get("bytes", 0) for k in raw_kinds)
    inc_no_raw = inc["bytes"] - sum(inc["by_kind"].get(k, {}).get("bytes", 0) for k in raw_kinds)
    stores = {
        modality: [
            len(s["ids"])
            for s in json.loads((project / "data/features" / modality / "store.json").read_text())[
                "shards"
            ]
        ]
        for modality in ("text", "visual", "audio")
    }
    return {
        "videos_generated": n_videos,
        "videos_kept_before": kept_before,
        "videos_added": len(new_ids),
        "added_share_of_videos": len(new_ids) / kept_before,
        "stages_rerun_after_adding": sorted(
            line.split("'")[1] for line in log.splitlines() if line.startswith("Running stage")
        ),
        "shard_sizes_after": stores,
        "full_push": full,
        "increment_push": inc,
        "increment_share": inc["bytes"] / full["bytes"],
        "increment_share_without_raw_media": inc_no_raw / full_no_raw,
        "timings": timings,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--videos", type=int, default=48)
    parser.add_argument("--added", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--work-cache", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/sharing.json")
    args = parser.parse_args()
    result: dict = {
        "command": " ".join(["python -m benchmarks.sharing", *sys.argv[1:]]),
        "cpus": os.cpu_count(),
        "load_average_at_start": os.getloadavg()[0],
    }
    with tempfile.TemporaryDirectory(prefix="chfen-sharing-") as tmp:
        cache = args.work_cache.resolve() if args.work_cache else None
        result["pipeline"] = run(Path(tmp), args.videos, args.added, args.seed, cache)
    with tempfile.TemporaryDirectory() as tmp:
        result["store_only_synthetic"] = store_only_sharing(Path(tmp))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
