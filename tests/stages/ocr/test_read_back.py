"""Real OCR: text drawn on frames is read back by each backend, through the stage's scanner."""

import pytest

from pipeline.frames import Frame
from pipeline.params import OcrParams
from stages.ocr.assemble import classify, subtitle_cues
from stages.ocr.engines import load_engine, resolve_models
from stages.ocr.paddle_models import build_paddleocr_models
from stages.ocr.quality import character_error_rate
from stages.ocr.scan import scan_frames
from tests.stages.ocr.ocr_synthetic import background, font_path, paste, text_layer

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not font_path(), reason="the CJK font WenQuanYi Micro Hei"),
]

LINES = [
    "今天上午市中心发生交通事故",
    "消防人员迅速赶到现场救援",
    "The city council met on Monday",
    "气象台发布橙色预警信号 2024年",
    "感谢大家的关注",
]
W, H = 960, 540


@pytest.fixture(
    scope="module",
    params=["rapidocr", "paddleocr"],
)
def backend(request, tmp_path_factory):
    dirs = (None, None)
    if request.param == "paddleocr":
        dirs = tuple(build_paddleocr_models(tmp_path_factory.mktemp("paddleocr")))
    params = OcrParams(backend=request.param, det_model_dir=dirs[0], rec_model_dir=dirs[1])
    models = resolve_models(request.param, *dirs)
    return load_engine(models, 1), params


def frames_showing(texts, kind="pan", per_text=3):
    """``per_text`` sampled frames (3 fps) for each text, drawn low in the frame."""
    base = background(kind, W, H)
    frames = []
    for i, text in enumerate(t for t in texts for _ in range(per_text)):
        image = base(i / 3)
        if text:
            paste(image, text_layer(text, 30, (255, 255, 255), 2), W / 2, H * 0.88)
        frames.append(Frame(i, round(i / 3, 6), image))
    return frames


def test_drawn_subtitles_are_read_back_with_under_two_percent_cer(backend):
    engine, params = backend
    frames = frames_showing([*LINES, None])
    scan = scan_frames(frames, engine, params)
    tracks, band = classify(scan, params)
    cues = subtitle_cues(scan, tracks, params)
    assert [c.start for c in cues] == pytest.approx([0, 1, 2, 3, 4])
    cer = character_error_rate("".join(c.text for c in cues), "".join(LINES))
    assert cer < 0.02, [c.text for c in cues]
    assert band is not None and band[0] <= H * 0.88 <= band[1]
    # each text is detected and recognised when it appears, then only checked cheaply (a few
    # more recognitions: picture texture the detector offers, read as no text)
    assert len(LINES) <= scan.stats.recognitions <= len(LINES) + 3
    assert scan.stats.detections <= 2 * (len(LINES) + 1) + len(scan.upper) < len(frames)


@pytest.mark.parametrize("kind", ["white", "black"])
def test_text_on_very_bright_and_very_dark_frames(backend, kind):
    engine, params = backend
    frames = frames_showing([None, LINES[0], LINES[2], None], kind=kind)
    scan = scan_frames(frames, engine, params)
    tracks, _ = classify(scan, params)
    texts = [c.text for c in subtitle_cues(scan, tracks, params)]
    assert character_error_rate("".join(texts), LINES[0] + LINES[2]) < 0.02, texts


@pytest.mark.parametrize("kind", ["white", "black", "pan"])
def test_frames_without_text_give_no_cues_and_almost_no_ocr(backend, kind):
    engine, params = backend
    scan = scan_frames(frames_showing([None] * 4, kind=kind), engine, params)
    tracks, band = classify(scan, params)
    assert subtitle_cues(scan, tracks, params) == []
    assert band is None
    if kind != "pan":  # a still picture is read once per region, then only compared
        assert scan.stats.detections == 2
        assert scan.stats.recognitions == 0


def test_an_empty_frame_sequence_is_an_empty_scan(backend):
    engine, params = backend
    scan = scan_frames(iter(()), engine, params)
    assert (scan.width, scan.height, scan.times, scan.band, scan.upper) == (0, 0, [], [], [])
