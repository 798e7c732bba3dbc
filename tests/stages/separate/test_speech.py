"""The speech backend (DeepFilterNet3 through its C API) and the voice-activity track."""

import fast_bss_eval
import numpy as np
import pytest
import soundfile as sf
import soxr

from pipeline.params import SpeechSeparationParams
from stages.separate import deepfilter, vad
from stages.separate.deepfilter import DeepFilterUnavailable, Enhancer
from stages.separate.schema import AudioIndexRow, read_index
from stages.separate.speech import SpeechSeparator, level_gain
from tests.stages.separate.synthetic import speech_like, tone_pattern

RATE = 44100
RAVDESS_CLIP = "03-01-01-01-01-01-01.wav"


def _sdr(reference: np.ndarray, estimate: np.ndarray) -> float:
    return float(
        fast_bss_eval.sdr(
            reference[None].astype(np.float64), estimate[None].astype(np.float64)
        ).ravel()[0]
    )


@pytest.fixture(scope="module")
def separator():
    return SpeechSeparator(SpeechSeparationParams())


def _noise_bed(seconds: float, rate: int) -> np.ndarray:
    """Music-like accompaniment a speech enhancer must remove: chords plus a noise floor."""
    noise = np.random.default_rng(1).standard_normal(int(seconds * rate)).astype(np.float32)
    return tone_pattern(seconds, rate) + 0.05 * noise


def test_separates_speech_like_from_accompaniment(separator):
    voice, music = speech_like(4.0, RATE), _noise_bed(4.0, RATE)
    mix = voice + music
    stems = separator.separate(np.stack([mix, mix]), RATE)
    assert stems.vocals.shape == (2, mix.size) and stems.vocals.dtype == np.float32
    np.testing.assert_allclose(stems.vocals + stems.music, np.stack([mix, mix]), atol=1e-6)
    gain = _sdr(voice, stems.vocals[0]) - _sdr(voice, mix)
    assert gain > 3.0, gain
    music_gain = _sdr(music, stems.music[0]) - _sdr(music, mix)
    assert music_gain > 3.0, music_gain


def test_quiet_recording_is_separated_as_well_as_a_loud_one(separator):
    """The model takes quiet speech for noise; the level normalisation makes the result
    independent of the recording level (and the speech comes back at the input's level)."""
    voice, music = speech_like(4.0, RATE), _noise_bed(4.0, RATE)
    scale = 0.002 / np.sqrt(np.mean((voice + music) ** 2))  # about -54 dBFS
    gains = {}
    for level_db in (-20.0, None):
        quiet = SpeechSeparator(SpeechSeparationParams(level_db=level_db))
        stems = quiet.separate(((voice + music) * scale)[None], RATE)
        gains[level_db] = _sdr(voice, stems.vocals[0]) - _sdr(voice, voice + music)
    loud = separator.separate((voice + music)[None], RATE)
    loud_gain = _sdr(voice, loud.vocals[0]) - _sdr(voice, voice + music)
    assert abs(gains[-20.0] - loud_gain) < 1.0, (gains, loud_gain)
    assert gains[None] < gains[-20.0] - 3.0, gains


def test_level_gain_ignores_silence_and_pauses():
    loud = np.full((1, 2 * RATE), 0.1, np.float32)  # -20 dBFS, 5 whole blocks
    gapped = np.concatenate([loud, np.zeros((1, 3 * RATE), np.float32)], axis=1)
    assert level_gain(gapped, RATE, -20.0) == pytest.approx(1.0, rel=1e-3)
    assert level_gain(np.zeros((2, RATE), np.float32), RATE, -20.0) == 1.0


def test_stereo_channels_are_separated_each(separator):
    voice, music = speech_like(2.0, RATE), _noise_bed(2.0, RATE)
    left, right = voice + music, 0.5 * music  # speech only on the left
    stems = separator.separate(np.stack([left, right]), RATE)
    assert np.sqrt(np.mean(stems.vocals[1] ** 2)) < 0.3 * np.sqrt(np.mean(stems.vocals[0] ** 2))
    np.testing.assert_allclose(stems.vocals + stems.music, np.stack([left, right]), atol=1e-6)


