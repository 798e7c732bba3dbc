import hashlib
import json
import pickle

import h5py
import numpy as np
import pytest

from pipeline import featurestore
from pipeline.featurestore import (
    FeatureStore,
    StoreError,
    StoreMeta,
    StreamSpec,
    VideoFeatures,
    write_store,
)

META = StoreMeta(
    modality="visual",
    streams=(
        StreamSpec(name="scene", kind="sequence", dim=8),
        StreamSpec(name="face_count", kind="sequence", dim=1, dtype="float32"),
        StreamSpec(name="clip", kind="vector", dim=4),
    ),
    encoder={"name": "test-encoder", "revision": "abc"},
    step_s=1.0,
    params_digest="p1",
)


def video(seed: int, steps: int | None = None) -> VideoFeatures:
    rng = np.random.default_rng(seed)
    steps = steps if steps is not None else int(rng.integers(1, 12))
    mask = rng.random(steps) > 0.3
    return VideoFeatures(
        n_steps=steps,
        arrays={
            "scene": rng.standard_normal((steps, 8)).astype(np.float16),
            "face_count": rng.integers(0, 3, (steps, 1)).astype(np.float32),
            "clip": rng.standard_normal(4).astype(np.float16),
        },
        masks={"scene": mask, "face_count": np.ones(steps, bool), "clip": np.array(seed % 2 == 0)},
    )


def videos(ids):
    return [(f"v{i:03d}", video(i)) for i in ids]


def sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_round_trip_values_masks_and_shards(tmp_path):
    data = videos(range(10))
    index = write_store(tmp_path / "s", META, data, shard_videos=4)
    assert [len(s.ids) for s in index.shards] == [4, 4, 2]
    store = FeatureStore(tmp_path / "s", expect=META)
    assert len(store) == 10 and store.ids == [vid for vid, _ in data]
    for vid, feats in data:
        got = store.get(vid)
        assert got.n_steps == feats.n_steps
        for name in ("scene", "face_count", "clip"):
            np.testing.assert_array_equal(got.arrays[name], feats.arrays[name])
            np.testing.assert_array_equal(got.masks[name], feats.masks[name])
    assert store.get("v003").arrays["scene"].dtype == np.float16
    with pytest.raises(KeyError, match="v999"):
        store.get("v999")


def test_zero_step_video_and_attributes(tmp_path):
    write_store(tmp_path / "s", META, [("empty", video(1, steps=0)), ("one", video(2, 3))], 8)
    store = FeatureStore(tmp_path / "s")
    assert store.get("empty").arrays["scene"].shape == (0, 8)
    assert store.get("one").n_steps == 3
    with h5py.File(tmp_path / "s" / "shard-00000.h5") as h5:
        attrs = h5["scene"]["data"].attrs
        assert attrs["encoder_name"] == "test-encoder" and attrs["dim"] == 8
        assert attrs["params_digest"] == "p1" and attrs["step_s"] == 1.0


def test_deterministic_and_appending_changes_only_the_tail(tmp_path):
    write_store(tmp_path / "a", META, videos(range(10)), 4)
    write_store(tmp_path / "b", META, videos(range(10)), 4)
    a = {p.name: sha(p) for p in (tmp_path / "a").iterdir()}
    assert a == {p.name: sha(p) for p in (tmp_path / "b").iterdir()}
    index = write_store(tmp_path / "c", META, videos(range(11)), 4)
    assert [len(s.ids) for s in index.shards] == [4, 4, 2, 1]
    c = {p.name: sha(p) for p in (tmp_path / "c").iterdir()}
    for name in ("shard-00000.h5", "shard-00001.h5", "shard-00002.h5"):
        assert c[name] == a[name]
    assert "shard-00003.h5" not in a


@pytest.mark.parametrize(
    ("n", "sizes"),
    [(0, []), (1, [1]), (13, [8, 4, 1]), (16, [16]), (20, [16, 4]), (36, [16, 16, 4])],
)
def test_layout_full_shards_then_binary_tail(tmp_path, n, sizes):
    index = write_store(tmp_path / "s", META, videos(range(n)), 16)
    assert [len(s.ids) for s in index.shards] == sizes


def test_appending_rewrites_only_the_merged_tail(tmp_path):
    """Videos rewritten by each single append are few (the trailing tail shards), far fewer
    than a fixed-size layout's partial last shard, and never a shard of sealed videos."""
    rewritten = []
    before: dict[str, str] = {}
    for n in range(1, 17):
        index = write_store(tmp_path / "s", META, videos(range(n)), 8)
        after = {s.sha256: len(s.ids) for s in index.shards}
        rewritten.append(sum(size for digest, size in after.items() if digest not in before))
        before = after
    # 2**j videos when j tail shards merge; a fixed-size layout would rewrite 1, 2, ..., 8
    assert rewritten == [1, 2, 1, 4, 1, 2, 1, 8] * 2


