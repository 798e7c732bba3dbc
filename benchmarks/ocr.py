"""Speed and accuracy of the ocr stage, per backend, against a naive per-frame loop.

    .venv/bin/python benchmarks/ocr.py [--backends rapidocr paddleocr] [--seconds 60]

Measures, for each available backend, on a generated 720p clip whose text is known (subtitles
over a panning, cutting background; a static watermark; an upper caption):
OCR calls (detector runs) per video-minute, compute seconds per video-minute (CPU of this
process and its ffmpeg decoder; onnxruntime on one thread, as each runner worker uses when
workers = cores) and wall seconds, character error rate, missing/spurious/duplicate cues and
cue boundary errors. The naive baseline is the loop the issue describes: PP-OCRv6 (rapidocr) on
the bottom 30% of every frame sampled at the same rate, equal lines fuzzy-merged.
Then the real clips in ../shared/data/ocr: CER of rapidvideocr/1.mp4 against its (noisy)
upstream reference, whether the vsr cues lie inside the band marked by vsr/test.png, and
near-duplicate neighbouring cues.

Results are merged into benchmarks/results/ocr.json by backend, so ``--backends paddleocr``
alone refreshes that backend's numbers and keeps the others.

The self-audit (issue 28, ``audit_clip``): the plain engine (rapidocr at its defaults, whole
frame) on every frame the stage samples of each shared clip; every line it reads with
confidence >= 0.9 for >= 0.5 s that the ``.srt`` lacks is listed with its frame time and the
step that dropped it, and cues holding text off the subtitle row are listed as glued. Its
figures, with the rapidocr CER and CPU per video-minute of the same run, go under
``audit.<label>``; the issue-28 figures were made with

    .venv/bin/python benchmarks/ocr.py --backends rapidocr --seconds 30 --repeat 1 --no-naive \
        --label after

(``--label before`` on the commit before the fixes).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import re
import resource
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "stages" / "ocr")]

from ocr_synthetic import TextSpan, font_path, news_script, subtitle_video  # noqa: E402

import pipeline  # noqa: E402,F401  (offline switches)
from pipeline.frames import display_size, sample_frames, scaled_size  # noqa: E402
from pipeline.params import OcrParams  # noqa: E402
from pipeline.weights import MissingWeights  # noqa: E402
from stages.ocr.assemble import cue_records, frame_reading  # noqa: E402
from stages.ocr.band import HEIGHT_RATIO  # noqa: E402
from stages.ocr.cues import build_cues, has_content, normalise, similarity  # noqa: E402
from stages.ocr.engines import (  # noqa: E402
    crop_line,
    load_engine,
    order_quads,
    resolve_models,
)
from stages.ocr.explain import dropped_by, holds, trace_video  # noqa: E402
from stages.ocr.quality import (  # noqa: E402
    Span,
    character_error_rate,
    match_cues,
    near_duplicate_neighbours,
)
from stages.ocr.scan import MAX_TILT, Line, iou, tilt_degrees  # noqa: E402
from stages.ocr.work import read_text  # noqa: E402
from tests.stages.ocr import hard_cases  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "ocr.json"
SHARED = Path(os.environ.get("CHFEN_SHARED_DATA", ROOT.parent / "shared" / "data")) / "ocr"
THREADS = 1
NAIVE_DET_LIMIT = 960  # the loop: STACK.md's rapidocr settings


def cpu_seconds() -> float:
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


CLIPS = {  # name: (size, source fps, subtitle font px, watermark)
    "news_1280x720": ((1280, 720), 25, 40, "新闻频道 NEWS"),
    "film_1920x800": ((1920, 800), 24, 48, None),
}


def make_clip(folder: Path, name: str, seconds: float) -> tuple[Path, list[TextSpan]]:
    size, fps, font_px, watermark = CLIPS[name]
    script = news_script(seconds, seed=7 if name.startswith("news") else 11)
    clip = folder / f"{name}_{int(seconds)}s.mp4"
    if not clip.exists():
        subtitle_video(
            clip,
            script,
            seconds=seconds,
            size=size,
            fps=fps,
            font_px=font_px,
            watermark=watermark,
            captions=[TextSpan(seconds * 0.2, seconds * 0.45, "突发新闻 现场直播")],
        )
    return clip, script


def evaluate(cues: list[Span], script: list[TextSpan]) -> dict:
    reference = [Span(s.start, s.end, s.text) for s in script]
    match = match_cues(cues, reference)
    errors = match.boundary_errors()
    return {
        "cer": round(match.cer, 4),
        "n_reference": len(reference),
        "n_cues": len(cues),
        "missing": len(match.missing),
        "spurious": len(match.spurious),
        "duplicates": len(match.duplicates),
        "near_duplicate_neighbours": near_duplicate_neighbours(cues),
        "boundary_error_max_s": round(max(errors), 3) if errors else None,
        "boundary_error_mean_s": round(float(np.mean(errors)), 3) if errors else None,
    }


def hard_case_clips(work: Path) -> dict[str, tuple[Path, list[TextSpan], list[str]]]:
    """The generated hard cases of issues 20 and 28 (``tests/stages/ocr/hard_cases.py``):
    (clip, subtitles, words that must not reach a cue)."""
    tilted = hard_cases.TILT_SUBTITLES, [hard_cases.TILTED_WORD.text]
    return {
        "light_busy_background": (
            hard_cases.light_background_clip(work / "hard-light.mp4"),
            hard_cases.LIGHT_SUBTITLES,
            [],
        ),
        "word_on_shirt_in_band": (
            hard_cases.shirt_word_clip(work / "hard-shirt.mp4"),
            hard_cases.SHIRT_SUBTITLES,
            [hard_cases.SHIRT_WORD.text],
        ),
        "letterbox_short_lines": (
            hard_cases.letterbox_clip(work / "hard-letterbox.mp4"),
            hard_cases.FILM_SUBTITLES,
            [],
        ),
        "tilted_word_touching_line": (
            hard_cases.tilted_word_clip(work / "hard-tilt-touching.mp4", 25, 50, 0.4),
            *tilted,
        ),
        "tilted_word_centred_above": (
            hard_cases.tilted_word_clip(work / "hard-tilt-centred.mp4", 8, 38, 0.5),
            *tilted,
        ),
    }


def hard_case_rows(runs: dict[str, tuple[list[Span], list[TextSpan], list[str], dict]]) -> dict:
    """Per hard clip: lines found, glued or spurious text, CER (and the OCR calls made)."""
    out = {}
    for name, (cues, script, foreign, measured) in runs.items():
        row = evaluate(cues, script)
        row["lines_found"] = row["n_reference"] - row["missing"]
        row["glued"] = sum(any(w in c.text for w in foreign) for c in cues)
        row["ocr_calls"] = measured["ocr_calls"]
        out[name] = row
    return out


def load_seconds(backend: str, params: OcrParams) -> float:
    """Import and session creation: paid once per worker process."""
    wall = time.perf_counter()
    models = resolve_models(backend, params.det_model_dir, params.rec_model_dir)
    engine = load_engine(models, THREADS)
    engine.detect(np.zeros((64, 256, 3), np.uint8), params.det_limit_side_len)
    engine.recognize([np.zeros((48, 160, 3), np.uint8)])
    return round(time.perf_counter() - wall, 2)


def run_stage(clip: Path, backend: str, params: OcrParams) -> tuple[list[Span], dict]:
    models = resolve_models(backend, params.det_model_dir, params.rec_model_dir)
    wall, cpu = time.perf_counter(), cpu_seconds()
    document = read_text(clip, clip.stem, params, models, THREADS)
    measured = {"wall_s": time.perf_counter() - wall, "cpu_s": cpu_seconds() - cpu}
    cues = [Span(c.start, c.end, c.text) for c in document.cues]
    return cues, {**measured, "ocr_calls": document.stats.ocr_calls, "doc": document}


def run_naive(clip: Path, params: OcrParams) -> tuple[list[Span], dict]:
    """Whole OCR (detect + recognise every line) on the bottom 30% of every sampled frame."""
    models = resolve_models("rapidocr", None, None)
    engine = load_engine(models, THREADS)
    wall, cpu = time.perf_counter(), cpu_seconds()
    times, readings, calls = [], [], 0
    for frame in sample_frames(clip, params.fps, params.max_side):
        h = frame.image.shape[0]
        top = int(h * 0.7)
        region = np.ascontiguousarray(frame.image[top:, :, ::-1])
        quads = order_quads(engine.detect(region, NAIVE_DET_LIMIT))
        calls += 1
        texts = engine.recognize([crop_line(region, q) for q in quads]) if quads else []
        lines = [
            Line(t, c, tuple((float(x), float(y) + top) for x, y in q))
            for q, (t, c) in zip(quads, texts, strict=True)
            if c >= params.min_confidence and t.strip()
        ]
        times.append(frame.t)
        readings.append(frame_reading(lines))
    cues = build_cues(
        times,
        readings,
        fps=params.fps,
        merge_similarity=params.merge_similarity,
        min_cue_s=0.0,
        merge_gap_s=0.0,
    )
    measured = {"wall_s": time.perf_counter() - wall, "cpu_s": cpu_seconds() - cpu}
    return [Span(c.start, c.end, c.text) for c in cues], {**measured, "ocr_calls": calls}


def per_minute(measured: dict, seconds: float) -> dict:
    scale = 60.0 / seconds
    return {
        "ocr_calls_per_video_minute": round(measured["ocr_calls"] * scale, 1),
        "cpu_s_per_video_minute": round(measured["cpu_s"] * scale, 2),
        "wall_s_per_video_minute": round(measured["wall_s"] * scale, 2),
    }


def upstream_reference(path: Path) -> str:
    """The text of rapidvideocr's ``1_upstream_ocr_result.txt`` (numbered, timed blocks)."""
    text = path.read_text(encoding="utf-8")
    blocks = re.split(
        r"^\d+\s+\d\d:\d\d:\d\d,\d+\s*->\s*\d\d:\d\d:\d\d,\d+\s*:\s*", text, flags=re.M
    )
    return "\n".join(b.strip() for b in blocks if b.strip())


