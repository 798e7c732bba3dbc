"""Reliability under faults, bad input and hostile data, counted.

- kills: the SIGKILL campaign of tests/fault_campaign.py on the per-video stages (separate, ocr,
  track, embed_text, embed_visual, embed_audio): each stage killed ``--kills-per-stage`` times at
  random moments, run to completion, and every output file compared by sha256 with an
  uninterrupted run (files that differ only in recorded timings are counted apart);
- injected faults (in-process, on the track stage, as tests/test_faults.py injects them): a full
  disk while publishing, a full disk while caching the second video, a backend error on one
  video. For each: was it recorded, was partial output left, did the next run fill the gap;
- damaged state: a work-cache entry deleted, truncated or edited in place (same size); an output
  edited by hand; a feature shard truncated, bit-flipped at evenly spaced offsets, or deleted.
  For each: detected or recomputed, or read as valid, and whether the next run restores it;
- bad input: the hostile corpus of tests/hostile_corpus.py through the clean stage (as DVC runs
  it, in a child process): kinds tried, verdicts, items rejected with a reason, crashes, good
  items lost, and the stage's peak resident memory with and without its largest input (a 10 MB
  title);
- determinism, with ``--determinism-videos N`` (8 or more, ``chfen sample``'s minimum): two
  from-scratch ``dvc repro`` runs of an N-video generated sample with the same seed, compared by
  sha256 of every feature-store file and reports/metrics.json (tests/sample_project.py, as
  tests/test_determinism.py does with 8 videos). Two whole-pipeline runs take about 10 minutes
  on 2 loaded cores, so the default (0) leaves the check to that test and keeps the section a
  previous run at ``--out`` measured, marked ``carried_over_from`` with that run's date.

    .venv/bin/python -m benchmarks.reliability [--videos 3] [--kills-per-stage 4] [--seed 0]
        [--flips 16] [--determinism-videos 0] [--out benchmarks/results/reliability.json]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import numpy as np

from chfen.sample.plan import MIN_VIDEOS
from pipeline.featurestore import FeatureStore, StoreError
from pipeline.records import Rejection
from stages.embed import stage as embed
from stages.labels import stage as labels_stage
from stages.labels.aggregate import read_sheets
from stages.track import stage as track
from tests import fault_campaign, hostile_corpus, sample_project
from tests.fault_campaign import TMP_PREFIX, TRACKS

ROOT = Path(__file__).resolve().parents[1]
TEXT_FEATURES = Path("data/features/text")
COUNTED = ("kills", "attempts", "partial_outputs_seen", "duplicated_ids", "missing_ids")


def timed(fn: Callable[[], dict]) -> dict:
    """``fn()``'s result with its wall time added as ``wall_s``."""
    start = time.perf_counter()
    result = fn()
    result["wall_s"] = round(time.perf_counter() - start, 1)
    return result


def kills(work: Path, n_videos: int, kills_per_stage: int, seed: int) -> dict:
    """The SIGKILL campaign over every per-video stage: per-stage records and totals."""
    stages = list(fault_campaign.STAGES)
    results = fault_campaign.campaign(work, stages, kills_per_stage, n_videos, seed)
    per_stage = {r.stage: asdict(r) for r in results}
    totals = {key: sum(getattr(r, key) for r in results) for key in COUNTED}
    for key in ("differing_files", "timing_only_files", "leftover_temps"):
        totals[key] = sum(len(getattr(r, key)) for r in results)
    return {"videos": n_videos, "seed": seed, "totals": totals, "per_stage": per_stage}


def _error(fn: Callable[[], object]) -> str | None:
    """Run ``fn``; the exception it raised, as text, or None."""
    try:
        fn()
    except Exception as e:
        return f"{type(e).__name__}: {e}"
    return None


def _partial_tracks(project: Path, failed: str | None = None) -> bool:
    """True when a faulty track run left anything that reads as output: a published folder
    (when the run failed as a whole), or the failed video's files or index row (when one video
    failed)."""
    if failed is None:
        return (project / TRACKS).exists()
    files = any((project / TRACKS / f"{failed}.{ext}").exists() for ext in ("csv", "json"))
    index = project / TRACKS / "index.jsonl"
    return files or (index.is_file() and failed in fault_campaign.index_ids(project / TRACKS))


