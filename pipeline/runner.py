"""The per-video runner every per-video stage goes through.

It walks the stage's work items, skips those whose result is already in the work cache, runs the
rest on a pool of worker processes, commits each result atomically as it arrives, records a
failing video (id, stage, error) and goes on, and fails the stage only when the share of failures
exceeds ``runner.max_failure_ratio``. Killing a stage and running it again continues where it
stopped: everything committed before the kill is a cache hit.

Per-video work is a pure function ``work(item, out_dir) -> dict``: it reads the video, writes
any files into ``out_dir`` and returns a JSON-serialisable result. Workers never commit; the
driver alone writes the cache, so any executor that can run the function can be plugged in:
``runner.executor: ray`` runs it as Ray tasks on a cluster (``pipeline.ray_executor``). Ray, and
fsspec for ``runner.inputs_url`` (``pipeline.remote_inputs``), are imported only when used.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from pipeline.code_version import code_version, work_module
from pipeline.hashing import HashIndex
from pipeline.params import RunnerParams, Section
from pipeline.stage_result import StageResult
from pipeline.work import WORKER_DIED, Work, WorkItem, attempt
from pipeline.workcache import WorkCache

THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
console = Console(stderr=True)


@dataclass
class Outcome:
    item: WorkItem
    result: dict[str, Any] | None = None
    entry: Path | None = None
    error: str | None = None
    cached: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def id(self) -> str:
        return self.item.id


@dataclass
class RunReport(StageResult):
    """A per-video stage's result: one outcome per video, in input order, and the folders the
    stage published them to."""

    stage: str
    outcomes: list[Outcome] = field(default_factory=list)
    outputs: list[Path] = field(default_factory=list)

    @property
    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.ok]

    @property
    def counts(self) -> dict[str, int]:
        failed = len(self.failures)
        return {
            "videos": len(self.outcomes),
            "cached": self.n_cached,
            "computed": len(self.outcomes) - self.n_cached - failed,
            "failed": failed,
        }

    @property
    def n_cached(self) -> int:
        return sum(o.cached for o in self.outcomes)

    def failure_ratio(self) -> float:
        return len(self.failures) / len(self.outcomes) if self.outcomes else 0.0

    def check(self, max_failure_ratio: float) -> None:
        """Raise ``StageFailed`` when more videos failed than the stage tolerates."""
        if self.failure_ratio() > max_failure_ratio:
            examples = "; ".join(f"{o.item.id}: {o.error}" for o in self.failures[:3])
            raise StageFailed(
                f"stage {self.stage}: {len(self.failures)}/{len(self.outcomes)} videos failed "
                f"(above runner.max_failure_ratio={max_failure_ratio}); e.g. {examples}"
            )


class StageFailed(RuntimeError):
    """Too many videos failed; the stage's outputs were not assembled."""


class RateColumn(ProgressColumn):
    def __init__(self, unit: str = "videos") -> None:
        super().__init__()
        self.unit = unit

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(
            f"{speed:.2f} {self.unit}/s" if speed else f"-- {self.unit}/s",
            style="progress.data.speed",
        )


