from collections import Counter

import pytest

from chfen.annotate.selection import Why, assign, candidates, rank
from pipeline.records import LabelSummary, Reason, Rejection
from stages.labels.schema import VideoLabels


def _labelled(video_id: str, agreement: float, conflict: bool = False) -> VideoLabels:
    label = LabelSummary(
        primary="joy", distribution={"joy": agreement}, agreement=agreement, n_votes=2, votes={}
    )
    return VideoLabels(id=video_id, label=label, split="train", conflict=conflict)


def test_overlap_each_item_seen_by_k_distinct_annotators_loads_even():
    items = [f"v{i:02d}" for i in range(25)]
    annotators = ["ann", "bo", "cy", "di"]
    result = assign(items, annotators, overlap=3, gold=[], gold_per_annotator=0, seed=1)
    coverage = result.coverage()
    assert coverage == dict.fromkeys(items, 3)
    for sheet in result.sheets.values():
        assert len(sheet) == len(set(sheet))
    loads = [len(s) for s in result.sheets.values()]
    assert sum(loads) == 75 and max(loads) - min(loads) <= 1
    # every pair of annotators shares items, so pairwise agreement can be measured
    pairs = Counter(
        (a, b)
        for v in items
        for a in annotators
        for b in annotators
        if a < b and v in result.sheets[a] and v in result.sheets[b]
    )
    assert len(pairs) == 6


def test_gold_items_mixed_into_every_sheet_and_not_counted_as_work():
    items = [f"v{i}" for i in range(12)]
    gold = ["g1", "g2", "g3"]
    result = assign(items, ["a", "b", "c"], overlap=2, gold=gold, gold_per_annotator=2, seed=0)
    assert result.coverage() == dict.fromkeys(items, 2)
    used = Counter()
    for annotator, sheet in result.sheets.items():
        golds = result.gold[annotator]
        assert len(golds) == 2 and len(set(golds)) == 2
        assert set(golds) <= set(sheet) and set(golds) <= set(gold)
        used.update(golds)
        # mixed in, not appended: some gold row is not at the end of some sheet
    assert set(used) == set(gold)
    positions = [
        i for a, s in result.sheets.items() for i, v in enumerate(s) if v in result.gold[a]
    ]
    assert min(positions) < len(result.sheets["a"]) - 2


def test_assign_rejects_impossible_requests():
    with pytest.raises(ValueError, match="overlap"):
        assign(["v"], ["a", "b"], overlap=3, gold=[], gold_per_annotator=0, seed=0)
    with pytest.raises(ValueError, match="gold"):
        assign(["v"], ["a"], overlap=1, gold=["g"], gold_per_annotator=2, seed=0)
    with pytest.raises(ValueError, match="distinct"):
        assign(["v"], ["a", "a"], overlap=1, gold=[], gold_per_annotator=0, seed=0)


def test_candidates_reasons_and_ranking():
    ids = ["fine", "low", "conflict", "new", "issue", "unknown", "gold"]
    labels = {
        "fine": _labelled("fine", 1.0),
        "low": _labelled("low", 0.4),
        "conflict": _labelled("conflict", 0.9, conflict=True),
        "issue": _labelled("issue", 1.0),
        "gold": _labelled("gold", 0.2),
    }
    flagged = [
        Rejection(id="new", source_file="x", reason=Reason.NO_ANNOTATIONS, detail=""),
        Rejection(id="unknown", source_file="x", reason=Reason.UNKNOWN_LABEL, detail=""),
    ]
    found = candidates(ids, labels, flagged, {"issue"}, 0.6, exclude={"gold"})
    reasons = {c.id: c.reasons for c in found}
    assert reasons == {
        "low": (Why.LOW_AGREEMENT,),
        "conflict": (Why.MODALITY_CONFLICT,),
        "new": (Why.UNLABELLED,),
        "issue": (Why.LABEL_ISSUE,),
        "unknown": (Why.QC_FLAG,),
    }
    assert [c.id for c in rank(found, None, seed=0)] == [
        "issue",
        "unknown",
        "low",
        "conflict",
        "new",
    ]
    assert [c.id for c in rank(found, 2, seed=0)] == ["issue", "unknown"]
