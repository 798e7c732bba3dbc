"""Static text and the subtitle band, learned from constructed per-frame readings."""

from pipeline.params import OcrParams
from stages.ocr.assemble import classify, frame_reading, subtitle_cues, text_events
from stages.ocr.band import learn_band, link_tracks, mark_static
from stages.ocr.scan import Check, Line, Scan

W, H = 1280, 720
STEP = 1 / 3


def line(text, x0, y0, x1, y1, confidence=0.98):
    return Line(text, confidence, ((x0, y0), (x1, y0), (x1, y1), (x0, y1)))


def centred(text, y0, y1, width=None):
    width = width or 40 * len(text)
    return line(text, (W - width) / 2, y0, (W + width) / 2, y1)


LOGO = line("新闻频道", 1100, 600, 1260, 640)  # a logo in the band's corner


def scan_of(per_frame, upper=None):
    band = [Check(i * STEP, tuple(lines), ocr=True) for i, lines in enumerate(per_frame)]
    scan = Scan(W, H, 432, times=[c.t for c in band], band=band)
    scan.upper = upper or []
    return scan


def subtitle_frames():
    """12 s: five subtitles (two bilingual) at the bottom, a persistent logo, a one-off caption
    higher in the band."""
    frames = []
    script = [
        (0, 8, ["市中心发生交通事故"]),
        (9, 16, ["消防人员迅速赶到现场", "Firefighters arrived"]),
        (17, 24, ["伤者已被送往医院"]),
        (25, 30, ["警方提醒市民注意安全", "Police urge caution"]),
        (31, 36, ["感谢收看"]),
    ]
    for i in range(36):
        lines = [LOGO]
        for first, last, rows in script:
            if first <= i < last:
                if len(rows) == 1:
                    lines.append(centred(rows[0], 640, 680))
                else:
                    lines.append(centred(rows[0], 612, 652))
                    lines.append(centred(rows[1], 660, 690, width=400))
        if 20 <= i < 23:
            lines.append(line("记者 张三", 60, 470, 260, 500))
        frames.append(lines)
    return frames


def test_band_covers_both_rows_of_bilingual_subtitles_and_excludes_logo_and_caption():
    params = OcrParams()
    scan = scan_of(subtitle_frames())
    tracks, band = classify(scan, params)
    assert band is not None
    top, bottom = band
    assert 600 <= top <= 615 and 688 <= bottom <= 700
    kinds = {t.observations[0][1].text: t.kind for t in tracks}
    assert kinds["新闻频道"] == "watermark"
    assert kinds["记者 张三"] == "text"
    assert kinds["Firefighters arrived"] == "subtitle"
    cues = subtitle_cues(scan, tracks, params)
    assert [c.text for c in cues] == [
        "市中心发生交通事故",
        "消防人员迅速赶到现场\nFirefighters arrived",
        "伤者已被送往医院",
        "警方提醒市民注意安全\nPolice urge caution",
        "感谢收看",
    ]
    events = text_events(scan, tracks, params)
    assert {(e.kind, e.text) for e in events} == {("watermark", "新闻频道"), ("text", "记者 张三")}
    caption = next(e for e in events if e.text == "记者 张三")
    assert caption.frames[0] == round(20 * STEP, 3) and len(caption.frames) == 3


def test_a_subtitle_shown_for_the_whole_clip_is_not_mistaken_for_a_logo():
    params = OcrParams()
    scan = scan_of([[centred("全程只有这一句字幕", 640, 680)] for _ in range(15)])
    tracks, _ = classify(scan, params)
    assert [t.kind for t in tracks] == ["subtitle"]
    assert [c.text for c in subtitle_cues(scan, tracks, params)] == ["全程只有这一句字幕"]


def test_an_unsteady_reading_of_a_static_logo_is_still_one_static_track():
    readings = ["好看视频", "好看视频", "V好看视频", "好看视频", "好看视", "好看视频"] * 3
    checks = [
        Check(i * 2.0, (line(text, 1050, 30, 1250, 110),), ocr=True)
        for i, text in enumerate(readings)
    ]
    tracks = link_tracks(checks, "upper", min_confidence=0.6, merge_similarity=0.8, max_gap=1)
    assert len(tracks) == 1
    mark_static(tracks, len(checks), share=0.8, width=W)
    assert tracks[0].kind == "watermark"


def test_low_confidence_and_punctuation_only_lines_are_ignored():
    checks = [
        Check(0.0, (line("，，", 100, 600, 300, 640), line("噪声", 400, 600, 500, 640, 0.3)), True)
    ]
    assert link_tracks(checks, "band", min_confidence=0.6, merge_similarity=0.8, max_gap=1) == []
    assert learn_band([], H) is None


def test_frame_reading_orders_rows_then_columns():
    reading = frame_reading(
        [
            line("被各种段子模仿", 740, 626, 1050, 672),
            line("Second row", 500, 680, 780, 710),
            line("这句话当时也是红遍网络", 230, 624, 710, 674),
        ]
    )
    assert reading.text == "这句话当时也是红遍网络 被各种段子模仿\nSecond row"
    assert frame_reading([]) is None
