import hashlib
import json
import logging
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from pipeline.params import RunnerParams, Section
from pipeline.runner import StageFailed, run_per_video
from pipeline.work import WorkItem
from pipeline.workcache import WorkCache
from tests.pipeline.runner_work import checksum


class Knob(Section):
    value: int = 1


def make_items(folder: Path, n: int, failing: tuple[int, ...] = ()) -> list[WorkItem]:
    folder.mkdir(parents=True, exist_ok=True)
    items = []
    for i in range(n):
        data = (b"FAIL" if i in failing else b"ok") + f"video-{i}".encode() * 10
        p = folder / f"v{i}.bin"
        p.write_bytes(data)
        items.append(WorkItem(f"v{i}", p, hashlib.sha256(data).hexdigest()))
    return items


@pytest.fixture
def calls(tmp_path, monkeypatch):
    log = tmp_path / "calls.log"
    monkeypatch.setenv("RUNNER_TEST_CALLS", str(log))
    return lambda: log.read_text().split() if log.exists() else []


def run(items, tmp_path, workers=1, knob=None):
    runner = RunnerParams(workers=workers, cache_dir=tmp_path / "cache", max_failure_ratio=0.5)
    return run_per_video(
        "test",
        items,
        checksum,
        section=knob or Knob(),
        version="v1",
        runner=runner,
        show_progress=False,
    )


def test_results_in_input_order_with_files(tmp_path, calls):
    items = make_items(tmp_path / "in", 5)
    report = run(items, tmp_path)
    assert [o.item.id for o in report.outcomes] == [f"v{i}" for i in range(5)]
    for o, item in zip(report.outcomes, items, strict=True):
        data = item.path.read_bytes()
        assert o.result == {"sha": hashlib.sha256(data).hexdigest(), "n": len(data)}
        assert (o.entry / "copy.bin").read_bytes() == data[::-1]
    assert sorted(calls()) == [f"v{i}" for i in range(5)]


def test_second_run_is_all_cache_hits(tmp_path, calls):
    items = make_items(tmp_path / "in", 4)
    first = run(items, tmp_path)
    second = run(items, tmp_path)
    assert second.n_cached == 4
    assert len(calls()) == 4
    assert [o.result for o in first.outcomes] == [o.result for o in second.outcomes]


def test_params_change_recomputes(tmp_path, calls):
    items = make_items(tmp_path / "in", 3)
    run(items, tmp_path)
    report = run(items, tmp_path, knob=Knob(value=2))
    assert report.n_cached == 0
    assert len(calls()) == 6


def test_failures_are_recorded_not_cached_and_counted(tmp_path, calls):
    items = make_items(tmp_path / "in", 4, failing=(2,))
    report = run(items, tmp_path)
    assert [o.ok for o in report.outcomes] == [True, True, False, True]
    assert "ValueError: cannot handle v2" in report.outcomes[2].error
    report.check(0.25)
    with pytest.raises(StageFailed, match="1/4 videos failed"):
        report.check(0.2)
    again = run(items, tmp_path)
    assert again.n_cached == 3
    assert calls().count("v2") == 2


def test_damaged_entry_is_recomputed(tmp_path, calls):
    items = make_items(tmp_path / "in", 2)
    first = run(items, tmp_path)
    (first.outcomes[0].entry / "copy.bin").write_bytes(b"truncated")
    second = run(items, tmp_path)
    assert [o.cached for o in second.outcomes] == [False, True]
    assert (second.outcomes[0].entry / "copy.bin").read_bytes() == items[0].path.read_bytes()[::-1]


def _flip_middle_byte(path: Path) -> None:
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    path.write_bytes(bytes(raw))


def test_same_size_in_place_edit_is_recomputed_and_logged(tmp_path, calls, caplog):
    items = make_items(tmp_path / "in", 2)
    first = run(items, tmp_path)
    entry = first.outcomes[0].entry
    _flip_middle_byte(entry / "copy.bin")
    with caplog.at_level(logging.WARNING, logger="pipeline.workcache"):
        second = run(items, tmp_path)
    assert [o.cached for o in second.outcomes] == [False, True]
    assert calls().count("v0") == 2
    assert (second.outcomes[0].entry / "copy.bin").read_bytes() == items[0].path.read_bytes()[::-1]
    [warning] = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert all(part in warning.getMessage() for part in ("test", entry.name, "copy.bin"))


