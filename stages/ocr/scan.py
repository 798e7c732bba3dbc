"""One pass over a video's sampled frames: what text each region shows in each frame.

Two regions are read. The *band search* region (the bottom ``ocr.band_search`` of the frame,
where subtitles live) is checked on every sampled frame; the rest of the frame, for other
on-screen text, every ``ocr.probe_interval_s``. A check costs a stroke-pixel comparison with the
last reading (``change.py``); only when that says the text changed does the detector run, and
then only lines that are new or changed are recognised (an unchanged line keeps its reading).
When lines merely vanished (their strokes are gone and nothing new appeared), the detector is
not needed either.
This is where the speed comes from: most sampled frames show the same subtitle as the last one.

Pieces of one line that the detector split (neighbours on one row, upright, of one height on
one baseline, overlapping or nearly touching) are joined before recognition
(``join_split_lines``), and an earlier reading is kept only by a box that spans its line. With
``trace`` every check leaves a ``CheckTrace`` (``chfen ocr explain`` prints them).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from pipeline.frames import Frame, sample_frames
from stages.ocr.change import (
    Signature,
    has_text_run,
    lost_share,
    new_text,
    per_column,
    same_size,
    settled,
    signature,
    text_left,
    vanished,
)
from stages.ocr.cues import has_content, normalise
from stages.ocr.engines import OcrEngine, crop_line, order_quads, widen_quads
from stages.ocr.params import OcrParams

Box = tuple[float, float, float, float]
REUSE_IOU = 0.6  # a detected line this close to a line read last time may keep its reading
REUSE_COVER = 0.9  # ... if it also spans this share of that line (not a piece of it)
MAX_LINE_SHARE = 0.2  # taller "lines" are picture texture the detector mistook for text
MAX_WINDOWS = 4  # second looks per check; beyond this one window covers them all
MAX_TILT = 2.5  # degrees: subtitle lines are upright; text tilted more is picture content
SAME_HEIGHT = 1.35  # pieces of one line: heights within this factor ...
BASELINE_SHARE = 0.3  # ... bottoms within this share of the height ...
SPLIT_GAP = 0.5  # ... and a gap under this share of the height (a space is about 0.3)


@dataclass(frozen=True)
class Line:
    """One recognised text line; ``quad`` in frame pixels, clockwise from top-left."""

    text: str
    confidence: float
    quad: tuple[tuple[float, float], ...]

    @property
    def box(self) -> Box:
        xs = [p[0] for p in self.quad]
        ys = [p[1] for p in self.quad]
        return min(xs), min(ys), max(xs), max(ys)


@dataclass(frozen=True)
class Check:
    """What one region showed in one sampled frame; ``ocr`` says whether the detector ran."""

    t: float
    lines: tuple[Line, ...]
    ocr: bool


@dataclass
class CheckTrace:
    """What the fast path did in one check, for ``chfen ocr explain`` and the self-audit:
    the change check's verdict and measures, the detector's boxes (first pass and second looks,
    frame pixels) and which lines were recognised or kept their earlier reading."""

    t: float
    region: str
    verdict: str = ""  # first / same / gone / changed
    why: str = ""
    new_per_column: float = 0.0
    settled_per_column: float = 0.0
    lost: tuple[str, ...] = ()  # texts of earlier lines whose strokes changed
    detected: tuple[Box, ...] = ()
    windows: tuple[Box, ...] = ()
    retried: tuple[Box, ...] = ()
    recognised: tuple[Line, ...] = ()
    reused: tuple[Line, ...] = ()
    dropped: tuple[tuple[Box, str], ...] = ()  # detections left out, with the reason


@dataclass
class ScanStats:
    frames: int = 0
    checks: int = 0
    detections: int = 0  # detector runs ("OCR calls")
    recognitions: int = 0  # line crops recognised
    reused_lines: int = 0  # detected lines that kept their earlier reading
    vanished: int = 0  # checks where lines only disappeared (no detector needed)
    settle_checks: int = 0  # checks that also ran the contrast-free settled-text test
    decode_s: float = 0.0
    ocr_s: float = 0.0


@dataclass
class Scan:
    width: int
    height: int
    band_top: int  # first row of the band search region
    times: list[float] = field(default_factory=list)
    band: list[Check] = field(default_factory=list)  # one per sampled frame
    upper: list[Check] = field(default_factory=list)  # one per probe
    stats: ScanStats = field(default_factory=ScanStats)
    traces: list[CheckTrace] | None = None  # one per check when tracing


def iou(a: Box, b: Box) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


class RegionReader:
    """Reads rows ``top:bottom`` of frames, re-running OCR only when the text changed."""

    def __init__(
        self,
        engine: OcrEngine,
        rows: tuple[int, int],
        frame_height: int,
        params: OcrParams,
        stats: ScanStats,
        name: str = "band",
        traces: list[CheckTrace] | None = None,
    ) -> None:
        self.engine, (self.top, self.bottom), self.frame_height = engine, rows, frame_height
        self.params, self.stats, self.name, self.traces = params, stats, name, traces
        self._trace = CheckTrace(0.0, name)
        self._ref: Signature | None = None  # the region when it was last read
        self._prev: Signature | None = None  # the region in the previous check
        self._lines: tuple[Line, ...] = ()

    def read(self, image: np.ndarray, t: float) -> Check:
        self.stats.checks += 1
        self._trace = CheckTrace(t, self.name)
        if self.traces is not None:
            self.traces.append(self._trace)
        region = image[self.top : self.bottom]
        sig = signature(region)
        change = self._change(sig)
        self._trace.verdict = change
        if change == "same":
            self._prev = sig
            return Check(t, self._lines, ocr=False)
        if change == "gone":
            self.stats.vanished += 1
            self._lines = tuple(line for line in self._lines if not self._lost(line, sig))
            self._ref = self._prev = sig
            return Check(t, self._lines, ocr=False)
        started = time.perf_counter()
        lines = self._ocr(np.ascontiguousarray(region[:, :, ::-1]), sig)
        self.stats.ocr_s += time.perf_counter() - started
        self._ref = self._prev = sig
        self._lines = lines
        return Check(t, lines, ocr=True)

    def _local(self, box: Box) -> Box:
        return box[0], box[1] - self.top, box[2], box[3] - self.top

    def _change(self, sig: Signature) -> str:
        """``same``: the last reading holds. ``gone``: some lines vanished, leaving plain
        picture (no strokes where they were still cluster like text: a shorter line shown in
        a longer one's place leaves too few strokes to count as that line, yet it is text), and
        nothing new appeared (no detector needed). ``changed``: anything else, and always for
        the first check. The verdict and its reason go to the check's trace."""
        ref, trace = self._ref, self._trace
        if ref is None or not same_size(ref, sig):
            trace.why = "first check of the region"
            return "changed"
        text = [line for line in self._lines if self._is_text(line)]
        boxes = [self._local(line.box) for line in text]
        blobs = self._new_text(sig, boxes)
        trace.new_per_column = per_column(blobs, sig)
        if trace.new_per_column > self.params.change_new or has_text_run(blobs):
            trace.why = "new text-like strokes outside the known lines"
            return "changed"
        prev = self._prev
        if prev is not None and prev is not ref and same_size(prev, sig):
            self.stats.settle_checks += 1
            still = settled(ref, prev, sig, boxes)
            trace.settled_per_column = per_column(still, sig)
            if trace.settled_per_column > self.params.change_new or has_text_run(still):
                trace.why = "new content holding still outside the known lines"
                return "changed"
        lost = [line for line in text if self._lost(line, sig)]
        trace.lost = tuple(line.text for line in lost)
        if not lost:
            trace.why = "no new strokes and the known lines kept theirs"
            return "same"
        if any(not vanished(ref, sig, self._local(line.box)) for line in lost):
            trace.why = "known lines changed"
            return "changed"
        kept = [self._local(line.box) for line in text if line not in lost]
        if self._new_text(sig, kept) or any(text_left(sig, self._local(ln.box)) for ln in lost):
            trace.why = "lost lines, and new text-like strokes where they were"
            return "changed"
        trace.why = "lost lines left plain picture"
        return "gone"

    def _lost(self, line: Line, sig: Signature) -> bool:
        return lost_share(self._ref, sig, self._local(line.box)) > self.params.change_lost

    def _new_text(self, sig: Signature, known: list[Box]) -> list[tuple[Box, int]]:
        """New text-like strokes against the last reading and against the previous frame."""
        blobs = new_text(self._ref, sig, known)
        prev = self._prev
        if prev is not None and prev is not self._ref and same_size(prev, sig):
            more = new_text(prev, sig, known)
            if per_column(more, sig) > per_column(blobs, sig):
                blobs = more
        return blobs

    def _is_text(self, line: Line) -> bool:
        """Lines that read as text; other detections (picture texture) do not guard changes."""
        return line.confidence >= self.params.min_confidence and has_content(line.text)

    def _ocr(self, region_bgr: np.ndarray, sig: Signature) -> tuple[Line, ...]:
        """Detect lines, then recognise only those whose strokes are new."""
        self.stats.detections += 1
        quads = self._detect(region_bgr, self.params.det_limit_side_len)
        found, windows = self._unexplained(sig, quads, region_bgr.shape[:2])
        self._trace.detected = tuple(self._frame_box(q) for q in quads)
        self._trace.windows = tuple(
            (x0, y0 + self.top, x1, y1 + self.top) for x0, y0, x1, y1 in windows
        )
        for x0, y0, x1, y1 in windows:
            self.stats.detections += 1
            more = self._detect(region_bgr[y0:y1, x0:x1], self.params.det_retry_limit_side_len)
            more = [q + np.array([x0, y0], np.float32) for q in more]
            found += [(q, None) for q in more if not _covered(q, [f for f, _ in found])]
            self._trace.retried += tuple(self._frame_box(q) for q in more)
        lines: list[Line] = []
        to_read: list[tuple[int, np.ndarray, np.ndarray | None]] = []
        for quad, clipped in found:
            frame_quad = self._frame_quad(quad)
            kept = self._reading_still_valid(frame_quad, sig)
            if kept is not None:
                self.stats.reused_lines += 1
                lines.append(Line(kept.text, kept.confidence, frame_quad))
            else:
                to_read.append((len(lines), quad, clipped))
                lines.append(Line("", 0.0, frame_quad))
        slots = {slot for slot, *_ in to_read}
        self._trace.reused = tuple(ln for i, ln in enumerate(lines) if i not in slots)
        if not to_read:
            return tuple(lines)
        width = region_bgr.shape[1]
        wide = widen_quads([q for _, q, _ in to_read], width)
        crops = [crop_line(region_bgr, q) for q in wide]
        crops += [
            crop_line(region_bgr, widen_quads([c], width)[0]) for *_, c in to_read if c is not None
        ]
        readings = self.engine.recognize(crops)
        self.stats.recognitions += len(crops)
        as_detected = iter(readings[len(to_read) :])
        for (slot, quad, clipped), (text, confidence) in zip(to_read, readings, strict=False):
            if clipped is not None:
                text, confidence, quad = fuller_reading(
                    (text, confidence, quad), (*next(as_detected), clipped)
                )
            lines[slot] = Line(text.strip(), round(float(confidence), 4), self._frame_quad(quad))
        self._trace.recognised = tuple(lines[slot] for slot in sorted(slots))
        return tuple(lines)

    def _frame_box(self, quad: np.ndarray) -> Box:
        x0, y0, x1, y1 = _bounds(quad)
        return x0, y0 + self.top, x1, y1 + self.top

    def _frame_quad(self, quad: np.ndarray) -> tuple[tuple[float, float], ...]:
        return tuple((float(x), float(y) + self.top) for x, y in quad)

    def _detect(self, region_bgr: np.ndarray, limit_side_len: int) -> list[np.ndarray]:
        tallest = MAX_LINE_SHARE * self.frame_height
        kept = []
        for q in join_split_lines(order_quads(self.engine.detect(region_bgr, limit_side_len))):
            if q[:, 1].max() - q[:, 1].min() <= tallest:
                kept.append(q)
            else:
                self._trace.dropped += ((self._frame_box(q), "taller than a text line"),)
        return kept

    def _unexplained(
        self, sig: Signature, quads: list[np.ndarray], shape: tuple[int, int]
    ) -> tuple[list[tuple[np.ndarray, np.ndarray | None]], list[tuple[int, int, int, int]]]:
        """New text-like strokes that neither the still-valid earlier lines nor the detections
        account for. A cluster beside a detected line on its row extends that line (the coarse
        detector often clips a line's first or last character; both versions are read and
        ``fuller_reading`` picks one); the others, when they add up to new text, get windows (region
        pixels) for a second, full-resolution look (a few dozen pixels: cheap). Returns
        (quad, the quad as detected if it was extended, else None) pairs and the windows."""
        pairs: list[tuple[np.ndarray, np.ndarray | None]] = [(q, None) for q in quads]
        if self._ref is None or not same_size(self._ref, sig):
            return pairs, []
        still = [line for line in self._lines if self._is_text(line) and not self._lost(line, sig)]
        known = [self._local(line.box) for line in still] + [_bounds(q) for q in quads]
        rest = []
        for blob in self._new_text(sig, known):
            beside = line_beside(blob[0], quads)
            if beside is None:
                rest.append(blob)
            else:
                pairs[beside] = (extend_quad(pairs[beside][0], blob[0]), quads[beside])
        if per_column(rest, sig) <= self.params.change_new:
            return pairs, []
        h, w = shape
        windows = []
        for (x0, y0, x1, y1), _ in rest:
            pad_x, pad_y = 2 * (y1 - y0), y1 - y0
            windows.append(
                (
                    max(int(x0 - pad_x), 0),
                    max(int(y0 - pad_y), 0),
                    min(int(x1 + pad_x) + 1, w),
                    min(int(y1 + pad_y) + 1, h),
                )
            )
        return pairs, merge_windows(windows)

    def _reading_still_valid(
        self, quad: tuple[tuple[float, float], ...], sig: Signature
    ) -> Line | None:
        """The earlier line at this place whose strokes did not change, if any. The detected box
        must span the earlier line: a piece of it (the detector split the line this time) is
        read anew, or the whole earlier reading would be repeated beside the other piece."""
        if self._ref is None or not same_size(self._ref, sig):
            return None
        box = Line("", 0.0, quad).box
        for line in self._lines:
            if iou(line.box, box) >= REUSE_IOU and covered_share(line.box, box) >= REUSE_COVER:
                if lost_share(self._ref, sig, self._local(line.box)) <= self.params.change_lost:
                    return line
                return None
        return None


def tilt_degrees(quad) -> float:
    """Angle of a quad's top edge from the horizontal, in degrees (0 for upright text)."""
    (x0, y0), (x1, y1) = quad[0], quad[1]
    return abs(float(np.degrees(np.arctan2(y1 - y0, max(x1 - x0, 1e-6)))))


def join_split_lines(quads: list[np.ndarray]) -> list[np.ndarray]:
    """Quads (in reading order) where the detector split one line in two, joined: neighbours on
    a row that overlap or nearly touch (a gap under ``SPLIT_GAP`` of their height), upright and
    of one height on one baseline. Read apart, each piece is read with the other's edge and
    the overlap twice. Text that differs in tilt, height or baseline is not joined."""
    out: list[np.ndarray] = []
    for quad in quads:
        if out and _same_line(out[-1], quad):
            x0, y0, x1, y1 = (*np.minimum(_bounds(out[-1])[:2], _bounds(quad)[:2]),
                              *np.maximum(_bounds(out[-1])[2:], _bounds(quad)[2:]))  # fmt: skip
            out[-1] = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float32)
        else:
            out.append(quad)
    return out


