"""The debug params every test runs with (lightning-hydra-template's ``debug`` config): the
offline profile, one in-process worker, a failure budget that lets a test see a failing video
without the stage stopping, a cache in the test's own folder, and a model small enough to train
in seconds. A test states only what it changes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

DEBUG: dict[str, Any] = {
    "profile": "offline",
    "runner": {"workers": 1, "max_failure_ratio": 0.5},
    "train": {"epochs": 3, "patience": 3, "batch_size": 8, "d_model": 16, "n_heads": 2},
}
TINY_TRAIN = DEBUG["train"]


def merged(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``changes`` applied section by section (nested mappings merged)."""
    out = dict(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value)
        else:
            out[key] = value
    return out


def debug_params(path: Path, cache_dir: Path | None = None, **sections: Any) -> Path:
    """Write the debug params, changed by ``sections`` (e.g. ``ocr={"fps": 2}``), to ``path``;
    the runner's cache goes to ``cache_dir`` (default: ``cache`` beside ``path``)."""
    cache = cache_dir or Path(path).parent / "cache"
    data = merged(merged(DEBUG, {"runner": {"cache_dir": str(cache)}}), sections)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return Path(path)
