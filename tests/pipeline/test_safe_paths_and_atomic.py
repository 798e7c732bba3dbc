import os

import pytest

from pipeline import atomic
from pipeline.hashing import HashIndex, file_digest
from pipeline.safe_paths import UnsafePath, check_id, child, identity_key


@pytest.mark.parametrize("good", ["6839298761143930116", "BV1xx411c7mD", "a.b-c_d"])
def test_safe_ids(good):
    assert check_id(good) == good


@pytest.mark.parametrize(
    "bad",
    [
        "../../etc/evil",
        "..",
        "a/b",
        "/abs",
        "a..b",
        "",
        "ａｂｃ",
        "x\x00y",
        "trailing.",
        ".hidden",
        "a" * 129,
    ],
)
def test_unsafe_ids(bad):
    with pytest.raises(UnsafePath):
        check_id(bad)


def test_child_stays_inside(tmp_path):
    assert child(tmp_path, "v/a.mp4") == tmp_path / "v" / "a.mp4"
    for bad in ("../x.mp4", "/etc/passwd", "a/../../x", ""):
        with pytest.raises(UnsafePath):
            child(tmp_path, bad)
    outside = tmp_path.parent / "outside-target"
    outside.mkdir(exist_ok=True)
    (tmp_path / "link").symlink_to(outside)
    with pytest.raises(UnsafePath, match="outside"):
        child(tmp_path, "link/x.mp4")


def test_identity_key_folds_case_and_unicode_forms():
    assert identity_key("Ab１") == identity_key("aB1")


def test_atomic_write_leaves_no_temp_on_failure(tmp_path):
    target = tmp_path / "out" / "f.json"
    atomic.write_json(target, {"a": 1})
    assert target.read_text().strip().startswith("{")
    with pytest.raises(RuntimeError), atomic.directory(tmp_path / "d") as d:
        (d / "x").write_text("partial")
        raise RuntimeError("boom")
    assert not (tmp_path / "d").exists()
    assert not list(tmp_path.rglob(".tmp-*"))


def test_atomic_directory_replaces_whole(tmp_path):
    for content in ("one", "two"):
        with atomic.directory(tmp_path / "d") as d:
            (d / content).write_text(content)
    assert [p.name for p in (tmp_path / "d").iterdir()] == ["two"]
    (tmp_path / ".tmp-stale").mkdir()
    assert atomic.remove_stale_temps(tmp_path) == 1


def test_hash_index_rehashes_only_changed_files(tmp_path):
    f = tmp_path / "v.bin"
    f.write_bytes(b"abc")
    with HashIndex(tmp_path / "h.sqlite") as index:
        first = index.digest(f)
        assert first == file_digest(f)
        f.write_bytes(b"abcd")
        os.utime(f, ns=(1, 1))
        assert index.digest(f) == file_digest(f) != first


def test_atomic_files_get_the_usual_mode(tmp_path):
    target = tmp_path / "f.txt"
    atomic.write_text(target, "x")
    assert target.stat().st_mode & 0o777 == atomic.FILE_MODE
    assert atomic.FILE_MODE & 0o044  # readable by others, not owner-only like mkstemp's files
