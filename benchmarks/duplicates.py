"""Near-duplicate footage: a sweep of re-upload transformations on real clips, fingerprint cost
and index growth -> benchmarks/results/duplicates.json.

    nice -n 19 .venv/bin/python benchmarks/duplicates.py --sample /tmp/dupsample \
        [--shared ../shared/data] [--keep /tmp/dupsweep] [--no-scale]

(``--sample`` is a ``chfen sample --out /tmp/dupsample --videos 16 --seed 7`` folder.) The
numbers of another version of the near-duplicate code come from ``--code DIR --label NAME``,
where DIR holds that version's ``pipeline/``, ``stages/`` and ``chfen/`` (for the baseline:
``mkdir /tmp/chfen-base && git archive 72c2418 pipeline stages chfen | tar -x -C
/tmp/chfen-base``); each label is kept side by side in the results.

- **Sweep** (issue 28): the sources are every real clip in ``../shared/data`` (cut to at most
  ``CLIP_S`` seconds and scaled to at most ``MAX_WIDTH`` pixels wide first) and the first
  ``SAMPLE_SOURCES`` kept videos of the sample. Each ``KINDS`` transformation (ffmpeg) of each
  source is one re-upload. The pool is the sources, their re-uploads, every other kept sample
  video (many share a photo: the "same studio set" case) and the hard negatives: two later
  stretches of the walking video (the same room and camera, other passers-by), distinct clips.
  Reported: recall per kind (re-upload grouped with its source, directly or through other
  copies in the pool), the direct-match rate per kind (the copy matched with its source
  itself), pairwise precision and recall of the groups against the footage each file came
  from, which pairs of distinct clips were grouped, and the fingerprint's CPU seconds (this
  process and its ffmpeg children) per video-minute.
- **Index growth**: ``find_matches`` on synthetic fingerprints (30 random frames per video, a
  tenth of the videos copied with 3 bits flipped per frame) for 500 to 4000 videos; the log-log
  slope of time against videos (1: linear, 2: all pairs).

Targets (issue 28): recall >= 0.95 on every kind keeping >= 80% of the picture (combinations
included), >= 0.8 at 70%, precision 1.0, fingerprint CPU within 25% of the baseline's, and
matching that does not grow quadratically.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "duplicates.json"
SHARED = Path(os.environ.get("CHFEN_SHARED_DATA", ROOT.parent / "shared" / "data"))
CLIP_S = 10.0
MAX_WIDTH = 640
SAMPLE_SOURCES = 3
SCALE_SIZES = (500, 1000, 2000, 4000)
# real clips: (name, file under the shared folder, start s); the hard negatives are other
# stretches of the same footage, distinct clips that must stay apart
REAL_SOURCES = (
    ("film", "ocr/rapidvideocr/1.mp4", 0.0),
    ("test_a", "ocr/rapidvideocr/test_a.mp4", 0.0),
    ("vsr1", "ocr/vsr/test.mp4", 0.0),
    ("vsr2", "ocr/vsr/test2.mp4", 0.0),
    ("walking", "tracking/walking_video/one-by-one-person-detection.mp4", 0.0),
)
HARD_NEGATIVES = (
    ("walking_later", "tracking/walking_video/one-by-one-person-detection.mp4", 60.0),
    ("walking_end", "tracking/walking_video/one-by-one-person-detection.mp4", 120.0),
)
TEXT = (
    "drawtext=fontfile='{font}':text='@repost_daily':fontcolor=white:fontsize=h/14"
    ":x=w*0.05:y=h*0.08:shadowx=2:shadowy=2"
)
LOGO = (
    "drawbox=x=iw*0.78:y=ih*0.05:w=iw*0.16:h=ih*0.12:color=orange@0.85:t=fill,"
    "drawtext=fontfile='{font}':text='TV':fontcolor=white:fontsize=h/16:x=w*0.82:y=h*0.07"
)


def _crop(k: float, rescale: bool = False) -> str:
    crop = f"crop=trunc(iw*{k}/2)*2:trunc(ih*{k}/2)*2"
    return f"{crop},scale={{w}}:{{h}}" if rescale else crop


# each kind: a chain of (filter, extra output options); "{w}", "{h}", "{font}", "{end}" filled in
STEPS: dict[str, str] = {
    "crop95": _crop(0.95),
    "crop90": _crop(0.9),
    "crop80": _crop(0.8),
    "crop70": _crop(0.7),
    "crop95_rescale": _crop(0.95, True),
    "crop90_rescale": _crop(0.9, True),
    "crop80_rescale": _crop(0.8, True),
    "crop70_rescale": _crop(0.7, True),
    "pad": "pad=iw:trunc(iw*16/9/2)*2:(ow-iw)/2:(oh-ih)/2",
    "letterbox": "scale=trunc(iw*0.8/2)*2:trunc(ih*0.8/2)*2,pad={w}:{h}:(ow-iw)/2:(oh-ih)/2",
    "text": TEXT,
    "logo": LOGO,
    "trim": "trim=start=0.7:end={end},setpts=PTS-STARTPTS",
    "speed0.9": "setpts=PTS/0.9",
    "speed1.1": "setpts=PTS/1.1",
    "mirror": "hflip",
    "colour": "eq=saturation=1.6:brightness=0.05:contrast=1.15,hue=h=25",
    "gamma": "eq=gamma=1.5",
    "low_bitrate": "scale=trunc(iw*0.5/2)*2:trunc(ih*0.5/2)*2",
    "pip": (
        "split[fg][bg];[bg]boxblur=20[blur];[fg]scale=trunc(iw*0.8/2)*2:trunc(ih*0.8/2)*2[small];"
        "[blur][small]overlay=(W-w)/2:(H-h)/2"
    ),
}
SINGLE = tuple(STEPS)
PAIRS = (
    ("crop80", "text"),
    ("crop80_rescale", "mirror"),
    ("crop90_rescale", "speed1.1"),
    ("crop80", "trim"),
    ("pip", "mirror"),
    ("pad", "text"),
    ("colour", "crop90_rescale"),
    ("low_bitrate", "speed0.9"),
    ("logo", "trim"),
    ("gamma", "mirror"),
    ("crop70_rescale", "text"),
)
# the issue's re-upload: centre crop keeping 80%, scaled by 0.9, a small text overlay, 0.7 s
# trimmed from the start, CRF 30
ISSUE = "issue"
KINDS = (*SINGLE, *(f"{a}+{b}" for a, b in PAIRS), ISSUE)
KEEPS = {"crop95": 0.95, "crop90": 0.9, "crop80": 0.8, "crop70": 0.7, "pip": 0.8, ISSUE: 0.8}


def keeps(kind: str) -> float:
    """The share of the picture's width (and height) a kind keeps."""
    return min(KEEPS.get(part.removesuffix("_rescale"), 1.0) for part in kind.split("+"))


