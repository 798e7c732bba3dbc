"""Hostile ids and file names never become paths outside ``data/``; the code base holds no shell
strings, eval, unsafe YAML or pickle loads, and nothing binds to a non-loopback address."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Annotated

import pytest
from pydantic import TypeAdapter, ValidationError

from pipeline.records import ManifestEntry
from pipeline.runner import Outcome, RunReport
from pipeline.safe_paths import UnsafePath, check_id, child
from pipeline.video_stage import ManifestError, publish, read_manifest
from pipeline.work import WorkItem
from stages.clean import stage as clean
from tests.conftest import PROJECT_ROOT
from tests.debug_params import debug_params
from tests.media_factory import make_video, manifest_entry

# Each a crawl id (or a video_file value) an attacker could send.
HOSTILE_IDS = [
    "../../outside",
    "../../../../../../tmp/chfen-pwned",
    "/etc/passwd",
    "/tmp/chfen-abs",
    "..\\..\\outside",
    "C:\\Windows\\system32",
    "C:evil",
    "a\\b",
    "CON",
    "nul",
    "Com1",
    "LPT9.mp4",
    "aux.tar.gz",
    "x" * 129,
    "y" * 100_000,
    "x\x00y",
    ".hidden",
    "trailing.",
    "a..b",
    "~root",
    "$HOME",
    "`id`",
    "a;rm -rf",
    "ｆｕｌｌｗｉｄｔｈ",
    "e\u0301",
]
HOSTILE_FILES = [
    "../../outside.mp4",
    "/etc/passwd",
    "..\\..\\outside.mp4",
    "C:\\x.mp4",
    "x.mp4:stream",
    "CON.mp4",
    "sub/NUL",
    "a/../../b.mp4",
    "z" * 2000 + ".mp4",
    "x\x00.mp4",
]


@pytest.mark.parametrize("bad", HOSTILE_IDS)
def test_hostile_ids_are_refused(bad: str) -> None:
    with pytest.raises(UnsafePath):
        check_id(bad)


@pytest.mark.parametrize("bad", HOSTILE_FILES)
def test_hostile_file_names_are_refused(tmp_path: Path, bad: str) -> None:
    with pytest.raises(UnsafePath):
        child(tmp_path, bad)


@pytest.mark.parametrize("good", ["CONTEXT", "console.mp4", "null", "COM", "LPT10", "a.b-c_d"])
def test_names_that_only_resemble_devices_are_fine(tmp_path: Path, good: str) -> None:
    assert check_id(good) == good
    assert child(tmp_path, f"sub/{good}") == tmp_path / "sub" / good


def _snapshot(root: Path) -> set[Path]:
    return {p for p in root.rglob("*")}


def test_clean_stage_writes_nothing_outside_its_outputs(tmp_path: Path, monkeypatch) -> None:
    """Every hostile id and file name is rejected as ``unsafe_id``, the one good item is kept,
    and the only new files are under ``data/``, ``reports/`` and the work cache."""
    project = tmp_path / "project"
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "victim.mp4").write_bytes(b"not yours")
    raw = project / "data" / "raw"
    make_video(raw / "videos" / "good1.mp4", seconds=1.0, size=(64, 36), audio=False)
    rows = [["good1", "a good title", "acct", ""]]
    rows += [[bad, f"hostile id {n}", "acct", ""] for n, bad in enumerate(HOSTILE_IDS)]
    rows += [[f"file{n}", f"hostile file {n}", "acct", bad] for n, bad in enumerate(HOSTILE_FILES)]
    (raw / "crawl").mkdir(parents=True)
    with open(raw / "crawl" / "export.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["video_id", "title", "account", "video_file"])
        # csv cannot hold NUL: those rows go through a JSON export instead
        w.writerows(r for r in rows if "\x00" not in "".join(r))
    (raw / "crawl" / "nul.json").write_text(
        json.dumps(
            [
                {"video_id": r[0], "title": r[1], "account": r[2], "video_file": r[3] or None}
                for r in rows
                if "\x00" in "".join(r)
            ]
        )
    )
    (raw / "annotations").mkdir()
    with open(raw / "annotations" / "a.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["video_id", "annotator", "round", "label"])
        w.writerows([r[0], ann, 1, "joy"] for r in rows if "\x00" not in r[0] for ann in "ab")
    debug_params(project / "params.yaml", project / ".chfen/cache", clean={"min_duration_s": 0.5})
    monkeypatch.chdir(project)
    before = _snapshot(tmp_path)

    result = clean.run(Path("data/raw"), Path("data/interim"), Path("reports"), show_progress=False)

    assert [m.id for m in result.manifest] == ["good1"]
    assert len(result.rejected) == len(HOSTILE_IDS) + len(HOSTILE_FILES)
    # an id over VideoRecord's 512 characters is refused by the schema before the path check
    assert {r.reason.value for r in result.rejected if r.reason.value != "invalid_record"} == {
        "unsafe_id"
    }
    assert sum(r.reason.value == "invalid_record" for r in result.rejected) == 1
    assert all(r.detail for r in result.rejected)
    new = _snapshot(tmp_path) - before
    allowed = [project / "data", project / "reports", project / ".chfen"]
    strays = [p for p in new if not any(p == a or p.is_relative_to(a) for a in allowed)]
    assert strays == []
    assert [p.name for p in outside.iterdir()] == ["victim.mp4"]
    assert (outside / "victim.mp4").read_bytes() == b"not yours"
    assert not Path("/tmp/chfen-pwned").exists()
    assert not Path("/tmp/chfen-abs").exists()


def test_a_hand_edited_manifest_cannot_smuggle_an_unsafe_id(tmp_path: Path) -> None:
    video = make_video(tmp_path / "v.mp4", seconds=1.0, size=(64, 36), audio=False)
    good = manifest_entry("v1", video)
    line = json.loads(good.model_dump_json())
    manifest = tmp_path / "manifest.jsonl"
    for bad in ("../../x", "/abs", "CON", "a\\b"):
        manifest.write_text(json.dumps({**line, "id": bad}) + "\n")
        with pytest.raises(ManifestError, match=r"manifest.jsonl:1: not a manifest entry"):
            read_manifest(manifest)
    manifest.write_text(good.model_dump_json() + "\n")
    assert [e.id for e in read_manifest(manifest)] == ["v1"]


def test_publish_refuses_a_destination_outside_its_folder(tmp_path: Path) -> None:
    """Even a caller that skipped the manifest check cannot make ``publish`` write outside."""
    entry = tmp_path / "entry"
    entry.mkdir()
    (entry / "f.txt").write_text("x")
    item = WorkItem("v1", tmp_path / "v.mp4", "h")
    report = RunReport("s", [Outcome(item, {"a": 1}, entry)])
    for dest_name in ("../escaped.txt", "/tmp/chfen-publish-abs.txt", "sub/../../e.txt"):
        with pytest.raises(UnsafePath):
            publish(tmp_path / "out", report, lambda vid, d=dest_name: [("f.txt", d)])
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / "escaped.txt").exists()
    assert not list(tmp_path.glob(".tmp-*"))
    assert not Path("/tmp/chfen-publish-abs.txt").exists()


@pytest.mark.parametrize("bad", ["../x", "a/b", "..", "", "x.", "CON", "a" * 129, "é"])
def test_manifest_entry_schema_refuses_unsafe_ids(bad: str) -> None:
    """The id field as the schema declares it (type and validators) refuses what
    ``check_id`` refuses, and keeps a safe id as it is."""
    field = ManifestEntry.model_fields["id"]
    id_type = TypeAdapter(Annotated[field.annotation, *field.metadata])
    assert id_type.validate_python("douyin_7301-a.b") == "douyin_7301-a.b"
    with pytest.raises(ValidationError):
        id_type.validate_python(bad)


SOURCE_DIRS = ("pipeline", "stages", "model", "benchmarks", "scripts")


def _sources(*dirs: str) -> list[Path]:
    return sorted(p for d in dirs for p in (PROJECT_ROOT / d).rglob("*.py"))


@pytest.mark.parametrize(
    "pattern",
    [
        r"shell\s*=\s*True",
        r"(?<![\w.])eval\(",
        r"(?<![\w.])exec\(",
        r"yaml\.load\(",
        r"yaml\.unsafe_load",
        r"pickle\.loads?\(",
        r"allow_pickle\s*=\s*True",
        r"os\.system\(",
        r"os\.popen\(",
    ],
)
def test_no_dangerous_calls_in_library_code(pattern: str) -> None:
    hits = [
        f"{p.relative_to(PROJECT_ROOT)}:{n}"
        for p in _sources(*SOURCE_DIRS)
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(pattern, line)
    ]
    assert hits == []


def test_torch_load_always_with_weights_only() -> None:
    calls = [
        (p, line)
        for p in _sources(*SOURCE_DIRS, "tests")
        for line in p.read_text(encoding="utf-8").splitlines()
        if re.search(r"torch\.load\(", line)
    ]
    assert calls, "the demucs loader calls torch.load; this test must see it"
    assert [str(p) for p, line in calls if "weights_only=True" not in line] == []


def test_nothing_listens_and_tests_bind_only_to_loopback() -> None:
    """Library code starts no server; any address a test binds to is 127.0.0.1."""
    server = re.compile(
        r"\.bind\(|\.listen\(|serve_forever|HTTPServer|socketserver|uvicorn|"
        r"ThreadedMotoServer|moto_server|create_server|start_server"
    )
    library = [
        f"{p.relative_to(PROJECT_ROOT)}:{n}"
        for p in _sources(*SOURCE_DIRS)
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if server.search(line)
    ]
    assert library == []
    address = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b|0\.0\.0\.0|\"::\"|'::'|\blocalhost\b")
    here = Path(__file__).resolve()
    foreign = [
        f"{p.relative_to(PROJECT_ROOT)}:{n}: {m}"
        for p in _sources("tests", *SOURCE_DIRS)
        if p.resolve() != here
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        for m in address.findall(line)
        if m != "127.0.0.1" and not _is_version(line, m)
    ]
    assert foreign == []


def _is_version(line: str, match: str) -> bool:
    """Dotted numbers in pins and versions (``==1.43.115``) are not addresses."""
    return bool(re.search(rf"[=<>~v]\s*{re.escape(match)}", line))
