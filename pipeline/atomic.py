"""Atomic writes: a file or folder appears complete or not at all.

Everything is written under a temporary name in the destination's own folder (same file system)
and renamed into place, so a killed stage never leaves a half-written file that looks complete.
Temporary names start with ``TMP_PREFIX``; ``remove_stale_temps`` clears what a killed run left.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

TMP_PREFIX = ".tmp-"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# mkstemp creates files readable by their owner only; finished files get the usual mode.
FILE_MODE = 0o666 & ~_umask()


def write_bytes(path: Path, data: bytes) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text(path: Path, text: str) -> None:
    write_bytes(path, text.encode("utf-8"))


def write_json(path: Path, obj: Any) -> None:
    write_text(path, json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=True) + "\n")


def write_jsonl(path: Path, rows: Iterable[str]) -> None:
    """Write pre-serialised JSON rows, one per line."""
    write_text(path, "".join(f"{row}\n" for row in rows))


@contextmanager
def directory(path: Path) -> Iterator[Path]:
    """Yield a temporary folder; on success it replaces ``path`` as a whole."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=TMP_PREFIX, dir=path.parent))
    try:
        yield tmp
        replace_directory(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def replace_directory(src: Path, dest: Path) -> None:
    """Move folder ``src`` to ``dest``, replacing an existing ``dest`` without a window in which
    a reader could see a mix of old and new contents."""
    if dest.exists():
        old = dest.with_name(f"{TMP_PREFIX}old-{uuid.uuid4().hex}")
        os.replace(dest, old)
        os.replace(src, dest)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(src, dest)


def remove_stale_temps(root: Path) -> int:
    """Delete temporary files and folders a killed run left under ``root``; return how many."""
    root = Path(root)
    if not root.exists():
        return 0
    stale = sorted(root.rglob(f"{TMP_PREFIX}*"), key=lambda p: len(p.parts))
    removed = 0
    for p in stale:
        if not p.exists():
            continue
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)
        removed += 1
    return removed
