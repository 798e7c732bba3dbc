"""The Ray executor of the per-video runner (``runner.executor: ray``): one Ray task per video.

Only the per-video work moves to the cluster. A task runs the stage's work function in a
scratch folder on its node and returns the files it wrote, as bytes, with its result; the
driver then writes them into a staging folder and hands them to the runner's ``finish``, which
commits the cache entry exactly as the local executor does. The driver stays the one writer of
the work cache and of the stage outputs, so atomicity, resume after a kill, progress, failure
accounting and the published bytes do not depend on the executor.

Nodes read the videos by the paths in the manifest (a shared filesystem, mounted at the same
path everywhere) or, with ``runner.inputs_url``, from object storage through fsspec, checked
against the driver's hashes (``pipeline.remote_inputs``). They import chfen from the driver's
working directory (the repository root, put on their ``PYTHONPATH``), so every node runs the
same code on the same inputs. A task whose worker process or node dies is re-run up to
``runner.max_retries`` times; a video that keeps killing its worker is recorded as a failure,
as with the local executor.

Workers are reused across tasks (``max_calls=0``, also for GPU tasks, where Ray's default is a
fresh process per task): the stages' per-process caches (``functools.cache`` around model
loading) then load each model once per worker, not once per video.

This module imports ray at the top; ``pipeline.runner`` imports it only when the executor is
ray, so local runs never load ray.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import ray
from ray import exceptions as ray_errors

from pipeline.params import RunnerParams, TaskResources
from pipeline.safe_paths import child
from pipeline.work import WORKER_DIED, Work, WorkItem, attempt
from pipeline.workcache import WorkCache

Files = dict[str, bytes]
# Failures of the machinery rather than of the work: the worker process, its node or the
# object holding its result went away. Ray has already retried them ``max_retries`` times.
_DIED = (
    ray_errors.WorkerCrashedError,
    ray_errors.NodeDiedError,
    ray_errors.OutOfMemoryError,
    ray_errors.ObjectLostError,
)


def run_on_ray(
    stage: str,
    work: Work,
    todo: Sequence[tuple[WorkItem, str]],
    cache: WorkCache,
    runner: RunnerParams,
    finish: Callable[[WorkItem, str, Path, Any, str | None], None],
) -> None:
    """Run ``work`` on every ``(item, cache key)`` of ``todo`` as Ray tasks and pass each
    outcome to ``finish`` (which commits it) as it arrives."""
    started = connect(runner.ray_address)
    try:
        resources = runner.resources_for(stage)
        task = ray.remote(
            num_cpus=resources.num_cpus,
            num_gpus=resources.num_gpus,
            memory=int(resources.memory_gb * 2**30) if resources.memory_gb else None,
            max_calls=0,
            max_retries=runner.max_retries,
            retry_exceptions=False,
        )(compute)
        work_ref = ray.put(work)
        cwd = os.getcwd()
        window = runner.workers or 2 * slots(resources)
        queue = iter(todo)
        pending: dict[ray.ObjectRef, tuple[WorkItem, str]] = {}

        def submit() -> None:
            for item, key in queue:
                ref = task.options(name=f"{stage}:{item.id}").remote(work_ref, item, cwd)
                pending[ref] = (item, key)
                if len(pending) >= window:
                    return

        submit()
        while pending:
            [ref], _ = ray.wait(list(pending), num_returns=1)
            item, key = pending.pop(ref)
            files, result, error = collect(ref)
            staging = cache.staging()
            for name, data in files.items():
                target = child(staging, name)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
            finish(item, key, staging, result, error)
            submit()
    finally:
        if started:
            ray.shutdown()


def connect(address: str | None) -> bool:
    """Join the cluster at ``address`` (None: ``$RAY_ADDRESS``, else start a Ray for this run,
    dashboard off). Returns whether this call connected, so the caller disconnects only what
    it connected."""
    if ray.is_initialized():
        return False
    path = os.pathsep.join(p for p in (os.getcwd(), os.environ.get("PYTHONPATH")) if p)
    ray.init(
        address=address or os.environ.get("RAY_ADDRESS") or None,
        include_dashboard=False,
        log_to_driver=False,
        logging_level=logging.WARNING,
        runtime_env={"env_vars": {"PYTHONPATH": path}},
    )
    return True


def slots(resources: TaskResources) -> int:
    """How many of these tasks the cluster runs at once now (at least 1: an autoscaler may
    still add the nodes they need)."""
    total = ray.cluster_resources()
    asks = {
        "CPU": resources.num_cpus,
        "GPU": resources.num_gpus,
        "memory": (resources.memory_gb or 0) * 2**30,
    }
    fits = [int(total.get(name, 0) // amount) for name, amount in asks.items() if amount]
    return max(1, min(fits, default=int(total.get("CPU", 1))))


def compute(work: Work, item: WorkItem, cwd: str) -> tuple[Files, Any, str | None]:
    """The task: run ``work`` on ``item`` in a scratch folder on this node and return the files
    it wrote (relative name -> bytes), its result and its error. Relative paths in the item mean
    the same as on the driver (same checkout, shared filesystem), unless the item's files are
    read through ``runner.inputs_url``."""
    if os.path.isdir(cwd):
        os.chdir(cwd)
    with tempfile.TemporaryDirectory(prefix="chfen-task-") as scratch:
        out = Path(scratch)
        result, error = attempt(work, item, out)
        if error is not None:
            return {}, None, error
        files = {
            str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()
        }
    return files, result, None


def collect(ref: ray.ObjectRef) -> tuple[Files, Any, str | None]:
    """A finished task's files, result and error; a task that could not finish (its worker
    kept dying) becomes an error naming why, like a failing video."""
    try:
        return ray.get(ref)
    except _DIED:
        return {}, None, WORKER_DIED
    except ray_errors.RayError as e:
        return {}, None, f"{type(e).__name__}: {str(e).strip().splitlines()[0]}"
