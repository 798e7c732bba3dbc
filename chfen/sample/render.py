"""Rendering one ``ClipSpec`` to an ``.mp4``: speak the lines, time the subtitles to the voice,
mix the music, stream the frames into ffmpeg and mux H.264 + AAC.

Output bytes depend only on the spec: x264 and the AAC encoder run single-threaded with
bit-exact flags and no metadata, so the same spec gives the same file on every run. The file is
written under a temporary name beside its destination and renamed when ffmpeg succeeded.
"""

from __future__ import annotations

import contextlib
import math
import os
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import cv2
import ffmpeg
import numpy as np
import soundfile as sf

from chfen.sample.audio import mix, music, speak
from chfen.sample.clip import FPS, SAMPLE_RATE, ClipResult, ClipSpec, LineSpec, ShownLine
from chfen.sample.frames import clip_frames, render_caption
from pipeline.atomic import TMP_PREFIX

# The voice starts this long after its subtitle appears; a subtitle stays up 2-4 s, until this
# long after the voice ends; the last this-many seconds of a clip carry no new line.
SPEECH_DELAY = 0.15
MIN_SHOWN = 2.0
MAX_SHOWN = 4.0
LINGER = 0.35
TAIL = 0.3
FFMPEG_TIMEOUT_S = 300


class RenderError(RuntimeError):
    """ffmpeg or espeak-ng failed on a clip; the message names the clip and says why."""


def _snap(t: float) -> float:
    return round(t * FPS) / FPS


def _say_within(line: LineSpec, limit_s: float, workdir: Path) -> np.ndarray:
    """The spoken line, at most ``limit_s`` long: a line that runs over is said faster (once),
    then cut with a short fade if it still does not fit."""
    audio = speak(line.text, line.voice, line.prosody, workdir)
    said = len(audio) / SAMPLE_RATE
    if said > limit_s:
        faster = min(400, math.ceil(line.prosody.speed * said / (limit_s * 0.95)))
        audio = speak(line.text, line.voice, replace(line.prosody, speed=faster), workdir)
    keep = min(len(audio), round(limit_s * SAMPLE_RATE))
    audio = audio[:keep].copy()
    fade = min(keep, round(0.05 * SAMPLE_RATE))
    audio[keep - fade :] *= np.linspace(1.0, 0.0, fade, dtype=np.float32)
    return audio


def _timed_lines(spec: ClipSpec, workdir: Path) -> list[tuple[float, float, LineSpec, np.ndarray]]:
    """Lay the candidate lines out one after another until the clip is full: each subtitle is
    shown for as long as its voice lasts (within 2-4 s), starting on a frame boundary."""
    timed = []
    t = _snap(spec.lead_in)
    limit = MAX_SHOWN - SPEECH_DELAY - LINGER
    for line in spec.lines:
        if t + MIN_SHOWN > spec.duration_s - TAIL:
            break
        audio = _say_within(line, limit, workdir)
        shown = min(max(len(audio) / SAMPLE_RATE + SPEECH_DELAY + LINGER, MIN_SHOWN), MAX_SHOWN)
        end = _snap(t + shown)
        if end > spec.duration_s - TAIL:
            break
        timed.append((t, end, line, audio))
        t = _snap(end + line.gap_after)
    return timed


