"""The sound of a sample clip: an espeak-ng voice reading the subtitles, in the clip's emotional
prosody, over background music synthesised with numpy in a key, tempo and texture that fit it.

Voice and music are made separately and mixed at the end (the music ducked under the voice, as
news edits do), which is what the separation stage has to undo. Everything here is deterministic:
espeak-ng gives identical samples for identical arguments, and all randomness comes from the
generator the caller passes in.
"""

from __future__ import annotations

import math
import shutil
import subprocess
from functools import cache
from pathlib import Path

import numpy as np
import soundfile as sf

from chfen.sample.clip import SAMPLE_RATE
from chfen.sample.content import MusicStyle, Prosody

SPEECH_RMS_DB = -17.0
PEAK_LIMIT = 0.95
DUCK_DB = -5.0
ESPEAK_TIMEOUT_S = 60

TABLE_SIZE = 4096
# Harmonic amplitudes per timbre (1st, 2nd, ... partial).
TIMBRES: dict[str, tuple[float, ...]] = {
    "sine": (1.0,),
    "warm": (1.0, 0.4, 0.15),
    "bright": (1.0, 0.5, 0.33, 0.25, 0.2),
    "square": (1.0, 0.0, 0.33, 0.0, 0.2, 0.0, 0.14),
    "saw": (1.0, 0.5, 0.33, 0.25, 0.2, 0.17),
}


def espeak_binary() -> str:
    """The espeak-ng executable, or an error saying how to install it (it is a system package,
    not a wheel)."""
    path = shutil.which("espeak-ng")
    if path is None:
        raise FileNotFoundError(
            "espeak-ng is not on PATH; the sample generator needs it for the voice track "
            "(Debian/Ubuntu: apt-get install espeak-ng)"
        )
    return path


def speak(text: str, voice: str, prosody: Prosody, workdir: Path) -> np.ndarray:
    """The line spoken by espeak-ng with the prosody's pitch and speed and its effects applied,
    as mono float32 at ``SAMPLE_RATE``, peak-normalised."""
    wav = workdir / "speech.wav"
    command = [
        espeak_binary(),
        "-v",
        voice,
        "-s",
        str(prosody.speed),
        "-p",
        str(prosody.pitch),
        "-w",
        str(wav),
        text,
    ]
    subprocess.run(command, check=True, capture_output=True, timeout=ESPEAK_TIMEOUT_S)
    data, rate = sf.read(wav, dtype="float32", always_2d=False)
    if data.ndim > 1:
        data = data.mean(axis=1)
    return _voice_effects(_resample(data, rate), prosody)


def _fast_length(n: int) -> int:
    """The smallest 5-smooth number (2^a 3^b 5^c) >= n: FFTs of such lengths are fast, while
    one of a length with a large prime factor can take a thousand times longer."""
    best = 1 << max(n - 1, 0).bit_length()
    p5 = 1
    while p5 < best:
        p35 = p5
        while p35 < best:
            size = p35 << max(math.ceil(math.log2(n / p35)), 0)
            best = min(best, size)
            p35 *= 3
        p5 *= 5
    return best


def _resample(x: np.ndarray, rate: int) -> np.ndarray:
    """Band-limited resampling to ``SAMPLE_RATE`` by zero-padding the spectrum (exact for
    espeak-ng's 22050 Hz; scipy.signal would do the same but takes seconds to import in every
    worker)."""
    if rate == SAMPLE_RATE or len(x) == 0:
        return x.astype(np.float32)
    size = _fast_length(len(x))
    out_size = round(size * SAMPLE_RATE / rate)
    spectrum = np.fft.rfft(x, size)
    y = np.fft.irfft(spectrum, out_size) * (out_size / size)
    return y[: round(len(x) * SAMPLE_RATE / rate)].astype(np.float32)


def _lowpass(x: np.ndarray, cutoff_hz: float) -> np.ndarray:
    """Zero-phase low-pass with a 2nd-order Butterworth magnitude response, in the frequency
    domain (a muffled voice)."""
    size = _fast_length(len(x))
    freqs = np.fft.rfftfreq(size, 1 / SAMPLE_RATE)
    response = 1.0 / np.sqrt(1.0 + (freqs / cutoff_hz) ** 4)
    return np.fft.irfft(np.fft.rfft(x, size) * response, size)[: len(x)].astype(np.float32)


