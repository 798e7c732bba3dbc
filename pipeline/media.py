"""Media I/O through ffmpeg-python: probing what a file holds and whether it decodes."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import ffmpeg

from pipeline.records import MediaInfo

PROBE_TIMEOUT_S = 60


class MediaError(RuntimeError):
    """A media file that ffprobe/ffmpeg cannot read; the message names the file and says why."""


def probe(path: Path) -> MediaInfo:
    """Streams, duration, frame rate and size of ``path``; a video stream must decode a frame."""
    path = Path(path)
    try:
        info = ffmpeg.probe(str(path), timeout=PROBE_TIMEOUT_S)
    except ffmpeg.Error as e:
        raise MediaError(f"{path}: ffprobe cannot read it: {_last_line(e.stderr)}") from None
    streams: list[dict[str, Any]] = info.get("streams", [])
    video = next((s for s in streams if s.get("codec_type") == "video" and not _is_cover(s)), None)
    audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
    duration = _duration(info, video or audio)
    if duration is None:
        raise MediaError(f"{path}: no duration in the container or its streams")
    if video is not None:
        _decode_first_frame(path)
    r_rate = _rate(video, "r_frame_rate")
    avg_rate = _rate(video, "avg_frame_rate")
    return MediaInfo(
        duration_s=round(duration, 3),
        has_video=video is not None,
        has_audio=audio is not None,
        width=displayed_size(video)[0] if video else None,
        height=displayed_size(video)[1] if video else None,
        fps=round(avg_rate or r_rate, 3) if (avg_rate or r_rate) else None,
        vfr=bool(r_rate and avg_rate and abs(r_rate - avg_rate) / r_rate > 0.01),
        video_codec=video.get("codec_name") if video else None,
        audio_codec=audio.get("codec_name") if audio else None,
        audio_sample_rate=_int(audio, "sample_rate"),
        audio_channels=_int(audio, "channels"),
        size_bytes=path.stat().st_size,
    )


def _decode_first_frame(path: Path) -> None:
    try:
        (
            ffmpeg.input(str(path))
            .output("pipe:", format="null", vframes=1, map="0:v:0")
            .global_args("-v", "error", "-nostdin")
            .run(capture_stdout=True, capture_stderr=True)
        )
    except ffmpeg.Error as e:
        raise MediaError(
            f"{path}: the video stream does not decode: {_last_line(e.stderr)}"
        ) from None


def displayed_size(stream: dict[str, Any]) -> tuple[int | None, int | None]:
    """A video stream's width and height as displayed: rotation metadata (the ``rotate`` tag or
    a display matrix, as phones write portrait video) applied, as ffmpeg applies it when
    decoding."""
    w, h = _int(stream, "width"), _int(stream, "height")
    rotation = int(stream.get("tags", {}).get("rotate", 0) or 0)
    for side in stream.get("side_data_list", []):
        rotation = int(side.get("rotation", rotation) or rotation)
    return (h, w) if abs(rotation) % 180 == 90 else (w, h)


def _is_cover(stream: dict[str, Any]) -> bool:
    return bool(stream.get("disposition", {}).get("attached_pic"))


def _duration(info: dict[str, Any], stream: dict[str, Any] | None) -> float | None:
    for source in (info.get("format", {}), stream or {}):
        try:
            value = float(source["duration"])
        except (KeyError, TypeError, ValueError):
            continue
        if value >= 0:
            return value
    return None


def _rate(stream: dict[str, Any] | None, key: str) -> float | None:
    if not stream or not stream.get(key):
        return None
    try:
        value = Fraction(stream[key])
    except (ValueError, ZeroDivisionError):
        return None
    return float(value) if value > 0 else None


def _int(stream: dict[str, Any] | None, key: str) -> int | None:
    try:
        return int(stream[key]) if stream else None
    except (KeyError, TypeError, ValueError):
        return None


def _last_line(stderr: bytes | None) -> str:
    lines = (stderr or b"").decode("utf-8", "replace").strip().splitlines()
    return lines[-1] if lines else "no error output"