def run_per_video(
    stage: str,
    items: Sequence[WorkItem],
    work: Work,
    *,
    section: Section,
    version: str,
    runner: RunnerParams,
    show_progress: bool = True,
) -> RunReport:
    """Run ``work`` on every item not yet cached; return one outcome per item, in input order.

    The cache key holds, besides each item's content hash, the digest of ``section``, the
    stage's ``version`` (backend and weights fingerprints) and the digest of the code ``work``
    runs (``pipeline.code_version``): editing any module the work reaches recomputes this
    stage's entries, and only this stage's."""
    code = code_version((work_module(work),))
    cache = WorkCache(runner.cache_dir, stage, section.digest(), f"{version}|code:{code}")
    cache.clean_stale()
    outcomes = {item.id: Outcome(item) for item in items}
    todo: list[tuple[WorkItem, str]] = []
    for item in items:
        key = cache.key(item.content_hash)
        result = cache.load(key)
        if result is None:
            todo.append((item, key))
        else:
            outcomes[item.id] = Outcome(item, result, cache.entry(key), cached=True)
    if runner.inputs_url and todo:
        from pipeline.remote_inputs import attach

        with HashIndex(runner.cache_dir / "hashes.sqlite") as index:
            remote = attach([i for i, _ in todo], runner.inputs_url, runner.inputs_options, index)
        todo = [(item, key) for item, (_, key) in zip(remote, todo, strict=True)]

    with progress_bar(show_progress) as progress:
        task = progress.add_task(
            stage, total=len(items), completed=len(items) - len(todo), failed=0
        )

        def finish(item: WorkItem, key: str, staging: Path, result: Any, error: str | None) -> None:
            if error is None:
                entry = cache.commit(staging, key, result)
                outcomes[item.id] = Outcome(item, result, entry)
            else:
                shutil.rmtree(staging, ignore_errors=True)
                outcomes[item.id] = Outcome(item, error=error)
            failed = sum(not o.ok for o in outcomes.values())
            progress.update(task, advance=1, failed=failed)

        workers = min(runner.resolved_workers(), max(len(todo), 1))
        if runner.executor == "ray" and todo:
            from pipeline.ray_executor import run_on_ray

            run_on_ray(stage, work, todo, cache, runner, finish)
        elif workers <= 1:
            for item, key in todo:
                staging = cache.staging()
                finish(item, key, staging, *attempt(work, item, staging))
        else:
            _run_pool(work, todo, cache, workers, finish)

    report = RunReport(stage, [outcomes[item.id] for item in items])
    console.log(
        f"{stage}: {len(items)} videos, {report.n_cached} cached, "
        f"{len(todo) - len(report.failures)} computed, {len(report.failures)} failed"
    )
    for o in report.failures:
        console.log(f"[red]{stage}: {o.item.id} failed[/red]: {o.error}")
    return report


def _run_pool(
    work: Work,
    todo: list[tuple[WorkItem, str]],
    cache: WorkCache,
    workers: int,
    finish: Callable[..., None],
) -> None:
    context = multiprocessing.get_context("spawn")
    threads = max(1, (os.cpu_count() or 1) // workers)
    with _worker_threads(threads), ProcessPoolExecutor(workers, mp_context=context) as pool:
        futures: dict[Future, tuple[WorkItem, str, Path]] = {}
        for item, key in todo:
            staging = cache.staging()
            futures[pool.submit(attempt, work, item, staging)] = (item, key, staging)
        for future in as_completed(futures):
            item, key, staging = futures[future]
            try:
                result, error = future.result()
            except BrokenProcessPool:
                result, error = None, WORKER_DIED
            finish(item, key, staging, result, error)


@contextmanager
def _worker_threads(threads: int) -> Iterator[None]:
    """Give each worker its share of the cores: math libraries (OpenMP, MKL, OpenBLAS) otherwise
    start a thread per core in every worker, and oversubscribed spinning threads slow small
    models by an order of magnitude. The caps are in the environment the workers start with
    (set here while the pool spawns them, restored after): a pool initializer runs too late
    when the parent's ``__main__`` imports torch (``python -m benchmarks.real_data``, a script),
    since a spawned worker imports that module first and OpenMP reads its thread count once."""
    saved = {var: os.environ.get(var) for var in THREAD_VARS}
    os.environ.update(dict.fromkeys(THREAD_VARS, str(threads)))
    try:
        yield
    finally:
        for var, value in saved.items():
            if value is None:
                os.environ.pop(var, None)
            else:
                os.environ[var] = value


def progress_bar(enabled: bool, failures: bool = True, unit: str = "videos") -> Progress:
    """The progress bar of long per-item work: done/total, rate (``unit`` per second), elapsed,
    ETA (and, for tasks added with a ``failed`` field, the failures so far)."""
    columns: list[ProgressColumn | TextColumn] = [
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(unit),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    ]
    if failures:
        columns.append(TextColumn("[red]{task.fields[failed]} failed"))
    return Progress(*columns, console=console, disable=not enabled)
