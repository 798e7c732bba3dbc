"""Near-duplicate footage: grouping quality, fingerprint cost and index growth ->
benchmarks/results/duplicates.json.

    .venv/bin/python benchmarks/duplicates.py [--shared ../shared/data] [--sample-videos 48]
                                              [--sample DIR] [--no-sample] [--no-scale]

- **Real clips** (``../shared/data``: the four subtitled clips in ``ocr/`` and the walking
  video): every re-upload kind of ``chfen.sample.reuploads`` made from each with ffmpeg, plus
  two clips that share only a 2-second intro (the start of one clip, then all of another):
  each belongs with the clip that follows its intro, and the two must not be grouped. Pairwise
  precision and recall of the groups against the footage each file came from, recall per kind,
  and fingerprint CPU seconds (this process and its ffmpeg children) per video-minute.
- **The sample** (``chfen sample``, 48 videos unless told): the planted re-uploads against the
  answer key, over every pair of good and re-uploaded videos. Sample clips cut scenes from a
  small set of photos, so many distinct clips share a photo (the "same studio set" case): the
  pairs sharing a photo are counted and their false groupings reported.
- **Index growth**: ``find_matches`` on synthetic fingerprints (30 random frames per video, a
  tenth of the videos copied with 3 bits flipped per frame) for 500 to 8000 videos; the log-log
  slope of time against videos (1: linear, 2: all pairs).

Targets (issue #18): recall >= 0.95, precision >= 0.99, <= 2 s CPU per video-minute, and an
index that does not grow quadratically.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

import ffmpeg
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from chfen.sample import generate_sample  # noqa: E402
from chfen.sample.frames import subtitle_font_path  # noqa: E402
from chfen.sample.reuploads import KINDS, reupload  # noqa: E402
from pipeline.media import probe  # noqa: E402
from pipeline.params import FingerprintParams, NearDuplicateParams  # noqa: E402
from pipeline.work import WorkItem  # noqa: E402
from stages.clean.fingerprint import VIEWS, Fingerprint, fingerprint_video  # noqa: E402
from stages.clean.near_duplicates import find_matches, group  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "duplicates.json"
SHARED = Path(os.environ.get("CHFEN_SHARED_DATA", ROOT.parent / "shared" / "data"))
REAL_CLIPS = (
    "ocr/rapidvideocr/1.mp4",
    "ocr/rapidvideocr/test_a.mp4",
    "ocr/vsr/test.mp4",
    "ocr/vsr/test2.mp4",
    "tracking/walking_video/one-by-one-person-detection.mp4",
)
INTRO_S = 2.0
SCALE_SIZES = (500, 1000, 2000, 4000, 8000)


def cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def fingerprints(
    paths: dict[str, Path], params: FingerprintParams
) -> tuple[dict[str, Fingerprint], dict[str, tuple[float, float, int]]]:
    """Fingerprints of ``paths`` and, per video, (CPU seconds, minutes, frame height)."""
    out, cost = {}, {}
    for vid, path in paths.items():
        media = probe(path)  # the clean stage's probe, done anyway
        item = WorkItem(vid, path, "-", {"aspect": media.width / media.height})
        start = cpu_seconds()
        out[vid] = Fingerprint.model_validate(fingerprint_video(item, path.parent, params))
        cost[vid] = (cpu_seconds() - start, media.duration_s / 60, media.height)
    return out, cost


def cpu_per_minute(cost: dict[str, tuple[float, float, int]]) -> dict:
    """CPU seconds per video-minute over all videos and by frame height."""
    heights = sorted({h for *_, h in cost.values()})
    by = {h: [c for c in cost.values() if c[2] == h] for h in heights}
    return {
        "all": round(sum(c for c, *_ in cost.values()) / sum(m for _, m, _ in cost.values()), 3),
        "by_height": {
            str(h): round(sum(c for c, *_ in v) / sum(m for _, m, _ in v), 3) for h, v in by.items()
        },
    }


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


def grouped(
    ids: list[str], fps: dict[str, Fingerprint], params: NearDuplicateParams
) -> dict[str, str]:
    found = group(ids, find_matches(ids, [fps[i] for i in ids], params))
    return {m: g.kept for g in found for m in g.members}


def _intro_clips(clips: dict[str, Path], scratch: Path) -> dict[str, Path]:
    """Two clips sharing a 2 s intro (the start of the first real clip), then different
    footage (two other real clips), all scaled to 640x360."""
    intro_src, a, b = (clips[k] for k in ("clip0", "clip2", "clip3"))
    out = {}
    for name, body in (("intro_a", a), ("intro_b", b)):
        parts = [
            ffmpeg.input(str(intro_src)).video.trim(duration=INTRO_S).setpts("PTS-STARTPTS"),
            ffmpeg.input(str(body)).video.setpts("PTS-STARTPTS"),
        ]
        parts = [p.filter("fps", 25).filter("scale", 640, 360) for p in parts]
        path = scratch / f"{name}.mp4"
        (
            ffmpeg.concat(*[p.filter("setsar", 1) for p in parts], v=1, a=0)
            .output(str(path), vcodec="libx264", preset="veryfast", pix_fmt="yuv420p")
            .global_args("-v", "error", "-nostdin")
            .overwrite_output()
            .run()
        )
        out[name] = path
    return out


def real_clips(shared: Path, scratch: Path) -> dict:
    clips = {
        f"clip{k}": shared / rel for k, rel in enumerate(REAL_CLIPS) if (shared / rel).exists()
    }
    if len(clips) < 4:
        return {"skipped": f"the real clips are not under {shared}"}
    paths, footage = dict(clips), {c: c for c in clips}
    for clip, src in clips.items():
        for kind in KINDS:
            vid = f"{clip}-{kind}"
            paths[vid] = reupload(src, scratch / f"{vid}.mp4", kind, subtitle_font_path())
            footage[vid] = clip
    for (vid, path), body in zip(
        _intro_clips(clips, scratch).items(), ("clip2", "clip3"), strict=True
    ):
        paths[vid], footage[vid] = path, body  # most of it is that clip: a re-upload of it
    params = NearDuplicateParams()
    fps, cost = fingerprints(paths, params.fingerprint)
    ids = list(paths)
    start = time.perf_counter()
    groups = grouped(ids, fps, params)
    match_s = time.perf_counter() - start
    per_kind = {
        kind: sum(groups.get(f"{c}-{kind}") == groups.get(c) is not None for c in clips)
        / len(clips)
        for kind in KINDS
    }
    row = {
        "clips": len(clips),
        "videos": len(ids),
        "video_minutes": round(sum(m for _, m, _ in cost.values()), 2),
        **pair_scores(footage, groups),
        "recall_per_kind": per_kind,
        "shared_intro_grouped": groups.get("intro_a") is not None
        and groups.get("intro_a") == groups.get("intro_b"),
        "fingerprint_cpu_s_per_video_minute": cpu_per_minute(cost),
        "matching_s": round(match_s, 3),
    }
    print("real clips", json.dumps(row), flush=True)
    return row


def sample(raw: Path | None, n_videos: int, scratch: Path) -> dict:
    if raw is None:
        raw = scratch / "sample"
        generate_sample(raw, n_videos=n_videos, seed=0, workers=os.cpu_count() or 1)
    truth = json.loads((raw / "sample_truth.json").read_text("utf-8"))
    items = [i for i in truth["items"] if i["expected"] in ("kept", "reupload")]
    by_id = {}
    for i in items:
        by_id.setdefault(i["id"], i)
    paths = {vid: raw / i["video_file"] for vid, i in by_id.items()}
    footage = {
        vid: i["reupload"]["of"] if i["expected"] == "reupload" else vid for vid, i in by_id.items()
    }
    params = NearDuplicateParams()
    fps, cost = fingerprints(paths, params.fingerprint)
    ids = list(paths)
    groups = grouped(ids, fps, params)
    photos = {vid: {s["photo"] for s in i["scenes"]} for vid, i in by_id.items() if i["scenes"]}
    sharing = [
        (a, b) for a, b in itertools.combinations(sorted(photos), 2) if photos[a] & photos[b]
    ]
    row = {
        "videos": len(ids),
        "planted_reuploads": sum(i["expected"] == "reupload" for i in by_id.values()),
        "video_minutes": round(sum(m for _, m, _ in cost.values()), 2),
        **pair_scores(footage, groups),
        "recall_per_kind": {
            i["reupload"]["kind"]: groups.get(vid) is not None
            and groups.get(vid) == groups.get(i["reupload"]["of"])
            for vid, i in by_id.items()
            if i["expected"] == "reupload"
        },
        "distinct_pairs_sharing_a_photo": len(sharing),
        "of_which_grouped": sum(a in groups and groups.get(a) == groups.get(b) for a, b in sharing),
        "fingerprint_cpu_s_per_video_minute": cpu_per_minute(cost),
    }
    print("sample", json.dumps(row), flush=True)
    return row


def _synthetic(n: int, rng: np.random.Generator) -> list[Fingerprint]:
    out = []
    for k in range(n):
        if k % 10 == 9:  # a copy of the previous video: 3 bits flipped in every hash
            flip = np.uint64(0b100100100) << np.uint64(rng.integers(0, 55))
            hashes = {
                v: [f"{int(h, 16) ^ int(flip):016x}" for h in hs]
                for v, hs in out[-1].hashes.items()
            }
        else:
            hashes = {
                v: [f"{int(x):016x}" for x in rng.integers(0, 2**64 - 1, 30, dtype=np.uint64)]
                for v in (*VIEWS, *(f"{v}_mirror" for v in VIEWS))
            }
        out.append(Fingerprint(fps=2.0, frames=30, box=(0, 1, 0, 1), hashes=hashes))
    return out


def index_growth() -> dict:
    rng = np.random.default_rng(0)
    rows = []
    for n in SCALE_SIZES:
        fps = _synthetic(n, rng)
        ids = [f"v{k}" for k in range(n)]
        start = time.perf_counter()
        matches = find_matches(ids, fps, NearDuplicateParams())
        seconds = time.perf_counter() - start
        rows.append({"videos": n, "seconds": round(seconds, 3), "matches": len(matches)})
        print("index", rows[-1], flush=True)
    slope = math.log(rows[-1]["seconds"] / rows[0]["seconds"]) / math.log(
        rows[-1]["videos"] / rows[0]["videos"]
    )
    return {"rows": rows, "loglog_slope": round(slope, 3), "planted_copies": SCALE_SIZES[-1] // 10}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument("--sample", type=Path, default=None, help="an existing sample folder")
    parser.add_argument("--keep", type=Path, default=None, help="keep the generated media here")
    parser.add_argument("--sample-videos", type=int, default=48)
    parser.add_argument("--no-sample", action="store_true")
    parser.add_argument("--no-scale", action="store_true")
    args = parser.parse_args()
    results: dict = {
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count()},
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
        "params": NearDuplicateParams().model_dump(mode="json"),
    }
    with tempfile.TemporaryDirectory(prefix="chfen-dup-") as tmp:
        scratch = args.keep or Path(tmp)
        scratch.mkdir(parents=True, exist_ok=True)
        results["real_clips"] = real_clips(args.shared, scratch)
        if not args.no_sample:
            results["sample"] = sample(args.sample, args.sample_videos, scratch)
    if not args.no_scale:
        results["index_growth"] = index_growth()
    results["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"-> {RESULTS}")


if __name__ == "__main__":
    main()
