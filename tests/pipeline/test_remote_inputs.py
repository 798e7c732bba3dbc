"""Workers reading their inputs through fsspec (``runner.inputs_url``): copies fetched into
scratch and checked against the driver's hashes, a stale or missing object a failure of that
video only, outputs identical to a run on the driver's paths, ``chfen mirror``, and a real stage
reading its videos from an S3-compatible server."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from chfen.cli import app
from pipeline.hashing import HashIndex
from pipeline.params import RunnerParams, Section
from pipeline.remote_inputs import InputsError, attach, localize, mirror
from pipeline.runner import run_per_video
from pipeline.work import WorkItem
from stages.ocr import stage as ocr_stage
from tests.debug_params import debug_params
from tests.media_factory import make_video, write_manifest
from tests.moto_server import CREDENTIALS, client, moto_server
from tests.pipeline import runner_work
from tests.stages.ocr.ocr_synthetic import TextSpan, subtitle_video

ROOT = Path(__file__).resolve().parents[2]
SUBS = [TextSpan(0.5, 2.0, "市中心发生交通事故"), TextSpan(2.3, 3.6, "消防人员赶到现场")]


class Probe(Section):
    value: int = 1


@pytest.mark.slow
def test_stages_import_fsspec_only_when_inputs_url_is_used():
    """fsspec costs ~0.1 s to import: a stage, or the CLI, that does not use it never loads it."""
    modules = ["chfen.cli", "stages.clean.stage", "stages.separate.stage", "stages.ocr.stage",
               "stages.track.stage", "stages.embed.stage"]  # fmt: skip
    script = f"import importlib, sys\nfor m in {modules!r}: importlib.import_module(m)\n"
    script += "from pipeline.params import RunnerParams\nRunnerParams()\n"
    script += "print('fsspec' in sys.modules)\n"
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """A repository root (the cwd) with two inputs, and a file:// mirror of it elsewhere."""
    root = tmp_path / "repo"
    (root / "data" / "raw").mkdir(parents=True)
    (root / "data" / "raw" / "a.bin").write_bytes(b"alpha" * 100)
    (root / "data" / "raw" / "b.bin").write_bytes(b"beta" * 50)
    monkeypatch.chdir(root)
    bucket = tmp_path / "bucket"
    uploaded, present = mirror(f"file://{bucket}", [Path("data")], {})
    assert sorted(uploaded) == ["data/raw/a.bin", "data/raw/b.bin"] and present == 0
    return root, f"file://{bucket}", bucket


def attached(items, url, root):
    with HashIndex(root / "hashes.sqlite") as index:
        return attach(items, url, {}, index)


def test_worker_copies_are_fetched_from_the_url_and_checked(repo, tmp_path):
    root, url, bucket = repo
    item = WorkItem(
        "a",
        Path("data/raw/a.bin"),
        "h",
        {"title": "data/raw/b.bin", "stems": {"vocals": Path("data/raw/b.bin")}},
    )
    [remote] = attached([item], url, tmp_path)
    assert remote.remote.files["data/raw/a.bin"][1] == hashlib.sha256(b"alpha" * 100).hexdigest()
    # the bytes come from the URL: the mirror's copy is what the work sees
    (root / "data" / "raw" / "a.bin").unlink()
    local = localize(remote, tmp_path / "scratch")
    assert local.path == tmp_path / "scratch" / "data/raw/a.bin"
    assert local.path.read_bytes() == b"alpha" * 100
    assert local.inputs["stems"]["vocals"].read_bytes() == b"beta" * 50
    assert local.inputs["title"] == "data/raw/b.bin"  # a string is data, not a file
    assert local.remote is None

    (bucket / "data" / "raw" / "a.bin").write_bytes(b"ALPHA" * 100)  # same size, other bytes
    with pytest.raises(InputsError, match=r"a\.bin: sha256 .* differs from the driver's copy"):
        localize(remote, tmp_path / "scratch2")
    assert not (tmp_path / "scratch2" / "data/raw/a.bin").exists()
    (bucket / "data" / "raw" / "b.bin").unlink()
    item_b = WorkItem("b", Path("data/raw/b.bin"), "h")
    with pytest.raises(InputsError, match=r"b\.bin: not found under runner\.inputs_url"):
        localize(attached([item_b], url, tmp_path)[0], tmp_path / "scratch3")


def test_files_the_driver_lacks_stay_missing_and_outside_paths_are_refused(repo, tmp_path):
    _, url, _ = repo
    item = WorkItem("a", Path(), "h", {"srt": Path("data/interim/none.srt")})
    [remote] = attached([item], url, tmp_path)
    assert remote.remote.files == {"data/interim/none.srt": ("data/interim/none.srt", None)}
    local = localize(remote, tmp_path / "scratch")
    assert local.path == Path() and not local.inputs["srt"].exists()
    outside = tmp_path / "elsewhere.bin"
    outside.write_bytes(b"x")
    with pytest.raises(InputsError, match="outside the repository"):
        attached([WorkItem("x", outside, "h")], url, tmp_path)