def cjk(text: str) -> str:
    return "".join(ch for ch in text if "\u4e00" <= ch <= "\u9fff")


def band_mask(path: Path, width: int, height: int) -> np.ndarray:
    mask = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    return cv2.resize(mask, (width, height), interpolation=cv2.INTER_NEAREST) > 127


def real_clips(backend: str, params: OcrParams) -> dict:
    if not SHARED.is_dir():
        return {"skipped": f"{SHARED} is absent"}
    models = resolve_models(backend, params.det_model_dir, params.rec_model_dir)
    out: dict = {}
    for name in ("rapidvideocr/1.mp4", "rapidvideocr/test_a.mp4", "vsr/test.mp4", "vsr/test2.mp4"):
        clip = SHARED / name
        wall, cpu = time.perf_counter(), cpu_seconds()
        doc = read_text(clip, clip.stem, params, models, THREADS)
        spans = [Span(c.start, c.end, c.text) for c in doc.cues]
        row = {
            "cues": [f"{c.start:.2f}-{c.end:.2f} {c.text}" for c in doc.cues],
            "other_text": [f"{e.kind}: {e.text}" for e in doc.other_text],
            "band": [doc.band.top_share, doc.band.bottom_share] if doc.band else None,
            "ocr_calls": doc.stats.ocr_calls,
            "frames": doc.stats.frames,
            "cpu_s": round(cpu_seconds() - cpu, 2),
            "wall_s": round(time.perf_counter() - wall, 2),
            "near_duplicate_neighbours": near_duplicate_neighbours(spans),
        }
        if name == "rapidvideocr/1.mp4":
            ref = upstream_reference(SHARED / "rapidvideocr" / "1_upstream_ocr_result.txt")
            hyp = "\n".join(c.text for c in doc.cues)
            row["cer_vs_upstream"] = round(character_error_rate(hyp, ref), 4)
            row["cer_vs_upstream_chinese_only"] = round(character_error_rate(cjk(hyp), cjk(ref)), 4)
            row["reference_chars"] = len(normalise(ref))
        if name.startswith("vsr/"):
            mask = band_mask(SHARED / "vsr" / "test.png", doc.width, doc.height)
            inside = []
            for cue in doc.cues:
                for line in cue.lines:
                    xs = [p[0] for p in line.quad]
                    ys = [p[1] for p in line.quad]
                    cx, cy = int(np.mean(xs)), int(np.mean(ys))
                    inside.append(bool(mask[min(cy, doc.height - 1), min(cx, doc.width - 1)]))
            row["cue_lines_centred_in_mask"] = f"{sum(inside)}/{len(inside)}"
        out[name] = row
    return out


