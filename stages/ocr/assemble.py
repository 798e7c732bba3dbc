"""A scanned video to its result: subtitle cues (``.srt``) and the full text record (``.json``)."""

from __future__ import annotations

import statistics
from collections import defaultdict

from stages.ocr.band import Track, learn_band, link_tracks, mark_static, mark_subtitles
from stages.ocr.cues import Cue, Reading, best_reading, build_cues
from stages.ocr.params import OcrParams
from stages.ocr.scan import Line, Scan
from stages.ocr.schema import Band, CueRecord, OcrLine, TextEvent


def frame_reading(lines: list[Line]) -> Reading | None:
    """One frame's subtitle text: lines in reading order, " " within a row, newline between."""
    if not lines:
        return None
    rows: list[list[Line]] = []
    for line in sorted(lines, key=lambda ln: (ln.box[1] + ln.box[3]) / 2):
        cy = (line.box[1] + line.box[3]) / 2
        if rows:
            ref = rows[-1][0].box
            if abs(cy - (ref[1] + ref[3]) / 2) <= (ref[3] - ref[1]) / 2:
                rows[-1].append(line)
                continue
        rows.append([line])
    ordered = [sorted(row, key=lambda ln: ln.box[0]) for row in rows]
    text = "\n".join(" ".join(ln.text for ln in row) for row in ordered)
    confidence = statistics.fmean(ln.confidence for ln in lines)
    return Reading(text, round(confidence, 4), tuple(ln for row in ordered for ln in row))


def classify(scan: Scan, params: OcrParams) -> tuple[list[Track], tuple[int, int] | None]:
    """All tracks with their kind (subtitle / watermark / text) and the learned band."""
    gap = max(0, round(params.merge_gap_s * params.fps))
    common = {"min_confidence": params.min_confidence, "merge_similarity": params.merge_similarity}
    band_tracks = link_tracks(scan.band, "band", max_gap=gap, **common)
    upper_tracks = link_tracks(scan.upper, "upper", max_gap=1, **common)
    share = params.static_min_share
    mark_static(band_tracks, len(scan.band), share, scan.width)
    mark_static(upper_tracks, len(scan.upper), share, scan.width)
    band = learn_band(band_tracks, scan.height)
    mark_subtitles(band_tracks, band, scan.width)
    return band_tracks + upper_tracks, band


def subtitle_cues(scan: Scan, tracks: list[Track], params: OcrParams) -> list[Cue]:
    per_frame: dict[int, list[Line]] = defaultdict(list)
    for track in tracks:
        if track.kind == "subtitle":
            for ci, line in track.observations:
                per_frame[ci].append(line)
    readings = [frame_reading(per_frame.get(i, [])) for i in range(len(scan.times))]
    return build_cues(
        scan.times,
        readings,
        fps=params.fps,
        merge_similarity=params.merge_similarity,
        min_cue_s=params.min_cue_s,
        merge_gap_s=params.merge_gap_s,
    )


def cue_records(cues: list[Cue]) -> list[CueRecord]:
    return [
        CueRecord(
            index=i,
            start=round(c.start, 3),
            end=round(c.end, 3),
            text=c.text,
            confidence=c.confidence,
            lines=[_line(ln) for ln in c.lines],
            frames=[round(t, 3) for t in c.frames],
        )
        for i, c in enumerate(cues, start=1)
    ]


def text_events(scan: Scan, tracks: list[Track], params: OcrParams) -> list[TextEvent]:
    """Every track that is not a subtitle, as one event with its best reading."""
    events = []
    for track in tracks:
        if track.kind == "subtitle":
            continue
        checks = scan.band if track.region == "band" else scan.upper
        times = [checks[ci].t for ci, _ in track.observations]
        step = 1 / params.fps if track.region == "band" else params.probe_interval_s
        best = best_reading([Reading(ln.text, ln.confidence) for _, ln in track.observations])
        events.append(
            TextEvent(
                text=best.text,
                confidence=best.confidence,
                kind="watermark" if track.kind == "watermark" else "text",
                region=track.region,
                box=[round(v, 1) for v in track.box],
                start=round(times[0], 3),
                end=round(times[-1] + step / 2, 3),
                frames=[round(t, 3) for t in sorted(set(times))],
            )
        )
    return sorted(events, key=lambda e: (e.start, e.box[1], e.box[0]))


def band_record(band: tuple[int, int] | None, height: int) -> Band | None:
    if band is None or height <= 0:
        return None
    top, bottom = band
    return Band(
        top=top,
        bottom=bottom,
        top_share=round(top / height, 4),
        bottom_share=round(bottom / height, 4),
    )


def _line(line: Line) -> OcrLine:
    quad = [[round(x, 1), round(y, 1)] for x, y in line.quad]
    return OcrLine(text=line.text, confidence=line.confidence, quad=quad)
