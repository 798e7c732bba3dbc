"""The debug params every test runs with (lightning-hydra-template's ``debug`` config): the
offline profile, one in-process worker, a failure budget that lets a test see a failing video
without the stage stopping, a cache in the test's own folder, and a model small enough to train
in seconds. A test states only what it changes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from pipeline.params import TrainParams, merged

DEBUG: dict[str, Any] = {
    "profile": "offline",
    "runner": {"workers": 1, "max_failure_ratio": 0.5},
    "train": {
        "architecture": {"d_model": 16, "n_heads": 2},
        "optim": {"epochs": 3, "patience": 3, "batch_size": 8, "members": 1},
    },
}
TINY_TRAIN = DEBUG["train"]


def train_params(tiny: bool = True, **fields: Any) -> TrainParams:
    """The train section (the debug one's tiny network and short schedule unless ``tiny`` is
    False), without the hyper-parameter search unless ``enabled`` says so, with ``fields``
    set, each in the group that declares it (``fusion`` in
    ``architecture``, ``labels`` in ``task``, ``epochs`` in ``optim``)."""
    groups = TrainParams.model_fields
    changes: dict[str, dict[str, Any]] = {}
    for name, value in fields.items():
        group = next(
            g
            for g, f in groups.items()
            if name in f.annotation.model_fields  # type: ignore[union-attr]
        )
        changes.setdefault(group, {})[name] = value
    base = merged(TINY_TRAIN if tiny else {}, {"search": {"enabled": "off"}})
    return TrainParams().changed(merged(base, changes))


def debug_params(path: Path, cache_dir: Path | None = None, **sections: Any) -> Path:
    """Write the debug params, changed by ``sections`` (e.g. ``ocr={"fps": 2}``), to ``path``;
    the runner's cache goes to ``cache_dir`` (default: ``cache`` beside ``path``)."""
    cache = cache_dir or Path(path).parent / "cache"
    data = merged(merged(DEBUG, {"runner": {"cache_dir": str(cache)}}), sections)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return Path(path)
