"""The ocr stage's outputs: the .srt and the document agree, and downstream reads them back."""

from datetime import timedelta

import pytest
import srt
from pydantic import ValidationError

from stages.ocr.outputs import Subtitle, read_subtitles
from tests.stages.ocr.documents import write_subtitles


def test_srt_and_document_carry_the_same_cues_with_millisecond_times(tmp_path):
    cues = [(0.334, 1.668, "我要去杂货店\nI'm going shopping"), (2.002, 2.5, "对吧？")]
    path = write_subtitles(tmp_path, "v", cues)
    parsed = list(srt.parse((tmp_path / "v.srt").read_text(encoding="utf-8")))
    assert [(s.index, s.start, s.end, s.content) for s in parsed] == [
        (n, timedelta(seconds=a), timedelta(seconds=b), text)
        for n, (a, b, text) in enumerate(cues, start=1)
    ]
    assert read_subtitles(path) == [
        Subtitle(start=0.334, end=1.668, text="我要去杂货店 I'm going shopping"),
        Subtitle(start=2.002, end=2.5, text="对吧？"),
    ]


def test_no_text_is_an_empty_srt_and_no_subtitles(tmp_path):
    path = write_subtitles(tmp_path, "v", [])
    assert (tmp_path / "v.srt").read_text() == ""
    assert read_subtitles(path) == []
    assert read_subtitles(tmp_path / "absent.json") == []


def test_a_document_of_another_shape_is_refused(tmp_path):
    bad = tmp_path / "v.json"
    bad.write_text('{"id": "v", "cues": [{"start": 0, "end": 1}]}', encoding="utf-8")
    with pytest.raises(ValidationError):
        read_subtitles(bad)
