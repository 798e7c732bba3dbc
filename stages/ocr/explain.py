"""Why a line is (or is not) in the ``.srt``: the stage re-run with every step recorded.

``trace_video`` runs the ocr stage on one video with tracing on (``scan.CheckTrace`` per check)
and keeps the intermediate results: the band search region, each check's change verdict and
measures, the detector's boxes and second looks, what was recognised or kept its earlier
reading, each line's track and kind (subtitle / watermark / text, with the reason) and the
cues. ``explain_at`` prints all of it for one sampled frame (``chfen ocr explain``);
``dropped_by`` names the step that lost a given line (the self-audit in ``benchmarks/ocr.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from stages.ocr.assemble import classify, subtitle_cues
from stages.ocr.band import Track
from stages.ocr.cues import Cue, normalise, similarity
from stages.ocr.engines import ModelFiles, load_engine
from stages.ocr.params import OcrParams
from stages.ocr.scan import Box, CheckTrace, Line, Scan, scan_video

FOUND = 0.8  # rapidfuzz ratio of a line against a run of a reading: the reading holds it


@dataclass
class Explained:
    scan: Scan
    tracks: list[Track]
    band: tuple[int, int] | None
    cues: list[Cue]
    params: OcrParams

    def frame_index(self, t: float) -> int:
        """The sampled frame nearest to ``t``."""
        times = self.scan.times
        return min(range(len(times)), key=lambda i: abs(times[i] - t)) if times else -1

    def traces_at(self, index: int) -> list[CheckTrace]:
        """The checks of sampled frame ``index`` (the band's, and the upper region's if probed)."""
        t = self.scan.times[index]
        return [tr for tr in self.scan.traces or [] if tr.t == t]

    def track_of(self, region: str, index: int, line: Line) -> Track | None:
        for track in self.tracks:
            if track.region == region and any(
                line is ln for ci, ln in track.observations if ci == self._check(region, index)
            ):
                return track
        return None

    def _check(self, region: str, index: int) -> int:
        if region == "band":
            return index
        t = self.scan.times[index]
        upper = [i for i, check in enumerate(self.scan.upper) if check.t <= t]
        return upper[-1] if upper else -1

    def lines_at(self, region: str, index: int) -> tuple[Line, ...]:
        ci = self._check(region, index)
        checks = self.scan.band if region == "band" else self.scan.upper
        return checks[ci].lines if 0 <= ci < len(checks) else ()

    def cue_at(self, t: float) -> Cue | None:
        return next((c for c in self.cues if c.start <= t < c.end), None)


def trace_video(path: Path, params: OcrParams, models: ModelFiles, threads: int = 1) -> Explained:
    """The stage's scan, classification and cues of one video, with every check traced."""
    scan = scan_video(Path(path), load_engine(models, threads), params, trace=True)
    tracks, band = classify(scan, params)
    return Explained(scan, tracks, band, subtitle_cues(scan, tracks, params), params)


def holds(reading: str, line: str) -> bool:
    """Whether ``reading`` holds ``line`` whole: some run of it as long as the line matches
    the line (rapidfuzz ratio >= ``FOUND``; whitespace ignored). A reading holding only part of
    the line does not."""
    a, b = normalise(line), normalise(reading)
    if not a:
        return True
    runs = [b[i : i + len(a)] for i in range(max(len(b) - len(a), 0) + 1)]
    return max(similarity(a, run) for run in runs) >= FOUND


def _overlap(a: Box, b: Box) -> float:
    """Share of ``a``'s area inside ``b``."""
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    area = (a[2] - a[0]) * (a[3] - a[1])
    return ix * iy / area if area > 0 else 0.0


def _fmt_box(box: Box) -> str:
    return "(" + ", ".join(f"{v:.0f}" for v in box) + ")"


def _fmt_line(line: Line) -> str:
    return f"{line.text!r} conf {line.confidence:.2f} box {_fmt_box(line.box)}"


