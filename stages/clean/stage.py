"""The clean stage: raw crawl exports and videos to the media manifest.

Every input item ends in exactly one of ``manifest.jsonl`` (kept, with its probe; labelled or
not: labels are the labels stage's work) or ``rejected.jsonl`` (with one reason). Checks run in
a fixed order, so an item's reason is the first one that applies: id safety, title, duplicate
id, file presence, decodability, duration, duplicate content, near-duplicate footage. "First"
means first in sorted crawl-file order, then in item order within a file.

Near-duplicates (the same footage re-uploaded: re-encoded, cropped, mirrored, re-subtitled,
trimmed) are found from perceptual fingerprints (``stages.clean.fingerprint``, per video and
cached) and either rejected (``clean.near_duplicates.mode: reject``, naming the copy kept) or
kept with a ``duplicate_group`` that the split keeps in one piece (``group``, the default, so
that test footage never also trains the model). ``reports/duplicates.md`` lists the groups.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from pipeline import atomic, paths
from pipeline.hashing import HashIndex
from pipeline.params import Params, load_params
from pipeline.records import (
    ManifestEntry,
    MediaInfo,
    MediaKind,
    Reason,
    Rejection,
    VideoRecord,
)
from pipeline.runner import run_per_video
from pipeline.safe_paths import UnsafePath, check_id, child, identity_key
from pipeline.stage_result import StageResult
from pipeline.work import WorkItem
from stages.clean.adapters import CRAWL_SUFFIXES, read_crawl_file
from stages.clean.datacard import write_data_card
from stages.clean.duplicates_report import NearDuplicates, write_duplicates_report
from stages.clean.fingerprint import Fingerprint, fingerprint_video
from stages.clean.near_duplicates import find_matches, group
from stages.clean.params import CleanParams
from stages.clean.probe import PROBE_SECTION, probe_video

STAGE = "clean"


@dataclass
class CleanResult(StageResult):
    manifest: list[ManifestEntry] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    card: dict[str, Any] = field(default_factory=dict)
    outputs: list[Path] = field(default_factory=list)
    stage: str = STAGE

    @property
    def counts(self) -> dict[str, int]:
        return {"kept": len(self.manifest), "rejected": len(self.rejected)}


def run(
    raw: Path,
    interim: Path,
    reports: Path,
    params_path: Path = paths.PARAMS,
    show_progress: bool = True,
) -> CleanResult:
    """The stage on files, as ``python -m stages.clean`` runs it: ``process`` on the params
    file."""
    return process(load_params(params_path, section=STAGE), raw, interim, reports)


def process(params: Params, raw: Path, interim: Path, reports: Path) -> CleanResult:
    """Clean the crawl under ``raw``: the manifest and rejections to ``interim``, the data card
    and the near-duplicate report to ``reports``."""
    cfg = params.clean
    raw = Path(raw)
    records, rejected = _read_crawls(raw / "crawl")
    candidates, early = _check_records(records, raw / "videos")
    rejected += early
    probed, late = _probe(candidates, params)
    rejected += late
    in_range, late = _check_media(probed, cfg)
    rejected += late
    in_range, late, found = _near_duplicates(in_range, params)
    rejected += late

    group_of = found.group_of if cfg.near_duplicates.mode == "group" else {}
    manifest = [
        ManifestEntry(
            id=c.record.id,
            platform=c.record.platform,
            account=c.record.account,
            title=c.record.title.strip(),
            published_at=c.record.published_at,
            engagement=c.record.engagement,
            source_file=c.record.source_file,
            video=_display_path(c.video) if c.video is not None else None,
            content_hash=c.content_hash,
            media=c.media,
            kind=c.kind,
            split=c.record.split,  # declared by the source; else the labels stage draws it
            duplicate_group=group_of.get(c.record.id),
        )
        for c in in_range
    ]
    write_duplicates_report(reports, found, cfg.near_duplicates)
    card = write_data_card(reports, manifest=manifest, rejected=rejected, params=cfg)
    interim = Path(interim)
    atomic.write_jsonl(interim / "manifest.jsonl", (m.model_dump_json() for m in manifest))
    atomic.write_jsonl(interim / "rejected.jsonl", (r.model_dump_json() for r in rejected))
    outputs = [interim / "manifest.jsonl", interim / "rejected.jsonl", Path(reports)]
    return CleanResult(manifest, rejected, card, outputs)


@dataclass
class _Candidate:
    record: VideoRecord
    video: Path | None  # None: a text-only item
    content_hash: str = ""
    media: MediaInfo | None = None
    kind: MediaKind = "video"


def _read_crawls(folder: Path) -> tuple[list[VideoRecord], list[Rejection]]:
    records: list[VideoRecord] = []
    rejected: list[Rejection] = []
    files = sorted(
        p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in CRAWL_SUFFIXES
    )
    for path in files:
        for item in read_crawl_file(path, str(path.relative_to(folder.parent))):
            (records if isinstance(item, VideoRecord) else rejected).append(item)
    return records, rejected


def _check_records(
    records: list[VideoRecord], videos: Path
) -> tuple[list[_Candidate], list[Rejection]]:
    seen: dict[str, VideoRecord] = {}
    kept: list[_Candidate] = []
    rejected: list[Rejection] = []
    for rec in records:
        try:
            check_id(rec.id)
            video = child(videos, rec.video_file or f"{rec.id}.mp4")
        except UnsafePath as e:
            rejected.append(_reject(rec, Reason.UNSAFE_ID, str(e)))
            continue
        if not rec.title.strip():
            rejected.append(_reject(rec, Reason.EMPTY_TITLE, "the title is empty"))
            continue
        first = seen.get(identity_key(rec.id))
        if first is not None:
            rejected.append(
                _reject(
                    rec,
                    Reason.DUPLICATE_ID,
                    f"id {rec.id!r} already given by {first.source_file} item {first.source_index}",
                )
            )
            continue
        seen[identity_key(rec.id)] = rec
        if rec.media_kind == "text":
            kept.append(_text_only(rec))
            continue
        if not video.is_file():
            rejected.append(
                _reject(rec, Reason.MISSING_VIDEO, f"{_display_path(video)} is not on disk")
            )
            continue
        if video.stat().st_size == 0:
            rejected.append(
                _reject(rec, Reason.EMPTY_VIDEO, f"{_display_path(video)} is empty (0 bytes)")
            )
            continue
        kept.append(_Candidate(rec, video))
    return kept, rejected


def _probe(
    candidates: list[_Candidate], params: Params
) -> tuple[list[_Candidate], list[Rejection]]:
    text_only = [c for c in candidates if c.video is None]
    candidates = [c for c in candidates if c.video is not None]
    with HashIndex(params.runner.cache_dir / "hashes.sqlite") as index:
        for cand in candidates:
            cand.content_hash = index.digest(cand.video)
    items = [WorkItem(c.record.id, c.video, c.content_hash) for c in candidates]
    report = run_per_video(
        STAGE,
        items,
        probe_video,
        section=PROBE_SECTION,
        version="ffprobe",
        runner=params.runner,
    )
    report.check(params.runner.max_failure_ratio)
    kept: list[_Candidate] = []
    rejected: list[Rejection] = []
    for cand, outcome in zip(candidates, report.outcomes, strict=True):
        if not outcome.ok:
            rejected.append(_reject(cand.record, Reason.PROCESSING_FAILED, outcome.error or ""))
        elif "error" in outcome.result:
            rejected.append(_reject(cand.record, Reason.UNDECODABLE_VIDEO, outcome.result["error"]))
        else:
            cand.media = MediaInfo.model_validate(outcome.result["media"])
            kept.append(cand)
    return text_only + kept, rejected


def _check_media(
    candidates: list[_Candidate], cfg: CleanParams
) -> tuple[list[_Candidate], list[Rejection]]:
    seen: dict[str, _Candidate] = {}
    kept: list[_Candidate] = []
    rejected: list[Rejection] = []
    for cand in candidates:
        media = cand.media
        assert media is not None
        if cand.kind == "text":
            kept.append(cand)
            continue
        declared_audio = cand.record.media_kind == "audio"
        cand.kind = "video" if media.has_video else "audio"
        if not media.has_video and not (declared_audio and media.has_audio):
            detail = "the file has no audio" if declared_audio else "the file has no video"
            rejected.append(_reject(cand.record, Reason.NO_VIDEO_STREAM, f"{detail} stream"))
        elif media.duration_s < cfg.min_duration_s:
            rejected.append(
                _reject(
                    cand.record,
                    Reason.TOO_SHORT,
                    f"{media.duration_s:.2f} s is under clean.min_duration_s={cfg.min_duration_s}",
                )
            )
        elif media.duration_s > cfg.max_duration_s:
            rejected.append(
                _reject(
                    cand.record,
                    Reason.TOO_LONG,
                    f"{media.duration_s:.2f} s is over clean.max_duration_s={cfg.max_duration_s}",
                )
            )
        elif cand.content_hash in seen:
            first = seen[cand.content_hash].record
            rejected.append(
                _reject(
                    cand.record,
                    Reason.DUPLICATE_CONTENT,
                    f"same file content as {first.id!r} "
                    f"({first.source_file} item {first.source_index})",
                )
            )
        else:
            seen[cand.content_hash] = cand
            kept.append(cand)
    return kept, rejected


def _near_duplicates(
    candidates: list[_Candidate], params: Params
) -> tuple[list[_Candidate], list[Rejection], NearDuplicates]:
    """Fingerprint the videos, group near-duplicates and apply ``clean.near_duplicates.mode``.
    A video that cannot be fingerprinted is kept (it decoded when probed) and listed."""
    cfg = params.clean.near_duplicates
    videos = [c for c in candidates if c.kind == "video" and c.video is not None]
    if cfg.mode == "off" or not videos:
        return candidates, [], NearDuplicates(compared=0)
    report = run_per_video(
        f"{STAGE}-fingerprint",
        [WorkItem(c.record.id, c.video, c.content_hash, {"aspect": _aspect(c)}) for c in videos],
        partial(fingerprint_video, params=cfg.fingerprint),
        section=cfg.fingerprint,
        version="phash-crops",
        runner=params.runner,
    )
    done = [(c, o) for c, o in zip(videos, report.outcomes, strict=True) if o.ok]
    ids = [c.record.id for c, _ in done]
    fingerprints = [Fingerprint.model_validate(o.result) for _, o in done]
    found = NearDuplicates(
        compared=len(done),
        groups=group(ids, find_matches(ids, fingerprints, cfg)),
        not_fingerprinted={o.item.id: o.error or "" for o in report.outcomes if not o.ok},
        paths={c.record.id: c.video for c, _ in done},
    )
    if cfg.mode == "group":
        return candidates, [], found
    copies = {m: g for g in found.groups for m in g.members[1:]}
    kept, rejected = [], []
    for cand in candidates:
        g = copies.get(cand.record.id)
        if g is None:
            kept.append(cand)
            continue
        m = g.match_of(cand.record.id)
        rejected.append(
            _reject(
                cand.record,
                Reason.NEAR_DUPLICATE,
                f"same footage as {g.kept!r} (kept): {m.shared:.0%} of frames within "
                f"{m.distance:.1f} bits ({m.view} view{', mirrored' if m.mirrored else ''})",
            )
        )
    return kept, rejected, found


def _aspect(cand: _Candidate) -> float:
    """Displayed width / height of a probed video (1 when the probe found no size)."""
    media = cand.media
    assert media is not None
    return (media.width or 1) / (media.height or 1)


def _text_only(rec: VideoRecord) -> _Candidate:
    """A text-only item (declared by its source): no file to find or probe. Its content hash
    covers the id as well as the text, since short utterances ("Oh my God!") recur and are not
    re-uploads of one another."""
    digest = hashlib.sha256(f"text\0{rec.id}\0{rec.title}".encode()).hexdigest()
    media = MediaInfo(
        duration_s=rec.duration_s or 0.0, has_video=False, has_audio=False, size_bytes=0
    )
    return _Candidate(rec, None, content_hash=digest, media=media, kind="text")


def _reject(rec: VideoRecord, reason: Reason, detail: str) -> Rejection:
    return Rejection(
        id=rec.id,
        source_file=rec.source_file,
        source_index=rec.source_index,
        reason=reason,
        detail=detail,
    )


def _display_path(path: Path) -> str:
    """Paths inside the project are written relative to it, so the manifest moves with the repo."""
    absolute = Path(path).resolve()
    cwd = Path.cwd().resolve()
    return os.path.relpath(absolute, cwd) if absolute.is_relative_to(cwd) else str(absolute)