def test_other_encoder_is_refused(tmp_path):
    write_store(tmp_path / "s", META, videos(range(3)), 4)
    other = META.model_copy(update={"encoder": {"name": "other", "revision": "x"}})
    with pytest.raises(StoreError, match="different encoder or params"):
        FeatureStore(tmp_path / "s", expect=other)
    write_store(tmp_path / "o", other, videos(range(3)), 4)
    (tmp_path / "s" / "shard-00000.h5").write_bytes(
        (tmp_path / "o" / "shard-00000.h5").read_bytes()
    )
    with pytest.raises(StoreError):
        FeatureStore(tmp_path / "s").get("v000")


def test_truncated_shard_is_detected(tmp_path):
    write_store(tmp_path / "s", META, videos(range(6)), 4)
    shard = tmp_path / "s" / "shard-00001.h5"
    shard.write_bytes(shard.read_bytes()[:-100])
    store = FeatureStore(tmp_path / "s")
    store.get("v000")
    with pytest.raises(StoreError, match="truncated or modified"):
        store.get("v005")


def test_edited_shard_detected_by_verify(tmp_path):
    write_store(tmp_path / "s", META, videos(range(2)), 4)
    shard = tmp_path / "s" / "shard-00000.h5"
    raw = bytearray(shard.read_bytes())
    raw[-10] ^= 0xFF
    shard.write_bytes(bytes(raw))
    with pytest.raises(StoreError, match="content differs"):
        FeatureStore(tmp_path / "s").verify()


def _flip(path, offset):
    raw = bytearray(path.read_bytes())
    raw[offset] ^= 0xFF
    path.write_bytes(bytes(raw))


@pytest.mark.parametrize("sixteenth", range(16))
def test_same_size_bit_flip_makes_get_raise(tmp_path, sixteenth):
    write_store(tmp_path / "s", META, videos(range(2)), 4)
    shard = tmp_path / "s" / "shard-00000.h5"
    _flip(shard, (2 * sixteenth + 1) * shard.stat().st_size // 32)
    with pytest.raises(StoreError, match=r"content differs from store\.json"):
        FeatureStore(tmp_path / "s").get("v000")


def test_each_shard_is_hashed_once_per_reader(tmp_path, monkeypatch):
    write_store(tmp_path / "s", META, videos(range(6)), 4)
    hashed = []
    real = featurestore.file_digest
    monkeypatch.setattr(featurestore, "file_digest", lambda path: hashed.append(path) or real(path))
    store = FeatureStore(tmp_path / "s")
    for _ in range(3):
        for vid in store.ids:
            store.get(vid)
    assert sorted(p.name for p in hashed) == ["shard-00000.h5", "shard-00001.h5"]


def test_h5py_errors_on_a_shard_become_store_errors(tmp_path):
    """Damage that store.json was edited to match gets past the hash; h5py's own errors on
    it must still come out as a StoreError naming the shard."""
    write_store(tmp_path / "s", META, videos(range(2)), 4)
    shard = tmp_path / "s" / "shard-00000.h5"
    original = shard.read_bytes()
    index = json.loads((tmp_path / "s" / "store.json").read_text())
    unreadable = 0
    for n in range(32):
        shard.write_bytes(original)
        _flip(shard, n * len(original) // 32)
        index["shards"][0]["sha256"] = sha(shard)
        (tmp_path / "s" / "store.json").write_text(json.dumps(index))
        store = FeatureStore(tmp_path / "s")
        try:
            for vid in store.ids:
                store.get(vid)
        except StoreError as e:
            assert str(e).startswith(f"{shard}: not a readable HDF5 shard"), e
            unreadable += 1
    assert unreadable > 0


def test_bad_input_rejected_before_anything_is_written(tmp_path):
    bad = video(1, 3)
    bad.arrays["scene"] = np.zeros((2, 8))
    with pytest.raises(ValueError, match="shape"):
        write_store(tmp_path / "s", META, [("ok", video(0)), ("bad", bad)], 4)
    assert not (tmp_path / "s").exists()
    nan = video(2, 2)
    nan.arrays["clip"] = np.full(4, np.nan)
    with pytest.raises(ValueError, match="non-finite"):
        write_store(tmp_path / "s", META, [("nan", nan)], 4)
    with pytest.raises(ValueError, match="twice"):
        write_store(tmp_path / "s", META, [("a", video(0)), ("a", video(1))], 4)


def test_missing_store_and_pickling_for_workers(tmp_path):
    with pytest.raises(StoreError, match="run the embed stage"):
        FeatureStore(tmp_path / "nothing")
    write_store(tmp_path / "s", META, videos(range(3)), 4)
    store = FeatureStore(tmp_path / "s")
    store.get("v001")
    clone = pickle.loads(pickle.dumps(store))
    np.testing.assert_array_equal(
        clone.get("v001").arrays["scene"], store.get("v001").arrays["scene"]
    )