def _same_line(a: np.ndarray, b: np.ndarray) -> bool:
    ax0, ay0, ax1, ay1 = _bounds(a)
    bx0, by0, _, by1 = _bounds(b)
    ha, hb = ay1 - ay0, by1 - by0
    low = max(min(ha, hb), 1.0)
    return (
        max(tilt_degrees(a), tilt_degrees(b)) <= MAX_TILT
        and max(ha, hb) <= SAME_HEIGHT * low
        and abs(ay1 - by1) <= BASELINE_SHARE * low
        and bx0 - ax1 <= SPLIT_GAP * low
        and ax0 < bx0
    )


def covered_share(a: Box, b: Box) -> float:
    """Share of ``a``'s width that ``b`` spans."""
    width = a[2] - a[0]
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) / width if width > 0 else 0.0


def merge_windows(windows: list[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int]]:
    """Overlapping windows joined into their bounding box (repeatedly), so no pixel is searched
    twice; more than ``MAX_WINDOWS`` become one window around them all."""
    merged = list(windows)
    changed = True
    while changed:
        changed = False
        for i in range(len(merged)):
            for j in range(i + 1, len(merged)):
                a, b = merged[i], merged[j]
                if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]:
                    merged[i] = (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))
                    del merged[j]
                    changed = True
                    break
            if changed:
                break
    if len(merged) > MAX_WINDOWS:
        xs0, ys0, xs1, ys1 = zip(*merged, strict=True)
        merged = [(min(xs0), min(ys0), max(xs1), max(ys1))]
    return merged


