"""Faults: SIGKILLed stages, a full disk, a backend that throws on one video, a truncated or
bit-flipped HDF5 shard, a deleted, truncated or edited-in-place cache entry and hand-edited
outputs. Each is survived or detected; none leaves output that reads as valid but is not.
(benchmarks/reliability.py runs the long kill campaign.)"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pipeline import atomic
from pipeline.featurestore import FeatureStore, StoreError
from stages.embed import stage as embed
from stages.track import stage as track
from tests import fault_campaign
from tests.fault_campaign import TRACKS

pytestmark = pytest.mark.slow


def test_sigkilled_stages_resume_to_identical_outputs(tmp_path):
    results = fault_campaign.campaign(
        tmp_path, ["separate", "track"], kills_per_stage=2, n_videos=2, seed=11
    )
    for r in results:
        assert r.kills >= 1, r
        assert r.differing_files == [], r
        assert r.leftover_temps == [], r
        assert (r.duplicated_ids, r.missing_ids, r.partial_outputs_seen) == (0, 0, 0), r


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """A project with three videos whose track, ocr and embed_text outputs are already built
    (the reference every fault test compares against)."""
    return fault_campaign.built_project(tmp_path_factory.mktemp("faults") / "base", 3)


@pytest.fixture
def project(base, tmp_path, monkeypatch) -> Path:
    """A fresh copy of ``base`` without the track output and its cache, as the working folder."""
    root = fault_campaign.copy_without_tracks(base, tmp_path / "p")
    monkeypatch.chdir(root)
    return root


def _tracks_like_base(base: Path) -> None:
    assert fault_campaign.tracks_match(base, Path("."))


def test_disk_full_while_publishing_leaves_no_output_and_the_next_run_completes(base, project):
    with fault_campaign.disk_full_publishing(), pytest.raises(OSError, match="No space left"):
        track.run(show_progress=False)
    assert not TRACKS.exists()  # no half-published folder
    assert not list(Path(".").rglob(f"{atomic.TMP_PREFIX}*"))
    report = track.run(show_progress=False)
    assert report.n_cached == 3  # the per-video work survived; only publishing was redone
    _tracks_like_base(base)


def test_disk_full_while_caching_one_video_then_the_next_run_fills_the_gap(base, project):
    with fault_campaign.disk_full_caching(nth=2), pytest.raises(OSError, match="No space left"):
        track.run(show_progress=False)
    assert not TRACKS.exists()
    report = track.run(show_progress=False)
    assert report.n_cached == 1  # the video committed before the failure is not redone
    _tracks_like_base(base)


def test_a_backend_error_on_one_video_is_recorded_and_the_next_run_fills_the_gap(base, project):
    with fault_campaign.backend_error("v1"):
        track.run(show_progress=False)
    failures = [json.loads(line) for line in (TRACKS / "failures.jsonl").read_text().splitlines()]
    assert [(f["id"], f["stage"]) for f in failures] == [("v1", "track")]
    assert fault_campaign.BACKEND_ERROR in failures[0]["error"]
    assert not (TRACKS / "v1.csv").exists() and not (TRACKS / "v1.json").exists()
    assert "v1" not in fault_campaign.index_ids(TRACKS)
    report = track.run(show_progress=False)
    assert (report.n_cached, len(report.failures)) == (2, 0)
    _tracks_like_base(base)


def test_a_deleted_or_damaged_cache_entry_is_recomputed(base, project):
    track.run(show_progress=False)
    entries = fault_campaign.cache_entries(project, "track")
    assert len(entries) == 3
    shutil.rmtree(entries[0])  # deleted
    damaged = fault_campaign.largest_file(entries[1])
    damaged.write_bytes(damaged.read_bytes()[:-5])  # truncated
    report = track.run(show_progress=False)
    assert report.n_cached == 1
    _tracks_like_base(base)


def test_a_cache_entry_edited_in_place_is_recomputed(base, project):
    track.run(show_progress=False)
    damaged = fault_campaign.largest_file(fault_campaign.cache_entries(project, "track")[0])
    raw = bytearray(damaged.read_bytes())
    raw[len(raw) // 2] ^= 0x01  # same size: only the content hash can tell
    damaged.write_bytes(bytes(raw))
    report = track.run(show_progress=False)
    assert report.n_cached == 2
    _tracks_like_base(base)


def _read_every_video(features: Path) -> None:
    store = FeatureStore(features)
    for vid in store.ids:
        store.get(vid)


def test_a_hand_edited_output_is_replaced_by_the_next_run(base, project):
    track.run(show_progress=False)
    (TRACKS / "v0.json").write_text('{"unique_persons": 99}')
    (TRACKS / "extra.csv").write_text("1,1,0,0,1,1,1,-1,-1,-1,0\n")
    report = track.run(show_progress=False)
    assert report.n_cached == 3
    _tracks_like_base(base)


def test_a_truncated_or_edited_shard_is_never_read_as_valid(base, project):
    features = Path("data/features/text")
    shard = next(features.glob("shard-*.h5"))
    original = shard.read_bytes()
    shard.write_bytes(original[: len(original) // 2])
    with pytest.raises(StoreError, match="bytes"):
        _read_every_video(features)
    flipped = bytearray(original)
    flipped[len(flipped) // 2] ^= 0xFF  # same size: only the content hash can tell
    shard.write_bytes(bytes(flipped))
    with pytest.raises(StoreError, match="content differs"):
        _read_every_video(features)
    with pytest.raises(StoreError, match="content differs"):
        FeatureStore(features).verify()
    embed.run("text", show_progress=False)  # the next run rewrites the store from the cache
    assert shard.read_bytes() == original
    FeatureStore(features).verify()


def test_a_deleted_shard_is_a_clear_error(base, project):
    features = Path("data/features/text")
    next(features.glob("shard-*.h5")).unlink()
    with pytest.raises(StoreError, match="shard missing"):
        _read_every_video(features)
