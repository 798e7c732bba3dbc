"""A real multi-node Ray cluster on this machine for the Ray executor tests.

Ray's own ``ray.cluster_utils.Cluster`` starts a head node (GCS + raylet) and worker nodes
(raylets joining it) as separate processes, as ``ray start --head`` and ``ray start --address``
do, with one difference that matters in a test: ``ray start`` replaces ``127.0.0.1`` by the
machine's outward address and listens on every interface, whereas with
``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0`` the nodes keep the loopback address and bind only to it
(``ray start`` refuses a second node in that mode; ``Cluster`` does not).

Everything lives under a short folder in /tmp (Ray's unix socket paths must stay under ~107
bytes, which pytest's tmp_path can exceed). Teardown stops the nodes, then kills, by pid, any
process that this process started for the cluster and that is still alive.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psutil

ENV = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", "RAY_USAGE_STATS_ENABLED": "0"}


@contextlib.contextmanager
def local_cluster(nodes: int = 2, cpus_per_node: int = 1, store_mb: int = 80) -> Iterator:
    """Yield a ``ray.cluster_utils.Cluster`` with ``nodes`` nodes of ``cpus_per_node`` CPUs."""
    root = Path(tempfile.mkdtemp(prefix="chr", dir="/tmp"))
    (root / "ray").mkdir()
    saved = {k: os.environ.get(k) for k in (*ENV, "RAY_TMPDIR")}
    os.environ.update(ENV, RAY_TMPDIR=str(root))  # also where Ray notes the current address

    from ray._private import ray_constants
    from ray.cluster_utils import Cluster

    was_enabled = ray_constants.ENABLE_RAY_CLUSTER
    ray_constants.ENABLE_RAY_CLUSTER = False  # read at import: ray may have been imported first
    cluster = None
    try:
        node_args = {"num_cpus": cpus_per_node, "object_store_memory": store_mb * 2**20}
        cluster = Cluster(
            initialize_head=True,
            head_node_args={**node_args, "temp_dir": str(root / "ray"), "include_dashboard": False},
        )
        for _ in range(nodes - 1):
            cluster.add_node(**node_args)
        cluster.wait_for_nodes()
        yield cluster
    finally:
        started = _descendants(root)
        if cluster is not None:
            with contextlib.suppress(Exception):
                cluster.shutdown()
        _kill(started)
        ray_constants.ENABLE_RAY_CLUSTER = was_enabled
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        shutil.rmtree(root, ignore_errors=True)


def raylet_pid(node) -> int:
    """The pid of a ``ray._private.node.Node``'s raylet."""
    from ray._private import ray_constants

    return node.all_processes[ray_constants.PROCESS_TYPE_RAYLET][0].process.pid


def task_processes(node, prefix: str) -> list[psutil.Process]:
    """Worker processes of ``node`` now running a task whose name starts with ``prefix`` (Ray
    sets a busy worker's title to ``ray::<task name>``)."""
    found = []
    with contextlib.suppress(psutil.NoSuchProcess):
        for proc in psutil.Process(raylet_pid(node)).children(recursive=True):
            with contextlib.suppress(psutil.Error):
                if " ".join(proc.cmdline()).startswith(f"ray::{prefix}"):
                    found.append(proc)
    return found


def _descendants(root: Path) -> list[psutil.Process]:
    """This process's children that belong to the cluster: Ray's daemons name ``root`` in their
    arguments, its workers are titled ``ray::...``."""
    mine = []
    for proc in psutil.Process().children(recursive=True):
        with contextlib.suppress(psutil.Error):
            args = " ".join(proc.cmdline())
            if str(root) in args or args.startswith("ray::") or "/ray/" in args:
                mine.append(proc)
    return mine


def _kill(procs: list[psutil.Process]) -> None:
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            proc.terminate()
    _, alive = psutil.wait_procs(procs, timeout=5)
    for proc in alive:
        with contextlib.suppress(psutil.Error):
            proc.kill()
    psutil.wait_procs(alive, timeout=5)