def render_clip(spec: ClipSpec, path: Path) -> ClipResult:
    """Render ``spec`` to ``path`` (atomically) and return its timed subtitle lines."""
    path = Path(path)
    with tempfile.TemporaryDirectory(prefix="chfen-sample-") as tmp:
        workdir = Path(tmp)
        try:
            timed = _timed_lines(spec, workdir)
        except subprocess.CalledProcessError as e:
            detail = (e.stderr or b"").decode("utf-8", "replace").strip()
            raise RenderError(f"espeak-ng failed on {spec.name}: {detail or e}") from None
        captions = (
            [
                (start, end, render_caption(line.text, spec.width, spec.height))
                for start, end, line, _ in timed
            ]
            if spec.subtitles
            else []
        )
        wav = None
        if spec.audio:
            background = music(spec.music, spec.duration_s, np.random.default_rng([spec.seed, 1]))
            voice = [(start + SPEECH_DELAY, audio) for start, _, _, audio in timed]
            wav = workdir / "mix.wav"
            sf.write(wav, mix(spec.duration_s, voice, background), SAMPLE_RATE, subtype="PCM_16")
        _encode(spec, clip_frames(spec, captions), wav, path, workdir)
    boxes = [c.box for _, _, c in captions] if captions else [None] * len(timed)
    shown = tuple(
        ShownLine(start, end, line.text, line.lang, box)
        for (start, end, line, _), box in zip(timed, boxes, strict=True)
    )
    return ClipResult(spec.name, shown)


def _vfr_select(spec: ClipSpec) -> str:
    """Keep every other frame in the middle third: that stretch plays at 12.5 fps, the rest at
    25, so the stream's average rate differs from its base rate (what a VFR phone clip does)."""
    a, b = _snap(spec.duration_s / 3), _snap(2 * spec.duration_s / 3)
    return f"if(gte(t,{a})*lt(t,{b}),not(mod(n,2)),1)"


def _encode(
    spec: ClipSpec, frames: Iterable[np.ndarray], wav: Path | None, path: Path, workdir: Path
) -> None:
    size = f"{spec.width}x{spec.height}"
    video = ffmpeg.input("pipe:", format="rawvideo", pix_fmt="yuv420p", s=size, framerate=FPS)
    if spec.vfr:
        video = video.filter("select", _vfr_select(spec))
    streams = [video]
    options: dict[str, object] = {
        "format": "mp4",
        "vcodec": "libx264",
        "preset": "superfast",
        "crf": 23,
        "g": 2 * FPS,
        "pix_fmt": "yuv420p",
        "threads": 1,
        "fps_mode": "vfr" if spec.vfr else "cfr",
        "map_metadata": -1,
        "fflags": "+bitexact",
        "flags:v": "+bitexact",
        "movflags": "+faststart",
    }
    if wav is not None:
        streams.append(ffmpeg.input(str(wav)).audio)
        options |= {
            "acodec": "aac",
            "aac_coder": "fast",
            "audio_bitrate": "128k",
            "ar": SAMPLE_RATE,
            "ac": 2,
        }
        options["flags:a"] = "+bitexact"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=TMP_PREFIX, suffix=".mp4", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    command = ffmpeg.compile(
        ffmpeg.output(*streams, str(tmp), **options)
        .global_args("-hide_banner", "-nostdin", "-loglevel", "error", "-filter_threads", "1")
        .overwrite_output()
    )
    log = workdir / "ffmpeg.log"
    try:
        with open(log, "wb") as err:
            process = subprocess.Popen(command, stdin=subprocess.PIPE, stderr=err)
            try:
                _feed(process, frames)
                code = process.wait(timeout=FFMPEG_TIMEOUT_S)
            except BaseException:
                process.kill()
                process.wait()
                raise
        if code != 0:
            detail = log.read_text("utf-8", "replace").strip().splitlines()[-3:]
            raise RenderError(f"ffmpeg failed on {spec.name} (exit {code}): {' | '.join(detail)}")
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _feed(process: subprocess.Popen[bytes], frames: Iterable[np.ndarray]) -> None:
    """Write frames to ffmpeg's stdin as raw YUV 4:2:0 (BT.601, limited range: what x264 is
    given anyway; converting here with OpenCV costs a quarter of ffmpeg's own conversion). A
    closed pipe means ffmpeg stopped, and its exit code and log say why."""
    assert process.stdin is not None
    try:
        for frame in frames:
            process.stdin.write(cv2.cvtColor(frame, cv2.COLOR_RGB2YUV_I420).tobytes())
    except BrokenPipeError:
        pass
    finally:
        with contextlib.suppress(BrokenPipeError):
            process.stdin.close()
