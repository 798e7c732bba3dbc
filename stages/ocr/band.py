"""Which recognised lines are subtitles: static text (watermarks, logos) and the subtitle band.

Lines are first linked over consecutive checks of their region into *tracks* (same place, same
text, allowing a short OCR gap). A track present in at least ``static_min_share`` of its region's
checks is static: a watermark, logo or channel name. It stays on-screen text but never becomes a
subtitle cue. (One exception: a horizontally centred line in the band that persists while no
other centred band text changes is a subtitle shown for the whole clip, not a logo; text off the
centre, such as a word on a passing shirt, does not make it a logo.)

The subtitle band is learned per video from where the remaining band lines recur: every distinct
track votes for the rows it covers; the band is the run of rows around the most-voted row that
keep at least ``BAND_VOTE_SHARE`` of its votes, bridging gaps up to one line height (so the two
lines of bilingual subtitles form one band). Tracks centred inside the band are subtitles; the
rest (captions, name tags, tickers) are other on-screen text, and so is band text that breaks
the subtitle layout: tilted text (a word printed on a shirt), a row off the centre or of another
size (``mark_subtitles``). Each track keeps the reason for its kind (``Track.why``).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

import numpy as np

from stages.ocr.cues import has_content, similarity
from stages.ocr.scan import MAX_TILT, Box, Check, Line, iou, tilt_degrees

SAME_PLACE_IOU = 0.8  # a line this well aligned with a track continues it even if OCR wavers
SAME_PLACE_TEXT = 0.5
NEAR_PLACE_IOU = 0.3
BAND_VOTE_SHARE = 0.1
CENTRED = 0.1  # |centre x - frame centre| below this share of the width
HEIGHT_RATIO = 1.8  # subtitle rows: line heights within this factor of the centred rows' median
MIN_STATIC_CHECKS = 3


@dataclass(eq=False)
class Track:
    """One line followed across the checks of its region."""

    region: str  # "band" or "upper"
    observations: list[tuple[int, Line]] = field(default_factory=list)  # (check index, line)
    kind: str = "text"  # "subtitle", "watermark" or "text"
    why: str = "outside the learned subtitle band"  # the reason for ``kind``

    @property
    def last(self) -> tuple[int, Line]:
        return self.observations[-1]

    @property
    def box(self) -> Box:
        boxes = [line.box for _, line in self.observations]
        x0, y0, x1, y1 = (statistics.median(b[k] for b in boxes) for k in range(4))
        return x0, y0, x1, y1

    @property
    def n_checks(self) -> int:
        return len({ci for ci, _ in self.observations})


def usable(line: Line, min_confidence: float) -> bool:
    return line.confidence >= min_confidence and has_content(line.text)


def link_tracks(
    checks: list[Check],
    region: str,
    *,
    min_confidence: float,
    merge_similarity: float,
    max_gap: int,
) -> list[Track]:
    """Tracks of the usable lines in ``checks`` (a line joins the best matching track seen in
    the last ``max_gap + 1`` checks, at most one line per track and check)."""
    tracks: list[Track] = []
    active: list[int] = []  # tracks seen recently enough to continue
    for ci, check in enumerate(checks):
        active = [ti for ti in active if ci - tracks[ti].last[0] <= max_gap + 1]
        taken: set[int] = set()
        for line in check.lines:
            if not usable(line, min_confidence):
                continue
            best, best_score = None, 0.0
            for ti in active:
                last = tracks[ti].last[1]
                overlap = iou(last.box, line.box)
                if ti in taken or overlap < NEAR_PLACE_IOU:
                    continue
                same = similarity(last.text, line.text)
                matches = (overlap >= SAME_PLACE_IOU and same >= SAME_PLACE_TEXT) or (
                    same >= merge_similarity
                )
                if matches and overlap + same > best_score:
                    best, best_score = ti, overlap + same
            if best is None:
                tracks.append(Track(region, [(ci, line)]))
                best = len(tracks) - 1
                active.append(best)
            else:
                tracks[best].observations.append((ci, line))
            taken.add(best)
    return tracks


def mark_static(tracks: list[Track], n_checks: int, share: float, width: int) -> None:
    """Label persistent tracks ``watermark`` (see the module docstring for the one exception)."""
    persistent = [
        t for t in tracks if t.n_checks >= MIN_STATIC_CHECKS and t.n_checks >= share * n_checks
    ]
    ids = {id(t) for t in persistent}
    changing_band = [
        t for t in tracks if t.region == "band" and id(t) not in ids and _centred(t, width)
    ]
    for track in persistent:
        if track.region == "band" and _centred(track, width) and not changing_band:
            continue
        track.kind = "watermark"
        track.why = f"static: on screen in {track.n_checks} of {n_checks} checks"


def _centred(track: Track, width: int) -> bool:
    x0, _, x1, _ = track.box
    return abs((x0 + x1) / 2 - width / 2) < CENTRED * width


def learn_band(tracks: list[Track], height: int) -> tuple[int, int] | None:
    """Rows (top, bottom) of the subtitle band, from the non-static band tracks, or None."""
    candidates = [t for t in tracks if t.region == "band" and t.kind != "watermark"]
    if not candidates or height <= 0:
        return None
    votes = np.zeros(height, np.float64)
    heights = []
    for track in candidates:
        _, y0, _, y1 = track.box
        top, bottom = max(int(y0), 0), min(int(np.ceil(y1)), height)
        votes[top:bottom] += 1
        heights.append(max(bottom - top, 1))
    if votes.max() <= 0:
        return None
    level = BAND_VOTE_SHARE * votes.max()
    peak = int(votes.argmax())
    bridge = int(statistics.median(heights))
    top = bottom = peak
    for step, edge in ((-1, 0), (1, height - 1)):
        pos, gap, last_good = peak, 0, peak
        while pos != edge and gap <= bridge:
            pos += step
            if votes[pos] >= level:
                last_good, gap = pos, 0
            else:
                gap += 1
        if step < 0:
            top = last_good
        else:
            bottom = last_good + 1
    return top, bottom


def mark_subtitles(tracks: list[Track], band: tuple[int, int] | None, width: int) -> None:
    """Non-static, upright (``scan.MAX_TILT``) band tracks centred vertically inside ``band``
    are subtitle candidates. A cue
    holds subtitle lines only, told apart by geometry before any text is merged: when some
    candidates' rows are horizontally centred (the usual subtitle layout), a candidate is a
    subtitle only if its row is centred too and its line height is within ``HEIGHT_RATIO`` of
    the centred rows' median. Other text in the band (a word printed on a shirt, a name tag)
    stays on-screen text. A row is judged by the union of the candidate lines beside it in the
    same check, so a subtitle the detector split into two boxes is still one centred row."""
    if band is None:
        return
    candidates = []
    for t in tracks:
        if t.region != "band" or t.kind == "watermark":
            continue
        if not band[0] <= (t.box[1] + t.box[3]) / 2 <= band[1]:
            continue
        tilt = statistics.median(tilt_degrees(line.quad) for _, line in t.observations)
        if tilt > MAX_TILT:
            t.why = f"tilted {tilt:.1f} degrees: subtitle lines are upright"
            continue
        candidates.append(t)
    by_check: dict[int, list[Line]] = {}
    for track in candidates:
        for ci, line in track.observations:
            by_check.setdefault(ci, []).append(line)
    centred = [t for t in candidates if _row_offset(t, by_check, width) < CENTRED * width]
    if not centred:  # e.g. left-aligned subtitles: no layout to hold the candidates to
        for track in candidates:
            track.kind, track.why = "subtitle", "in the band (no centred rows)"
        return
    for track in candidates:
        track.why = "in the band but its row is off the centre"
    reference = statistics.median(_height(t) for t in centred)
    for track in centred:
        if 1 / HEIGHT_RATIO <= _height(track) / reference <= HEIGHT_RATIO:
            track.kind, track.why = "subtitle", "centred in the band, subtitle height"
        else:
            track.why = f"another height than the subtitle rows ({reference:.0f} px)"


def _height(track: Track) -> float:
    _, y0, _, y1 = track.box
    return max(y1 - y0, 1.0)


def _row_offset(track: Track, by_check: dict[int, list[Line]], width: int) -> float:
    """Median over the track's checks of how far the centre of its row (the lines of that check
    at its height) lies from the frame's centre, in pixels."""
    offsets = []
    for ci, line in track.observations:
        cy, half = (line.box[1] + line.box[3]) / 2, (line.box[3] - line.box[1]) / 2
        row = [ln for ln in by_check[ci] if abs((ln.box[1] + ln.box[3]) / 2 - cy) <= half]
        x0, x1 = min(ln.box[0] for ln in row), max(ln.box[2] for ln in row)
        offsets.append(abs((x0 + x1) / 2 - width / 2))
    return statistics.median(offsets)
