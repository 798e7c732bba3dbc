"""The `hf` encoders with tiny random-weight models built here, through the real loaders."""

import socket

import numpy as np
import pytest

from pipeline.featurestore import FeatureStore
from pipeline.weights import MissingWeights
from stages.embed import stage
from stages.embed.job import Upstream
from tests.stages.embed.synthetic import build
from tests.stages.embed.tiny_hf import audio_model, image_model, text_model

pytestmark = pytest.mark.slow  # whole models, engines or stages per test


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("hf")
    manifest = build(root)
    models = {
        "text": text_model(root / "m" / "text"),
        "visual": image_model(root / "m" / "visual"),
        "audio": audio_model(root / "m" / "audio"),
    }
    params = root / "params.yaml"
    params.write_text(
        f"profile: full\nrunner: {{workers: 1, cache_dir: {root / 'cache'}}}\n"
        f"embed:\n  text: {{model: {models['text']}}}\n  visual: {{model: {models['visual']}}}\n"
        f"  audio: {{model: {models['audio']}}}\n"
    )
    upstream = Upstream(subtitles=root / "subtitles", tracks=root / "tracks", audio=root / "audio")
    return root, manifest, upstream, params


@pytest.mark.parametrize(
    ("modality", "streams"),
    [
        ("text", {"title": (32,), "subtitle": (5, 32)}),
        ("visual", {"scene": (5, 32), "face": (5, 32), "face_count": (5, 1)}),
        ("audio", {"vocals": (32,), "vocals_seq": (5, 32), "music": (32,)}),
    ],
)
def test_hf_backend_shapes_attributes_and_repeatability(project, modality, streams):
    root, manifest, upstream, params = project
    index = stage.run(modality, manifest, upstream, root / "features", params, False).index
    store = FeatureStore(root / "features" / modality)
    assert store.meta.encoder["backend"] == "hf"
    assert len(store.meta.encoder["weights"]) == 16
    v0 = store.get("v0")
    for name, shape in streams.items():
        assert v0.arrays[name].shape == shape
        assert np.isfinite(v0.arrays[name].astype(np.float32)).all()
    first = {n: v0.arrays[n].copy() for n in streams}
    # recompute from scratch (an empty work cache): identical vectors
    fresh = root / f"params-{modality}.yaml"
    fresh.write_text(
        params.read_text().replace(str(root / "cache"), str(root / f"cache-{modality}"))
    )
    report = stage.run(modality, manifest, upstream, root / "again", fresh, False).report
    assert report.n_cached == 0
    again = FeatureStore(root / "again" / modality).get("v0")
    for n in streams:
        np.testing.assert_array_equal(again.arrays[n], first[n])
    assert index.fingerprint == FeatureStore(root / "again" / modality).index.fingerprint


def test_missing_model_fails_fast_without_network(project, monkeypatch, tmp_path):
    _, manifest, upstream, _ = project

    def no_network(*args, **kwargs):
        raise AssertionError("tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    params = tmp_path / "params.yaml"
    params.write_text("profile: full\nembed: {text: {model: nobody/no-such-model}}\n")
    with pytest.raises(MissingWeights, match="no-such-model"):
        stage.run("text", manifest, upstream, tmp_path / "f", params, False)
