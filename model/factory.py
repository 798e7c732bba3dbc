"""Building, saving and loading models: ``models/chfen.safetensors`` + ``models/chfen.json``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from safetensors.torch import load_file, save_file
from torch import nn

from model.baselines import LateMLP, Unimodal
from model.chfen import CHFEN
from model.config import ModelConfig
from model.ensemble import Ensemble
from model.layers import Standardize
from pipeline import atomic
from pipeline.hashing import file_digest

WEIGHTS_FILE = "chfen.safetensors"
CONFIG_FILE = "chfen.json"
# chfen.json records the weights' sha256; load refuses weights that do not match it.
WEIGHTS_HASH_KEY = "weights_sha256"


class ModelIntegrityError(ValueError):
    """The weights file is not the one ``save`` wrote (edited, truncated or swapped)."""


def build(cfg: ModelConfig) -> nn.Module:
    """The untrained model ``cfg`` describes: one network, or ``cfg.members`` of them averaged."""
    single = {"chfen": CHFEN, "late_mlp": LateMLP, "unimodal": Unimodal}[cfg.model]
    if cfg.members == 1:
        return single(cfg)
    return Ensemble([single(cfg) for _ in range(cfg.members)])


def set_stats(model: nn.Module, stats: dict[str, tuple[np.ndarray, np.ndarray]]) -> None:
    """Give every ``Standardize`` layer of one network the train split's statistics of its
    stream."""
    for name, module in model.named_modules():
        if isinstance(module, Standardize):
            stream = name.split(".")[1]
            module.set_stats(*stats[stream])


def save(model: nn.Module, cfg: ModelConfig, folder: Path, extra: dict | None = None) -> None:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f"{atomic.TMP_PREFIX}{WEIGHTS_FILE}"
    state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(tmp), metadata={"config": cfg.model_dump_json()})
    digest = file_digest(tmp)
    tmp.replace(folder / WEIGHTS_FILE)
    atomic.write_json(
        folder / CONFIG_FILE,
        {"config": cfg.model_dump(mode="json"), **(extra or {}), WEIGHTS_HASH_KEY: digest},
    )


def load(folder: Path) -> tuple[nn.Module, ModelConfig]:
    """Rebuild the model from ``chfen.json`` and load its weights (safetensors: no pickle) after
    checking them against the sha256 recorded at save time."""
    folder = Path(folder)
    meta = json.loads((folder / CONFIG_FILE).read_text(encoding="utf-8"))
    cfg = ModelConfig.model_validate(meta["config"])
    weights = folder / WEIGHTS_FILE
    recorded = meta.get(WEIGHTS_HASH_KEY)
    if not recorded:
        raise ModelIntegrityError(
            f"{folder / CONFIG_FILE} records no {WEIGHTS_HASH_KEY}: the weights cannot be checked"
            " (retrain with `dvc repro train`)"
        )
    actual = file_digest(weights)
    if actual != recorded:
        raise ModelIntegrityError(
            f"{weights}: sha256 {actual} differs from {recorded} recorded in {CONFIG_FILE}"
            " (the file was changed or damaged after training)"
        )
    model = build(cfg)
    model.load_state_dict(load_file(str(weights)))
    model.eval()
    return model, cfg
