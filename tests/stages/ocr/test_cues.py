"""Cue merging and timing on constructed reading sequences (no OCR involved)."""

import pytest

from stages.ocr.cues import Reading, best_reading, build_cues, similarity

FPS = 3.0
STEP = 1 / FPS


def cues_of(times, texts, **overrides):
    readings = [None if t is None else Reading(t, 0.95) for t in texts]
    options = {"fps": FPS, "merge_similarity": 0.8, "min_cue_s": 0.3, "merge_gap_s": 1.0}
    return build_cues(times, readings, **{**options, **overrides})


def test_consecutive_near_identical_readings_are_one_cue_with_first_and_last_frame():
    times = [i * STEP for i in range(10)]
    texts = [None, "今天天气很好", "今天天气很好", "今天天气很妤", "今天天气很好", None, "明天下雨"]
    texts += ["明天下雨", "明天下雨", None]
    cues = cues_of(times, texts)
    assert [c.text for c in cues] == ["今天天气很好", "明天下雨"]
    first, second = cues
    assert first.start == pytest.approx(times[1])
    assert first.end == pytest.approx(times[4] + STEP / 2)
    assert first.frames == pytest.approx(times[1:5])
    assert second.start == pytest.approx(times[6])
    assert second.end == pytest.approx(times[8] + STEP / 2)


def test_variable_frame_rate_timestamps_are_used_as_they_are():
    # sampled frames of a VFR clip: bursts and a long still frame (1.2 s -> 2.9 s)
    times = [0.0, 0.31, 0.35, 0.9, 1.2, 2.9, 3.0, 3.4, 3.9]
    texts = [None, "第一句", "第一句", "第一句", "第一句", "第二句话", "第二句话", "第二句话", None]
    first, second = cues_of(times, texts)
    assert (first.start, first.end) == pytest.approx((0.31, 1.2 + STEP / 2))
    assert (second.start, second.end) == pytest.approx((2.9, 3.4 + STEP / 2))
    # the end never runs past the next sampled frame
    burst = cues_of([1.0, 1.05, 1.1], ["字幕出现了", "字幕出现了", None], min_cue_s=0)
    assert burst[0].end == pytest.approx(1.1)


def test_most_complete_then_most_confident_reading_wins():
    readings = [
        Reading("个还是两个", 0.99),
        Reading("一个还是两个", 0.90),
        Reading("一个还是两个", 0.93),
        Reading("一个还是两介", 0.97),
    ]
    assert best_reading(readings).text == "一个还是两个"
    times = [i * STEP for i in range(4)]
    cue = build_cues(times, readings, fps=FPS, merge_similarity=0.7, min_cue_s=0.3, merge_gap_s=1.0)
    assert [c.text for c in cue] == ["一个还是两个"]
    assert cue[0].confidence == pytest.approx(0.93)


def test_text_typed_out_word_by_word_stays_one_cue_with_the_full_text():
    times = [i * STEP for i in range(6)]
    texts = ["Breaking news", "Breaking news from", "Breaking news from the city", None]
    texts += [None, None]
    (cue,) = cues_of(times, texts, merge_similarity=0.6)
    assert cue.text == "Breaking news from the city"
    assert cue.start == 0.0


def test_ocr_flicker_never_emits_the_same_subtitle_twice_in_a_row():
    times = [i * STEP for i in range(12)]
    texts = ["消防人员赶到现场", "消防人员赶到现场", "消防人员赶到现场", None]
    texts += ["消防人员赶到现场", "消防人员赶到现埸", "消防人员赶到现场", "消", "消防人员赶到现场"]
    texts += ["消防人员赶到现场", None, None]
    cues = cues_of(times, texts)
    assert [c.text for c in cues] == ["消防人员赶到现场"]
    assert cues[0].start == 0.0
    assert cues[0].end == pytest.approx(times[9] + STEP / 2)


def test_a_repeated_line_after_a_long_gap_is_a_new_cue():
    times = [i * STEP for i in range(12)]
    texts = ["好的", "好的", "好的"] + [None] * 6 + ["好的", "好的", "好的"]
    assert len(cues_of(times, texts)) == 2


def test_cues_shorter_than_min_cue_s_are_dropped():
    times = [i * STEP for i in range(6)]
    texts = [None, "一闪而过", None, "停留很久的字幕", "停留很久的字幕", None]
    assert [c.text for c in cues_of(times, texts)] == ["停留很久的字幕"]
    assert [c.text for c in cues_of(times, texts, min_cue_s=0.0)] == ["一闪而过", "停留很久的字幕"]


def test_no_text_gives_no_cues():
    cues = cues_of([0.0, STEP, 2 * STEP], [None, None, None])
    assert cues == []
    with pytest.raises(ValueError):
        build_cues([0.0], [], fps=FPS, merge_similarity=0.8, min_cue_s=0, merge_gap_s=0)


def test_similarity_ignores_spacing_and_line_breaks():
    assert similarity("被各种 段子模仿", "被各种段子模仿") == 1.0
    assert similarity("Hello\nworld", "Hello world") == 1.0
    assert similarity("", "") == 1.0
    assert similarity("今天", "明天下雨") < 0.5
