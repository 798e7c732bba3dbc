"""The per-video work cache: one folder per (video content, stage, params, backend version).

A stage's per-video results live here, not in its DVC outputs: adding ten videos to ten
thousand computes ten entries, and the stage re-assembles its outputs from the cache. Entries
are committed by renaming a finished staging folder into place, so a killed stage leaves either
a complete entry or a ``.tmp-`` folder that the next run deletes. Each entry lists its files
with their sizes and sha256 hashes, checked on every lookup: an entry whose files were deleted,
truncated, edited in place or joined by others (or one written before hashes were recorded) is
logged, removed and recomputed, never served.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Any

from pipeline import atomic
from pipeline.hashing import file_digest

RESULT_FILE = "result.json"
ENTRY_FORMAT = 2  # 2: files map to {"size", "sha256"}; 1 (no "format" field): sizes only
log = logging.getLogger(__name__)


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
        """The cached result, or None when the entry is absent or cannot be trusted (unreadable,
        of an older format, or its files differ from those it recorded: then it is removed)."""
        folder = self.entry(key)
        if not folder.is_dir():
            return None
        try:
            return _verified_result(folder, key)
        except _Untrusted as e:
            self._discard(key, str(e))
            return None

    def staging(self) -> Path:
        """A fresh folder in which a worker writes one video's files before the commit."""
        self.dir.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=atomic.TMP_PREFIX, dir=self.dir))

    def commit(self, staging: Path, key: str, result: dict[str, Any]) -> Path:
        """Record the size and sha256 of every file in ``staging`` with ``result`` and move the
        folder into place as the entry of ``key`` (atomically)."""
        record = {
            "format": ENTRY_FORMAT,
            "key": key,
            "stage": self.stage,
            "files": _listing(staging),
            "result": result,
        }
        (staging / RESULT_FILE).write_text(
            json.dumps(record, ensure_ascii=False, sort_keys=True), encoding="utf-8"
        )
        dest = self.entry(key)
        dest.parent.mkdir(parents=True, exist_ok=True)
        atomic.replace_directory(staging, dest)
        return dest

    def clean_stale(self) -> int:
        return atomic.remove_stale_temps(self.dir)

    def _discard(self, key: str, problem: str) -> None:
        """Log why the entry of ``key`` is not trusted and remove it (renamed away first, so
        that a half-removed entry never looks like one)."""
        log.warning("work cache, stage %s, entry %s: %s; recomputing", self.stage, key, problem)
        folder = self.entry(key)
        trash = folder.with_name(f"{atomic.TMP_PREFIX}bad-{uuid.uuid4().hex}")
        try:
            os.replace(folder, trash)
        except FileNotFoundError:  # another run removed it first
            return
        shutil.rmtree(trash, ignore_errors=True)


class _Untrusted(Exception):
    """An entry that must not be served; the message says why."""


def _files(folder: Path) -> list[Path]:
    """The entry's own files (``RESULT_FILE`` aside), in a stable order."""
    return [p for p in sorted(folder.rglob("*")) if p.is_file() and p != folder / RESULT_FILE]


def _listing(folder: Path) -> dict[str, dict[str, Any]]:
    """Relative name -> size and sha256 of every file in ``folder``."""
    return {
        str(p.relative_to(folder)): {"size": p.stat().st_size, "sha256": file_digest(p)}
        for p in _files(folder)
    }


def _verified_result(folder: Path, key: str) -> dict[str, Any]:
    """The result of the entry in ``folder``, once its record and every file are checked;
    raises ``_Untrusted`` naming the first problem."""
    try:
        record = json.loads((folder / RESULT_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise _Untrusted(f"{RESULT_FILE} missing") from None
    except (OSError, ValueError):
        raise _Untrusted(f"{RESULT_FILE} unreadable") from None
    _check_record(record, key)
    _check_files(folder, record["files"])
    return record["result"]


def _check_record(record: object, key: str) -> None:
    """Raise ``_Untrusted`` unless a parsed ``RESULT_FILE`` is a current-format entry of ``key``."""
    if not isinstance(record, dict) or record.get("key") != key:
        raise _Untrusted(f"{RESULT_FILE} is not an entry of this key")
    if record.get("format") != ENTRY_FORMAT:
        found = record.get("format", 1)
        raise _Untrusted(f"entry format {found}, not {ENTRY_FORMAT} (no content hashes)")
    files = record.get("files")
    if "result" not in record or not isinstance(files, dict):
        raise _Untrusted(f"{RESULT_FILE} lacks its file list or result")
    if not all(isinstance(v, dict) for v in files.values()):
        raise _Untrusted(f"{RESULT_FILE}: a file listed without size and sha256")


def _check_files(folder: Path, recorded: dict[str, dict[str, Any]]) -> None:
    """Raise ``_Untrusted`` naming the first file of ``folder`` that is missing, extra, or
    differs in size or content (sha256) from what ``recorded`` says."""
    present = {str(p.relative_to(folder)): p for p in _files(folder)}
    if missing := sorted(recorded.keys() - present.keys()):
        raise _Untrusted(f"file {missing[0]} missing")
    if extra := sorted(present.keys() - recorded.keys()):
        raise _Untrusted(f"file {extra[0]} not recorded in {RESULT_FILE}")
    for name, path in present.items():
        if path.stat().st_size != recorded[name].get("size"):
            raise _Untrusted(f"file {name} size differs from {RESULT_FILE}")
        if file_digest(path) != recorded[name].get("sha256"):
            raise _Untrusted(f"file {name} content differs from {RESULT_FILE} (sha256)")
