"""Writing the sample dataset: the raw layout a real crawl would leave, plus the answer key.

```
out/crawl/douyin_aweme_list.json    Douyin API page (about 2/3 of the items)
out/crawl/flat_export.csv           flat export (the rest)
out/videos/<file>.mp4               the media, as each record names or implies it
out/annotations/round{R}_{annotator}.csv   multi-dimensional sheets (stages/labels/sheets.py)
out/annotations/gold.csv            the truth of a few gold items, for QC
out/sample_truth.json               what the clean and labels stages should conclude about every
                                    record, the modality truths, the careless annotator
```

Clips render on a process pool (each is a pure function of its spec); every file is written
under a temporary name and renamed, and the answer key is written last, so a folder with a
``sample_truth.json`` is a complete sample. Re-running into the same folder regenerates the same
bytes and removes videos a previous, different run left behind.
"""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
from collections import Counter
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel

from chfen.sample.annotations import CARELESS, PANEL, Truths, annotate, dimensions, gold_items
from chfen.sample.clip import ClipResult, ClipSpec
from chfen.sample.crawl import DOUYIN_FILE, FLAT_FILE, douyin_document, flat_export, published_at
from chfen.sample.frames import subtitle_font_path
from chfen.sample.modalities import planted
from chfen.sample.photos import BY_NAME
from chfen.sample.plan import Item, SamplePlan, plan_sample
from chfen.sample.render import RenderError, render_clip
from chfen.sample.reuploads import reupload
from pipeline import atomic
from pipeline.runner import progress_bar
from stages.labels.sheets import GOLD_FILE, MODALITY_COLUMNS, SHEET_COLUMNS

TRUTH_FILE = "sample_truth.json"
MARKER_FILE = ".chfen-sample"
SOURCE_FILES = {"douyin": f"crawl/{DOUYIN_FILE}", "csv": f"crawl/{FLAT_FILE}"}
# A download cut short: an MP4 file-type box and then noise, so no moov atom is ever found.
TRUNCATED_MP4_HEADER = b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41"


class SampleSummary(BaseModel):
    """What ``generate_sample`` wrote (paths relative to ``out``)."""

    out: Path
    seed: int
    n_videos: int
    n_items: int
    n_douyin: int
    n_csv: int
    videos_written: int
    expected: dict[str, int]
    crawl_files: list[str]
    annotation_files: list[str]
    truth_file: str

    def __str__(self) -> str:
        planted = self.n_items - self.expected.get("kept", 0)
        return (
            f"{self.n_items} records ({self.expected.get('kept', 0)} good, {planted} planted bad) "
            f"in {self.n_douyin} Douyin + {self.n_csv} CSV rows, {self.videos_written} video files,"
            f" {len(self.annotation_files)} annotation sheets -> {self.out}"
        )


def generate_sample(
    out: Path, n_videos: int = 48, seed: int = 0, workers: int = 2, progress: bool = True
) -> SampleSummary:
    """Generate the synthetic raw dataset under ``out``: ``n_videos`` good videos evenly over the
    8 primaries (hard-but-valid ones among them) plus one planted bad record per rejection
    reason. The same ``n_videos`` and ``seed`` always give the same files.

    Regenerating deletes videos the new sample does not have, so a folder that holds anything
    but a previous sample (no ``MARKER_FILE``) is refused rather than overwritten."""
    plan = plan_sample(n_videos, seed)
    out = Path(out)
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER_FILE).is_file():
        raise FileExistsError(
            f"{out} already holds data that is not a generated sample; refusing to overwrite it "
            "(generate into an empty folder instead)"
        )
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER_FILE).write_text("written by `chfen sample`; regenerating replaces this folder\n")
    videos = out / "videos"
    for folder in (out / "crawl", videos, out / "annotations"):
        folder.mkdir(parents=True, exist_ok=True)
    atomic.remove_stale_temps(out)
    (out / TRUTH_FILE).unlink(missing_ok=True)
    results = _render_all(plan, videos, workers, progress)
    written = _write_other_media(plan, videos) + _write_reuploads(plan, videos)
    _remove_stale_videos(plan, videos)
    atomic.write_text(out / SOURCE_FILES["douyin"], douyin_document(plan))
    atomic.write_text(out / SOURCE_FILES["csv"], flat_export(plan))
    sheets = write_annotations(plan, out / "annotations", results)
    atomic.write_text(
        out / TRUTH_FILE, json.dumps(answer_key(plan, results), ensure_ascii=False, indent=2) + "\n"
    )
    return SampleSummary(
        out=out,
        seed=seed,
        n_videos=n_videos,
        n_items=len(plan.items),
        n_douyin=len(plan.in_source("douyin")),
        n_csv=len(plan.in_source("csv")),
        videos_written=len(results) + written,
        expected=dict(Counter(item.expected for item in plan.items)),
        crawl_files=sorted(SOURCE_FILES.values()),
        annotation_files=sheets,
        truth_file=TRUTH_FILE,
    )


