"""Worker processes get their share of the cores even when the parent's ``__main__`` imports
torch: a spawned worker imports that module before any pool initializer runs, and OpenMP reads
its thread count once, when it loads (``python -m benchmarks.real_data`` was 10x slower)."""

import json
import os
import subprocess
import sys
import textwrap

import pytest

from pipeline.runner import THREAD_VARS

SCRIPT = textwrap.dedent(
    """
    import json, os, sys
    from pathlib import Path

    import torch  # at the top of __main__, as in a benchmark script

    from pipeline.params import Section
    from pipeline.params import RunnerParams
    from pipeline.runner import run_per_video
    from pipeline.work import WorkItem


    class Knob(Section):
        value: int = 1


    def threads(item, out_dir):
        return {"torch": torch.get_num_threads(), "omp": os.environ.get("OMP_NUM_THREADS")}


    if __name__ == "__main__":
        items = [WorkItem(f"v{i}", Path(sys.argv[1]), f"{i:064x}") for i in range(4)]
        runner = RunnerParams(workers=2, cache_dir=sys.argv[1], max_failure_ratio=0.0)
        report = run_per_video(
            "t", items, threads, section=Knob(), version="1", runner=runner, show_progress=False
        )
        print(json.dumps({
            "workers": [o.result for o in report.outcomes],
            "parent_omp": os.environ.get("OMP_NUM_THREADS"),
        }))
    """
)


@pytest.mark.slow
def test_workers_start_with_capped_threads_when_main_imports_torch(tmp_path):
    script = tmp_path / "bench.py"
    script.write_text(SCRIPT)
    env = {k: v for k, v in os.environ.items() if k not in THREAD_VARS}
    run = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "cache")],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    out = json.loads(run.stdout.splitlines()[-1])
    share = max(1, (os.cpu_count() or 1) // 2)
    assert out["workers"] == [{"torch": share, "omp": str(share)}] * 4
    assert out["parent_omp"] is None  # the parent's environment is restored
