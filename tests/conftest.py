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


def pytest_collection_modifyitems(config, items):
    """Under pytest-xdist (``--dist loadgroup``, as ``make test`` runs): a test file's tests stay
    on one worker, so its module fixtures are built once, and every test of the session's
    scratch project (``sample_project``: one ``dvc repro``) shares one worker with the others."""
    for item in items:
        shared = "sample_project" in getattr(item, "fixturenames", ())
        group = "sample_project" if shared else str(item.path)
        item.add_marker(pytest.mark.xdist_group(group))
