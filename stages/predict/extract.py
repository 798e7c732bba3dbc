"""Features of one clip, made exactly as the model's training features were.

The clip becomes a one-line manifest in a work folder, and the stages run on it through their
own ``run`` functions (separate, ocr, track, then embed text/visual/audio), with the params the
model recorded (``model.provenance``) and a throwaway runner cache. Nothing of the extraction
logic is repeated here: what the dataset's videos went through, the clip goes through.

What cannot be had is a missing modality, never a crash: a stage that fails, a backend or
weights that are not on this machine, a clip without audio or without text. Each such problem is
kept with the modalities it costs, and a feature store whose encoder differs from the one the
model was trained with is replaced by an empty store of the recorded layout, so those
modalities are masked rather than fed features the model has never seen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from model.data import STREAMS
from model.params import Modality
from model.provenance import FeatureProvenance
from pipeline.featurestore import FeatureStore, StoreError, StoreMeta, write_store
from pipeline.hashing import file_digest
from pipeline.media import MediaError, probe
from pipeline.params import Params, RunnerParams
from pipeline.plutchik import wheel
from pipeline.records import Engagement, LabelSummary, ManifestEntry, MediaInfo
from pipeline.runner import RunReport
from stages.embed import stage as embed_stage
from stages.embed.job import Upstream
from stages.ocr import stage as ocr_stage
from stages.ocr.outputs import Subtitle, document_file, read_subtitles
from stages.separate import stage as separate_stage
from stages.track import stage as track_stage

CLIP_ID = "clip"
STORES = ("text", "visual", "audio")
# Which modalities a stage's output feeds (a failed stage costs these).
FEEDS: dict[str, tuple[Modality, ...]] = {
    "separate": ("vocals", "music"),
    "ocr": ("text",),
    "track": (),  # faces only: the visual modality keeps its scene frames
    "text": ("title", "text"),
    "visual": ("visual",),
    "audio": ("vocals", "music"),
}
MISSING_AUDIO = {
    "no_audio_stream": "no audio stream",
    "empty_audio_stream": "the audio stream is empty",
}


@dataclass(frozen=True)
class Problem:
    """Something the extraction could not do, and the modalities it costs."""

    where: str  # a stage ("ocr") or a store ("text")
    message: str
    modalities: tuple[Modality, ...]


@dataclass
class Extraction:
    entry: ManifestEntry
    features: Path  # a folder with one store per modality family, as the model's dataset reads
    video_readable: bool
    step_s: float  # seconds per time step of the sequences
    subtitles: list[Subtitle] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    backends: dict[str, str] = field(default_factory=dict)


def extract(
    video: Path,
    title: str,
    record: FeatureProvenance,
    work: Path,
    show_progress: bool = False,
) -> Extraction:
    """Run the extraction stages on ``video`` in memory (params and the one-entry manifest are
    objects, never files); their outputs go to folder ``work``, which the caller removes."""
    work = Path(work)
    work.mkdir(parents=True, exist_ok=True)
    params = _clip_params(record.params(), work)
    upstream = Upstream(subtitles=work / "subtitles", tracks=work / "tracks", audio=work / "audio")
    try:
        media: MediaInfo | None = probe(video)
    except MediaError as e:
        media, unreadable = None, str(e)
    entries = [_entry(video, title, media, record.embed.step_s)]
    out = Extraction(entries[0], work / "features", media is not None, record.embed.step_s)
    out.backends = _backend_names(record)

    def attempt(where: str, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except Exception as e:  # a stage's own clear error; the clip goes on without it
            out.problems.append(Problem(where, f"{type(e).__name__}: {e}", FEEDS[where]))
            return None

    if media is None:
        out.problems.append(Problem("video", unreadable, ("text", "visual", "vocals", "music")))
        extractors = ["text"]
    else:
        result = attempt(
            "separate",
            lambda: separate_stage.process(params, entries, upstream.audio, show_progress),
        )
        if result is not None:
            _check(out, "separate", result.report)
            for row in result.rows:
                if not row.has_audio:
                    reason = MISSING_AUDIO.get(row.missing_reason or "", row.missing_reason)
                    out.problems.append(Problem("separate", str(reason), FEEDS["separate"]))
        for name, stage, dest in (
            ("ocr", ocr_stage, upstream.subtitles),
            ("track", track_stage, upstream.tracks),
        ):
            report = attempt(
                name,
                lambda stage=stage, dest=dest: stage.process(params, entries, dest, show_progress),
            )
            if report is not None:
                _check(out, name, report)
        extractors = list(STORES)
    for store in extractors:
        done = attempt(
            store,
            lambda store=store: embed_stage.process(
                store, params, entries, upstream, out.features, show_progress
            ),
        )
        if done is not None:
            _check(out, store, done.report)
    for store in STORES:
        _conform(out, store, record.stores.get(store))
    out.subtitles = read_subtitles(document_file(upstream.subtitles, CLIP_ID))
    return out


def _clip_params(params: Params, work: Path) -> Params:
    """The recorded sections, with a runner of its own: one in-process worker (one clip), a
    throwaway cache, and no failure budget (a failed stage is a missing modality here)."""
    runner = RunnerParams(workers=1, max_failure_ratio=1.0, cache_dir=work / "cache")
    return params.model_copy(update={"runner": runner})


def _entry(video: Path, title: str, media: MediaInfo | None, step_s: float) -> ManifestEntry:
    """The clip as a manifest line. It has no label: the dataset's target is unused here."""
    return ManifestEntry(
        id=CLIP_ID,
        platform="predict",
        title=title,
        engagement=Engagement(),
        source_file=str(video),
        video=str(Path(video).resolve()),
        content_hash=file_digest(video) if media is not None else "0" * 64,
        media=media or MediaInfo(duration_s=step_s, has_video=False, has_audio=False, size_bytes=0),
        label=LabelSummary(
            primary=wheel().names[0], distribution={}, agreement=0.0, n_votes=0, votes={}
        ),
        split="test",
    )