def _voice_effects(x: np.ndarray, prosody: Prosody) -> np.ndarray:
    t = np.arange(len(x), dtype=np.float32) / SAMPLE_RATE
    if prosody.tremolo > 0:
        x = x * (1.0 + prosody.tremolo * np.sin(2 * np.pi * 6.5 * t)).astype(np.float32)
    if prosody.lowpass > 0:
        x = _lowpass(x, prosody.lowpass)
    x = _normalise_peak(x)
    if prosody.drive > 0:
        gain = 1.0 + 8.0 * prosody.drive
        x = (np.tanh(gain * x) / math.tanh(gain)).astype(np.float32)
    return x


def _normalise_peak(x: np.ndarray, peak: float = 0.9) -> np.ndarray:
    top = float(np.max(np.abs(x))) if len(x) else 0.0
    return (x * (peak / top)).astype(np.float32) if top > 0 else x


def _midi_hz(note: float) -> float:
    return 440.0 * 2.0 ** ((note - 69) / 12)


@cache
def _wavetable(timbre: str) -> np.ndarray:
    """One period of the timbre's waveform (its partials summed), sampled ``TABLE_SIZE`` times:
    a note then costs one table lookup per sample instead of one sine per partial."""
    phase = 2 * np.pi * np.arange(TABLE_SIZE) / TABLE_SIZE
    return sum(amp * np.sin(k * phase) for k, amp in enumerate(TIMBRES[timbre], start=1) if amp)


def _tone(
    freq: float, length: int, timbre: str, wobble: float, attack: float, decay: float | None
) -> np.ndarray:
    """One note: the timbre's wavetable, optional vibrato, an attack ramp, and either an
    exponential decay (plucked) or a sustained body with a release ramp (pads)."""
    if length <= 0:
        return np.zeros(0)
    t = np.arange(length, dtype=np.float64) / SAMPLE_RATE
    cycles = freq * t
    if wobble > 0:
        rate = 5.5
        cycles -= freq * wobble * np.cos(2 * np.pi * rate * t) / (2 * np.pi * rate)
    index = (cycles * TABLE_SIZE).astype(np.int64) % TABLE_SIZE
    wave = _wavetable(timbre)[index]
    env = np.minimum(1.0, t / max(attack, 1e-3))
    if decay is not None:
        env *= np.exp(-t / decay)
    else:
        release = min(0.35, t[-1] / 3)
        env *= np.clip((t[-1] - t) / max(release, 1e-3), 0.0, 1.0)
    return wave * env


def _add(bus: np.ndarray, start_s: float, sound: np.ndarray) -> None:
    i = round(start_s * SAMPLE_RATE)
    if i >= len(bus):
        return
    n = min(len(sound), len(bus) - i)
    bus[i : i + n] += sound[:n]


