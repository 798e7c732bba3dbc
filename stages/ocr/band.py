"""Which recognised lines are subtitles: static text (watermarks, logos) and the subtitle band.

Lines are first linked over consecutive checks of their region into *tracks* (same place, same
text, allowing a short OCR gap). A track present in at least ``static_min_share`` of its region's
checks is static: a watermark, logo or channel name. It stays on-screen text but never becomes a
subtitle cue. (One exception: a horizontally centred line in the band that persists while no
other band text changes is a subtitle shown for the whole clip, not a logo.)

The subtitle band is learned per video from where the remaining band lines recur: every distinct
track votes for the rows it covers; the band is the run of rows around the most-voted row that
keep at least ``BAND_VOTE_SHARE`` of its votes, bridging gaps up to one line height (so the two
lines of bilingual subtitles form one band). Tracks centred inside the band are subtitles; the
rest (captions, name tags, tickers) are other on-screen text.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

import numpy as np

from stages.ocr.cues import has_content, similarity
from stages.ocr.scan import Box, Check, Line, iou

SAME_PLACE_IOU = 0.8  # a line this well aligned with a track continues it even if OCR wavers
SAME_PLACE_TEXT = 0.5
NEAR_PLACE_IOU = 0.3
BAND_VOTE_SHARE = 0.1
CENTRED = 0.1  # |centre x - frame centre| below this share of the width
MIN_STATIC_CHECKS = 3


@dataclass(eq=False)
class Track:
    """One line followed across the checks of its region."""

    region: str  # "band" or "upper"
    observations: list[tuple[int, Line]] = field(default_factory=list)  # (check index, line)
    kind: str = "text"  # "subtitle", "watermark" or "text"

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
    changing_band = [t for t in tracks if t.region == "band" and id(t) not in ids]
    for track in persistent:
        x0, _, x1, _ = track.box
        centred = abs((x0 + x1) / 2 - width / 2) < CENTRED * width
        if track.region == "band" and centred and not changing_band:
            continue
        track.kind = "watermark"


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


def mark_subtitles(tracks: list[Track], band: tuple[int, int] | None) -> None:
    """Non-static band tracks centred vertically inside ``band`` become subtitles."""
    if band is None:
        return
    for track in tracks:
        if track.region != "band" or track.kind == "watermark":
            continue
        _, y0, _, y1 = track.box
        if band[0] <= (y0 + y1) / 2 <= band[1]:
            track.kind = "subtitle"
