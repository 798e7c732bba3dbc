"""The clean stage on a small hand-built raw folder: every planted problem, one reason each."""

import json

import pytest

from stages.clean import probe, stage
from tests.stages.clean.raw_folder import EXPECTED_REJECTIONS, EXPECTED_UNLABELLED, GOOD, build_raw

pytestmark = pytest.mark.slow  # whole models, engines or stages per test


@pytest.fixture(scope="module")
def raw(tmp_path_factory):
    return build_raw(tmp_path_factory.mktemp("clean"))


@pytest.fixture(scope="module")
def result(raw):
    return stage.run(raw / "raw", raw / "interim", raw / "reports", raw / "params.yaml", False)


def test_usable_videos_kept_labelled_or_not(result):
    kept = {m.id: m for m in result.manifest}
    assert set(kept) == set(GOOD) | set(EXPECTED_UNLABELLED)
    assert all(m.label is None and m.split is None for m in result.manifest)
    assert kept["g3"].media.has_audio and kept["g3"].media.width == 160
    assert kept["g1"].video.endswith("g1.mp4")
    assert len(kept["g1"].content_hash) == 64


def test_each_planted_problem_has_its_reason(result):
    reasons = {r.id: r.reason.value for r in result.rejected}
    for vid, reason in EXPECTED_REJECTIONS.items():
        assert reasons.get(vid) == reason, (vid, reasons.get(vid))
    assert reasons["G1"] == "duplicate_id"
    broken = [r for r in result.rejected if r.id is None]
    assert len(broken) == 1 and broken[0].reason.value == "malformed_file"
    assert "zz_broken.json" in broken[0].source_file
    reupload = next(r for r in result.rejected if r.id == "reupload")
    assert "'g1'" in reupload.detail


def test_every_input_item_in_exactly_one_output(raw, result):
    manifest = [json.loads(x) for x in (raw / "interim/manifest.jsonl").read_text().splitlines()]
    rejected = [json.loads(x) for x in (raw / "interim/rejected.jsonl").read_text().splitlines()]
    item_rows = [r for r in rejected if r["id"] is not None]
    assert len(manifest) + len(item_rows) == len(GOOD) + 11
    keys = [(m["source_file"], m["id"]) for m in manifest] + [
        (r["source_file"], r["id"]) for r in item_rows
    ]
    assert len(keys) == len(set(keys))


def test_data_card(raw, result):
    card = json.loads((raw / "reports/data_card.json").read_text())
    assert card["counts"]["kept"] == len(GOOD) + len(EXPECTED_UNLABELLED)
    assert card["counts"]["rejected"] == len(result.rejected)
    assert card["rejections"]["by_reason"]["duplicate_id"] == 1
    assert "no_annotations" not in card["rejections"]["by_reason"]
    md = (raw / "reports/data_card.md").read_text()
    assert "| unsafe_id | 1 |" in md and "reports/labels.md" in md


def test_rerun_uses_probe_cache_and_is_identical(raw, result, monkeypatch):
    calls = []
    real = probe.probe
    monkeypatch.setattr(probe, "probe", lambda p: calls.append(p) or real(p))
    before = (raw / "interim/manifest.jsonl").read_bytes()
    stage.run(raw / "raw", raw / "interim", raw / "reports", raw / "params.yaml", False)
    assert calls == []
    assert (raw / "interim/manifest.jsonl").read_bytes() == before
