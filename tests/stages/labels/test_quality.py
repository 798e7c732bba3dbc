"""Dawid-Skene reliability and the agreement figures on hand-made cases."""

import numpy as np
import pytest

from stages.labels.crowd import dawid_skene
from stages.labels.quality import annotator_report, dimension_agreement
from stages.labels.sheets import GoldRow, Vote

CLASSES = ("joy", "sadness", "anger", "fear")


def vote(item, annotator, label, round_=1, **extra):
    return Vote(video_id=item, annotator=annotator, round=round_, label=label, sheet="s", **extra)


def panel(n_items=40, seed=0):
    """Three careful annotators (90% right) and one who answers at random."""
    rng = np.random.default_rng(seed)
    truth, final = {}, {}
    for i in range(n_items):
        item = f"v{i}"
        truth[item] = CLASSES[i % len(CLASSES)]
        final[item] = {}
        for a in ("a", "b", "c"):
            label = truth[item] if rng.random() < 0.9 else CLASSES[int(rng.integers(4))]
            final[item][a] = vote(item, a, label)
        final[item]["careless"] = vote(item, "careless", CLASSES[int(rng.integers(4))])
    return truth, final


def test_dawid_skene_ranks_the_careless_annotator_last_and_recovers_truth():
    truth, final = panel()
    rel = dawid_skene(final)
    assert min(rel.competence, key=rel.competence.get) == "careless"
    assert rel.competence["careless"] < 0.5 < min(rel.competence[a] for a in "abc")
    right = sum(max(p, key=p.get) == truth[i] for i, p in rel.posteriors.items())
    assert right >= 0.95 * len(truth)
    assert all(sum(p.values()) == pytest.approx(1) for p in rel.posteriors.values())


def test_dawid_skene_needs_two_classes():
    final = {"v": {"a": vote("v", "a", "joy"), "b": vote("v", "b", "neutral")}}
    assert dawid_skene(final).competence == {}


def test_annotator_report_gold_and_straight_lining():
    truth, final = panel()
    for item in final:
        final[item]["lazy"] = vote(item, "lazy", "joy")
    gold = {i: GoldRow(video_id=i, label=truth[i]) for i in list(truth)[:8]}
    rows = annotator_report(final, dawid_skene(final).competence, gold, {"lazy": "excluded"})
    by = {r["annotator"]: r for r in rows}
    assert by["lazy"]["straight_lining"] and by["lazy"]["top_label_share"] == 1.0
    assert not by["a"]["straight_lining"]
    assert by["lazy"]["gold"] == {"items": 8, "label": 0.25}
    assert by["a"]["gold"]["label"] >= 0.75
    assert by["a"]["agreement_with_others"] > by["careless"]["agreement_with_others"]
    assert by["lazy"]["dropped"] == "excluded"
    assert rows[0]["competence"] >= rows[-1]["competence"]


def test_alpha_levels_per_dimension_and_round():
    """b disagrees on v0 in round 1 and revises in round 2; intensities differ by one step on
    two items; b calls every visual neutral that a calls an emotion."""
    items = [("joy", (1, 1)), ("sadness", (3, 3)), ("anger", (2, 3)), ("trust", (1, 2))]
    votes = {}
    for i, (label, (ia, ib)) in enumerate(items):
        item = f"v{i}"
        votes[item] = [
            vote(item, "a", label, intensity=ia, visual_label=label),
            vote(item, "b", "fear" if i == 0 else label, intensity=ib, visual_label="neutral"),
            vote(item, "c", label, visual_label=label),
        ]
    votes["v0"].append(vote("v0", "b", "joy", round_=2, intensity=1, visual_label="neutral"))
    out = dimension_agreement(votes)
    assert out["intensity"]["level"] == "ordinal" and out["valence"]["level"] == "interval"
    assert out["label"]["alpha"] == pytest.approx(1.0)
    assert out["label"]["per_round"]["1"] < 1.0
    assert 0 < out["intensity"]["alpha"] < 1
    assert out["visual_label"]["alpha"] < out["label"]["alpha"]
    assert out["label"]["per_class"]["joy"] == pytest.approx(1.0)
    assert out["label"]["per_class"]["disgust"] is None  # nobody used it
    assert out["valence"]["votes"] == 12
