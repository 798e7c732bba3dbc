"""Small synthetic media for tests, made with ffmpeg's own test sources (no files shipped)."""

from __future__ import annotations

from pathlib import Path

import ffmpeg

from pipeline.hashing import file_digest
from pipeline.media import probe
from pipeline.records import Engagement, LabelSummary, ManifestEntry, MediaInfo


def make_video(
    path: Path,
    seconds: float = 2.0,
    size: tuple[int, int] = (160, 90),
    fps: int = 25,
    audio: bool = True,
    tone_hz: int = 440,
    footage: int | None = None,
) -> Path:
    """An H.264 (+ AAC) clip of a moving test pattern (and a sine tone). Clips made with the
    same ``footage`` number (None: ffmpeg's test pattern) show the same footage; different
    numbers give different random Game-of-Life pictures (a new generation every half second),
    which no near-duplicate check confuses."""
    path.parent.mkdir(parents=True, exist_ok=True)
    w, h = size
    source = (
        f"testsrc2=size={w}x{h}:rate={fps}"
        if footage is None
        else f"life=size={w // 4}x{h // 4}:rate=2:seed={footage}:ratio=0.5:mold=10"
        ":life_color=#ff9040:death_color=#103060"
    )
    video = ffmpeg.input(f"{source}", f="lavfi", t=seconds)
    if footage is not None:
        video = video.filter("fps", fps).filter("scale", w, h, flags="neighbor")
    streams = [video]
    if audio:
        streams.append(
            ffmpeg.input(
                f"sine=frequency={tone_hz}:sample_rate=44100:duration={seconds}", f="lavfi"
            )
        )
    args = {"vcodec": "libx264", "pix_fmt": "yuv420p", "preset": "ultrafast", "g": fps}
    if audio:
        args.update(acodec="aac", audio_bitrate="64k")
    (
        ffmpeg.output(*streams, str(path), **args)
        .global_args("-v", "error", "-nostdin")
        .overwrite_output()
        .run()
    )
    return path


def manifest_entry(
    vid: str, video: Path, title: str | None = None, media: MediaInfo | None = None
) -> ManifestEntry:
    """A manifest line for ``video`` as the clean stage would write it (``media`` probed unless
    given, e.g. for a corrupt file that cannot be probed)."""
    return ManifestEntry(
        id=vid,
        platform="generic",
        account="acct",
        title=title or f"title {vid}",
        engagement=Engagement(),
        source_file="crawl/x.csv",
        video=str(video),
        content_hash=file_digest(video),
        media=media or probe(video),
        label=LabelSummary(
            primary="joy", distribution={"joy": 1.0}, agreement=1.0, n_votes=2, votes={"a": "joy"}
        ),
        split="train",
    )


def write_manifest(path: Path, videos: dict[str, Path]) -> Path:
    """``path`` written as the clean stage's manifest of ``videos`` (id -> file, each named as
    the manifest should name it: relative paths stay relative)."""
    path.write_text(
        "".join(manifest_entry(k, v).model_dump_json() + "\n" for k, v in videos.items())
    )
    return path