def _temps(project: Path) -> list[str]:
    """Temporary files and folders left in ``project`` (the next run of a stage removes its
    own; they never read as output)."""
    return sorted(str(p.relative_to(project)) for p in project.rglob(f"{TMP_PREFIX}*"))


def _next_run(base: Path, project: Path, n_videos: int) -> dict:
    """Run the track stage again without the fault: does it fill the gap (output identical to
    the reference, no temporary file left), and how many videos did it compute rather than take
    from the cache."""
    report = track.run(show_progress=False)
    return {
        "next_run_fills_gap": not report.failures and fault_campaign.tracks_match(base, project),
        "videos_recomputed_by_next_run": n_videos - report.n_cached,
    }


def disk_full(
    fault: Callable[[], contextlib.AbstractContextManager], base: Path, project: Path, n_videos: int
) -> dict:
    """ENOSPC injected by ``fault`` during a track run: the stage must fail with that error and
    publish nothing (the work cache keeps whatever it committed before the failure)."""
    with fault():
        error = _error(lambda: track.run(show_progress=False))
    return {
        "recorded": error is not None and "No space left" in error,
        "error": error,
        "partial_output": _partial_tracks(project),
        "temps_left": _temps(project),
        **_next_run(base, project, n_videos),
    }


def backend_error(base: Path, project: Path, n_videos: int) -> dict:
    """The tracker raises on v1: the stage must record the failure with its message in
    failures.jsonl, publish the other videos, and leave nothing for v1."""
    with fault_campaign.backend_error("v1"):
        error = _error(lambda: track.run(show_progress=False))
    failures_file = project / TRACKS / "failures.jsonl"
    rows = [json.loads(x) for x in failures_file.read_text().splitlines()] if not error else []
    return {
        "recorded": [(r["id"], fault_campaign.BACKEND_ERROR in r["error"]) for r in rows]
        == [("v1", True)],
        "error": error,
        "partial_output": _partial_tracks(project, failed="v1"),
        "temps_left": _temps(project),
        **_next_run(base, project, n_videos),
    }


def _flip_middle_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def _damage_then_rerun(base: Path, project: Path, n_videos: int, damage: Callable) -> dict:
    """A complete track run, ``damage(project)``, another run: how many videos that run
    recomputed, and whether its output matches the reference again (when not, the damage was
    read as valid and published)."""
    track.run(show_progress=False)
    damage(project)
    report = track.run(show_progress=False)
    return {
        "videos_recomputed": n_videos - report.n_cached,
        "restored_by_next_run": fault_campaign.tracks_match(base, project),
    }


def cache_entry_deleted(project: Path) -> None:
    """A work-cache entry removed (a user clearing disk space by hand)."""
    shutil.rmtree(fault_campaign.cache_entries(project, "track")[0])


def cache_entry_truncated(project: Path) -> None:
    """A work-cache entry's largest file cut short by 5 bytes (a disk error, a killed copy)."""
    path = fault_campaign.largest_file(fault_campaign.cache_entries(project, "track")[0])
    path.write_bytes(path.read_bytes()[:-5])


def cache_entry_edited_in_place(project: Path) -> None:
    """One bit of a work-cache entry's largest file flipped, its size unchanged (bit rot, or a
    hostile edit): only the sha256 the entry recorded at commit can tell."""
    _flip_middle_byte(
        fault_campaign.largest_file(fault_campaign.cache_entries(project, "track")[0])
    )


def output_hand_edited(project: Path) -> None:
    """A published summary rewritten and a stray file added to the track output."""
    (project / TRACKS / "v0.json").write_text('{"unique_persons": 99}')
    (project / TRACKS / "extra.csv").write_text("1,1,0,0,1,1,1,-1,-1,-1,0\n")


def _read_all(features: Path) -> tuple[str | None, dict]:
    """Read every video of a store: (the error raised, or None; the features read)."""
    got: dict = {}

    def read() -> None:
        store = FeatureStore(features)
        for vid in store.ids:
            got[vid] = store.get(vid)

    return _error(read), got


