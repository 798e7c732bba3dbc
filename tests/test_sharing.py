"""Sharing through a DVC remote: a real S3-compatible server (moto) on 127.0.0.1.

Machine A is the session's scratch project (tests/sample_project.py, after ``dvc repro``); it
pushes data and run-cache. Machine B is a fresh ``git clone`` of it: ``dvc repro --pull`` there
must check every output out of the remote instead of recomputing it, byte for byte.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.moto_server import CREDENTIALS, client, moto_server
from tests.sample_project import git_commit, sh, try_sh

pytestmark = pytest.mark.slow

BUCKET = "chfen-remote"
PREFIX = "dvcstore"
STAGES = ("clean", "separate", "ocr", "track", "embed_text", "embed_visual", "embed_audio")
SHARED_OUTPUTS = ("data/interim", "data/features", "models", "reports")


@dataclass
class Remote:
    endpoint: str
    project: Path

    def client(self):
        return client(self.endpoint)

    def clone(self, dest: Path) -> Path:
        sh(["git", "clone", "-q", str(self.project), str(dest)], dest.parent)
        return dest


@pytest.fixture(scope="module")
def moto_endpoint(tmp_path_factory) -> Iterator[str]:
    with moto_server(tmp_path_factory.mktemp("moto") / "moto.log") as endpoint:
        yield endpoint


@pytest.fixture(scope="module")
def pushed(sample_project: Path, moto_endpoint: str) -> Remote:
    """Machine A: the remote configured as the README says, data and run-cache pushed, and the
    lock file committed so a clone knows what to pull."""
    remote = Remote(moto_endpoint, sample_project)
    remote.client().create_bucket(Bucket=BUCKET)
    proj = sample_project
    sh(["dvc", "remote", "add", "-f", "-d", "shared", f"s3://{BUCKET}/{PREFIX}"], proj)
    sh(["dvc", "remote", "modify", "shared", "endpointurl", moto_endpoint], proj)
    sh(["dvc", "remote", "modify", "shared", "verify", "true"], proj)
    sh(["git", "add", "dvc.lock", ".dvc/config"], proj)
    git_commit(proj, "lock and remote")
    sh(["dvc", "push"], proj, env=CREDENTIALS)
    sh(["dvc", "push", "--run-cache"], proj, env=CREDENTIALS)
    return remote


def _digests(root: Path) -> dict[str, str]:
    """sha256 of every file under the shared outputs, by path relative to the project."""
    return {
        str(p.relative_to(root)): hashlib.file_digest(p.open("rb"), "sha256").hexdigest()
        for folder in SHARED_OUTPUTS
        for p in sorted((root / folder).rglob("*"))
        if p.is_file() and p.name != ".gitignore"
    }


def test_second_clone_pulls_every_stage_instead_of_running_it(pushed: Remote, tmp_path: Path):
    clone = pushed.clone(tmp_path / "machine-b")
    out = sh(["dvc", "repro", "--pull"], clone, env=CREDENTIALS)
    log = out.stdout + out.stderr
    assert "Running stage" not in log, log[-3000:]
    for stage in STAGES:
        assert f"Pulling data for stage: '{stage}'" in log, (stage, log[-3000:])
    status = sh(["dvc", "status"], clone, env=CREDENTIALS).stdout
    assert "up to date" in status, status

    a, b = _digests(pushed.project), _digests(clone)
    shards = [p for p in a if p.startswith("data/features/") and p.endswith(".h5")]
    assert len(shards) >= 3  # one store per modality
    assert b == a


def test_a_corrupted_object_in_the_remote_is_refused(pushed: Remote, tmp_path: Path):
    shard = pushed.project / "data/features/visual/shard-00000.h5"
    good = shard.read_bytes()
    md5 = hashlib.md5(good, usedforsecurity=False).hexdigest()
    key = f"{PREFIX}/files/md5/{md5[:2]}/{md5[2:]}"
    s3 = pushed.client()
    assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == good
    bad = bytearray(good)
    bad[len(bad) // 2] ^= 0xFF  # one flipped byte, same size: the quietest corruption
    s3.put_object(Bucket=BUCKET, Key=key, Body=bytes(bad))
    try:
        clone = pushed.clone(tmp_path / "machine-c")
        pull = try_sh(["dvc", "pull"], clone, env=CREDENTIALS)
        log = pull.stdout + pull.stderr
        assert pull.returncode != 0, log[-3000:]
        assert "data/features/visual" in log, log[-3000:]
        pulled = clone / "data/features/visual/shard-00000.h5"
        assert not pulled.exists() or pulled.read_bytes() == good
        cached = clone / ".dvc/cache/files/md5" / md5[:2] / md5[2:]
        assert not cached.exists()
        # the other outputs still arrive intact
        text = clone / "data/features/text/store.json"
        assert text.read_bytes() == (pushed.project / "data/features/text/store.json").read_bytes()
    finally:
        s3.put_object(Bucket=BUCKET, Key=key, Body=good)