# --- the self-audit: the plain engine on every sampled frame against the stage's .srt ---

AUDIT_CONFIDENCE = 0.9  # engine lines at least this confident ...
AUDIT_MIN_S = 0.5  # ... on screen at least this long must reach the output
AUDIT_CLIPS = ("rapidvideocr/1.mp4", "rapidvideocr/test_a.mp4", "vsr/test.mp4", "vsr/test2.mp4")


@functools.cache
def plain_engine(det: Path, rec: Path):
    """rapidocr's whole pipeline at its defaults (detector input's shorter side at least 736,
    angle classifier on), with the stage's PP-OCRv6 model files."""
    from rapidocr import RapidOCR

    return RapidOCR(
        params={"Det.model_path": str(det), "Rec.model_path": str(rec), "Global.log_level": "error"}
    )


@dataclass
class EngineLine:
    """One line the plain engine read, followed over consecutive sampled frames."""

    text: str
    confidence: float
    box: tuple[float, float, float, float]  # in the stage's frame pixels
    times: list[float]

    def seconds(self, fps: float) -> float:
        return self.times[-1] - self.times[0] + 1 / fps


def plain_lines(clip: Path, params: OcrParams, models) -> list[EngineLine]:
    """Every line the plain engine reads with confidence >= ``AUDIT_CONFIDENCE`` on the whole
    frame (native size) of every frame the stage samples, linked over consecutive frames (same
    place, near-identical text)."""
    engine = plain_engine(models.det, models.rec)
    open_lines: list[EngineLine] = []
    done: list[EngineLine] = []
    previous_t = None
    stage_w, _ = scaled_size(*display_size(clip)[:2], params.max_side)
    for frame in sample_frames(clip, params.fps):
        scale = stage_w / frame.image.shape[1]
        out = engine(np.ascontiguousarray(frame.image[:, :, ::-1]))
        found = []
        for quad, text, score in zip(out.boxes if out.boxes is not None else [], out.txts or (),
                                     out.scores or (), strict=True):  # fmt: skip
            if score < AUDIT_CONFIDENCE or not has_content(text):
                continue
            q = np.asarray(quad, np.float32) * scale
            box = (
                float(q[:, 0].min()),
                float(q[:, 1].min()),
                float(q[:, 0].max()),
                float(q[:, 1].max()),
            )
            found.append((text, float(score), box))
        still = []
        for text, score, box in found:
            match = next(
                (
                    ln
                    for ln in open_lines
                    if ln.times[-1] == previous_t
                    and iou(ln.box, box) >= 0.3
                    and similarity(ln.text, text) >= params.merge_similarity
                ),
                None,
            )
            if match is None:
                match = EngineLine(text, score, box, [])
            elif score > match.confidence:
                match.text, match.confidence, match.box = text, score, box
            match.times.append(frame.t)
            still.append(match)
        done += [ln for ln in open_lines if ln not in still]
        open_lines = still
        previous_t = frame.t
    return sorted(done + open_lines, key=lambda ln: ln.times[0])


