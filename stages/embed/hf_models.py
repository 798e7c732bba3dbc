"""Finding and loading transformers models offline.

A model is named by a local folder, a folder under ``models/hf/``, or a hub id already in the
user's HuggingFace cache. Nothing is downloaded: a model that is not on this machine is a
``MissingWeights`` error naming the places searched and how to fetch it elsewhere.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline.weights import MODELS_DIR, MissingWeights, WeightsSpec, missing_message


def resolve_hf_model(name: str, offline_alternative: str) -> Path:
    """The local folder holding model ``name`` (a path, ``models/hf/<name>``, or the HF cache)."""
    direct = Path(name).expanduser()
    project = MODELS_DIR / "hf" / name
    for candidate in (direct, project):
        if (candidate / "config.json").is_file():
            return candidate
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        return Path(snapshot_download(repo_id=name, local_files_only=True))
    except (LocalEntryNotFoundError, ValueError, OSError):
        pass
    spec = WeightsSpec(
        family="hf",
        names=(name,),
        how_to_get=(
            f"on a machine with network, `huggingface-cli download {name} --local-dir "
            f"{project}` (then `dvc add models`), or point the params at a local folder"
        ),
        offline_alternative=offline_alternative,
    )
    raise MissingWeights(missing_message(spec, [direct, project, Path("HF cache") / name]))


def load_hf(folder: Path, *auto_classes: Any) -> list[Any]:
    """``from_pretrained`` for each Auto class on ``folder``, local files only, models in eval."""
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    loaded = []
    for cls in auto_classes:
        obj = cls.from_pretrained(str(folder), local_files_only=True)
        if hasattr(obj, "eval"):
            obj.eval()
        loaded.append(obj)
    return loaded
