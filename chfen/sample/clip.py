"""The recipe of one sample clip, and what rendering it produced.

The planner decides everything random about a clip (scenes, grades, lines, voices, music) in
the parent process and hands the renderer a ``ClipSpec``: rendering is then a pure function of
the spec, so it can run in any worker process, in any order, and give the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

from chfen.sample.content import Grade, MusicStyle, Prosody

FPS = 25
SAMPLE_RATE = 44100


@dataclass(frozen=True)
class SceneSpec:
    """One shot: a photo, its grade, and a Ken Burns move from ``zoom[0]`` at ``centre[0]`` to
    ``zoom[1]`` at ``centre[1]`` (centres relative to the photo), with optional camera shake."""

    photo: str
    start: float
    end: float
    grade: Grade
    zoom: tuple[float, float]
    centre: tuple[tuple[float, float], tuple[float, float]]
    shake: float
    styles: tuple[str, str] = ("", "")  # the emotions (or neutral) its grade and motion show


@dataclass(frozen=True)
class LineSpec:
    """A subtitle line and how it is spoken (espeak-ng voice, pitch and speed plus effects);
    ``gap_after`` is the pause before the next line."""

    text: str
    lang: str
    voice: str
    prosody: Prosody
    gap_after: float


@dataclass(frozen=True)
class ClipSpec:
    """Everything needed to render one clip. ``lines`` are candidates in order: the renderer
    keeps as many as fit the duration once it knows how long each one takes to say."""

    name: str
    emotion: str
    seed: int
    width: int
    height: int
    duration_s: float
    scenes: tuple[SceneSpec, ...]
    lines: tuple[LineSpec, ...]
    lead_in: float
    music: MusicStyle
    audio: bool
    subtitles: bool
    vfr: bool

    @property
    def n_frames(self) -> int:
        return round(self.duration_s * FPS)


@dataclass(frozen=True)
class ShownLine:
    """A subtitle line as rendered: when it is on screen (the voice starts ``SPEECH_DELAY``
    after it appears), the text, its language and its pixel box ``(x0, y0, x1, y1)`` (None
    when the clip burns in no subtitles)."""

    start: float
    end: float
    text: str
    lang: str
    box: tuple[int, int, int, int] | None


@dataclass(frozen=True)
class ClipResult:
    """What the renderer made: the timed lines, for the answer key."""

    name: str
    lines: tuple[ShownLine, ...]