def _check(out: Extraction, where: str, report: RunReport) -> None:
    for failure in report.failures:
        out.problems.append(Problem(where, str(failure.error), FEEDS[where]))


def _conform(out: Extraction, store: str, recorded: StoreMeta | None) -> None:
    """Keep the clip's store only when it was made as the model's was; otherwise leave an empty
    store of the recorded layout in its place, so the model's dataset masks its modalities."""
    root = out.features / store
    used = tuple(m for m, (name, _) in STREAMS.items() if name == store)
    if recorded is None:  # the model reads nothing from this store
        return
    try:
        made = FeatureStore(root).meta
    except StoreError:
        made = None  # its embed stage failed: already a problem
    if made is not None:
        differences = _differences(recorded, made)
        if not differences:
            return
        out.problems.append(
            Problem(
                store,
                f"the {store} features here differ from the model's: " + "; ".join(differences),
                used,
            )
        )
    write_store(root, recorded, [], shard_videos=1)


def _differences(recorded: StoreMeta, made: StoreMeta) -> list[str]:
    """What differs between the store the model was trained on and the clip's (the chfen
    version that wrote them does not matter)."""
    out = []
    for key in sorted(set(recorded.encoder) | set(made.encoder)):
        want, got = recorded.encoder.get(key), made.encoder.get(key)
        if want != got:
            out.append(f"encoder {key} {got!r} here, {want!r} in training")
    if recorded.streams != made.streams:
        dims = ", ".join(f"{s.name}={s.dim}" for s in made.streams)
        want = ", ".join(f"{s.name}={s.dim}" for s in recorded.streams)
        out.append(f"streams {dims} here, {want} in training")
    if recorded.step_s != made.step_s:
        out.append(f"step {made.step_s} s here, {recorded.step_s} s in training")
    if recorded.params_digest != made.params_digest and not out:
        out.append("embed params differ from those the model's features were made with")
    return out


def _backend_names(record: FeatureProvenance) -> dict[str, str]:
    """Which backends the recorded params select (what the clip is run with)."""
    names = {
        "separate": record.separate.resolved_backend(record.profile),
        "ocr": record.ocr.resolved_backend(record.profile),
        "track": record.track.resolved_detector(record.profile),
    }
    for store, meta in record.stores.items():
        names[f"embed_{store}"] = str(meta.encoder.get("model") or meta.encoder.get("backend"))
    return names