def explain_at(ex: Explained, t: float) -> list[str]:
    """A report, one string per line, of what each step did on the sampled frame nearest ``t``."""
    if not ex.scan.times:
        return ["no frames decoded"]
    index = ex.frame_index(t)
    ft = ex.scan.times[index]
    p = ex.params
    out = [
        f"frame {index} at {ft:.3f} s (nearest sampled frame to {t:.3f} s; {p.fps:g} fps, "
        f"frames {ex.scan.width}x{ex.scan.height})",
        f"band search: rows {ex.scan.band_top}-{ex.scan.height} checked on every frame; "
        f"rows 0-{ex.scan.band_top} every {p.probe_interval_s:g} s",
    ]
    for trace in ex.traces_at(index):
        out.append(f"[{trace.region}] change check: {trace.verdict} ({trace.why})")
        out.append(
            f"  new strokes per column {trace.new_per_column:.3f}, settled "
            f"{trace.settled_per_column:.3f} (threshold change_new {p.change_new:g})"
        )
        if trace.lost:
            out.append(f"  lines whose strokes changed: {list(trace.lost)}")
        if trace.verdict in ("same", "gone"):
            runs = [
                tr.t
                for tr in ex.scan.traces or []
                if tr.region == trace.region and tr.t < ft and tr.verdict == "changed"
            ]
            since = f"; it last ran at {runs[-1]:.3f} s" if runs else ""
            out.append(f"  detector: not run (the last reading holds{since})")
            continue
        out.append(
            f"  detector: {len(trace.detected)} boxes {[_fmt_box(b) for b in trace.detected]}"
        )
        for box, reason in trace.dropped:
            out.append(f"  detector box {_fmt_box(box)} left out: {reason}")
        if trace.windows:
            out.append(f"  second looks {[_fmt_box(b) for b in trace.windows]} found "
                       f"{[_fmt_box(b) for b in trace.retried]}")  # fmt: skip
        for line in trace.recognised:
            out.append(f"  recognised {_fmt_line(line)}")
        for line in trace.reused:
            out.append(f"  kept earlier reading {_fmt_line(line)}")
    for region in ("band", "upper"):
        for line in ex.lines_at(region, index):
            track = ex.track_of(region, index, line)
            if track is None:
                why = f"not used: confidence below {p.min_confidence:g} or no letters"
            else:
                why = f"{track.kind} ({track.why})"
            out.append(f"[{region}] line {_fmt_line(line)} -> {why}")
    band = f"rows {ex.band[0]}-{ex.band[1]}" if ex.band else "none"
    out.append(f"learned subtitle band: {band}")
    cue = ex.cue_at(ft)
    if cue is None:
        out.append("cue: none at this time")
    else:
        out.append(f"cue: {cue.start:.3f}-{cue.end:.3f} {cue.text!r}")
    return out


def dropped_by(ex: Explained, t: float, box: Box, text: str) -> str:
    """The step of the stage that lost a line the plain engine read at ``t`` in ``box``
    (frame pixels of the sampled frames) as ``text``."""
    index = ex.frame_index(t)
    region = "band" if (box[1] + box[3]) / 2 >= ex.scan.band_top else "upper"
    held = [
        ln
        for ln in ex.lines_at(region, index)
        if _overlap(ln.box, box) > 0.3 or _overlap(box, ln.box) > 0.3
    ]
    match = [ln for ln in held if holds(ln.text, text)]
    if not held:
        traces = [tr for tr in ex.traces_at(index) if tr.region == region]
        ran = [
            tr
            for tr in ex.scan.traces or []
            if tr.region == region and tr.t <= ex.scan.times[index]
        ]
        last_run = next((tr for tr in reversed(ran) if tr.verdict == "changed"), None)
        if region == "upper" and not traces:
            return "band search: above the band search region, not probed on this frame"
        if last_run is not None and any(
            _overlap(box, b) > 0.3 for b in last_run.detected + last_run.retried
        ):
            return "recogniser: detected, but its reading was dropped or replaced"
        if last_run is None or (traces and traces[0].verdict in ("same", "gone")):
            return (
                f"change check: '{traces[0].verdict if traces else 'same'}' held an older reading"
            )
        return "detector: no box found on the line"
    if not match:
        tracks = [ex.track_of(region, index, ln) for ln in held]
        if all(t is not None and t.kind != "subtitle" for t in tracks):
            # other on-screen text read otherwise (a logo's icon read as a character): it was
            # never going to the .srt, whatever its reading
            kinds = "; ".join(dict.fromkeys(f"{t.kind} ({t.why})" for t in tracks))
            return f"classification: {kinds}; read as {[ln.text for ln in held]}"
        return f"recogniser: read as {[ln.text for ln in held]}"
    track = ex.track_of(region, index, match[0])
    if track is None:
        return f"recogniser: confidence {match[0].confidence:.2f} below min_confidence"
    if track.kind != "subtitle":
        return f"classification: {track.kind} ({track.why})"
    return "cue assembly: a subtitle line that no cue kept"