def test_extra_file_or_old_format_entry_is_recomputed(tmp_path, calls):
    items = make_items(tmp_path / "in", 2)
    first = run(items, tmp_path)
    (first.outcomes[0].entry / "stray.bin").write_bytes(b"not from the work")
    old = first.outcomes[1].entry / "result.json"
    record = json.loads(old.read_text())
    record.pop("format")
    record["files"] = {name: info["size"] for name, info in record["files"].items()}
    old.write_text(json.dumps(record))  # as written before entries recorded content hashes
    second = run(items, tmp_path)
    assert second.n_cached == 0
    assert not (second.outcomes[0].entry / "stray.bin").exists()
    assert [o.result for o in second.outcomes] == [o.result for o in first.outcomes]
    assert run(items, tmp_path).n_cached == 2


def test_entries_record_and_check_nested_files(tmp_path):
    """Files in subfolders (as the Ray executor's driver writes them into the staging folder)
    are hashed at commit and checked at lookup; a damaged entry is removed."""
    cache = WorkCache(tmp_path / "cache", "test", "digest", "v1")
    key = cache.key("content")
    staging = cache.staging()
    (staging / "sub").mkdir()
    (staging / "sub" / "copy.bin").write_bytes(b"0123456789")
    entry = cache.commit(staging, key, {"n": 10})
    files = json.loads((entry / "result.json").read_text())["files"]
    assert files == {
        "sub/copy.bin": {"size": 10, "sha256": hashlib.sha256(b"0123456789").hexdigest()}
    }
    assert cache.load(key) == {"n": 10}
    _flip_middle_byte(entry / "sub" / "copy.bin")
    assert cache.load(key) is None
    assert not entry.exists()
    assert not list(cache.dir.rglob(".tmp-*"))


def test_process_pool_matches_inline(tmp_path):
    items = make_items(tmp_path / "in", 6, failing=(4,))
    inline = run(items, tmp_path / "a", workers=1)
    pooled = run(items, tmp_path / "b", workers=2)
    assert [(o.result, o.error is None) for o in inline.outcomes] == [
        (o.result, o.error is None) for o in pooled.outcomes
    ]


@pytest.mark.slow
def test_killed_run_resumes_without_redoing_work(tmp_path):
    items_dir = tmp_path / "in"
    make_items(items_dir, 12)
    script = tmp_path / "drive.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import hashlib, json, sys
            from pathlib import Path
            sys.path.insert(0, {str(Path(__file__).parents[2])!r})
            from tests.pipeline.runner_work import checksum
            from pipeline.params import RunnerParams, Section
            from pipeline.runner import run_per_video
            from pipeline.work import WorkItem
            items = []
            for i in range(12):
                p = Path({str(items_dir)!r}) / f"v{{i}}.bin"
                items.append(WorkItem(f"v{{i}}", p, hashlib.sha256(p.read_bytes()).hexdigest()))
            runner = RunnerParams(workers=1, cache_dir=Path({str(tmp_path / "cache")!r}))
            r = run_per_video("test", items, checksum, section=Section(), version="v1",
                              runner=runner, show_progress=False)
            print(json.dumps([o.result for o in r.outcomes]))
            """
        )
    )
    log = tmp_path / "calls.log"
    env = {**os.environ, "RUNNER_TEST_CALLS": str(log), "RUNNER_TEST_SLEEP": "0.15"}
    proc = subprocess.Popen([sys.executable, str(script)], env=env, stdout=subprocess.PIPE)
    deadline = time.time() + 60
    while time.time() < deadline and (not log.exists() or len(log.read_text().split()) < 5):
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done_before = len(log.read_text().split())
    assert 5 <= done_before < 12

    finished = subprocess.run(
        [sys.executable, str(script)], env=env, capture_output=True, text=True, check=True
    )
    calls = log.read_text().split()
    # Only the video in flight at the kill may be computed twice.
    assert len(calls) - len(set(calls)) <= 1
    assert sorted(set(calls)) == sorted(f"v{i}" for i in range(12))
    results = json.loads(finished.stdout.strip().splitlines()[-1])
    assert all(r is not None for r in results)
    assert not list((tmp_path / "cache").rglob(".tmp-*"))
