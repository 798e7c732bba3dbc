"""``chfen ocr explain`` and ``explain.dropped_by`` on generated clips: what each step did on a
frame, and which step kept a line out of the ``.srt``."""

import re

import pytest
from typer.testing import CliRunner

from chfen.cli import app
from pipeline.params import OcrParams
from stages.ocr.engines import resolve_models
from stages.ocr.explain import dropped_by, explain_at, trace_video
from tests.stages.ocr import hard_cases
from tests.stages.ocr.ocr_synthetic import TextSpan, font_path, subtitle_video

pytestmark = pytest.mark.skipif(
    not font_path(), reason="the CJK font WenQuanYi Micro Hei is missing"
)


def test_explain_names_each_step_and_the_cue(tmp_path):
    clip = subtitle_video(
        tmp_path / "two.mp4",
        [TextSpan(0.3, 1.6, "今天天气很好"), TextSpan(2.0, 3.2, "我们去公园吧")],
        seconds=3.5,
        kind="dark",
    )
    result = CliRunner().invoke(app, ["ocr", "explain", str(clip), "--at", "0.7", "--at", "1.8"])
    assert result.exit_code == 0, result.output
    first, second = re.split(r"^frame ", result.output, flags=re.M)[1:]
    assert "[band] change check:" in first and "detector:" in first
    assert "[band] line '今天天气很好'" in first and "-> subtitle" in first
    assert "cue: " in first and "'今天天气很好'" in first.split("cue: ")[1]
    assert "cue: none at this time" in second


def test_a_tilted_word_is_dropped_by_classification_and_says_why(tmp_path):
    clip = hard_cases.tilted_word_clip(tmp_path / "tilt.mp4", 8, 38, 0.5)
    explained = trace_video(clip, OcrParams(), resolve_models("rapidocr", None, None))
    word = [
        (ci, line)
        for track in explained.tracks
        if hard_cases.TILTED_WORD.text in track.observations[0][1].text
        for ci, line in track.observations
    ]
    assert word
    ci, line = word[len(word) // 2]
    step = dropped_by(explained, explained.scan.times[ci], line.box, line.text)
    assert step.startswith("classification: text (tilted"), step
    report = "\n".join(explain_at(explained, explained.scan.times[ci]))
    assert "tilted" in report and "-> subtitle" in report
