"""The per-video work cache: one folder per (video content, stage, params, backend version).

A stage's per-video results live here, not in its DVC outputs: adding ten videos to ten
thousand computes ten entries, and the stage re-assembles its outputs from the cache. Entries
are committed by renaming a finished staging folder into place, so a killed stage leaves either
a complete entry or a ``.tmp-`` folder that the next run deletes. Each entry lists its files
with their sizes, so an entry whose files were deleted or truncated is recomputed, not trusted.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from pathlib import Path
from typing import Any

from pipeline import atomic

RESULT_FILE = "result.json"


class WorkCache:
    def __init__(self, root: Path, stage: str, params_digest: str, version: str):
        self.dir = Path(root) / stage
        self.stage = stage
        self.params_digest = params_digest
        self.version = version

    def key(self, content_hash: str) -> str:
        material = f"{content_hash}|{self.stage}|{self.params_digest}|{self.version}"
        return hashlib.sha256(material.encode()).hexdigest()

    def entry(self, key: str) -> Path:
        return self.dir / key[:2] / key

    def load(self, key: str) -> dict[str, Any] | None:
        """The cached result, or None when the entry is absent, unreadable or incomplete."""
        folder = self.entry(key)
        try:
            record = json.loads((folder / RESULT_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(record, dict) or record.get("key") != key:
            return None
        for name, size in record.get("files", {}).items():
            f = folder / name
            if not f.is_file() or f.stat().st_size != size:
                return None
        return record["result"]

    def staging(self) -> Path:
        """A fresh folder in which a worker writes one video's files before the commit."""
        self.dir.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=atomic.TMP_PREFIX, dir=self.dir))

    def commit(self, staging: Path, key: str, result: dict[str, Any]) -> Path:
        files = {
            str(p.relative_to(staging)): p.stat().st_size
            for p in sorted(staging.rglob("*"))
            if p.is_file()
        }
        record = {"key": key, "stage": self.stage, "files": files, "result": result}
        (staging / RESULT_FILE).write_text(
            json.dumps(record, ensure_ascii=False, sort_keys=True), encoding="utf-8"
        )
        dest = self.entry(key)
        dest.parent.mkdir(parents=True, exist_ok=True)
        atomic.replace_directory(staging, dest)
        return dest

    def clean_stale(self) -> int:
        return atomic.remove_stale_temps(self.dir)