@pytest.mark.parametrize("workers", [1, 2])
def test_runner_through_the_url_matches_a_run_on_local_paths(repo, tmp_path, workers):
    root, url, bucket = repo
    items = [WorkItem(v, Path(f"data/raw/{v}.bin"), v) for v in ("a", "b")]

    def run(cache: str, **extra):
        runner = RunnerParams(workers=workers, cache_dir=tmp_path / cache, **extra)
        return run_per_video(
            "probe",
            items,
            runner_work.checksum,
            section=Probe(),
            version="1",
            runner=runner,
            show_progress=False,
        )

    plain, remote = run("plain"), run("remote", inputs_url=url)
    assert [o.result for o in remote.outcomes] == [o.result for o in plain.outcomes]
    for a, b in zip(plain.outcomes, remote.outcomes, strict=True):
        assert (a.entry / "copy.bin").read_bytes() == (b.entry / "copy.bin").read_bytes()

    assert run("remote", inputs_url=url).n_cached == 2  # nothing is fetched for cached videos

    (bucket / "data" / "raw" / "b.bin").write_bytes(b"BETA" * 50)  # damaged at the URL
    (root / "data" / "raw" / "a.bin").write_bytes(b"gamma" * 100)  # changed on the driver
    stale = run("stale", inputs_url=url)
    for o in stale.outcomes:
        assert f"{o.item.id}.bin: sha256" in o.error and "differs from the driver's" in o.error
    assert not list((tmp_path / "stale" / "probe").glob("*/*/copy.bin"))


def test_mirror_uploads_what_is_missing_or_resized(repo):
    root, url, bucket = repo
    uploaded, present = mirror(url, [Path("data")], {})
    assert uploaded == [] and present == 2
    (root / "data" / "raw" / "b.bin").write_bytes(b"beta" * 51)
    (root / "data" / "raw" / "c.bin").write_bytes(b"c")
    uploaded, present = mirror(url, [Path("data")], {})
    assert uploaded == ["data/raw/b.bin", "data/raw/c.bin"] and present == 1
    assert (bucket / "data" / "raw" / "b.bin").read_bytes() == b"beta" * 51
    uploaded, _ = mirror(url, [Path("data")], {}, force=True)
    assert len(uploaded) == 3


def test_mirror_command_reads_the_url_from_params(repo):
    root, url, bucket = repo
    (root / "params.yaml").write_text(yaml.safe_dump({"runner": {"inputs_url": url}}))
    (root / "data" / "raw" / "c.bin").write_bytes(b"c")
    result = CliRunner().invoke(app, ["mirror", "data/raw"])
    assert result.exit_code == 0, result.output
    assert "1 uploaded, 2 already at" in result.output
    assert (bucket / "data" / "raw" / "c.bin").read_bytes() == b"c"
    (root / "params.yaml").write_text(yaml.safe_dump({"runner": {"inputs_url": "data/raw"}}))
    result = CliRunner().invoke(app, ["mirror"])
    assert result.exit_code == 1 and "is not a URL" in result.output


@pytest.mark.slow
def test_ocr_stage_reads_its_videos_from_s3(tmp_path, monkeypatch):
    """A real stage whose workers read the videos from an S3-compatible server (moto) gives the
    outputs of a run on the local files, byte for byte apart from timings."""
    root = tmp_path / "repo"
    videos = {
        "v0": subtitle_video(root / "data/raw/videos/v0.mp4", SUBS, seconds=4),
        "v1": make_video(root / "data/raw/videos/v1.mp4"),
    }
    monkeypatch.chdir(root)
    manifest = write_manifest(
        root / "manifest.jsonl", {k: v.relative_to(root) for k, v in videos.items()}
    )
    for key, value in CREDENTIALS.items():
        monkeypatch.setenv(key, value)
    with moto_server(tmp_path / "moto.log") as endpoint:
        client(endpoint).create_bucket(Bucket="inputs")
        url, options = "s3://inputs/chfen", {"endpoint_url": endpoint}
        uploaded, _ = mirror(url, [Path("data/raw")], options)
        assert sorted(uploaded) == ["data/raw/videos/v0.mp4", "data/raw/videos/v1.mp4"]

        def run(name: str, **runner) -> dict[str, bytes]:
            params = debug_params(
                root / f"{name}.yaml", root / name / "cache", runner={"workers": 2, **runner}
            )
            out = root / name / "subtitles"
            ocr_stage.run(manifest, out, params, show_progress=False)
            return {p.name: p.read_bytes() for p in sorted(out.iterdir())}

        local = run("local")
        remote = run("s3", inputs_url=url, inputs_options=options)
    assert remote.keys() == local.keys() and {"v0.srt", "v1.srt", "index.jsonl"} <= local.keys()
    assert remote["failures.jsonl"] == b""
    for name in local:
        if name.endswith(".srt"):
            assert remote[name] == local[name]
    assert "交通事故" in remote["v0.srt"].decode()
    index = [json.loads(line) for line in remote["index.jsonl"].decode().splitlines()]
    assert [row["id"] for row in index] == ["v0", "v1"]
