"""One scratch chfen project, run once per test session and shared by the slow pipeline tests.

``dvc repro`` on the generated sample is the most expensive thing the suite does, so the
end-to-end checks and the remote round-trip (tests/test_sharing.py) read the same run instead of
each paying for their own. The project is set up as the README tells a user to: the code and
pipeline definition committed to git, the raw inputs tracked with ``dvc add data/raw``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def sh(
    args: list[str], cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a command with the venv's tools first on PATH; a failure fails the test, with output."""
    run = try_sh(args, cwd, env)
    assert run.returncode == 0, f"{args} failed:\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}"
    return run


def try_sh(
    args: list[str], cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a command like ``sh`` but hand back a failure instead of failing the test."""
    full_env = {**os.environ, **(env or {}), "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(args, cwd=cwd, env=full_env, capture_output=True, text=True, check=False)


def git_commit(repo: Path, message: str) -> None:
    sh(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", message], repo)


@pytest.fixture(scope="session")
def sample_project(tmp_path_factory) -> Path:
    """A copy of the project's pipeline definition and code with 8 generated videos, after
    ``dvc repro``. Tests may read it and add git commits or DVC remotes, but must not change
    its data or params."""
    proj = tmp_path_factory.mktemp("project")
    for name in ("dvc.yaml", "params.yaml", ".dvcignore"):
        shutil.copy(ROOT / name, proj / name)
    for package in ("pipeline", "stages", "model"):
        shutil.copytree(
            ROOT / package, proj / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    sh(["git", "init", "-q"], proj)
    sh(["dvc", "init", "-q"], proj)
    sh(["dvc", "config", "core.analytics", "false"], proj)
    sh(["git", "add", "-A"], proj)
    git_commit(proj, "project")
    sh(["chfen", "sample", "--out", "data/raw", "--videos", "8", "--seed", "3"], proj)
    sh(["dvc", "add", "-q", "data/raw"], proj)
    sh(["git", "add", "data/raw.dvc", "data/.gitignore"], proj)
    git_commit(proj, "raw inputs")
    # Bytecode caches on, as on a machine without PYTHONDONTWRITEBYTECODE: .dvcignore must keep
    # them out of the code deps' hashes or a second clone would re-run every stage.
    sh(["dvc", "repro"], proj, env={"PYTHONDONTWRITEBYTECODE": ""})
    return proj
