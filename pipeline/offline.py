"""The offline guard: environment switches that stop libraries from reaching for a network.

chfen runs where only package registries (or nothing) can be reached. Without these switches,
huggingface_hub retries its hub for tens of seconds, ultralytics probes DNS on import and looks
for a font online, and DVC phones home. ``enable()`` runs when ``pipeline`` is imported, before
any of those libraries is, and never overrides a value the user set explicitly.
"""

from __future__ import annotations

import os
from pathlib import Path

CHFEN_HOME = Path(os.environ.get("CHFEN_HOME", Path.home() / ".cache" / "chfen"))


def switches() -> dict[str, str]:
    """The variables ``enable()`` sets (when they are not already set)."""
    return {
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "YOLO_OFFLINE": "1",
        "YOLO_AUTOINSTALL": "False",
        "YOLO_CONFIG_DIR": str(CHFEN_HOME / "ultralytics"),
        "TORCH_HOME": str(CHFEN_HOME / "torch"),
        "PADDLE_PDX_CACHE_HOME": str(CHFEN_HOME / "paddlex"),
        "PADDLE_PDX_DISABLE_MODEL_SOURCE_CHECK": "True",
        "DVC_NO_ANALYTICS": "1",
        "DO_NOT_TRACK": "1",
        "MPLBACKEND": "Agg",
    }


def enable() -> None:
    """Set every offline switch that the environment does not already set."""
    for key, value in switches().items():
        os.environ.setdefault(key, value)