def glued_cues(cues, lines: list[EngineLine]) -> list[str]:
    """Cues holding text that is not a subtitle line: a tilted cue line, cue lines whose heights
    differ by more than ``band.HEIGHT_RATIO``, a cue line with two engine lines on
    different rows inside it, or one row of the cue whose lines do not share a baseline and a
    height (a tilted or bigger word beside the subtitle)."""
    glued = []
    for cue in cues:
        boxes = [
            (min(p[0] for p in ln.quad), min(p[1] for p in ln.quad),
             max(p[0] for p in ln.quad), max(p[1] for p in ln.quad))
            for ln in cue.lines
        ]  # fmt: skip
        heights = [b[3] - b[1] for b in boxes]
        bad = any(tilt_degrees(ln.quad) > MAX_TILT for ln in cue.lines) or (
            bool(heights) and max(heights) > HEIGHT_RATIO * max(min(heights), 1.0)
        )
        for box in boxes:
            inside = [
                el.box
                for el in lines
                if el.times[0] <= cue.end
                and el.times[-1] >= cue.start
                and _share_inside(el.box, box) > 0.8
            ]
            centres = sorted((b[1] + b[3]) / 2 for b in inside)
            row_heights = [b[3] - b[1] for b in inside]
            if len(centres) > 1 and centres[-1] - centres[0] > 0.5 * min(row_heights):
                bad = True
        for a in boxes:
            for b in boxes:
                ha, hb = a[3] - a[1], b[3] - b[1]
                same_row = min(a[3], b[3]) - max(a[1], b[1]) > 0.5 * min(ha, hb)
                apart = abs(a[3] - b[3]) > 0.5 * min(ha, hb) or max(ha, hb) > 1.8 * min(ha, hb)
                if a is not b and same_row and apart:
                    bad = True
        if bad:
            glued.append(f"{cue.start:.2f}-{cue.end:.2f} {cue.text}")
    return glued


