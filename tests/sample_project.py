"""One scratch chfen project, run once per test session and shared by the slow pipeline tests.

``dvc repro`` on the generated sample is the most expensive thing the suite does, so the
end-to-end checks and the remote round-trip (tests/test_sharing.py) read the same run instead of
each paying for their own. The project is set up as the README tells a user to: the code and
pipeline definition committed to git, the raw inputs tracked with ``dvc add data/raw``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from pipeline.params import merged
from tests.debug_params import TINY_TRAIN

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SEED = 3  # the sample's seed (chfen sample --seed)
QUICK_TRAIN = merged(TINY_TRAIN, {"search": {"enabled": "off"}})


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


def build(proj: Path, videos: int = 8, seed: int = SEED) -> Path:
    """A copy of the project's pipeline definition and code in ``proj`` with ``videos`` generated
    videos (``chfen sample --seed``), committed to git with the raw inputs tracked by DVC, after
    ``dvc repro``."""
    proj.mkdir(parents=True, exist_ok=True)
    for name in ("dvc.yaml", ".dvcignore"):
        shutil.copy(ROOT / name, proj / name)
    # The project's params as a user has them, but for the debug config's small model trained
    # once (no search, one member): the pipeline's plumbing is what these tests check, and a
    # full recipe would train 17 fits in each of the session's three from-scratch runs.
    params = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
    params["train"] = merged(params.get("train") or {}, QUICK_TRAIN)
    (proj / "params.yaml").write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    for package in ("pipeline", "stages", "model"):
        shutil.copytree(
            ROOT / package, proj / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    sh(["git", "init", "-q"], proj)
    sh(["dvc", "init", "-q"], proj)
    sh(["dvc", "config", "core.analytics", "false"], proj)
    sh(["git", "add", "-A"], proj)
    git_commit(proj, "project")
    sh(["chfen", "sample", "--out", "data/raw", "--videos", str(videos), "--seed", str(seed)], proj)
    sh(["dvc", "add", "-q", "data/raw"], proj)
    sh(["git", "add", "data/raw.dvc", "data/.gitignore"], proj)
    git_commit(proj, "raw inputs")
    # Bytecode caches on, as on a machine without PYTHONDONTWRITEBYTECODE: .dvcignore must keep
    # them out of the code deps' hashes or a second clone would re-run every stage.
    sh(["dvc", "repro"], proj, env={"PYTHONDONTWRITEBYTECODE": ""})
    return proj


@pytest.fixture(scope="session")
def sample_project(tmp_path_factory) -> Path:
    """``build`` with 8 videos in a scratch folder. Tests may read it and add git commits or DVC
    remotes, but must not change its data or params."""
    return build(tmp_path_factory.mktemp("project"))


# What two from-scratch runs with the same seed must produce byte for byte: every feature-store
# file (shards and store.json) and the evaluation metrics.
REPRODUCIBLE = ("data/features", "reports/metrics.json")


def reproducible_digests(root: Path) -> dict[str, str]:
    """sha256 of every file in ``REPRODUCIBLE`` under ``root`` (DVC's .gitignore files aside),
    by path relative to it."""
    paths: list[Path] = []
    for name in REPRODUCIBLE:
        target = root / name
        paths += sorted(target.rglob("*")) if target.is_dir() else [target]
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in paths
        if p.is_file() and p.name != ".gitignore"
    }


def rerun_from_scratch(project: Path, dest: Path) -> None:
    """A second, independent run of ``project``'s pipeline: a fresh ``git clone`` in ``dest``
    (a new DVC cache and no per-video work cache), a copy of the raw inputs, ``dvc repro
    --force``; fails when a stage of dvc.yaml did not run."""
    sh(["git", "clone", "-q", str(project), str(dest)], dest.parent)
    shutil.copytree(project / "data/raw", dest / "data/raw")
    run = sh(["dvc", "repro", "--force"], dest)
    log = run.stdout + run.stderr
    stages = yaml.safe_load((dest / "dvc.yaml").read_text())["stages"]
    not_run = [s for s in stages if f"Running stage '{s}'" not in log]
    assert not not_run, f"stages not run from scratch: {not_run}\n{log[-3000:]}"
