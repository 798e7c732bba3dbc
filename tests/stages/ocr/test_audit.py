"""The self-audit's glued-cue test (``benchmarks/ocr.py``) on constructed cues: subtitle rows
pass, text that is not a subtitle line inside a cue does not."""

from benchmarks.ocr import EngineLine, glued_cues
from stages.ocr.schema import CueRecord, OcrLine


def _line(text, x0, y0, x1, y1, lift=0.0):
    quad = [[x0, y0], [x1, y0 - lift], [x1, y1 - lift], [x0, y1]]
    return OcrLine(text=text, confidence=0.99, quad=quad)


def _cue(*lines):
    text = "\n".join(ln.text for ln in lines)
    return CueRecord(
        index=1, start=0.0, end=2.0, text=text, confidence=0.99, lines=list(lines), frames=[0.0]
    )


ROW = _line("空间里面有很多东西", 474, 628, 806, 673)


def test_bilingual_rows_are_not_glued():
    english = _line("There is a lot in the space", 450, 680, 830, 716)
    assert glued_cues([_cue(ROW, english)], []) == []


def test_a_tilted_or_bigger_word_in_a_cue_is_glued():
    tilted = _line("NAZA", 577, 588, 696, 645, lift=9)  # 4.3 degrees
    bigger = _line("LOVE", 300, 520, 420, 620)
    assert len(glued_cues([_cue(tilted, ROW)], [])) == 1
    assert len(glued_cues([_cue(bigger, ROW)], [])) == 1


def test_a_cue_line_holding_two_engine_rows_is_glued():
    tall = _line("NAZA 空间里面有很多东西", 474, 600, 806, 673)
    engine = [
        EngineLine("NAZA", 0.99, (480, 600, 560, 630), [0.5]),
        EngineLine("空间里面有很多东西", 0.99, (480, 632, 800, 672), [0.5]),
    ]
    assert len(glued_cues([_cue(tall)], engine)) == 1
    assert glued_cues([_cue(ROW)], engine[1:]) == []