def _bounds(quad: np.ndarray) -> Box:
    xs, ys = quad[:, 0], quad[:, 1]
    return float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max())


def line_beside(blob: Box, quads: list[np.ndarray]) -> int | None:
    """The quad whose row ``blob`` shares (half the smaller height) and whose end it touches
    or nearly touches (within one line height), if any."""
    for i, quad in enumerate(quads):
        x0, y0, x1, y1 = _bounds(quad)
        height = y1 - y0
        overlap = min(y1, blob[3]) - max(y0, blob[1])
        if overlap < 0.5 * min(height, blob[3] - blob[1]):
            continue
        gap = max(blob[0] - x1, x0 - blob[2])
        if gap <= height:
            return i
    return None


def extend_quad(quad: np.ndarray, blob: Box) -> np.ndarray:
    """``quad`` stretched left or right to take in ``blob``."""
    quad = np.asarray(quad, np.float32).copy()
    left, right = min(quad[0, 0], quad[3, 0], blob[0]), max(quad[1, 0], quad[2, 0], blob[2])
    quad[[0, 3], 0] = np.minimum(quad[[0, 3], 0], left)
    quad[[1, 2], 0] = np.maximum(quad[[1, 2], 0], right)
    return quad


def fuller_reading(
    extended: tuple[str, float, np.ndarray], detected: tuple[str, float, np.ndarray]
) -> tuple[str, float, np.ndarray]:
    """The extended line's reading when it keeps the detected reading whole and about as
    confident (a character the detector clipped was recovered), else the detected one (the
    extension took in a logo or picture edge)."""
    if normalise(detected[0]) in normalise(extended[0]) and extended[1] >= detected[1] - 0.05:
        return extended
    return detected


