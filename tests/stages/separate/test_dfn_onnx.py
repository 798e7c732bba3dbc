"""DeepFilterNet3 on onnxruntime against libDF's C runtime (the reference)."""

import sys

import fast_bss_eval
import numpy as np
import pytest
import soundfile as sf
import soxr

from pipeline.params import SpeechSeparationParams
from stages.separate import dfn_features
from stages.separate.deepfilter import RATE, DeepFilterUnavailable, Enhancer, model_path
from stages.separate.dfn_onnx import OnnxEnhancer
from stages.separate.speech import SpeechSeparator
from tests.stages.separate.synthetic import speech_like, tone_pattern

pytestmark = pytest.mark.slow  # whole models, engines or stages per test


def _sdr(reference: np.ndarray, estimate: np.ndarray) -> float:
    """Plain SDR (no distortion filter): how far ``estimate`` is from ``reference`` itself."""
    reference, estimate = reference.astype(np.float64), estimate.astype(np.float64)
    error = max(float(np.sum((reference - estimate) ** 2)), 1e-30)
    return float(10 * np.log10(np.sum(reference**2) / error))


def _bss_sdr(reference: np.ndarray, estimate: np.ndarray) -> float:
    return float(
        fast_bss_eval.sdr(
            reference[None].astype(np.float64), estimate[None].astype(np.float64)
        ).ravel()[0]
    )


def _mix(seconds: float, rate: int = RATE) -> tuple[np.ndarray, np.ndarray]:
    voice = speech_like(seconds, rate)
    noise = np.random.default_rng(1).standard_normal(voice.size).astype(np.float32)
    return voice, voice + tone_pattern(seconds, rate) + 0.05 * noise


@pytest.fixture(scope="module")
def onnx():
    return OnnxEnhancer(model_path())


@pytest.fixture(scope="module")
def libdf():
    return Enhancer()


def test_features_are_libdfs():
    assert dfn_features.ALPHA == 0.99
    widths = dfn_features.ERB_WIDTHS
    assert widths.sum() == dfn_features.FREQS and widths.min() >= 2 and len(widths) == 32
    window = dfn_features.WINDOW.astype(np.float64)
    np.testing.assert_allclose(window[:480] ** 2 + window[480:] ** 2, 1.0, atol=1e-6)
    hops = np.random.default_rng(0).standard_normal((20, dfn_features.HOP)).astype(np.float32)
    frames = dfn_features.synthesis(dfn_features.analysis(hops, np.zeros(480, np.float32)))
    rebuilt = dfn_features.overlap_add(frames, np.zeros(960, np.float32))
    np.testing.assert_allclose(rebuilt[1:], hops[:-1], atol=1e-5)  # one hop of delay


def test_matches_libdf_on_speech_and_tones(onnx, libdf):
    voice, mix = _mix(4.0)
    reference, ours = libdf.enhance(mix), onnx.enhance(mix)
    assert ours.shape == mix.shape and ours.dtype == np.float32
    assert _sdr(reference, ours) > 60.0  # measured about 120 dB: float rounding only
    gain = _bss_sdr(voice, ours) - _bss_sdr(voice, mix)
    assert gain > 3.0, gain


def test_short_and_silent_inputs_match_libdf(onnx, libdf):
    for signal in (
        speech_like(0.005, RATE),  # shorter than one frame
        speech_like(0.5, RATE)[:24_011],  # a partial last frame
        np.zeros(RATE, np.float32),
        np.zeros(0, np.float32),
    ):
        ours = onnx.enhance(signal)
        assert ours.shape == signal.shape
        np.testing.assert_allclose(ours, libdf.enhance(signal), atol=1e-5)


def test_chunks_equal_the_whole_signal():
    _, mix = _mix(6.0)
    whole = OnnxEnhancer(model_path()).enhance(mix)
    # context back to the start: every chunk's model run sees what the whole run saw
    exact = OnnxEnhancer(model_path(), chunk_s=1.3, context_s=6.0).enhance(mix)
    assert _sdr(whole, exact) > 60.0
    # a short context: the recurrent state is rebuilt, close but not equal (measured 24.9 dB;
    # the default 30 s chunks after 10 s of context agree to 35 dB or more on real speech)
    short = OnnxEnhancer(model_path(), chunk_s=2.0, context_s=3.0).enhance(mix)
    assert _sdr(whole, short) > 20.0


