"""SIGKILL campaigns on the per-video stages: run each stage as DVC does (``python -m stages...`` in
a project folder), kill it at random moments, run it again, and compare every output file with an
uninterrupted run by content hash. Also the in-process faults: a disk that fills up while a stage
publishes or caches, and a backend that throws on one video.

Shared by ``tests/test_faults.py`` (a few kills, each fault once) and ``benchmarks/reliability.py``
(the full campaign, 20+ kills, every fault counted).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import itertools
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from unittest import mock

from pipeline import atomic
from pipeline.atomic import TMP_PREFIX
from pipeline.workcache import WorkCache
from stages.embed import stage as embed
from stages.ocr import stage as ocr
from stages.track import stage as track
from stages.track import work as track_work
from tests.debug_params import debug_params
from tests.media_factory import make_video, manifest_entry

# stage: (module arguments after ``python -m``, output folder); in pipeline order.
STAGES: dict[str, tuple[list[str], str]] = {
    "separate": (["stages.separate"], "data/interim/audio"),
    "ocr": (["stages.ocr"], "data/interim/subtitles"),
    "track": (["stages.track"], "data/interim/tracks"),
    "embed_text": (["stages.embed", "text"], "data/features/text"),
    "embed_visual": (["stages.embed", "visual"], "data/features/visual"),
    "embed_audio": (["stages.embed", "audio"], "data/features/audio"),
}
CACHE = ".chfen/cache"
TRACKS = Path("data/interim/tracks")
# Fields that measure how long the work took (the ocr stage records them in its outputs): they
# differ between any two runs, killed or not, so differences confined to them are reported apart.
TIMING_KEYS = frozenset({"seconds", "cpu_seconds", "decode_s", "ocr_s"})


def make_project(root: Path, n_videos: int) -> Path:
    """A project folder with ``n_videos`` short clips, their manifest and a params file (one
    worker; the per-video cache inside the project)."""
    root.mkdir(parents=True, exist_ok=True)
    entries = []
    for n in range(n_videos):
        rel = Path("data/raw/videos") / f"v{n}.mp4"
        make_video(root / rel, seconds=2.0 + 0.5 * (n % 3), size=(160, 90), tone_hz=300 + 70 * n)
        entry = manifest_entry(f"v{n}", root / rel, title=f"news title number {n}")
        entries.append(entry.model_copy(update={"video": str(rel)}).model_dump_json())
    (root / "data/interim").mkdir(parents=True, exist_ok=True)
    (root / "data/interim/manifest.jsonl").write_text("\n".join(entries) + "\n")
    debug_params(root / "params.yaml", CACHE)
    return root


def built_project(root: Path, n_videos: int) -> Path:
    """``make_project`` with the track, ocr and embed_text outputs already built in-process (the
    reference the in-process faults are compared against)."""
    make_project(root, n_videos)
    with contextlib.chdir(root):
        track.run(show_progress=False)
        ocr.run(show_progress=False)
        embed.run("text", show_progress=False)
    return root


def copy_without_tracks(base: Path, dest: Path) -> Path:
    """A copy of a ``built_project`` without the track output and its work cache."""
    shutil.copytree(base, dest)
    shutil.rmtree(dest / TRACKS)
    shutil.rmtree(dest / CACHE / "track")
    return dest


def tracks_match(base: Path, project: Path) -> bool:
    """True when ``project``'s track output is byte-identical to ``base``'s and no temporary file
    is left anywhere in ``project``."""
    same = tree_hashes(project / TRACKS) == tree_hashes(base / TRACKS)
    return same and not any(project.rglob(f"{TMP_PREFIX}*"))


def _enospc(path: object = None) -> OSError:
    return OSError(errno.ENOSPC, "No space left on device", *([str(path)] if path else []))


@contextlib.contextmanager
def disk_full_publishing(filename: str = "index.jsonl") -> Iterator[None]:
    """``pipeline.atomic.write_bytes`` raises ENOSPC on files called ``filename``: the disk fills
    up while a stage publishes its outputs."""
    real = atomic.write_bytes

    def full(path, data):
        if Path(path).name == filename:
            raise _enospc(path)
        real(path, data)

    with mock.patch.object(atomic, "write_bytes", full):
        yield


@contextlib.contextmanager
def disk_full_caching(nth: int = 2) -> Iterator[None]:
    """``WorkCache.commit`` raises ENOSPC on its ``nth`` call: the disk fills up while the work
    cache stores a video's result (the earlier videos are committed)."""
    real = WorkCache.commit
    calls = itertools.count(1)

    def full(self, staging, key, result):
        if next(calls) == nth:
            raise _enospc()
        return real(self, staging, key, result)

    with mock.patch.object(WorkCache, "commit", full):
        yield


BACKEND_ERROR = "CUDA error: an illegal memory access was encountered"


@contextlib.contextmanager
def backend_error(video_id: str) -> Iterator[None]:
    """The track stage's per-video work raises ``BACKEND_ERROR`` on ``video_id`` (from a
    library call inside it: the work function itself, whose code is part of the cache key,
    stays the stage's own)."""
    real = track_work.display_size

    def flaky(path):
        if Path(path).stem == video_id:
            raise RuntimeError(BACKEND_ERROR)
        return real(path)

    with mock.patch.object(track_work, "display_size", flaky):
        yield


def command(stage: str) -> list[str]:
    return [sys.executable, "-m", *STAGES[stage][0]]


