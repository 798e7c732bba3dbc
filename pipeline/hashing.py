"""Content hashes of input files, remembered by (path, size, mtime, inode).

The per-video cache is keyed by the video's content, so every run needs every video's hash;
reading ten thousand videos again on each run would dominate a no-op ``dvc repro``. The index
re-hashes a file only when its stat signature changed (DVC does the same for its own cache).

A file modified less than ``RACY_S`` before it was hashed is "racy" (git's term): a rewrite of
the same size within the same timestamp tick would leave its signature unchanged, so such a
file is re-hashed on every lookup until its hash was taken well after its last change.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import time
from pathlib import Path

RACY_S = 2.0  # larger than any filesystem's timestamp granularity (FAT: 2 s)


def file_digest(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


class HashIndex:
    """A small SQLite table of known file hashes; safe to share between processes."""

    def __init__(self, db_path: Path):
        db_path = Path(db_path)
        db_path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(db_path, timeout=60)
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS file_hashes (path TEXT PRIMARY KEY, size INTEGER,"
            " mtime_ns INTEGER, inode INTEGER, hashed_ns INTEGER, sha256 TEXT)"
        )

    def digest(self, path: Path) -> str:
        path = Path(path).resolve()
        st = path.stat()
        signature = (st.st_size, st.st_mtime_ns, st.st_ino)
        row = self._db.execute(
            "SELECT size, mtime_ns, inode, hashed_ns, sha256 FROM file_hashes WHERE path = ?",
            (str(path),),
        ).fetchone()
        if row is not None and tuple(row[:3]) == signature and not _racy(st.st_mtime_ns, row[3]):
            return row[4]
        hashed_ns = time.time_ns()
        sha = file_digest(path)
        with self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO file_hashes VALUES (?, ?, ?, ?, ?, ?)",
                (str(path), *signature, hashed_ns, sha),
            )
        return sha

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> HashIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _racy(mtime_ns: int, hashed_ns: int) -> bool:
    """Whether a file changed so shortly before it was hashed that a same-size rewrite in the
    same timestamp tick could go unseen by its signature."""
    return hashed_ns - mtime_ns < RACY_S * 1e9


def default_index_path() -> Path:
    """Where hashes of files outside any stage's cache (model weights) are remembered:
    ``$CHFEN_HASH_INDEX``, else the user's cache folder."""
    if explicit := os.environ.get("CHFEN_HASH_INDEX"):
        return Path(explicit)
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "chfen" / "hashes.sqlite"
