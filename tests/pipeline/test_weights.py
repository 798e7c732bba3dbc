import os
from pathlib import Path

import pytest

from pipeline import hashing, weights
from pipeline.weights import MissingWeights, WeightsSpec, fingerprint, resolve

SPEC = WeightsSpec(
    family="demo",
    names=("tiny.th",),
    how_to_get="run `chfen models fetch demo` on a machine with network",
    offline_alternative="demo.backend: classic",
)


def test_missing_weights_message_names_everything(tmp_path, monkeypatch):
    monkeypatch.setattr(weights, "MODELS_DIR", tmp_path / "models")
    with pytest.raises(MissingWeights) as e:
        resolve(SPEC, explicit=tmp_path / "given.th", extra_dirs=[tmp_path / "hub"])
    msg = str(e.value)
    for part in ("tiny.th", "given.th", str(tmp_path / "models" / "demo" / "tiny.th"), "hub",
                 "chfen models fetch demo", "demo.backend: classic"):  # fmt: skip
        assert part in msg


def test_resolution_order(tmp_path, monkeypatch):
    monkeypatch.setattr(weights, "MODELS_DIR", tmp_path / "models")
    hub = tmp_path / "hub"
    hub.mkdir()
    (hub / "tiny.th").write_bytes(b"hub")
    assert resolve(SPEC, extra_dirs=[hub]) == hub / "tiny.th"
    (tmp_path / "models" / "demo").mkdir(parents=True)
    (tmp_path / "models" / "demo" / "tiny.th").write_bytes(b"project")
    assert resolve(SPEC, extra_dirs=[hub]) == tmp_path / "models" / "demo" / "tiny.th"
    explicit = tmp_path / "mine.th"
    explicit.write_bytes(b"mine")
    assert resolve(SPEC, explicit=explicit, extra_dirs=[hub]) == explicit


def test_fingerprint_follows_content(tmp_path):
    a = tmp_path / "w"
    a.mkdir()
    (a / "x.bin").write_bytes(b"1")
    first = fingerprint(a)
    (a / "x.bin").write_bytes(b"2")
    assert fingerprint(a) != first
    assert len(first) == 16


def test_fingerprint_reads_unchanged_weights_once(tmp_path, monkeypatch):
    """Weights are hashed once; later stage starts take the remembered hash while (size,
    mtime, inode) are unchanged, and re-read a file whose signature changed."""
    monkeypatch.setenv("CHFEN_HASH_INDEX", str(tmp_path / "hashes.sqlite"))
    folder = tmp_path / "w"
    folder.mkdir()
    for name in ("a.bin", "b.bin"):
        (folder / name).write_bytes(name.encode() * 1000)
        os.utime(folder / name, ns=(10**18, 10**18))  # long before "now": not racy
    reads: list[str] = []
    real = hashing.file_digest
    monkeypatch.setattr(hashing, "file_digest", lambda p: reads.append(Path(p).name) or real(p))
    first = fingerprint(folder)
    assert sorted(reads) == ["a.bin", "b.bin"]
    assert fingerprint(folder) == first and len(reads) == 2
    (folder / "b.bin").write_bytes(b"changed")
    assert fingerprint(folder) != first and reads[2:] == ["b.bin"]


def test_a_same_size_rewrite_in_the_same_tick_is_seen(tmp_path, monkeypatch):
    """A file hashed right after it was written is re-hashed on the next lookup, so a rewrite
    of the same size with the same timestamp is not served the old hash (git's racy files)."""
    monkeypatch.setenv("CHFEN_HASH_INDEX", str(tmp_path / "hashes.sqlite"))
    weights_file = tmp_path / "x.bin"
    weights_file.write_bytes(b"1")
    stamp = weights_file.stat().st_mtime_ns
    first = fingerprint(weights_file)
    weights_file.write_bytes(b"2")
    os.utime(weights_file, ns=(stamp, stamp))  # same size, same mtime, same inode
    assert fingerprint(weights_file) != first
