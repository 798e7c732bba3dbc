"""The demucs backend through its real loading path, with tiny random-weight models."""

import pickle
import shutil
import socket
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from demucs.apply import BagOfModels, apply_model

from pipeline import weights
from pipeline.params import DemucsParams, ParamsError
from pipeline.weights import MissingWeights
from stages.separate import demucs_backend
from stages.separate.demucs_backend import (
    DemucsSeparator,
    UnusableWeights,
    fetch_demucs,
    find_weights,
)
from tests.stages.separate.synthetic import speech_like, tone_pattern
from tests.stages.separate.tiny_demucs import save_tiny

RATE = 44100


@pytest.fixture(autouse=True)
def no_weights_elsewhere(tmp_path, monkeypatch):
    """Empty project models/ and torch hub cache, and no network: a connect attempt fails."""
    monkeypatch.setattr(weights, "MODELS_DIR", tmp_path / "models")
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))

    def refuse(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)


@pytest.fixture(scope="module")
def tiny_repo(tmp_path_factory):
    repo = tmp_path_factory.mktemp("demucs_repo")
    save_tiny(repo)
    return repo


@pytest.fixture(scope="module")
def mix():
    music, voice = tone_pattern(2.5, RATE), speech_like(2.5, RATE)
    return np.stack([music + voice, 0.8 * music + voice]).astype(np.float32)


@pytest.fixture(scope="module")
def reference(tiny_repo, mix):
    """What demucs' own separate command computes for ``mix`` (all four sources)."""
    model = demucs_backend.load(find_weights("tiny", tiny_repo))
    wav = torch.from_numpy(mix)
    ref = wav.mean(0)
    with torch.no_grad():
        out = apply_model(model, ((wav - ref.mean()) / ref.std())[None], shifts=0, split=True)[0]
    return (out * ref.std() + ref.mean()).numpy()


def test_tiny_model_loads_and_separates(tiny_repo, mix, reference):
    found = find_weights("tiny", tiny_repo)
    assert [sig for sig, _ in found.files] == ["tiny"]
    assert found.files[0][1].parent == tiny_repo
    sep = DemucsSeparator(DemucsParams(model="tiny", device="cpu"), found)
    assert sep.version.startswith(f"demucs-tiny-{found.fingerprint}")
    stems = sep.separate(mix, RATE)
    assert stems.vocals.shape == stems.music.shape == mix.shape
    assert stems.vocals.dtype == np.float32
    assert np.all(np.isfinite(stems.vocals)) and np.abs(stems.vocals).max() > 0
    np.testing.assert_allclose(stems.vocals + stems.music, mix, atol=1e-5)
    vocals = reference[sep.model.sources.index("vocals")]
    np.testing.assert_allclose(stems.vocals, vocals, atol=1e-4)


def test_music_as_the_sum_of_the_other_sources(tiny_repo, mix, reference):
    sep = DemucsSeparator(DemucsParams(model="tiny", music="sum"), find_weights("tiny", tiny_repo))
    stems = sep.separate(mix, RATE)
    np.testing.assert_allclose(stems.music, reference[:3].sum(axis=0), atol=1e-4)


def test_other_rates_and_channel_counts_come_back_as_given(tiny_repo):
    sep = DemucsSeparator(DemucsParams(model="tiny"), find_weights("tiny", tiny_repo))
    mono = (tone_pattern(1.0, 22050) + speech_like(1.0, 22050))[None]
    stems = sep.separate(mono, 22050)
    assert stems.vocals.shape == mono.shape
    np.testing.assert_allclose(stems.vocals + stems.music, mono, atol=1e-5)
    short = sep.separate(mono[:, :300], 22050)
    assert short.vocals.shape == (1, 300)
    silent = sep.separate(np.zeros((2, 1000), np.float32), RATE)
    assert not np.any(silent.vocals)


