"""Per-video work functions for the Ray executor tests (importable by Ray's worker processes)."""

import functools
import os
from pathlib import Path

from pipeline.work import WorkItem


@functools.cache
def model(log: str) -> int:
    """Stands for a model: "loading" it appends this process's pid to ``log``."""
    with open(log, "a") as fh:
        fh.write(f"{os.getpid()}\n")
    return os.getpid()


def with_model(item: WorkItem, out_dir: Path) -> dict:
    """Uses the per-process model; ``FAIL`` raises, ``CRASH`` kills its worker process."""
    loaded_by = model(item.inputs["log"])
    data = Path(item.path).read_bytes()
    if data.startswith(b"CRASH"):
        os._exit(3)
    if data.startswith(b"FAIL"):
        raise ValueError(f"cannot handle {item.id}")
    (out_dir / "sub").mkdir()
    (out_dir / "sub" / "copy.bin").write_bytes(data[::-1])
    return {"n": len(data), "worker": loaded_by}