def _chord(style: MusicStyle, degree: int) -> list[int]:
    """A triad on a scale degree (stacked thirds within the scale), as MIDI notes."""
    scale = style.scale
    notes = []
    for step in (0, 2, 4):
        idx = degree + step
        notes.append(style.root + scale[idx % len(scale)] + 12 * (idx // len(scale)))
    return notes


def _drums(bus: np.ndarray, beat: float, duration: float, rng: np.random.Generator) -> None:
    kick_len = round(0.18 * SAMPLE_RATE)
    t = np.arange(kick_len) / SAMPLE_RATE
    kick = np.sin(2 * np.pi * (45 * t + 60 * 0.04 * (1 - np.exp(-t / 0.04)))) * np.exp(-t / 0.07)
    hat_len = round(0.05 * SAMPLE_RATE)
    n_beats = int(duration / beat) + 1
    for i in range(n_beats):
        _add(bus, i * beat, 0.9 * kick)
        hat = rng.standard_normal(hat_len) * np.exp(-np.arange(hat_len) / (0.012 * SAMPLE_RATE))
        _add(bus, (i + 0.5) * beat, 0.12 * np.diff(hat, prepend=0.0))
        if i % 2 == 1:
            snare_len = round(0.15 * SAMPLE_RATE)
            snare = rng.standard_normal(snare_len) * np.exp(
                -np.arange(snare_len) / (0.04 * SAMPLE_RATE)
            )
            _add(bus, i * beat, 0.25 * snare)


def music(style: MusicStyle, duration_s: float, rng: np.random.Generator) -> np.ndarray:
    """Background music for ``duration_s`` seconds as stereo float32 ``(n, 2)`` at the style's
    level (RMS in dBFS)."""
    n = round(duration_s * SAMPLE_RATE)
    left = np.zeros(n)
    right = np.zeros(n)
    beat = 60.0 / style.tempo
    chord_s = beat * style.beats_per_chord
    n_chords = int(duration_s / chord_s) + 1
    for c in range(n_chords):
        start = c * chord_s
        notes = _chord(style, style.progression[c % len(style.progression)])
        pad_len = round(chord_s * SAMPLE_RATE)
        for note in notes:
            pad = 0.22 * _tone(_midi_hz(note), pad_len, style.timbre, style.wobble, 0.25, None)
            _add(left, start, pad)
            _add(right, start, pad)
        if style.cluster:
            rub = 0.16 * _tone(_midi_hz(notes[0] + 1), pad_len, "sine", style.wobble, 0.4, None)
            _add(left, start, rub)
            _add(right, start, 0.6 * rub)
        for b in range(style.beats_per_chord):
            bass_len = round(beat * 0.95 * SAMPLE_RATE)
            bass = 0.35 * _tone(_midi_hz(notes[0] - 12), bass_len, "warm", style.wobble, 0.01, 0.3)
            _add(left, start + b * beat, bass)
            _add(right, start + b * beat, bass)
        if style.arpeggio:
            step = beat / 2
            for k in range(style.beats_per_chord * 2):
                note = notes[k % 3] + 12
                pluck_len = round(step * 1.8 * SAMPLE_RATE)
                pluck = 0.18 * _tone(_midi_hz(note), pluck_len, style.timbre, 0.0, 0.005, 0.2)
                pan = 0.3 if k % 2 else 0.7
                _add(left, start + k * step, pan * pluck)
                _add(right, start + k * step, (1 - pan) * pluck)
    if style.drone:
        drone = _tone(_midi_hz(style.root - 12), n, "warm", 0.002, 1.0, None)
        t = np.arange(n) / SAMPLE_RATE
        drone *= 0.35 * (0.6 + 0.4 * np.sin(2 * np.pi * 0.15 * t))
        left += drone
        right += drone
    if style.drums:
        drums = np.zeros(n)
        _drums(drums, beat, duration_s, rng)
        left += drums
        right += drums
    if style.accents:
        for at in np.sort(rng.uniform(0.5, max(duration_s - 0.5, 0.6), size=3)):
            notes = _chord(style, 0)
            stab_len = round(0.4 * SAMPLE_RATE)
            for note in (*notes, notes[0] + 1):
                stab = 0.25 * _tone(_midi_hz(note + 12), stab_len, "saw", 0.0, 0.003, 0.12)
                _add(left, float(at), stab)
                _add(right, float(at), stab)
    stereo = np.stack([left, right], axis=1)
    if style.crescendo:
        stereo *= np.linspace(0.35, 1.2, n)[:, None]
    if style.drive > 0:
        gain = 1.0 + 6.0 * style.drive
        stereo = np.tanh(gain * stereo / (np.max(np.abs(stereo)) + 1e-9)) / math.tanh(gain)
    return _at_rms(stereo, style.level_db).astype(np.float32)


def _at_rms(x: np.ndarray, level_db: float) -> np.ndarray:
    rms = float(np.sqrt(np.mean(x**2))) if x.size else 0.0
    return x * (10 ** (level_db / 20) / rms) if rms > 0 else x


def _moving_average(x: np.ndarray, window: int) -> np.ndarray:
    """Centred moving average through a cumulative sum (a direct convolution with a window of
    ten thousand samples takes seconds)."""
    padded = np.concatenate([np.zeros(window // 2 + 1), x, np.zeros(window - window // 2)])
    sums = np.cumsum(padded)
    return (sums[window:] - sums[:-window])[: len(x)] / window


def mix(
    duration_s: float, speech: list[tuple[float, np.ndarray]], background: np.ndarray
) -> np.ndarray:
    """Voice clips (start second, mono samples) over the music, the music ducked while the voice
    speaks; stereo float32, peak-limited."""
    n = round(duration_s * SAMPLE_RATE)
    voice = np.zeros(n, dtype=np.float32)
    for start, clip in speech:
        _add(voice, start, clip)
    active = np.abs(voice) > 1e-3
    if active.any():
        voice *= 10 ** (SPEECH_RMS_DB / 20) / float(np.sqrt(np.mean(voice[active] ** 2)))
    presence = _moving_average(active.astype(np.float64), round(0.25 * SAMPLE_RATE))
    duck = 1.0 - (1.0 - 10 ** (DUCK_DB / 20)) * np.clip(presence * 4, 0.0, 1.0)
    out = background[:n] * duck[:, None] + voice[:, None]
    peak = float(np.max(np.abs(out))) if out.size else 0.0
    if peak > PEAK_LIMIT:
        out *= PEAK_LIMIT / peak
    return out.astype(np.float32)