def _ffmpeg(*args: str) -> None:
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *args],
        check=True,
        capture_output=True,
    )


def _probe(path: Path) -> tuple[int, int, float]:
    out = subprocess.run(
        [
            *("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries"),
            *("stream=width,height:format=duration", "-of", "json", str(path)),
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    info = json.loads(out)
    stream = info["streams"][0]
    return int(stream["width"]), int(stream["height"]), float(info["format"]["duration"])


def cut(src: Path, dst: Path, start: float) -> Path:
    """At most CLIP_S seconds of ``src`` from ``start``, at most MAX_WIDTH wide, with its audio."""
    if not dst.exists():
        tmp = dst.with_suffix(".part.mp4")
        _ffmpeg(
            "-ss", str(start), "-t", str(CLIP_S), "-i", str(src),
            "-vf", f"scale='min({MAX_WIDTH},iw)':-2,setsar=1",
            "-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p", str(tmp),
        )  # fmt: skip
        tmp.rename(dst)
    return dst


def transform(src: Path, dst: Path, kind: str, font: Path) -> Path:
    """The ``kind`` re-upload of ``src`` (picture only) at ``dst``."""
    if dst.exists():
        return dst
    if kind == ISSUE:
        from chfen.sample.reuploads import zoomed_reupload

        return zoomed_reupload(src, dst, font)
    w, h, duration = _probe(src)
    chain = [STEPS[part] for part in kind.split("+")]
    crf = "40" if "low_bitrate" in kind else "26"
    graph = ",".join(chain).format(w=w, h=h, font=font, end=f"{duration - 1.0:.2f}")
    tmp = dst.with_suffix(".part.mp4")
    _ffmpeg(
        "-i", str(src), "-filter_complex", f"[0:v]{graph},setsar=1[out]", "-map", "[out]", "-an",
        "-c:v", "libx264", "-preset", "veryfast", "-crf", crf, "-pix_fmt", "yuv420p", str(tmp),
    )  # fmt: skip
    tmp.rename(dst)
    return dst


def cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def pair_scores(footage: dict[str, str], groups: dict[str, str]) -> dict:
    """Pairwise precision/recall: a pair is predicted when both are in one group, true when
    both come from one piece of footage."""
    tp = fp = fn = 0
    for a, b in itertools.combinations(sorted(footage), 2):
        same = footage[a] == footage[b]
        predicted = a in groups and groups.get(a) == groups.get(b)
        tp += same and predicted
        fp += predicted and not same
        fn += same and not predicted
    return {
        "true_pairs": tp + fn,
        "predicted_pairs": tp + fp,
        "precision": round(tp / (tp + fp), 4) if tp + fp else 1.0,
        "recall": round(tp / (tp + fn), 4) if tp + fn else 1.0,
        "false_pairs": fp,
        "missed_pairs": fn,
    }


def make_pool(shared: Path, sample: Path, scratch: Path) -> tuple[dict, dict, dict, list]:
    """Paths, footage (what each file shows), kind of each re-upload, and the sources."""
    from chfen.sample.frames import subtitle_font_path

    font = subtitle_font_path()
    paths: dict[str, Path] = {}
    footage: dict[str, str] = {}
    kind_of: dict[str, tuple[str, str]] = {}
    sources = []
    for name, rel, start in (*REAL_SOURCES, *HARD_NEGATIVES):
        if (shared / rel).exists():
            paths[name] = cut(shared / rel, scratch / f"{name}.mp4", start)
            footage[name] = name
            if (name, rel, start) in REAL_SOURCES:
                sources.append(name)
    truth = json.loads((sample / "sample_truth.json").read_text("utf-8"))
    kept = [i for i in truth["items"] if i["expected"] == "kept"]
    seen = set()
    for i in kept:
        if i["id"] in seen:
            continue
        seen.add(i["id"])
        vid = f"sample_{i['id']}"
        paths[vid] = sample / i["video_file"]
        footage[vid] = vid
        if len(seen) <= SAMPLE_SOURCES:
            sources.append(vid)
    for src in sources:
        for kind in KINDS:
            vid = f"{src}~{kind}"
            paths[vid] = transform(paths[src], scratch / f"{vid}.mp4", kind, font)
            footage[vid] = src
            kind_of[vid] = (src, kind)
    return paths, footage, kind_of, sources


def run_sweep(paths: dict, footage: dict, kind_of: dict, sources: list, sample: Path) -> dict:
    from pipeline.media import probe
    from pipeline.params import NearDuplicateParams
    from pipeline.work import WorkItem
    from stages.clean.fingerprint import Fingerprint, fingerprint_video
    from stages.clean.near_duplicates import find_matches, group

    params = NearDuplicateParams()
    fps, cpu, minutes = {}, 0.0, 0.0
    for vid, path in paths.items():
        media = probe(path)
        item = WorkItem(vid, path, "-", {"aspect": media.width / media.height})
        start = cpu_seconds()
        result = fingerprint_video(item, path.parent, params.fingerprint)
        fps[vid] = Fingerprint.model_validate(result)
        cpu += cpu_seconds() - start
        minutes += media.duration_s / 60
    ids = list(paths)
    start = time.perf_counter()
    matches = find_matches(ids, [fps[i] for i in ids], params)
    found = group(ids, matches)
    match_s = time.perf_counter() - start
    direct = {frozenset((m.a, m.b)) for m in matches}
    groups = {m: g.kept for g in found for m in g.members}
    together = lambda a, b: a in groups and groups.get(a) == groups.get(b)  # noqa: E731
    per_kind = {
        kind: round(sum(together(f"{s}~{kind}", s) for s in sources) / len(sources), 3)
        for kind in KINDS
    }
    direct_per_kind = {
        kind: round(sum(frozenset((f"{s}~{kind}", s)) in direct for s in sources) / len(sources), 3)
        for kind in KINDS
    }
    missed = sorted(vid for vid, (src, _) in kind_of.items() if not together(vid, src))
    distinct = [v for v in ids if v not in kind_of]
    false = [(a, b) for a, b in itertools.combinations(distinct, 2) if together(a, b)]
    truth = json.loads((sample / "sample_truth.json").read_text("utf-8"))
    photos = {
        f"sample_{i['id']}": {s["photo"] for s in i["scenes"]}
        for i in truth["items"]
        if f"sample_{i['id']}" in paths and i["scenes"]
    }
    sharing = [
        (a, b) for a, b in itertools.combinations(sorted(photos), 2) if photos[a] & photos[b]
    ]
    return {
        "sources": sources,
        "distinct_clips": len(distinct),
        "videos": len(ids),
        "video_minutes": round(minutes, 2),
        **pair_scores(footage, groups),
        "recall_per_kind": per_kind,
        "min_recall_keeping_80pct_or_more": min(v for k, v in per_kind.items() if keeps(k) >= 0.8),
        "min_recall_keeping_70pct": min(v for k, v in per_kind.items() if keeps(k) < 0.8),
        "direct_match_per_kind": direct_per_kind,
        "min_direct_keeping_80pct_or_more": min(
            v for k, v in direct_per_kind.items() if keeps(k) >= 0.8
        ),
        "min_direct_keeping_70pct": min(v for k, v in direct_per_kind.items() if keeps(k) < 0.8),
        "missed": missed,
        "distinct_clip_pairs": len(distinct) * (len(distinct) - 1) // 2,
        "distinct_clip_pairs_grouped": [f"{a} ~ {b}" for a, b in false],
        "sample_pairs_sharing_a_photo": len(sharing),
        "fingerprint_cpu_s_per_video_minute": round(cpu / minutes, 3),
        "matching_s": round(match_s, 3),
    }


def index_growth() -> dict:
    import numpy as np

    from pipeline.params import NearDuplicateParams
    from stages.clean.fingerprint import Fingerprint
    from stages.clean.near_duplicates import find_matches

    rng = np.random.default_rng(0)
    rows = []
    template = None
    for n in SCALE_SIZES:
        out: list[Fingerprint] = []
        for k in range(n):
            if k % 10 == 9:  # a copy of the previous video: 3 bits flipped in every hash
                flip = int(np.uint64(0b100100100) << np.uint64(rng.integers(0, 55)))
                hashes = {
                    v: [f"{int(h, 16) ^ flip:016x}" for h in hs] for v, hs in out[-1].hashes.items()
                }
                out.append(out[-1].model_copy(update={"hashes": hashes}))
                continue
            if template is None:
                template = _empty_fingerprint()
            hashes = {
                v: [f"{int(x):016x}" for x in rng.integers(0, 2**64 - 1, 30, dtype=np.uint64)]
                for v in template.hashes
            }
            out.append(template.model_copy(update={"hashes": hashes, "frames": 30}))
        ids = [f"v{k}" for k in range(n)]
        start = time.perf_counter()
        matches = find_matches(ids, out, NearDuplicateParams())
        seconds = time.perf_counter() - start
        rows.append({"videos": n, "seconds": round(seconds, 3), "matches": len(matches)})
        print("index", rows[-1], flush=True)
    slope = math.log(rows[-1]["seconds"] / rows[0]["seconds"]) / math.log(
        rows[-1]["videos"] / rows[0]["videos"]
    )
    return {"rows": rows, "loglog_slope": round(slope, 3), "planted_copies": SCALE_SIZES[-1] // 10}


def _empty_fingerprint():
    """A fingerprint of one grey-gradient frame: its shape (views) for the synthetic ones."""
    import numpy as np

    from stages.clean.fingerprint import SIDE, fingerprint

    frame = np.tile(np.linspace(0, 255, SIDE, dtype=np.uint8), (SIDE, 1))[None]
    return fingerprint(frame, 16 / 9, 2.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument("--sample", type=Path, required=True, help="a chfen sample folder")
    parser.add_argument("--keep", type=Path, default=None, help="keep the generated media here")
    parser.add_argument("--code", type=Path, default=ROOT, help="the near-duplicate code to run")
    parser.add_argument("--label", default="new", help="the results' key for this code")
    parser.add_argument("--no-scale", action="store_true")
    parser.add_argument("--no-sweep", action="store_true")
    args = parser.parse_args()
    sys.path.insert(0, str(args.code.resolve()))
    results = json.loads(RESULTS.read_text("utf-8")) if RESULTS.exists() else {}
    row: dict = results.get("runs", {}).get(args.label, {})
    row |= {"code": str(args.code), "load_average_before": [round(x, 2) for x in os.getloadavg()]}
    from pipeline.params import NearDuplicateParams

    row["params"] = NearDuplicateParams().model_dump(mode="json")
    with tempfile.TemporaryDirectory(prefix="chfen-dup-") as tmp:
        scratch = args.keep or Path(tmp)
        scratch.mkdir(parents=True, exist_ok=True)
        if not args.no_sweep:
            pool = make_pool(args.shared, args.sample, scratch)
            row["sweep"] = run_sweep(*pool, args.sample)
            print("sweep", json.dumps(row["sweep"]), flush=True)
    if not args.no_scale:
        row["index_growth"] = index_growth()
    row["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    results = json.loads(RESULTS.read_text("utf-8")) if RESULTS.exists() else {}
    results["machine"] = {"platform": platform.platform(), "cpus": os.cpu_count()}
    results.setdefault("runs", {})[args.label] = row
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"-> {RESULTS}")


if __name__ == "__main__":
    main()