def _share_inside(a, b) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    area = (a[2] - a[0]) * (a[3] - a[1])
    return ix * iy / area if area > 0 else 0.0


def audit_clip(clip: Path, params: OcrParams, models) -> dict:
    """Every line the plain engine reads (confidence >= 0.9, >= 0.5 s) that the stage's ``.srt``
    lacks, with its frame time and the step that dropped it (``explain.dropped_by``): ``lost``
    where the stage never read it (band search, change check, detector, recogniser, cue
    assembly), ``filed_as_other_text`` where it read the line and classified it as other
    on-screen text (a watermark, a caption, a tilted word: in the ``.json``, by design not in
    the ``.srt``; listed so a person can check). And the glued cues."""
    ex = trace_video(clip, params, models)
    cues = ex.cues
    lines = [
        ln
        for ln in plain_lines(clip, params, models)
        if ln.seconds(params.fps) >= AUDIT_MIN_S - 1e-9
    ]
    lost, other = [], []
    for line in lines:
        start, end = line.times[0], line.times[-1] + 0.5 / params.fps
        if any(c.start < end and c.end > start and holds(c.text, line.text) for c in cues):
            continue
        missed = [
            t
            for t in line.times
            if not any(c.start <= t < c.end and holds(c.text, line.text) for c in cues)
        ]
        t = missed[len(missed) // 2]
        step = dropped_by(ex, t, line.box, line.text)
        row = {
            "text": line.text,
            "confidence": round(line.confidence, 3),
            "t": round(t, 3),
            "seconds": round(line.seconds(params.fps), 2),
            "box": [round(v) for v in line.box],
            "step": step,
        }
        (other if step.startswith("classification") else lost).append(row)
    return {
        "engine_lines": len(lines),
        "lost": lost,
        "filed_as_other_text": other,
        "glued": glued_cues(cue_records(cues), lines),
        "cues": [f"{c.start:.2f}-{c.end:.2f} {c.text}" for c in cues],
    }


def audit_shared(params: OcrParams, backend: str = "rapidocr") -> dict:
    """``audit_clip`` on every shared real clip (``AUDIT_CLIPS``), by clip name."""
    if not SHARED.is_dir():
        return {"skipped": f"{SHARED} is absent"}
    models = resolve_models(backend, params.det_model_dir, params.rec_model_dir)
    return {name: audit_clip(SHARED / name, params, models) for name in AUDIT_CLIPS}


def audit_summary(results: dict, params: OcrParams) -> dict:
    """The issue-28 figures of one run: the self-audit of every shared clip beside the rapidocr
    backend's CER and CPU per video-minute on the generated clips and its hard cases."""
    row = results["backends"].get("rapidocr", {})
    wall = time.perf_counter()
    audit = audit_shared(params)
    return {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "generated": {
            name: {k: clip[k] for k in ("cer", "cpu_s_per_video_minute", "missing", "spurious")}
            for name, clip in row.get("clips", {}).items()
        },
        "hard_cases": {
            name: {k: case[k] for k in ("cer", "lines_found", "n_reference", "glued", "spurious")}
            for name, case in row.get("hard_cases", {}).items()
        },
        "shared_lost_lines": {n: len(a["lost"]) for n, a in audit.items() if "lost" in a},
        "shared_glued_cues": {n: len(a["glued"]) for n, a in audit.items() if "glued" in a},
        "shared": audit,
        "audit_wall_s": round(time.perf_counter() - wall, 1),
    }


def environment() -> dict:
    import importlib.metadata

    import onnxruntime

    versions = {"onnxruntime": onnxruntime.__version__}
    for package in ("rapidocr", "paddleocr", "paddlex", "opencv-python"):
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = None
    return {
        "python": sys.executable,
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "onnxruntime_threads": THREADS,
        "versions": versions,
    }


def fastest(runs: list[tuple[list[Span], dict]]) -> tuple[list[Span], dict]:
    """The repeat with the least CPU time (the machine is shared; the rest is interference)."""
    return min(runs, key=lambda run: run[1]["cpu_s"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", nargs="+", default=["rapidocr", "paddleocr"])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--repeat", type=int, default=2, help="runs per measurement; min CPU")
    parser.add_argument("--no-naive", action="store_true", help="skip the naive baseline")
    parser.add_argument("--no-real", action="store_true", help="skip ../shared/data/ocr")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "chfen-ocr")
    parser.add_argument(
        "--label", default="after", help="the self-audit's figures go under audit.<label>"
    )
    parser.add_argument("--no-audit", action="store_true", help="skip the self-audit")
    args = parser.parse_args()
    if not font_path():
        sys.exit("the CJK font WenQuanYi Micro Hei is missing: apt-get install fonts-wqy-microhei")
    params = OcrParams()
    args.work.mkdir(parents=True, exist_ok=True)
    clips = {name: make_clip(args.work, name, args.seconds) for name in CLIPS}
    hard_clips = hard_case_clips(args.work)
    results = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {}
    results["about"] = (__doc__ or "").strip().splitlines()[0]
    results["clips"] = {
        name: {
            "seconds": args.seconds,
            "size": "x".join(map(str, CLIPS[name][0])),
            "source_fps": CLIPS[name][1],
            "sampled_fps": params.fps,
            "subtitles": len(script),
            "reference_chars": sum(len(normalise(s.text)) for s in script),
        }
        for name, (_, script) in clips.items()
    }
    results["params"] = params.model_dump(mode="json")
    results.setdefault("backends", {})
    loads: dict[str, float | Exception] = {}
    for backend in args.backends:  # first, while nothing is loaded in this process
        try:
            loads[backend] = load_seconds(backend, params)
        except MissingWeights as e:
            loads[backend] = e
    if not args.no_naive:
        results["naive_loop"] = {"det_limit_side_len": NAIVE_DET_LIMIT, "band": "bottom 30%"}
        for name, (clip, script) in clips.items():
            cues, measured = run_naive(clip, params)  # once: it is the slow one
            row = {**per_minute(measured, args.seconds), **evaluate(cues, script)}
            results["naive_loop"][name] = row
            print("naive", name, json.dumps(row))
        naive_hard = {}
        for name, (clip, script, foreign) in hard_clips.items():
            cues, measured = run_naive(clip, params)
            naive_hard[name] = (cues, script, foreign, measured)
        results["naive_loop"]["hard_cases"] = hard_case_rows(naive_hard)
    for backend in args.backends:
        load_s = loads[backend]
        if isinstance(load_s, Exception):
            if "clips" not in results["backends"].get(backend, {}):
                results["backends"][backend] = {"unavailable": str(load_s)}
            print(backend, "unavailable:", load_s)
            continue
        load_before = os.getloadavg()
        row: dict = {"engine_load_s": load_s, "clips": {}}
        for name, (clip, script) in clips.items():
            cues, measured = fastest([run_stage(clip, backend, params) for _ in range(args.repeat)])
            doc = measured.pop("doc")
            clip_row = {
                **per_minute(measured, args.seconds),
                **evaluate(cues, script),
            }
            clip_row["recognitions_per_video_minute"] = round(
                doc.stats.recognitions * 60 / args.seconds, 1
            )
            clip_row["watermarks"] = [e.text for e in doc.other_text if e.kind == "watermark"]
            clip_row["other_text"] = sorted({e.text for e in doc.other_text if e.kind == "text"})
            naive = results.get("naive_loop", {}).get(name, {}).get("cpu_s_per_video_minute")
            if naive:
                clip_row["speedup_vs_naive_cpu"] = round(
                    naive / clip_row["cpu_s_per_video_minute"], 2
                )
            row["clips"][name] = clip_row
            print(backend, name, json.dumps(clip_row, ensure_ascii=False))
        hard = {}
        for name, (clip, script, foreign) in hard_clips.items():
            cues, measured = run_stage(clip, backend, params)
            hard[name] = (cues, script, foreign, measured)
        row["hard_cases"] = hard_case_rows(hard)
        print(backend, "hard cases", json.dumps(row["hard_cases"], ensure_ascii=False))
        if not args.no_real:
            row["real_clips"] = real_clips(backend, params)
        row["environment"] = environment()
        row["measured_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        row["load_average_before"] = [round(v, 2) for v in load_before]
        row["load_average_after"] = [round(v, 2) for v in os.getloadavg()]
        results["backends"][backend] = row
    results["auto_backend"] = auto_backend(results["backends"])
    if not args.no_audit:
        results.setdefault("audit", {})[args.label] = audit_summary(results, params)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS}; auto backend: {results['auto_backend']}")


SPEED_TIE = 0.1


def auto_backend(backends: dict) -> dict:
    """The faster backend among those at equal accuracy (CER within 0.5 points) on the news
    clip; what ``OcrParams.resolved_backend`` returns for ``auto`` must match this. Backends
    within ``SPEED_TIE`` of the least CPU are equally fast (the two run the same ONNX models,
    and which one is ahead changes from run to run by a few percent); among those, the one whose
    engine loads faster wins (every worker, and every ``chfen predict``, pays it)."""
    measured = {
        name: row["clips"]["news_1280x720"]
        for name, row in backends.items()
        if "news_1280x720" in row.get("clips", {})
    }
    if not measured:
        return {"choice": None, "why": "no backend measured"}
    best_cer = min(m["cer"] for m in measured.values())
    equal = {n: m for n, m in measured.items() if m["cer"] <= best_cer + 0.005}
    least = min(m["cpu_s_per_video_minute"] for m in equal.values())
    fast = [n for n, m in equal.items() if m["cpu_s_per_video_minute"] <= least * (1 + SPEED_TIE)]
    choice = min(fast, key=lambda n: backends[n].get("engine_load_s") or 0.0)
    return {
        "choice": choice,
        "why": (
            "among backends within 0.5 CER points of the best, those within "
            f"{SPEED_TIE:.0%} of the least CPU per video-minute; of these the fastest to load"
        ),
        "cpu_s_per_video_minute": {n: m["cpu_s_per_video_minute"] for n, m in measured.items()},
        "cer": {n: m["cer"] for n, m in measured.items()},
        "engine_load_s": {n: backends[n].get("engine_load_s") for n in measured},
    }


if __name__ == "__main__":
    main()
