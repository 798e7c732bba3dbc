"""Per-video work functions for the runner tests (importable by spawned worker processes)."""

import hashlib
import os
import time
from pathlib import Path

from pipeline.work import WorkItem


def checksum(item: WorkItem, out_dir: Path) -> dict:
    """Writes a file and returns a value derived from the input, logging each call."""
    calls = os.environ.get("RUNNER_TEST_CALLS")
    if calls:
        with open(calls, "a") as fh:
            fh.write(item.id + "\n")
    if float(os.environ.get("RUNNER_TEST_SLEEP", "0")):
        time.sleep(float(os.environ["RUNNER_TEST_SLEEP"]))
    data = Path(item.path).read_bytes()
    if data.startswith(b"FAIL"):
        raise ValueError(f"cannot handle {item.id}")
    (out_dir / "copy.bin").write_bytes(data[::-1])
    return {"sha": hashlib.sha256(data).hexdigest(), "n": len(data)}