def test_separator_runtimes_agree_and_are_told_apart():
    voice, mix = _mix(3.0, 44100)
    stereo = np.stack([mix, 0.5 * np.roll(mix, 441)])
    onnx_sep = SpeechSeparator(SpeechSeparationParams(runtime="onnxruntime"))
    libdf_sep = SpeechSeparator(SpeechSeparationParams(runtime="libdf"))
    ours, reference = onnx_sep.separate(stereo, 44100), libdf_sep.separate(stereo, 44100)
    assert ours.vocals.shape == stereo.shape
    np.testing.assert_allclose(ours.vocals + ours.music, stereo, atol=1e-6)
    for ch in range(2):
        assert _sdr(reference.vocals[ch], ours.vocals[ch]) > 40.0
    assert _bss_sdr(voice, ours.vocals[0]) - _bss_sdr(voice, mix) > 3.0
    assert onnx_sep.version != libdf_sep.version
    assert onnx_sep.weights_version != libdf_sep.weights_version


def test_long_input_keeps_length_alignment_and_libdfs_output(onnx, libdf):
    """Ninety seconds: three chunks, output aligned with the input and close to libDF's."""
    voice = np.tile(speech_like(4.0, RATE), 23)[: 90 * RATE]
    mix = voice + 0.3 * np.tile(tone_pattern(4.0, RATE), 23)[: voice.size]
    out = onnx.enhance(mix)
    assert out.size == voice.size
    lags = range(-200, 201, 20)
    assert max(lags, key=lambda lag: float(np.dot(np.roll(out, lag), voice))) == 0
    # measured 21.2 dB: after each chunk boundary the rebuilt recurrent state stays slightly
    # off on this repetitive signal (41 dB on real speech, below)
    assert _sdr(libdf.enhance(mix), out) > 15.0


def test_unloadable_runtime_is_a_clear_error(tmp_path, monkeypatch):
    broken = tmp_path / "model.tar.gz"
    broken.write_bytes(b"not a model")
    with pytest.raises(DeepFilterUnavailable, match="cannot read the DeepFilterNet model"):
        OnnxEnhancer(broken)
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    with pytest.raises(DeepFilterUnavailable, match="runtime: libdf"):
        OnnxEnhancer(model_path())


def _real_mix(shared_data, sentences: int) -> np.ndarray:
    """RAVDESS sentences, each over a MIR-1K accompaniment at 0 dB, back to back, at -20 dBFS."""
    voices = sorted((shared_data / "emotion" / "ravdess").glob("*.wav"))[::4][:sentences]
    musics = sorted((shared_data / "separation" / "mir1k" / "Wavfile").glob("*.wav"))
    parts = []
    for i, path in enumerate(voices):
        voice, rate = sf.read(str(path), dtype="float32")
        music, music_rate = sf.read(str(musics[i % len(musics)]), dtype="float32")
        voice = soxr.resample(voice, rate, RATE)
        music = np.resize(soxr.resample(music[:, 0], music_rate, RATE), voice.size)
        parts.append(voice + music * np.sqrt(np.sum(voice**2) / np.sum(music**2)))
    mix = np.concatenate(parts)
    return (mix * 0.1 / np.sqrt(np.mean(mix**2))).astype(np.float32)


@pytest.mark.real_data
def test_matches_libdf_on_real_speech_over_music(shared_data, onnx, libdf):
    mix = _real_mix(shared_data, 2)
    assert _sdr(libdf.enhance(mix), onnx.enhance(mix)) > 60.0  # measured about 120 dB


@pytest.mark.real_data
def test_chunked_matches_libdf_on_long_real_speech(shared_data, onnx, libdf):
    mix = _real_mix(shared_data, 20)  # 73 s: three chunks
    assert _sdr(libdf.enhance(mix), onnx.enhance(mix)) > 25.0  # measured 40.9 dB