def test_mono_short_and_silent_inputs(separator):
    mono = (speech_like(1.0, 16000) + tone_pattern(1.0, 16000))[None]
    assert separator.separate(mono, 16000).vocals.shape == (1, 16000)
    blip = speech_like(0.01, 8000)[None]  # shorter than one model frame
    assert separator.separate(blip, 8000).vocals.shape == blip.shape
    silent = separator.separate(np.zeros((2, RATE), np.float32), RATE)
    assert not np.any(silent.vocals) and not np.any(silent.music)


def test_stream_in_pieces_equals_whole_signal():
    enhancer = Enhancer()
    signal = speech_like(2.0, deepfilter.RATE) + 0.05 * tone_pattern(2.0, deepfilter.RATE)
    whole = enhancer.enhance(signal)
    with enhancer.stream() as stream:
        parts = [stream.push(signal[i : i + 7777]) for i in range(0, signal.size, 7777)]
        parts.append(stream.finish())
    np.testing.assert_array_equal(np.concatenate(parts), whole)
    assert whole.size == signal.size


@pytest.mark.slow
def test_long_input_keeps_length_and_alignment(separator):
    """Two minutes: several pieces through one model state, output aligned with the input."""
    voice = np.tile(speech_like(4.0, RATE), 30)
    vocals = separator.separate(voice[None], RATE).vocals[0]
    assert vocals.size == voice.size
    lags = range(-200, 201, 20)
    best = max(lags, key=lambda lag: float(np.dot(np.roll(vocals, lag), voice)))
    assert best == 0
    assert _sdr(voice, vocals) > 10


def test_unloadable_library_is_a_clear_error(tmp_path):
    fake = tmp_path / "libdeepfilter.so"
    fake.write_bytes(b"not a library")
    with pytest.raises(DeepFilterUnavailable, match="cannot load the DeepFilterNet runtime"):
        Enhancer(library=fake)
    with pytest.raises(DeepFilterUnavailable, match="model not found"):
        Enhancer(model=tmp_path / "missing.tar.gz")


def test_vad_silence_versus_speech_like():
    silence = np.zeros(3 * vad.RATE, np.float32)
    assert vad.speech_per_second(silence, 0.5) == [0.0, 0.0, 0.0]
    assert vad.speech_per_second(np.zeros(0, np.float32), 0.5) == []


def test_index_round_trips_through_reader(tmp_path):
    rows = [
        AudioIndexRow(
            id="a",
            has_audio=True,
            duration_s=2.5,
            backend="speech",
            weights_version="DeepFilterNet3-0123",
            vad="silero-vad-6.2.3",
            speech=[0.0, 0.8, 1.0],
        ),
        AudioIndexRow(
            id="b",
            has_audio=False,
            missing_reason="no_audio_stream",
            duration_s=2.0,
            backend="speech",
            weights_version=None,
        ),
    ]
    (tmp_path / "index.jsonl").write_text("".join(r.model_dump_json() + "\n" for r in rows))
    assert read_index(tmp_path) == {r.id: r for r in rows}


@pytest.mark.real_data
def test_real_speech_over_music_and_voice_activity(shared_data, separator):
    """A RAVDESS sentence over a MIR-1K accompaniment at 0 dB, with a second of silence on
    each side: the speech stem gains SDR, and the VAD finds speech only where it is."""
    voice, rate = sf.read(str(shared_data / "emotion" / "ravdess" / RAVDESS_CLIP), dtype="float32")
    voice = soxr.resample(voice, rate, vad.RATE)
    music, _ = sf.read(
        str(shared_data / "separation" / "mir1k" / "Wavfile" / "Ani_1_01.wav"), dtype="float32"
    )
    music = np.tile(music[:, 0], 3)[: voice.size]
    music *= np.sqrt(np.sum(voice**2) / np.sum(music**2))  # 0 dB speech-to-music
    mix = voice + music
    stems = separator.separate(mix[None], vad.RATE)
    speech_gain = _sdr(voice, stems.vocals[0]) - _sdr(voice, mix)
    assert speech_gain > 8.0, speech_gain  # measured +14.3 dB on this pair (mean +12.2 dB)

    pad = np.zeros(vad.RATE, np.float32)
    timeline = np.concatenate([pad, pad, voice, pad, pad])
    share = vad.speech_per_second(timeline, 0.5)
    assert max(share[:2]) == 0 and max(share[-2:]) == 0
    assert max(share[2:-2]) > 0.8
