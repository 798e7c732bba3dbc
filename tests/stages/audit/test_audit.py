"""The audit stage on a small feature store with a planted signal: labels flipped away from what
the features say are flagged, clean ones mostly not; the reports render and read back."""

import csv
import json

import numpy as np
import pytest

from chfen.annotate.selection import read_label_issues
from pipeline.params import AuditParams
from pipeline.plutchik import wheel
from stages.audit import report
from stages.audit.confident import judge
from stages.audit.schema import LabelIssue
from stages.audit.stage import audit, pool, run
from stages.labels.schema import VideoLabels
from tests.debug_params import debug_params
from tests.model.synthetic_store import build

pytestmark = pytest.mark.slow  # whole models, engines or stages per test

FLIPPED = ("v003", "v010", "v017", "v031", "v044", "v058")


def _relabel(entry, primary):
    label = entry.label.model_copy(
        update={
            "primary": primary,
            "distribution": {primary: 1.0},
            "votes": {"ann1": primary, "ann2": primary},
        }
    )
    return entry.model_copy(update={"label": label})


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    root = tmp_path_factory.mktemp("audit")
    entries = build(root / "features", n=80, noise=0.5)
    names = wheel().names
    flipped = [
        _relabel(e, names[(names.index(e.label.primary) + 3) % 8]) if e.id in FLIPPED else e
        for e in entries
    ]
    return root, entries, flipped


def test_flipped_labels_are_flagged_and_clean_ones_mostly_not(store):
    root, entries, flipped = store
    result = audit(flipped, root / "features", AuditParams())
    found = {i.video_id for i in result.issues}
    assert result.judged == len(entries) and result.folds == 5
    assert len(found & set(FLIPPED)) >= 5
    assert len(found - set(FLIPPED)) <= 2
    truth = {e.id: e.label.primary for e in entries}
    for issue in result.issues:
        if issue.video_id in FLIPPED:
            assert issue.suggested_label == truth[issue.video_id]
            assert issue.given_label != issue.suggested_label
    assert [i.label_quality for i in result.issues] == sorted(
        i.label_quality for i in result.issues
    )


def test_clean_labels_give_few_flags(store):
    root, entries, _ = store
    assert len(audit(entries, root / "features", AuditParams()).issues) <= 2


def test_reports_render_and_the_csv_feeds_annotate_tasks(store, tmp_path):
    root, _, flipped = store
    result = audit(flipped, root / "features", AuditParams(max_issues=4))
    metrics = report.write_reports(result, tmp_path)
    assert len(result.issues) == 4
    assert read_label_issues(tmp_path / report.CSV_FILE) == {i.video_id for i in result.issues}
    with open(tmp_path / report.CSV_FILE, newline="") as fh:
        rows = [LabelIssue.model_validate(r) for r in csv.DictReader(fh)]
    assert rows == result.issues
    assert rows[0].votes == f"ann1:{rows[0].given_label};ann2:{rows[0].given_label}"
    saved = json.loads((tmp_path / report.JSON_FILE).read_text())
    assert saved == metrics
    assert saved["flagged"] == 4 and saved["judged"] == 80
    assert saved["flagged_share"] == pytest.approx(4 / 80)
    md = (tmp_path / report.MD_FILE).read_text()
    assert "4 of 80 judged videos (5.0%)" in md
    assert all(f"| {i.video_id} | {i.given_label} | {i.suggested_label} |" in md for i in rows)


def test_one_account_gives_empty_reports_not_a_crash(store, tmp_path):
    root, _, flipped = store
    one = [e.model_copy(update={"account": "same"}) for e in flipped[:16]]
    result = audit(one, root / "features", AuditParams())
    assert result.judged == 0 and result.issues == [] and result.note
    assert len(result.skipped) == 16
    report.write_reports(result, tmp_path)
    assert read_label_issues(tmp_path / report.CSV_FILE) == set()
    assert "nothing judged" in (tmp_path / report.MD_FILE).read_text()
    assert json.loads((tmp_path / report.JSON_FILE).read_text())["flagged"] == 0


def test_videos_without_features_and_unlearnable_classes_are_skipped(store):
    root, _, flipped = store
    ghost = flipped[0].model_copy(update={"id": "ghost"})
    # every video of one class in one account: no fold's model ever saw that class
    lonely = [
        e.model_copy(update={"account": "lonely"}) if e.label.primary == "trust" else e
        for e in flipped
    ]
    result = audit([*lonely, ghost], root / "features", AuditParams())
    reasons = {s.video_id: s.reason for s in result.skipped}
    assert reasons["ghost"].startswith("no features")
    trust = [e.id for e in lonely if e.label.primary == "trust"]
    assert all("outside its fold" in reasons[v] for v in trust)
    assert result.judged == len(flipped) - len(trust)


def test_the_stage_reads_the_labels_stage_output(store, tmp_path):
    root, entries, flipped = store
    manifest = tmp_path / "manifest.jsonl"
    manifest.write_text(
        "".join(e.model_copy(update={"label": None, "split": None}).model_dump_json() + "\n"
                for e in entries)
    )  # fmt: skip
    labels = tmp_path / "labels.jsonl"
    labels.write_text(
        "".join(VideoLabels(id=e.id, label=e.label, split=e.split).model_dump_json() + "\n"
                for e in flipped)
    )  # fmt: skip
    params = debug_params(tmp_path / "params.yaml", audit={"folds": 4})
    result = run(manifest, labels, root / "features", tmp_path / "reports", params)
    metrics = result.metrics
    assert result.summary().startswith("audit: 80 judged,")
    assert metrics["folds"] == 4 and metrics["judged"] == 80
    found = read_label_issues(tmp_path / "reports" / report.CSV_FILE)
    assert len(found) == metrics["flagged"]
    assert len(found & set(FLIPPED)) >= 5


def test_judge_flags_the_contradicted_label_and_needs_two_classes():
    labels = np.array([0, 0, 3, 3])
    probs = np.zeros((4, 8))
    probs[[0, 1, 2, 3], [0, 3, 3, 3]] = 1.0  # item 1 is labelled 0, looks like 3
    found = judge(labels, probs, "prune_by_noise_rate", "self_confidence", None)
    assert found.flagged.tolist() == [False, True, False, False]
    assert found.suggested.tolist() == [0, 3, 3, 3]
    assert found.quality[1] < found.quality[[0, 2, 3]].min()
    for n in (0, 1):
        one = judge(np.full(n, 2), np.eye(8)[[2] * n], "both", "self_confidence", None)
        assert not one.flagged.any()


def test_the_given_label_is_the_labels_stage_primary_also_on_a_tie(store):
    root, entries, _ = store
    names = wheel().names
    tied = entries[5]  # labelled names[5]; a tie with names[4], which argmax would pick
    label = tied.label.model_copy(update={"distribution": {names[4]: 0.5, names[5]: 0.5}})
    data = pool([tied.model_copy(update={"label": label})], root / "features", ("title",))
    assert [names[i] for i in data.y] == [names[5]]