def _same_features(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(
        all(np.array_equal(a[v].arrays[s], b[v].arrays[s]) for s in a[v].arrays)
        and all(np.array_equal(a[v].masks[s], b[v].masks[s]) for s in a[v].masks)
        for v in a
    )


def _shard_outcome(features: Path, reference: dict) -> dict:
    """How a damaged store reads: the error plain reads raised (a ``StoreError`` names the
    damage; any other exception is an unclear failure), whether ``verify()`` raised, and whether
    reads returned values that differ from the undamaged store's without raising (read as
    valid)."""
    read_error, got = _read_all(features)
    verify_error = _error(lambda: FeatureStore(features).verify())
    return {
        "read_error": read_error,
        "read_raised": read_error is not None,
        "read_raised_unclear_error": read_error is not None
        and not read_error.startswith(StoreError.__name__),
        "verify_raised": verify_error is not None,
        "read_as_valid_with_wrong_values": read_error is None
        and not _same_features(got, reference),
    }


def shards(project: Path, flips: int) -> dict:
    """The first text shard truncated to half, bit-flipped at ``flips`` evenly spaced offsets
    (one at a time, same size), and deleted, listing the damages read as valid (wrong values,
    no error) and those that raised anything but a ``StoreError``; after all of it, the next
    embed run must rewrite the shard byte for byte."""
    features = project / TEXT_FEATURES
    shard = sorted(features.glob("shard-*.h5"))[0]
    original = shard.read_bytes()
    _, reference = _read_all(features)
    shard.write_bytes(original[: len(original) // 2])
    truncated = _shard_outcome(features, reference)
    flipped = {}
    for n in range(flips):
        data = bytearray(original)
        offset = (n * len(data)) // flips + len(data) // (2 * flips)
        data[offset] ^= 0xFF
        shard.write_bytes(bytes(data))
        flipped[f"bit_flip_at_{offset}"] = _shard_outcome(features, reference)
    shard.unlink()
    deleted = _shard_outcome(features, reference)
    outcomes = {"truncated": truncated, **flipped, "deleted": deleted}
    with contextlib.chdir(project):
        embed.run("text", show_progress=False)
    counted = (
        "read_raised",
        "read_raised_unclear_error",
        "verify_raised",
        "read_as_valid_with_wrong_values",
    )
    bit_flips = {key: sum(o[key] for o in flipped.values()) for key in counted}
    return {
        "shard_bytes": len(original),
        "truncated": truncated,
        "bit_flips": {"tried": flips, **bit_flips},
        "deleted": deleted,
        "read_as_valid": [k for k, o in outcomes.items() if o["read_as_valid_with_wrong_values"]],
        "unclear_errors": [k for k, o in outcomes.items() if o["read_raised_unclear_error"]],
        "restored_by_next_run": shard.read_bytes() == original,
    }


INJECTED = {
    # the track stage writes its index after every video's files, into a folder not yet in
    # place; the second video's commit comes after the first video's result is in the cache
    "disk_full_while_publishing": partial(disk_full, fault_campaign.disk_full_publishing),
    "disk_full_while_caching": partial(disk_full, partial(fault_campaign.disk_full_caching, nth=2)),
    "backend_error_on_one_video": backend_error,
}
DAMAGED = {
    "cache_entry_deleted": cache_entry_deleted,
    "cache_entry_truncated": cache_entry_truncated,
    "cache_entry_edited_in_place": cache_entry_edited_in_place,
    "output_hand_edited": output_hand_edited,
}


@contextlib.contextmanager
def _in_copy(base: Path, dest: Path) -> Iterator[Path]:
    """A copy of ``base`` without its track output and cache, as the working folder."""
    project = fault_campaign.copy_without_tracks(base, dest)
    with contextlib.chdir(project):
        yield project


def faults(work: Path, n_videos: int, flips: int) -> dict:
    """Every injected fault and every damage, each in a fresh copy of one built project."""
    base = fault_campaign.built_project(work / "base", n_videos)
    injected, damaged = {}, {}
    for name, scenario in INJECTED.items():
        with _in_copy(base, work / name) as project:
            injected[name] = scenario(base, project, n_videos)
    for name, damage in DAMAGED.items():
        with _in_copy(base, work / name) as project:
            damaged[name] = _damage_then_rerun(base, project, n_videos, damage)
    shutil.copytree(base, work / "shards")
    return {
        "videos": n_videos,
        "injected": injected,
        "injected_totals": {
            "faults": len(injected),
            "recorded": sum(o["recorded"] for o in injected.values()),
            "partial_outputs": sum(o["partial_output"] for o in injected.values()),
            "gaps_filled_by_next_run": sum(o["next_run_fills_gap"] for o in injected.values()),
        },
        "damaged_state": damaged,
        "damaged_state_totals": {
            "kinds": len(damaged),
            "restored_by_next_run": sum(o["restored_by_next_run"] for o in damaged.values()),
            "read_as_valid": sorted(k for k, o in damaged.items() if not o["restored_by_next_run"]),
        },
        "shards": shards(work / "shards", flips),
    }


# ``python -m stages.clean`` that reports its peak resident memory on its last stderr line. The
# process reads its own VmHWM: a child's ru_maxrss would count this (large) parent's pages,
# which the kernel carries over when the forked child execs.
CLEAN_WITH_PEAK = """import runpy, sys
try:
    runpy.run_module("stages.clean", run_name="__main__", alter_sys=True)
finally:
    print(next(x for x in open("/proc/self/status") if x.startswith("VmHWM")), file=sys.stderr)
"""


def _clean_child(project: Path) -> tuple[int, float | None]:
    """Run the clean stage as DVC does, in ``project`` (its output in ``clean.log`` there):
    (exit status, peak resident memory of the stage process in MB, None when it was killed)."""
    log = project / "clean.log"
    with open(log, "wb") as out:
        args = [sys.executable, "-c", CLEAN_WITH_PEAK, "--params", "params.yaml"]
        status = subprocess.run(args, cwd=project, stdout=out, stderr=out, check=False).returncode
    text = log.read_text(errors="replace")
    peak_kb = int(text.rsplit("VmHWM:", 1)[1].split()[0]) if "VmHWM:" in text else None
    return status, peak_kb and round(peak_kb / 1024, 1)


def _without_title_10mb(corpus: hostile_corpus.Corpus, dest: Path) -> Path:
    """A copy of the corpus project without the 10 MB-title item (the memory baseline)."""
    shutil.copytree(corpus.root, dest)
    typed = dest / "data/raw/crawl/typed.json"
    huge = next(k.id for k in corpus.kinds if k.name == "title_10mb")
    items = [x for x in json.loads(typed.read_text("utf-8")) if x["video_id"] != huge]
    typed.write_text(json.dumps(items, ensure_ascii=True), "utf-8")
    return dest


def bad_input(work: Path) -> dict:
    """The hostile corpus through the clean stage (then the labels stage, in-process): every
    kind's verdict against what it must get, rejections and their reasons, crashes, good items
    lost, peak memory."""
    corpus = hostile_corpus.build(work / "hostile")
    status, peak_mb = _clean_child(corpus.root)
    interim = corpus.root / "data/interim"
    labelled = labels_stage.run(
        interim / "manifest.jsonl",
        corpus.raw / "annotations",
        interim,
        corpus.root / "reports",
        corpus.root / "params.yaml",
    )
    kept = {x.id for x in labelled.labels}
    rejected = [
        Rejection.model_validate_json(x)
        for x in (interim / "rejected.jsonl").read_text().splitlines()
    ] + labelled.unlabelled
    _, problems = read_sheets(corpus.raw / "annotations")
    verdicts = hostile_corpus.verdicts(corpus, kept, rejected, problems)
    wrong = {
        k.name: verdicts[k.name]
        for k in corpus.kinds
        if len(verdicts[k.name]) != 1 or verdicts[k.name][0] not in k.expect
    }
    baseline_status, baseline_mb = _clean_child(_without_title_10mb(corpus, work / "baseline"))
    largest = max((p for p in corpus.raw.rglob("*") if p.is_file()), key=lambda p: p.stat().st_size)
    return {
        "kinds_tried": len(corpus.kinds),
        "kinds_with_expected_verdict": len(corpus.kinds) - len(wrong),
        "wrong_verdicts": wrong,
        "items_kept": len(kept),
        "items_rejected": len(rejected),
        "items_rejected_with_reason_and_detail": sum(bool(r.detail.strip()) for r in rejected),
        "rejection_reasons": sorted({r.reason.value for r in rejected}),
        "annotation_sheet_problems": len(problems),
        "crashes": int(status != 0) + sum(r.reason.value == "processing_failed" for r in rejected),
        "clean_exit_status": status,
        "good_items_lost": sorted({k.id for k in corpus.kinds if k.good} - kept),
        "largest_input": {
            "file": str(largest.relative_to(corpus.raw)),
            "bytes": largest.stat().st_size,
        },
        "clean_peak_rss_mb": peak_mb,
        "clean_peak_rss_mb_without_title_10mb": baseline_mb,
        "baseline_exit_status": baseline_status,
    }


def determinism(work: Path, n_videos: int) -> dict:
    """A generated sample run with ``dvc repro``, then a fresh clone of it run from scratch:
    are every feature-store file and reports/metrics.json byte-identical."""
    first = sample_project.build(work / "first", videos=n_videos)
    start = time.perf_counter()
    sample_project.rerun_from_scratch(first, work / "second")
    second_s = time.perf_counter() - start
    a = sample_project.reproducible_digests(first)
    b = sample_project.reproducible_digests(work / "second")
    return {
        "videos_generated": n_videos,
        "sample_seed": sample_project.SEED,
        "files_compared": len(a.keys() | b.keys()),
        "feature_shards": sum(p.endswith(".h5") for p in a),
        "differing_files": sorted(p for p in a.keys() | b.keys() if a.get(p) != b.get(p)),
        "second_run_s": round(second_s, 1),
    }


def previous_determinism(out: Path) -> dict:
    """The determinism section of an earlier result at ``out``, marked with that run's date and
    command, when it was measured; otherwise a pointer to the test that checks it."""
    try:
        previous = json.loads(out.read_text())
    except (OSError, ValueError):
        previous = {}
    section = previous.get("determinism", {})
    if not section or section.get("measured") is False:
        return {"measured": False, "see": "tests/test_determinism.py"}
    carried = {"date": previous.get("date"), "command": previous.get("command")}
    return {**section, "carried_over_from": section.get("carried_over_from", carried)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--videos", type=int, default=3, help="videos in the fault projects")
    parser.add_argument("--kills-per-stage", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0, help="seed of the kill moments")
    parser.add_argument("--flips", type=int, default=16, help="bit flips tried on a shard")
    parser.add_argument(
        "--determinism-videos",
        type=int,
        default=0,
        help=f"sample videos for the two-run determinism check, at least {MIN_VIDEOS} "
        "(0: leave it to tests/test_determinism.py)",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/reliability.json")
    args = parser.parse_args()
    if 0 < args.determinism_videos < MIN_VIDEOS:
        parser.error(f"--determinism-videos: chfen sample needs at least {MIN_VIDEOS}")
    result: dict = {
        "command": " ".join(["python -m benchmarks.reliability", *sys.argv[1:]]),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "load_average_at_start": os.getloadavg(),
    }
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="chfen-reliability-") as tmp:
        work = Path(tmp)
        result["kills"] = timed(
            lambda: kills(work / "kills", args.videos, args.kills_per_stage, args.seed)
        )
        result["faults"] = timed(lambda: faults(work / "faults", args.videos, args.flips))
        result["bad_input"] = timed(lambda: bad_input(work / "bad_input"))
        if args.determinism_videos:
            result["determinism"] = timed(
                lambda: determinism(work / "determinism", args.determinism_videos)
            )
        else:
            result["determinism"] = previous_determinism(args.out)
    result["wall_s"] = round(time.perf_counter() - start, 1)
    result["load_average_at_end"] = os.getloadavg()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