def run_stage(project: Path, stage: str) -> float:
    """Run ``stage`` to completion; return its wall time."""
    start = time.perf_counter()
    done = subprocess.run(command(stage), cwd=project, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{stage} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return time.perf_counter() - start


def kill_at(project: Path, stage: str, delay: float) -> bool:
    """Start ``stage``, SIGKILL its whole process group after ``delay`` s; True when it was
    still running (a real kill), False when it had already finished."""
    proc = subprocess.Popen(
        command(stage),
        cwd=project,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        proc.wait(timeout=delay)
        return False
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        return True


def tree_hashes(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder`` by relative path (temporary files included, so a
    leftover shows up as a difference)."""
    if not folder.exists():
        return {}
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def index_ids(out: Path) -> list[str]:
    """Ids in a stage output's index (per-video stages) or store (embed stages)."""
    if (out / "store.json").is_file():
        store = json.loads((out / "store.json").read_text())
        return [vid for shard in store["shards"] for vid in shard["ids"]]
    return [json.loads(line)["id"] for line in (out / "index.jsonl").read_text().splitlines()]


@dataclass
class StageResult:
    stage: str
    reference_s: float
    attempts: int = 0
    kills: int = 0
    kill_delays_s: list[float] = field(default_factory=list)
    partial_outputs_seen: int = 0  # output folders readable but incomplete right after a kill
    noop_s: float = 0.0  # a run with every video cached: start-up, assembly and publishing
    differing_files: list[str] = field(default_factory=list)
    timing_only_files: list[str] = field(default_factory=list)  # differ only in TIMING_KEYS
    leftover_temps: list[str] = field(default_factory=list)
    duplicated_ids: int = 0
    missing_ids: int = 0


def campaign(
    workdir: Path, stages: list[str], kills_per_stage: int, n_videos: int, seed: int
) -> list[StageResult]:
    """Reference run of ``stages`` in one project, killed runs in a copy of it; per stage,
    ``kills_per_stage`` SIGKILLs at random moments of its reference duration, then a run to
    completion, then the comparison."""
    rng = random.Random(seed)
    base = make_project(workdir / "base", n_videos)
    reference = workdir / "reference"
    killed = workdir / "killed"
    shutil.copytree(base, reference)
    shutil.copytree(base, killed)
    manifest = [
        json.loads(line)["id"]
        for line in (base / "data/interim/manifest.jsonl").read_text().splitlines()
    ]
    results = []
    for stage in stages:
        out = STAGES[stage][1]
        result = StageResult(stage, run_stage(reference, stage))
        result.noop_s = run_stage(reference, stage)
        per_video = max(result.reference_s - result.noop_s, 0.0) / max(len(manifest), 1)
        while result.kills < kills_per_stage and result.attempts < 3 * kills_per_stage:
            result.attempts += 1
            # a random moment of what is left to do: start-up, the uncached videos, publishing
            # (so later kills, with most videos cached, land in start-up and publishing)
            left = len(manifest) - _cached(killed, stage)
            delay = round(rng.uniform(0.3, 1.1 * (result.noop_s + per_video * left)), 2)
            if kill_at(killed, stage, delay):
                result.kills += 1
                result.kill_delays_s.append(delay)
                result.partial_outputs_seen += _partial(killed / out, manifest)
        run_stage(killed, stage)
        ref, got = tree_hashes(reference / out), tree_hashes(killed / out)
        for name in sorted(k for k in ref.keys() | got.keys() if ref.get(k) != got.get(k)):
            same = (
                name in ref
                and name in got
                and _untimed(reference / out / name) is not None
                and _untimed(reference / out / name) == _untimed(killed / out / name)
            )
            (result.timing_only_files if same else result.differing_files).append(name)
        result.leftover_temps = [
            str(p.relative_to(killed))
            for folder in (killed / out, killed / CACHE)
            for p in folder.rglob(f"{TMP_PREFIX}*")
        ]
        ids = index_ids(killed / out)
        result.duplicated_ids = len(ids) - len(set(ids))
        result.missing_ids = len(set(manifest) - set(ids))
        results.append(result)
    return results


def _partial(out: Path, manifest: list[str]) -> int:
    """1 when a killed stage left an output folder that looks usable but is incomplete: present,
    yet its index or store does not list every video (publishing is atomic, so it never should)."""
    if not out.exists():
        return 0
    try:
        ids = index_ids(out)
    except (OSError, ValueError, KeyError):
        return 1
    return int(sorted(ids) != sorted(manifest))


def cache_entries(project: Path, stage: str) -> list[Path]:
    """The stage's committed work-cache entry folders, sorted."""
    return sorted(p.parent for p in (project / CACHE / stage).glob("*/*/result.json"))


def largest_file(entry: Path) -> Path:
    """A cache entry's largest result file (result.json aside), so that damage to it shows
    (a video with nobody in it has an empty tracks.csv)."""
    files = (p for p in entry.iterdir() if p.name != "result.json")
    return max(files, key=lambda p: p.stat().st_size)


def _cached(project: Path, stage: str) -> int:
    """How many videos the stage has in its work cache (committed entries)."""
    return len(cache_entries(project, stage))


def _untimed(path: Path) -> object:
    """A JSON or JSON-lines file's content without TIMING_KEYS; None for other files."""
    if path.suffix not in (".json", ".jsonl"):
        return None

    def strip(value: object) -> object:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in TIMING_KEYS}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        return strip(json.loads(text))
    return [strip(json.loads(line)) for line in text.splitlines() if line.strip()]