def _render_all(
    plan: SamplePlan, videos: Path, workers: int, progress: bool
) -> dict[str, ClipResult]:
    """Render every planned clip, longest first (so the pool does not end on one long clip),
    in-process for one worker and on a spawn-context process pool otherwise."""
    jobs = [(i.clip, videos / i.video_file) for i in plan.items if i.clip and i.video_file]
    jobs.sort(key=lambda job: (-job[0].duration_s, job[0].name))
    results: dict[str, ClipResult] = {}
    with progress_bar(progress, failures=False) as bar:
        task = bar.add_task("sample: rendering clips", total=len(jobs))
        if workers <= 1:
            for spec, path in jobs:
                results[spec.name] = render_clip(spec, path)
                bar.advance(task)
            return results
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=context) as pool:
            futures: dict[Future[ClipResult], str] = {
                pool.submit(render_clip, spec, path): spec.name for spec, path in jobs
            }
            for future in as_completed(futures):
                try:
                    results[futures[future]] = future.result()
                except Exception as e:
                    for other in futures:
                        other.cancel()
                    raise RenderError(f"rendering {futures[future]} failed: {e}") from e
                bar.advance(task)
    return results


def _write_other_media(plan: SamplePlan, videos: Path) -> int:
    """Re-uploads (byte copies), truncated downloads and empty files; returns how many."""
    rng = np.random.default_rng([plan.seed, 2])
    count = 0
    for item in plan.items:
        if item.video_file is None:
            continue
        target = videos / item.video_file
        if item.media == "copy":
            assert item.copy_of is not None
            atomic.write_bytes(target, (videos / item.copy_of).read_bytes())
        elif item.media == "garbage":
            atomic.write_bytes(target, TRUNCATED_MP4_HEADER + rng.bytes(48_000))
        elif item.media == "empty":
            atomic.write_bytes(target, b"")
        else:
            continue
        target.chmod(0o644)
        count += 1
    return count


def _write_reuploads(plan: SamplePlan, videos: Path) -> int:
    """The planted re-uploads, each made from its rendered original; returns how many."""
    planted = [i for i in plan.items if i.media == "reupload"]
    for item in planted:
        assert item.copy_of is not None and item.video_file is not None and item.reupload
        reupload(
            videos / item.copy_of, videos / item.video_file, item.reupload, subtitle_font_path()
        )
        (videos / item.video_file).chmod(0o644)
    return len(planted)


def _remove_stale_videos(plan: SamplePlan, videos: Path) -> None:
    """Delete ``.mp4`` files this plan does not write (left by a run with other settings)."""
    planned = {item.video_file for item in plan.items if item.video_file}
    for path in videos.glob("*.mp4"):
        if path.name not in planned:
            path.unlink()


def modality_truths(plan: SamplePlan, results: dict[str, ClipResult]) -> Truths:
    """The planted emotion of every modality of every item annotated on the wheel."""
    clips = {item.video_file: item.clip for item in plan.items if item.clip}
    out: Truths = {}
    for item in plan.items:
        if item.labels != "wheel" or item.id in out:
            continue
        clip = clips.get(item.copy_of or item.video_file)
        out[item.id] = planted(item, clip, results.get(clip.name) if clip else None)
    return out