def test_bag_definition_and_hub_cache(tiny_repo, tmp_path):
    hub = tmp_path / "torch" / "hub" / "checkpoints"
    hub.mkdir(parents=True)
    for f in tiny_repo.glob("*.th"):
        shutil.copy(f, hub / f.name)
    project = weights.MODELS_DIR / "demucs"
    project.mkdir(parents=True)
    (project / "pair.yaml").write_text("models: ['tiny', 'tiny']\nsegment: 4\n")
    found = find_weights("pair", None)
    assert found.bag == project / "pair.yaml"
    assert [path.parent for _, path in found.files] == [hub, hub]
    sep = DemucsSeparator(DemucsParams(model="pair"), found)
    assert isinstance(sep.model, BagOfModels) and len(sep.model.models) == 2
    assert sep.separate(np.ones((2, 500), np.float32) * np.linspace(-1, 1, 500), RATE).vocals.shape


def test_fingerprint_follows_the_weights(tmp_path):
    repo = tmp_path / "r"
    first = find_weights("tiny", Path(save_tiny(repo, seed=0)).parent)
    shutil.rmtree(repo)
    second = find_weights("tiny", Path(save_tiny(repo, seed=1)).parent)
    assert first.cache_version != second.cache_version


def test_missing_weights_fail_at_once_with_everything_named(tmp_path):
    start = time.perf_counter()
    with pytest.raises(MissingWeights) as err:
        find_weights("htdemucs", tmp_path / "mine")
    assert time.perf_counter() - start < 2.0
    message = str(err.value)
    for part in (
        "htdemucs",
        "955717e8-8726e21a.th",
        str(tmp_path / "mine"),
        str(weights.MODELS_DIR / "demucs"),
        str(tmp_path / "torch" / "hub" / "checkpoints"),
        "chfen models fetch demucs",
        "separate.backend: classic",
    ):
        assert part in message


class _Trap:
    def __reduce__(self):
        return (Path.touch, (Path(self.marker),))


def test_arbitrary_pickles_and_damaged_files_are_refused(tmp_path):
    repo = tmp_path / "evil"
    repo.mkdir()
    trap = _Trap()
    trap.marker = str(tmp_path / "pwned")
    (repo / "evil.th").write_bytes(pickle.dumps({"klass": trap}, protocol=2))
    found = find_weights("evil", repo)
    with pytest.raises(UnusableWeights, match="not a loadable demucs model"):
        demucs_backend.load(found)
    assert not (tmp_path / "pwned").exists()
    tiny = save_tiny(tmp_path / "damaged")
    tiny.write_bytes(tiny.read_bytes()[:-10])
    with pytest.raises(UnusableWeights, match="damaged"):
        demucs_backend.load(find_weights("tiny", tiny.parent))


def test_a_bag_without_models_is_refused(tmp_path):
    (tmp_path / "broken.yaml").write_text("weights: [[1, 1, 1, 1]]\n")
    with pytest.raises(UnusableWeights, match="models"):
        find_weights("broken", tmp_path)


def test_segment_longer_than_training_is_a_params_error(tiny_repo):
    with pytest.raises(ParamsError, match="segment_s"):
        DemucsSeparator(DemucsParams(model="tiny", segment_s=60), find_weights("tiny", tiny_repo))


def test_fetch_writes_the_published_files_and_checks_them(tmp_path, monkeypatch):
    urls = []

    def fake_download(url, dst, progress=True):
        urls.append(url)
        Path(dst).write_bytes(b"not the real model")

    monkeypatch.setattr(torch.hub, "download_url_to_file", fake_download)
    with pytest.raises(demucs_backend.ModelLoadingError, match="checksum"):
        fetch_demucs(tmp_path / "dest")
    assert urls == ["https://dl.fbaipublicfiles.com/demucs/hybrid_transformer/955717e8-8726e21a.th"]
    assert (tmp_path / "dest" / "htdemucs.yaml").is_file()
    assert not (tmp_path / "dest" / "955717e8-8726e21a.th").exists()
    monkeypatch.setattr(demucs_backend, "check_checksum", lambda path, checksum: None)
    written = fetch_demucs(tmp_path / "dest")
    assert {p.name for p in written} == {"htdemucs.yaml", "955717e8-8726e21a.th"}
    found = find_weights("htdemucs", tmp_path / "dest")
    assert found.files[0][1] == tmp_path / "dest" / "955717e8-8726e21a.th"
