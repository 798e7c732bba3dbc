"""The real clips in ../shared/data/ocr (third-party test videos of subtitle extractors)."""

import re

import cv2
import numpy as np
import pytest

from pipeline.params import OcrParams
from stages.ocr.cues import normalise
from stages.ocr.engines import resolve_models
from stages.ocr.quality import Span, character_error_rate, near_duplicate_neighbours
from stages.ocr.work import read_text

pytestmark = pytest.mark.real_data


@pytest.fixture(scope="module")
def ocr(shared_data):
    folder = shared_data / "ocr"
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent")
    params = OcrParams(backend="rapidocr")
    models = resolve_models("rapidocr", None, None)
    return lambda name: read_text(folder / name, name, params, models), folder


def upstream_text(path):
    """The text of rapidvideocr's reference: numbered, timed blocks of lines."""
    header = r"^\d+\s+\d\d:\d\d:\d\d,\d+\s*->\s*\d\d:\d\d:\d\d,\d+\s*:\s*"
    return "".join(re.split(header, path.read_text(encoding="utf-8"), flags=re.M))


def chinese(text):
    return "".join(ch for ch in text if "\u4e00" <= ch <= "\u9fff")


def test_bilingual_subtitles_are_recovered(ocr):
    read, folder = ocr
    doc = read("rapidvideocr/1.mp4")
    texts = [c.text for c in doc.cues]
    assert len(texts) == 2 and all("\n" in t for t in texts)  # Chinese row + English row
    assert texts[1].splitlines()[1] == "One quart or two? It's two, right?"
    reference = upstream_text(folder / "rapidvideocr" / "1_upstream_ocr_result.txt")
    # the upstream reference drops apostrophes and spaces; its Chinese is exact
    assert character_error_rate(chinese("".join(texts)), chinese(reference)) < 0.02
    assert character_error_rate("".join(texts), reference) < 0.1
    assert [e.kind for e in doc.other_text if "公众号" in e.text] == ["watermark"]
    assert doc.band is not None and doc.band.top_share > 0.8


def test_vsr_cues_lie_inside_the_marked_band(ocr):
    read, folder = ocr
    doc = read("vsr/test.mp4")
    assert [c.text for c in doc.cues] == ["I've decided, Rem.", "Yes?"]
    mask = cv2.imread(str(folder / "vsr" / "test.png"), cv2.IMREAD_GRAYSCALE)
    mask = cv2.resize(mask, (doc.width, doc.height), interpolation=cv2.INTER_NEAREST) > 127
    for cue in doc.cues:
        for line in cue.lines:
            cx, cy = np.mean(line.quad, axis=0).astype(int)
            assert mask[cy, cx], (cue.text, line.quad)
    assert [e.text for e in doc.other_text] == ["Yami Sukehiro"]
    assert doc.other_text[0].kind == "watermark"


def test_watermark_logo_stays_out_of_cues_and_no_cue_repeats(ocr):
    read, _ = ocr
    doc = read("rapidvideocr/test_a.mp4")
    assert [normalise(c.text) for c in doc.cues] == [
        "耶稣也留不住他我说的",
        "这句话当时也是红遍网络被各种段子模仿",
        "到现在依然经久不息",
        "这些片段中有你喜欢的么",
    ]
    assert {e.kind for e in doc.other_text} == {"watermark"}
    spans = [Span(c.start, c.end, c.text) for c in doc.cues]
    assert near_duplicate_neighbours(spans) == 0
    assert doc.stats.ocr_calls < doc.stats.frames / 1.5


@pytest.fixture(scope="module")
def audit(shared_data):
    """The self-audit of ``benchmarks/ocr.py`` on every shared clip (the plain engine on every
    sampled frame against the stage's ``.srt``)."""
    from benchmarks.ocr import AUDIT_CLIPS, audit_clip

    folder = shared_data / "ocr"
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent")
    models = resolve_models("rapidocr", None, None)
    return {name: audit_clip(folder / name, OcrParams(), models) for name in AUDIT_CLIPS}


def test_the_self_audit_finds_no_lost_line_and_no_glued_cue(audit):
    assert sum(found["engine_lines"] for found in audit.values()) > 0  # it audits something
    for name, found in audit.items():
        assert found["lost"] == [], (name, found["lost"])
        assert found["glued"] == [], (name, found["glued"])
        # what the stage filed as other on-screen text instead of a cue, it explains
        assert all(
            row["step"].startswith("classification: ") for row in found["filed_as_other_text"]
        )