def write_annotations(plan: SamplePlan, folder: Path, results: dict[str, ClipResult]) -> list[str]:
    """Write one sheet per (round, annotator) and gold.csv; returns their paths relative to the
    sample root."""
    items = list(plan.items)
    truths = modality_truths(plan, results)
    sheets = annotate(items, np.random.default_rng([plan.seed, 3]))
    rows = dimensions(items, sheets, truths, np.random.default_rng([plan.seed, 4]))
    names = []
    for (round_no, annotator), sheet in sorted(rows.items()):
        table = [{**row, "annotator": annotator, "round": round_no} for row in sheet]
        name = f"round{round_no}_{annotator}.csv"
        atomic.write_text(folder / name, _csv(SHEET_COLUMNS, table))
        names.append(f"{folder.name}/{name}")
    gold = [
        {"video_id": i.id, "label": i.media_emotion}
        | {f"{m}_label": w for m, w in truths[i.id].items()}
        for i in gold_items(items)
    ]
    atomic.write_text(folder / GOLD_FILE, _csv(("video_id", "label", *MODALITY_COLUMNS), gold))
    names.append(f"{folder.name}/{GOLD_FILE}")
    for stale in folder.glob("round*_*.csv"):
        if f"{folder.name}/{stale.name}" not in names:
            stale.unlink()
    return names


def _csv(columns: tuple[str, ...], rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, restval="", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def _truth_item(
    item: Item, index: int, clip: ClipSpec | None, result: ClipResult | None
) -> dict[str, Any]:
    """One answer-key entry; ``clip`` and ``result`` describe the media (for a re-upload, the
    original's)."""
    return {
        "id": item.id,
        "source_file": SOURCE_FILES[item.source],
        "source_index": index,
        "emotion": item.emotion,
        "expected": item.expected,
        "hard": list(item.hard),
        "account": item.account.uid,
        "title": item.title,
        "title_fits_emotion": item.title_fits,
        "published_at": published_at(item),
        "engagement": {
            "views": item.counts.views,
            "likes": item.counts.likes,
            "comments": item.counts.comments,
            "shares": item.counts.shares,
        },
        "video_file": f"videos/{item.video_file}" if item.video_file else None,
        "media": item.media,
        "duration_s": item.duration_s,
        "width": clip.width if clip else None,
        "height": clip.height if clip else None,
        "has_audio": clip.audio if clip else None,
        "has_subtitles": clip.subtitles if clip else None,
        "scenes": [
            {"start": s.start, "end": s.end, "photo": s.photo, "people": BY_NAME[s.photo].people}
            for s in (clip.scenes if clip else ())
        ],
        "lines": [
            {
                "start": line.start,
                "end": line.end,
                "text": line.text,
                "lang": line.lang,
                "box": list(line.box) if line.box else None,
            }
            for line in (result.lines if result else ())
        ],
    }


def answer_key(plan: SamplePlan, results: dict[str, ClipResult]) -> dict[str, Any]:
    """The answer key: every record in the order the clean stage reads them (crawl files in
    sorted name order, records in file order) with its expected outcome and ground truth:
    ``emotion`` is the primary its labels were drawn around (None when the annotators used no
    wheel label), ``lines`` the subtitle/speech lines with their on-screen times and boxes
    (``box`` None when the clip shows no text), ``scenes`` the shots and whether people are in
    them, ``modalities`` the emotion (or neutral) planted in each modality (None where the
    annotators did not label on the wheel). ``annotators`` names the honest panel and the
    careless annotator, ``gold`` the items of gold.csv."""
    clips = {item.video_file: item.clip for item in plan.items if item.clip}
    truths = modality_truths(plan, results)
    items = []
    for source in ("douyin", "csv"):
        for index, item in enumerate(plan.in_source(source)):
            # a re-upload's picture and timing are not its original's: no media truths
            clip = None if item.reupload else clips.get(item.copy_of or item.video_file)
            result = results.get(clip.name) if clip else None
            entry = _truth_item(item, index, clip, result)
            if item.reupload:
                original = next(i for i in plan.items if i.video_file == item.copy_of)
                entry["reupload"] = {"kind": item.reupload, "of": original.id}
            entry["modalities"] = truths.get(item.id) if item.labels == "wheel" else None
            items.append(entry)
    return {
        "seed": plan.seed,
        "n_videos": plan.n_videos,
        "annotators": {"honest": [a.name for a in PANEL], "careless": CARELESS},
        "gold": [i.id for i in gold_items(list(plan.items))],
        "items": items,
    }
