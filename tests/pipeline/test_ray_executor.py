"""The Ray executor (``runner.executor: ray``) on a real two-node Ray cluster on this machine:
stage outputs byte-identical to the local executor's, models loaded once per worker, failures
recorded as locally, and a worker killed mid-run retried without losing or doubling a video."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from pipeline.params import RunnerParams, Section, TaskResources
from pipeline.remote_inputs import mirror
from pipeline.runner import run_per_video
from pipeline.work import WORKER_DIED, WorkItem
from stages.ocr import stage as ocr_stage
from stages.separate import stage as separate_stage
from stages.separate.schema import FILES
from tests.debug_params import debug_params
from tests.media_factory import make_video, write_manifest
from tests.pipeline import ray_work
from tests.pipeline.ray_cluster import local_cluster, task_processes

ROOT = Path(__file__).resolve().parents[2]
TIMINGS = {"seconds", "cpu_seconds", "decode_s", "ocr_s"}
STAGES = {"separate": separate_stage.run, "ocr": ocr_stage.run}


class Probe(Section):
    value: int = 1


def test_runner_params_executor_and_resources():
    params = RunnerParams.model_validate(
        {"executor": "ray", "resources": {"separate": {"num_gpus": 0.5, "memory_gb": 4}}}
    )
    assert params.resources_for("separate") == TaskResources(num_gpus=0.5, memory_gb=4)
    assert params.resources_for("ocr") == TaskResources(num_cpus=1, num_gpus=0)
    with pytest.raises(ValueError, match="executor"):
        RunnerParams.model_validate({"executor": "dask"})
    with pytest.raises(ValueError, match="gpus"):
        RunnerParams.model_validate({"resources": {"track": {"gpus": 1}}})


def test_local_executor_never_imports_ray(tmp_path):
    """Ray is a heavy import: runs that do not ask for it must not load it."""
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from pipeline.params import RunnerParams\n"
        "from pipeline.runner import run_per_video\n"
        "from pipeline.work import WorkItem\n"
        "from tests.pipeline.test_ray_executor import Probe\n"
        "from tests.pipeline import ray_work\n"
        f"tmp = Path({str(tmp_path)!r})\n"
        "(tmp / 'a.bin').write_bytes(b'abc')\n"
        "item = WorkItem('a', tmp / 'a.bin', 'h', {'log': str(tmp / 'log')})\n"
        "runner = RunnerParams(workers=1, cache_dir=tmp / 'cache')\n"
        "r = run_per_video('t', [item], ray_work.with_model, section=Probe(), version='1',\n"
        "                  runner=runner, show_progress=False)\n"
        "assert r.outcomes[0].ok, r.outcomes[0].error\n"
        "print('ray' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


@pytest.fixture(scope="module")
def cluster():
    with local_cluster(nodes=2, cpus_per_node=1) as c:
        yield c


@pytest.fixture(scope="module")
def videos(tmp_path_factory):
    root = tmp_path_factory.mktemp("ray_videos")
    made = {f"v{i}": make_video(root / f"v{i}.mp4", tone_hz=300 + 150 * i) for i in range(4)}
    return write_manifest(root / "manifest.jsonl", made)


def run_stage(name: str, manifest: Path, root: Path, **runner) -> Path:
    params = debug_params(root / "params.yaml", runner={"max_failure_ratio": 0.0, **runner})
    out = root / name
    STAGES[name](manifest, out, params, show_progress=False)
    return out


def comparable(files: dict[str, bytes]) -> dict[str, bytes]:
    """The files with the OCR documents' run timings (wall and CPU seconds, which differ between
    any two runs, local or not) blanked; every other byte is compared as is."""
    out = {}
    for name, data in files.items():
        if name.endswith((".json", ".jsonl")) and b'"cpu_seconds"' in data:
            lines = [json.loads(line) for line in data.decode().splitlines() if line]
            for doc in lines:
                for part in (doc, doc.get("stats", {})):
                    part.update(dict.fromkeys(TIMINGS & part.keys(), 0))
            data = "".join(json.dumps(doc, sort_keys=True) + "\n" for doc in lines).encode()
        out[name] = data
    return out


def tree(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.fixture(scope="module")
def local_outputs(videos, tmp_path_factory):
    root = tmp_path_factory.mktemp("ray_local")
    return {name: tree(run_stage(name, videos, root, workers=1)) for name in STAGES}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(STAGES))
def test_stage_on_ray_is_byte_identical_to_local(name, cluster, videos, local_outputs, tmp_path):
    out = tree(run_stage(name, videos, tmp_path, executor="ray", ray_address=cluster.address))
    if name == "separate":
        assert out == local_outputs[name]
    else:
        assert out.keys() == local_outputs[name].keys()
        assert comparable(out) == comparable(local_outputs[name])
    index = [line for line in out["index.jsonl"].decode().splitlines() if line]
    assert len(index) == 4 and out["failures.jsonl"] == b""
    if name == "separate":
        assert sum(k.endswith(".flac") for k in out) == 4 * len(FILES)


@pytest.mark.slow
def test_models_load_once_per_worker_and_failures_match_local(cluster, tmp_path):
    data = {f"ok{i}": b"x" * (i + 1) for i in range(8)} | {"bad": b"FAIL", "crash": b"CRASH"}
    log = tmp_path / "loads.log"
    items = []
    for vid, payload in data.items():
        (tmp_path / vid).write_bytes(payload)
        items.append(WorkItem(vid, tmp_path / vid, vid, {"log": str(log)}))

    def run(executor: str, subset: list[WorkItem]):
        runner = RunnerParams(
            executor=executor,
            ray_address=cluster.address,
            workers=None if executor == "ray" else 1,
            max_retries=1,
            cache_dir=tmp_path / f"cache-{executor}",
        )
        return run_per_video(
            "probe",
            subset,
            ray_work.with_model,
            section=Probe(),
            version="1",
            runner=runner,
            show_progress=False,
        )

    on_ray = run("ray", items)
    loads = log.read_text().split()
    workers = {o.result["worker"] for o in on_ray.outcomes if o.ok}
    # one load per worker process that ran work (the crashing ones loaded too), never per video
    assert set(map(int, loads)) >= workers and len(loads) == len(set(loads))
    assert len(workers) < 8

    local = run("local", [i for i in items if i.id != "crash"])
    errors = {o.item.id: o.error for o in on_ray.outcomes}
    assert errors["crash"] == WORKER_DIED
    assert errors["bad"] == next(o.error for o in local.outcomes if o.item.id == "bad")
    assert "cannot handle bad" in errors["bad"]
    for o in on_ray.outcomes:
        if o.ok:
            twin = next(t for t in local.outcomes if t.item.id == o.item.id)
            assert tree(o.entry).keys() == tree(twin.entry).keys()
            assert (o.entry / "sub" / "copy.bin").read_bytes() == data[o.item.id][::-1]
            assert o.result["n"] == twin.result["n"] == len(data[o.item.id])
    assert [o.item.id for o in on_ray.outcomes] == list(data)


@pytest.mark.slow
def test_killed_worker_is_retried_and_every_video_is_done_once(
    cluster, videos, local_outputs, tmp_path
):
    nodes = [*cluster.worker_nodes, cluster.head_node]
    killed: list[str] = []
    stop = threading.Event()

    def kill_first_task() -> None:
        while not stop.is_set() and not killed:
            for node in nodes:
                for proc in task_processes(node, "separate:"):
                    killed.append(" ".join(proc.cmdline()))
                    proc.kill()
                    return
            time.sleep(0.05)

    killer = threading.Thread(target=kill_first_task, daemon=True)
    killer.start()
    try:
        out = tree(
            run_stage("separate", videos, tmp_path, executor="ray", ray_address=cluster.address)
        )
    finally:
        stop.set()
        killer.join(timeout=10)
    assert killed and killed[0].startswith("ray::separate:v")
    assert out == local_outputs["separate"]
    entries = [p for p in (tmp_path / "cache" / "separate").glob("*/*") if p.is_dir()]
    assert len(entries) == 4
    assert not list((tmp_path / "cache" / "separate").glob(".tmp*"))


@pytest.mark.slow
def test_workers_read_their_inputs_through_inputs_url(cluster, tmp_path, monkeypatch):
    """Workers that fetch the videos from ``runner.inputs_url`` (here a file:// mirror) write
    what a local run on the driver's files writes; a video whose copy there differs from the
    driver's fails alone, naming the URL."""
    root = tmp_path / "repo"
    made = {
        f"v{i}": make_video(root / "data/raw/videos" / f"v{i}.mp4", tone_hz=300 + 150 * i)
        for i in range(3)
    }
    monkeypatch.chdir(root)  # the repository root, which inputs_url stands for
    manifest = write_manifest(
        root / "manifest.jsonl", {k: v.relative_to(root) for k, v in made.items()}
    )
    monkeypatch.setenv("PYTHONPATH", str(ROOT))  # where the workers import chfen from
    url = f"file://{tmp_path / 'bucket'}"
    mirror(url, [Path("data/raw")], {})
    (tmp_path / "bucket/data/raw/videos/v2.mp4").write_bytes(b"a stale copy")
    (root / "local").mkdir()
    (root / "ray").mkdir()

    local = tree(run_stage("separate", manifest, root / "local", workers=1))
    out = tree(
        run_stage(
            "separate",
            manifest,
            root / "ray",
            executor="ray",
            ray_address=cluster.address,
            inputs_url=url,
            max_failure_ratio=0.5,
        )
    )
    shared = {k for k in local if k.startswith(("v0", "v1"))}
    assert shared and {k: out[k] for k in shared} == {k: local[k] for k in shared}
    assert not any(k.startswith("v2") for k in out)
    [failure] = [json.loads(line) for line in out["failures.jsonl"].decode().splitlines()]
    assert failure["id"] == "v2" and "differs from the driver's copy" in failure["error"]
    assert f"{url}/data/raw/videos/v2.mp4" in failure["error"]
