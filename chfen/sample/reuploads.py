"""Re-uploads of a clip, as other accounts make them: the near-duplicate check's test cases.

Each kind is one thing re-uploaders really do, made with ffmpeg from the original file. The
sample generator plants them (with their answer key), the clean-stage tests check that each one
is grouped with its original, and ``benchmarks/duplicates.py`` applies them to real clips.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import ffmpeg

from pipeline.atomic import TMP_PREFIX
from pipeline.media import probe

KINDS = (
    "reencode",  # another resolution and a much lower bitrate
    "crop_portrait",  # the centre cut to 9:16
    "pad_portrait",  # the whole picture padded into a 9:16 frame
    "mirror",  # flipped left to right
    "watermark",  # a logo box in a corner and a banner
    "subtitles",  # another subtitle band burned in
    "trim",  # a few seconds cut at both ends
    "speed",  # played 4% faster
)
TRIM_S = 1.5  # cut at each end (at most a sixth of the clip)
SPEED = 1.04


def reupload(src: Path, dst: Path, kind: str, font: Path | None = None) -> Path:
    """Write the ``kind`` re-upload of ``src`` to ``dst``. ``subtitles`` needs a ``font``."""
    if kind not in KINDS:
        raise ValueError(f"unknown re-upload kind {kind!r}; known: {', '.join(KINDS)}")
    media = probe(Path(src))
    stream = ffmpeg.input(str(src))
    video, audio = stream.video, stream.audio if media.has_audio else None
    options: dict[str, object] = {"vcodec": "libx264", "preset": "veryfast", "crf": 26}
    if kind == "reencode":
        video = video.filter("scale", "trunc(iw*0.6/2)*2", "trunc(ih*0.6/2)*2")
        options["crf"] = 36
    elif kind == "crop_portrait":
        video = video.filter("crop", "trunc(ih*9/16/2)*2", "ih")
    elif kind == "pad_portrait":
        video = video.filter("pad", "iw", "trunc(iw*16/9/2)*2", "(ow-iw)/2", "(oh-ih)/2")
    elif kind == "mirror":
        video = video.filter("hflip")
    elif kind == "watermark":
        video = video.drawbox("iw*0.72", "ih*0.04", "iw*0.24", "ih*0.1", "white@0.8", t="fill")
        video = video.drawbox("0", "ih*0.9", "iw", "ih*0.1", "red@0.6", t="fill")
    elif kind == "subtitles":
        if font is None:
            raise ValueError("the subtitles re-upload needs a font file")
        video = video.drawtext(
            text="Breaking: watch what happened next",
            fontfile=str(font),
            fontcolor="yellow",
            fontsize="h/12",
            x="(w-tw)/2",
            y="h*0.8",
            box=1,
            boxcolor="black@0.6",
        )
    elif kind == "trim":
        cut = min(TRIM_S, media.duration_s / 6)
        stream = ffmpeg.input(str(src), ss=cut, t=media.duration_s - 2 * cut)
        video, audio = stream.video, stream.audio if media.has_audio else None
    elif kind == "speed":
        video = video.setpts(f"PTS/{SPEED}")
        audio = audio.filter("atempo", SPEED) if audio is not None else None
    streams = [video] if audio is None else [video, audio]
    if audio is not None:
        options |= {"acodec": "aac", "audio_bitrate": "96k"}
    return _encode(streams, Path(dst), options, f"the {kind} re-upload of {src}")


def zoomed_reupload(
    src: Path,
    dst: Path,
    font: Path,
    keep: float = 0.8,
    scale: float = 0.9,
    trim_s: float = 0.7,
    crf: int = 30,
) -> Path:
    """Issue 28's re-upload of ``src`` at ``dst`` (picture only): the centre keeping ``keep``
    of the width and height, scaled by ``scale``, a small text overlay, ``trim_s`` seconds cut
    from the start, at CRF ``crf``."""
    video = (
        ffmpeg.input(str(src))
        .video.filter("crop", f"trunc(iw*{keep}/2)*2", f"trunc(ih*{keep}/2)*2")
        .filter("scale", f"trunc(iw*{scale}/2)*2", f"trunc(ih*{scale}/2)*2")
        .drawtext(
            text="repost",
            fontfile=str(font),
            fontcolor="white",
            fontsize="h/20",
            x="w*0.7",
            y="h*0.9",
        )
        .trim(start=trim_s)
        .setpts("PTS-STARTPTS")
    )
    options = {"vcodec": "libx264", "preset": "veryfast", "crf": crf}
    return _encode([video], Path(dst), options, f"the zoomed re-upload of {src}")


def _encode(streams: list, dst: Path, options: dict[str, object], what: str) -> Path:
    """Encode ``streams`` to ``dst`` through a temporary file beside it (a failed encode leaves
    nothing at ``dst``); ffmpeg's error names ``what`` was being made."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX, suffix=dst.suffix, dir=dst.parent)
    os.close(fd)
    try:
        (
            ffmpeg.output(*streams, tmp, pix_fmt="yuv420p", **options)
            .global_args("-hide_banner", "-nostdin", "-loglevel", "error")
            .overwrite_output()
            .run(capture_stdout=True, capture_stderr=True)
        )
        os.replace(tmp, dst)
    except ffmpeg.Error as e:
        detail = (e.stderr or b"").decode("utf-8", "replace").strip()[-300:]
        raise RuntimeError(f"ffmpeg could not make {what}: {detail}") from e
    finally:
        Path(tmp).unlink(missing_ok=True)
    return dst