def _covered(quad: np.ndarray, quads: list[np.ndarray]) -> bool:
    return any(iou(_bounds(quad), _bounds(other)) > 0.3 for other in quads)


def scan_frames(
    frames: Iterable[Frame], engine: OcrEngine, params: OcrParams, trace: bool = False
) -> Scan:
    """Read every frame's band search region and, every ``probe_interval_s``, the rest;
    ``trace`` keeps a ``CheckTrace`` of every check in ``Scan.traces``."""
    traces: list[CheckTrace] | None = [] if trace else None
    scan: Scan | None = None
    band = upper = None
    next_probe = 0.0
    half_step = 0.5 / params.fps
    clock = time.perf_counter()
    stats = ScanStats()
    for frame in frames:
        stats.decode_s += time.perf_counter() - clock
        if scan is None:
            height, width = frame.image.shape[:2]
            top = min(height - 1, round(height * (1 - params.band_search)))
            scan = Scan(width, height, top, stats=stats, traces=traces)
            band = RegionReader(engine, (top, height), height, params, stats, "band", traces)
            upper = None
            if top > 0:
                upper = RegionReader(engine, (0, top), height, params, stats, "upper", traces)
        if frame.image.shape[:2] != (scan.height, scan.width):
            raise ValueError(f"frame {frame.index} changes size mid-video")
        stats.frames += 1
        scan.times.append(frame.t)
        scan.band.append(band.read(frame.image, frame.t))
        if upper is not None and frame.t + half_step >= next_probe:
            scan.upper.append(upper.read(frame.image, frame.t))
            next_probe = frame.t + params.probe_interval_s
        clock = time.perf_counter()
    return scan if scan is not None else Scan(0, 0, 0, stats=stats, traces=traces)


def scan_video(path: Path, engine: OcrEngine, params: OcrParams, trace: bool = False) -> Scan:
    frames = sample_frames(path, params.fps, params.max_side)
    return scan_frames(frames, engine, params, trace)
