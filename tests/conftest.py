"""Shared fixtures. Tests never touch the network: the offline guard is set before anything else."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

import pipeline.offline
from tests.sample_project import sample_project  # noqa: F401  (one dvc repro per session)

pipeline.offline.enable()
# weights fingerprints remember file hashes; tests keep theirs away from the user's cache
os.environ.setdefault(
    "CHFEN_HASH_INDEX", str(Path(tempfile.mkdtemp(prefix="chfen-hashes-")) / "hashes.sqlite")
)

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("CHFEN_SHARED_DATA", PROJECT_ROOT.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` (third-party media for the real-data suite), or a skip saying why."""
    if not SHARED_DATA.is_dir():
        pytest.skip(
            f"real-data suite: {SHARED_DATA} is absent (set CHFEN_SHARED_DATA to point at it)"
        )
    return SHARED_DATA
