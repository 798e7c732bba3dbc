"""The weight-free separator on synthetic mixes and awkward inputs."""

import numpy as np
import pytest

from pipeline.params import ClassicSeparationParams
from stages.separate.classic import ClassicSeparator, plan_blocks
from stages.separate.pitch import track_f0
from stages.separate.rpca import robust_pca
from tests.stages.separate.synthetic import correlation, speech_f0, speech_like, tone_pattern

pytestmark = pytest.mark.slow  # whole models, engines or stages per test

PARAMS = ClassicSeparationParams()


@pytest.fixture(scope="module")
def separator():
    return ClassicSeparator(PARAMS)


@pytest.mark.parametrize("rate", [44100, 8000])
def test_each_stem_follows_its_own_source(separator, rate):
    music, voice = tone_pattern(6.0, rate), speech_like(6.0, rate)
    stems = separator.separate(np.stack([music + voice, music + voice]), rate)
    assert stems.vocals.shape == stems.music.shape == (2, music.size)
    assert stems.vocals.dtype == np.float32
    v, m = stems.vocals[0], stems.music[0]
    assert correlation(v, voice) > correlation(v, music) + 0.3
    assert correlation(m, music) > correlation(m, voice) + 0.3
    assert correlation(v, voice) > 0.5 and correlation(m, music) > 0.8


def test_stems_add_back_to_the_input(separator):
    rng = np.random.default_rng(1)
    audio = np.stack(
        [tone_pattern(3.0, 16000), speech_like(3.0, 16000)]
    ) + 0.01 * rng.standard_normal((2, 48000)).astype(np.float32)
    stems = separator.separate(audio, 16000)
    np.testing.assert_allclose(stems.vocals + stems.music, audio, atol=1e-6)
    assert not np.allclose(stems.vocals[0], stems.vocals[1])  # channels are kept apart


def test_long_input_is_separated_in_crossfaded_blocks():
    rate = 16000
    music, voice = tone_pattern(11.0, rate), speech_like(11.0, rate)
    blocked = ClassicSeparator(PARAMS.model_copy(update={"block_s": 5.0, "crossfade_s": 1.0}))
    assert len(plan_blocks(music.size, 5 * rate, rate)) == 3
    stems = blocked.separate(music + voice, rate)
    np.testing.assert_allclose(stems.vocals + stems.music, (music + voice)[None], atol=1e-6)
    assert correlation(stems.vocals, voice) > correlation(stems.vocals, music) + 0.2
    assert correlation(stems.music, music) > 0.85


@pytest.mark.parametrize(
    ("n", "block", "overlap"), [(10, 100, 10), (1000, 300, 50), (1001, 300, 50), (601, 300, 0)]
)
def test_block_plan_covers_every_sample_once_after_crossfades(n, block, overlap):
    weight = np.zeros(n)
    for start, stop, fade_in, fade_out in plan_blocks(n, block, overlap):
        assert 0 < stop - start <= block
        w = np.ones(stop - start)
        if fade_in:
            w[:fade_in] = np.linspace(0, 1, fade_in + 2)[1:-1]
        if fade_out:
            w[-fade_out:] = np.linspace(1, 0, fade_out + 2)[1:-1]
        weight[start:stop] += w
    np.testing.assert_allclose(weight, 1.0)


@pytest.mark.parametrize("samples", [0, 1, 100, 800])
def test_very_short_inputs(separator, samples):
    audio = speech_like(0.1, 16000)[:samples]
    stems = separator.separate(audio, 16000)
    assert stems.vocals.shape == (1, samples)
    assert np.all(np.isfinite(stems.vocals))
    np.testing.assert_allclose(stems.vocals + stems.music, audio[None], atol=1e-6)


def test_silence_and_mono(separator):
    stems = separator.separate(np.zeros(16000, dtype=np.float32), 16000)
    assert stems.vocals.shape == (1, 16000)
    assert not np.any(stems.vocals) and not np.any(stems.music)
    mono = separator.separate(tone_pattern(2.0, 22050) + speech_like(2.0, 22050), 22050)
    assert mono.vocals.shape == (1, 44100)


def test_rpca_recovers_a_low_rank_plus_sparse_matrix():
    rng = np.random.default_rng(0)
    low = np.abs(rng.standard_normal((200, 3))) @ np.abs(rng.standard_normal((3, 150)))
    sparse = np.zeros_like(low)
    spikes = rng.random(low.shape) < 0.05
    sparse[spikes] = 5.0
    l_hat, s_hat = robust_pca(low + sparse, sparsity=1.0, iterations=60, rank=20)
    assert np.linalg.norm(l_hat - low) / np.linalg.norm(low) < 0.05
    assert np.linalg.norm(s_hat - sparse) / np.linalg.norm(sparse) < 0.1
    zeros = robust_pca(np.zeros((5, 0)), 1.0, 5, 5)
    assert zeros[0].shape == (5, 0)


def test_f0_tracker_follows_a_glide():
    import librosa

    rate, n_fft, hop = 16000, 2048, 256
    voice = speech_like(3.0, rate, vibrato_hz=0.0)
    magnitude = np.abs(librosa.stft(voice, n_fft=n_fft, hop_length=hop))
    f0, voiced = track_f0(magnitude, rate, n_fft, 80.0, 1000.0, 0.3)
    truth = speech_f0(np.arange(f0.size) * hop / rate)
    cents = np.abs(1200 * np.log2(f0[voiced] / truth[voiced]))
    assert voiced.mean() > 0.5
    assert np.median(cents) < 25  # candidates are 20 cents apart
    assert np.mean(cents < 100) > 0.9  # no octave errors
