"""Every stage's ``run`` (and its ``process`` core) returns a ``StageResult``: counts, failures,
outputs and the one-line summary its command prints."""

import importlib
import typing
from pathlib import Path

import pytest

from pipeline.runner import Outcome, RunReport
from pipeline.stage_result import StageResult
from pipeline.work import WorkItem

STAGES = ("clean", "labels", "separate", "ocr", "track", "embed", "train", "evaluate", "audit")


@pytest.mark.parametrize("name", STAGES)
def test_every_stage_has_a_process_core_and_returns_a_stage_result(name):
    module = importlib.import_module(f"stages.{name}.stage")
    for function in (module.run, module.process):
        returned = typing.get_type_hints(function)["return"]
        assert issubclass(returned, StageResult), (name, function.__name__, returned)


def test_a_per_video_report_counts_and_summarises():
    ok = Outcome(WorkItem("a", Path("a.mp4"), "h"), {"x": 1}, cached=True)
    new = Outcome(WorkItem("b", Path("b.mp4"), "h"), {"x": 2})
    bad = Outcome(WorkItem("c", Path("c.mp4"), "h"), error="ValueError: broken")
    report = RunReport("ocr", [ok, new, bad], outputs=[Path("data/interim/subtitles")])
    assert report.counts == {"videos": 3, "cached": 1, "computed": 1, "failed": 1}
    assert [(f.id, f.error) for f in report.failures] == [("c", "ValueError: broken")]
    assert report.summary() == (
        "ocr: 3 videos, 1 cached, 1 computed, 1 failed -> data/interim/subtitles"
    )
