import pytest

from pipeline.records import Reason
from stages.labels.aggregate import aggregate, agreement_report, final_votes, read_sheets
from stages.labels.sheets import Vote


def votes(*rows):
    return [
        Vote(video_id="v", annotator=a, round=r, label=lab, sheet="s.csv") for a, r, lab in rows
    ]


def test_majority_soft_label_and_agreement():
    out = aggregate(votes(("a", 1, "joy"), ("b", 1, "joy"), ("c", 1, "trust")), 2, 0.5)
    s = out.summary
    assert out.reason is None
    assert s.primary == "joy"
    assert s.distribution["joy"] == pytest.approx(2 / 3)
    assert s.distribution["trust"] == pytest.approx(1 / 3)
    assert sum(s.distribution.values()) == pytest.approx(1)
    assert len(s.distribution) == 8
    assert s.agreement == pytest.approx(2 / 3)
    assert s.n_votes == 3


def test_later_round_supersedes_earlier():
    vs = votes(
        ("a", 1, "fear"), ("b", 1, "fear"), ("a", 2, "anger"), ("b", 2, "anger"), ("c", 1, "anger")
    )
    assert {a: v.label for a, v in final_votes(vs).items()} == {
        "a": "anger",
        "b": "anger",
        "c": "anger",
    }
    assert aggregate(vs, 2, 0.5).summary.primary == "anger"


def test_tie_broken_by_history_then_wheel_order():
    # final: a=sadness, b=joy -> tie; a voted joy in round 1, so history favours joy.
    vs = votes(("a", 1, "joy"), ("a", 2, "sadness"), ("b", 1, "joy"))
    assert aggregate(vs, 2, 0.5).summary.primary == "joy"
    # no history either way: wheel order (trust before anger).
    vs = votes(("a", 1, "anger"), ("b", 1, "trust"))
    assert aggregate(vs, 2, 0.5).summary.primary == "trust"


def test_intensity_words_chinese_and_dyads():
    out = aggregate(votes(("a", 1, "rage"), ("b", 1, "暴怒"), ("c", 1, "contempt")), 2, 0.5)
    s = out.summary
    assert s.primary == "anger"
    assert s.intensity == 2
    assert s.distribution["anger"] == pytest.approx(2 / 3 + 1 / 6, abs=1e-6)
    assert s.distribution["disgust"] == pytest.approx(1 / 6, abs=1e-6)


def test_rejection_reasons():
    assert aggregate([], 2, 0.5).reason is Reason.NO_ANNOTATIONS
    unknown = aggregate(
        votes(("a", 1, "nostalgia"), ("b", 1, "nostalgia"), ("c", 1, "joy")), 2, 0.5
    )
    assert unknown.reason is Reason.UNKNOWN_LABEL
    assert "nostalgia" in unknown.detail
    low = aggregate(votes(("a", 1, "joy"), ("b", 1, "fear"), ("c", 1, "anger")), 2, 0.5)
    assert low.reason is Reason.LOW_AGREEMENT
    assert "0.33" in low.detail
    neutral = aggregate(votes(("a", 1, "neutral"), ("b", 1, "neutral"), ("c", 1, "joy")), 2, 0.5)
    assert neutral.reason is Reason.NO_ANNOTATIONS


def test_read_sheets_reports_bad_rows_and_sheets(tmp_path):
    (tmp_path / "r1.csv").write_text(
        "video_id,annotator,round,label\nv1,a,1,joy\nv2,a,one,fear\n", encoding="utf-8"
    )
    (tmp_path / "bad.csv").write_text("id,who\nv1,a\n")
    (tmp_path / "bom.csv").write_bytes(
        "\ufeffvideo_id,annotator,round,label\nv1,b,1,悲伤\n".encode()
    )
    got, problems = read_sheets(tmp_path)
    assert [(v.video_id, v.annotator, v.label) for v in got] == [
        ("v1", "b", "悲伤"),
        ("v1", "a", "joy"),
    ]
    assert {(p.sheet, p.row) for p in problems} == {("bad.csv", None), ("r1.csv", 3)}


def test_alpha_perfect_and_chance():
    perfect = {
        f"v{i}": votes(("a", 1, lab), ("b", 1, lab), ("c", 1, lab))
        for i, lab in enumerate(["joy", "fear", "anger", "trust"] * 3)
    }
    rep = agreement_report(perfect)
    assert rep["krippendorff_alpha"] == pytest.approx(1.0)
    assert rep["alpha_per_round"] == {"1": pytest.approx(1.0)}
    assert rep["alpha_per_class"]["joy"] == pytest.approx(1.0)
    assert rep["alpha_per_class"]["sadness"] is None  # never used: undefined, not 1
    disagree = {
        f"v{i}": votes(("a", 1, x), ("b", 1, y))
        for i, (x, y) in enumerate(
            [("joy", "fear"), ("fear", "joy"), ("anger", "trust"), ("trust", "anger")]
        )
    }
    assert agreement_report(disagree)["krippendorff_alpha"] < 0
