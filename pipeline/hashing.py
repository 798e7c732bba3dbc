"""Content hashes of input files, remembered by (path, size, mtime, inode).

The per-video cache is keyed by the video's content, so every run needs every video's hash;
reading ten thousand videos again on each run would dominate a no-op ``dvc repro``. The index
re-hashes a file only when its stat signature changed (DVC does the same for its own cache).
"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path


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
            "CREATE TABLE IF NOT EXISTS hashes (path TEXT PRIMARY KEY, size INTEGER,"
            " mtime_ns INTEGER, inode INTEGER, sha256 TEXT)"
        )

    def digest(self, path: Path) -> str:
        path = Path(path).resolve()
        st = path.stat()
        signature = (st.st_size, st.st_mtime_ns, st.st_ino)
        row = self._db.execute(
            "SELECT size, mtime_ns, inode, sha256 FROM hashes WHERE path = ?", (str(path),)
        ).fetchone()
        if row is not None and tuple(row[:3]) == signature:
            return row[3]
        sha = file_digest(path)
        with self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO hashes VALUES (?, ?, ?, ?, ?)", (str(path), *signature, sha)
            )
        return sha

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> HashIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
