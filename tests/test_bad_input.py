"""The hostile corpus (tests/hostile_corpus.py, 45+ kinds of malformed input) through the clean
and labels stages and the per-video stages: every item gets its verdict with a reason, nothing
crashes, no good item is lost."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.hashing import file_digest
from stages.clean import stage as clean
from stages.labels import stage as labels
from stages.labels.aggregate import read_sheets
from stages.labels.schema import read_labels
from stages.ocr import stage as ocr
from stages.separate import stage as separate
from stages.track import stage as track
from tests import hostile_corpus

pytestmark = pytest.mark.slow
# Verdicts about a whole crawl file (no item inside it could be read).
WHOLE_FILE = {"malformed_file", "unknown_schema", "invalid_record"}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return hostile_corpus.build(tmp_path_factory.mktemp("hostile"))


@pytest.fixture(scope="module")
def cleaned(corpus):
    raw = corpus.raw
    interim = corpus.root / "data" / "interim"
    params, reports = corpus.root / "params.yaml", corpus.root / "reports"
    result = clean.run(raw, interim, reports, params, False)
    labelled = labels.run(interim / "manifest.jsonl", raw / "annotations", interim, reports, params)
    _, problems = read_sheets(raw / "annotations")
    ids = {x.id for x in labelled.labels}
    rejected = result.rejected + labelled.unlabelled
    return result, hostile_corpus.verdicts(corpus, ids, rejected, problems), problems


def _labels(corpus):
    return read_labels(corpus.root / "data" / "interim" / "labels.jsonl")


def test_corpus_has_at_least_25_kinds(corpus):
    assert len({k.name for k in corpus.kinds}) == len(corpus.kinds) >= 25


def test_every_kind_gets_exactly_its_verdict(corpus, cleaned):
    _, verdicts, _ = cleaned
    wrong = {
        k.name: (verdicts[k.name], sorted(k.expect))
        for k in corpus.kinds
        if len(verdicts[k.name]) != 1 or verdicts[k.name][0] not in k.expect
    }
    assert wrong == {}


def test_no_good_item_is_lost(corpus, cleaned):
    result, _, _ = cleaned
    good = {k.id for k in corpus.kinds if k.good}
    assert good <= {m.id for m in result.manifest}
    kept = {k.id for k in corpus.kinds if hostile_corpus.KEPT in k.expect}
    assert set(_labels(corpus)) <= kept  # and nothing bad slipped in


def test_rejections_name_the_item_and_say_why(cleaned):
    result, _, _ = cleaned
    assert not [r for r in result.rejected if r.reason.value == "processing_failed"]
    for r in result.rejected:
        # the item is named by its file (and index within it, or id) and the reason explained
        assert r.source_file and r.detail.strip()
        assert r.source_index is not None or r.id is not None or r.reason.value in WHOLE_FILE


def test_cleaned_text_has_no_control_characters_or_surrogates(cleaned):
    result, _, _ = cleaned
    titles = {m.id: m.title for m in result.manifest}
    assert titles["t_ctrl"] == "title[31m red ok"
    assert titles["t_surr"] == "half a pair end"
    for title in titles.values():
        assert title.isprintable()
        title.encode("utf-8")  # no unpaired surrogates


def test_odd_numbers_become_counts_or_nothing(cleaned):
    result, _, _ = cleaned
    engagement = {m.id: m.engagement for m in result.manifest}
    assert (engagement["t_strnum"].likes, engagement["t_strnum"].views) == (12000, 3456)
    for vid in ("t_nan", "t_neg", "t_types"):
        assert engagement[vid].likes is None and engagement[vid].views is None
    published = {m.id: m.published_at for m in result.manifest}
    assert published["t_neg"] is None and published["t_types"] is None


def test_conflicting_annotations_are_reported_not_resolved_by_row_order(corpus, cleaned):
    _, _, problems = cleaned
    conflict = [p for p in problems if corpus.conflicted in p.detail]
    assert len(conflict) == 1 and "conflicting labels" in conflict[0].detail
    entry = _labels(corpus)[corpus.conflicted]
    assert entry.label.primary == "joy" and entry.label.n_votes == 2  # ann0 counted for neither
    card = json.loads((corpus.root / "reports" / "labels.json").read_text())
    assert corpus.conflicted in json.dumps(card, ensure_ascii=False)


def _lying_manifest(corpus, result) -> tuple[Path, set[str], set[str]]:
    """The odd-but-valid kept videos, plus two entries whose files are broken although the
    manifest says they are fine (a manifest edited by hand, or a file replaced after clean)."""
    odd = {k.id for k in corpus.kinds if k.odd_media}
    entries = [m for m in result.manifest if m.id in odd]
    template = json.loads(entries[0].model_dump_json())
    lines = [m.model_dump_json() for m in entries]
    lying = {"lie_truncated": "v_truncated.mp4", "lie_text": "v_text.mp4"}
    for vid, name in lying.items():
        video = corpus.raw / "videos" / name
        lines.append(
            json.dumps(
                {**template, "id": vid, "video": str(video), "content_hash": file_digest(video)}
            )
        )
    path = corpus.root / "data" / "interim" / "odd_manifest.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path, odd, set(lying)


def test_per_video_stages_process_odd_media_and_record_broken_files(corpus, cleaned):
    result, _, _ = cleaned
    manifest, odd, lying = _lying_manifest(corpus, result)
    params = corpus.root / "params.yaml"
    outcomes = {}
    for name, module in (("separate", separate), ("ocr", ocr), ("track", track)):
        out = corpus.root / "data" / "interim" / name
        module.run(manifest, out, params, show_progress=False)
        index = {json.loads(line)["id"] for line in (out / "index.jsonl").read_text().splitlines()}
        failures = {
            row["id"]: row["error"]
            for row in map(json.loads, (out / "failures.jsonl").read_text().splitlines())
        }
        outcomes[name] = (index, failures)
        assert not index & set(failures)
        assert index | set(failures) == odd | lying
        assert not list(out.rglob(".tmp-*"))
    # broken files are failures with a message in every stage; valid odd media never are
    assert {name: set(f) for name, (_, f) in outcomes.items()} == {name: lying for name in outcomes}
    for _, failures in outcomes.values():
        assert all(failures.values())
    for vid in odd:
        assert (corpus.root / "data/interim/track" / f"{vid}.csv").is_file()
        assert (corpus.root / "data/interim/ocr" / f"{vid}.srt").is_file()
