"""Reading a predicted distribution onto Plutchik's wheel."""

import numpy as np
import pytest

from pipeline.plutchik import label_space
from stages.predict.reading import dyads, top_emotions


def test_primary8_intensity_follows_the_mass():
    probs = np.array([0.75, 0.05, 0.04, 0.04, 0.04, 0.04, 0.02, 0.02])
    top = top_emotions(probs, "primary8")
    assert [(e.primary, e.intensity, e.level) for e in top] == [("joy", "ecstasy", "high")]
    probs = np.array([0.40, 0.25, 0.05, 0.05, 0.05, 0.05, 0.05, 0.10])
    top = top_emotions(probs, "primary8")
    assert [(e.primary, e.intensity) for e in top] == [
        ("joy", "joy"),
        ("trust", "acceptance"),
        ("anticipation", "interest"),
    ]


def test_emotion24_predicts_the_intensity_and_sums_to_primaries():
    probs = np.zeros(24)
    probs[[12, 13, 14]] = [0.1, 0.1, 0.5]  # sadness: pensiveness, sadness, grief
    probs[0] = 0.3  # serenity
    shares = label_space("emotion24").primaries(probs)
    assert shares["sadness"] == pytest.approx(0.7) and shares["joy"] == pytest.approx(0.3)
    assert [(e.primary, e.intensity) for e in top_emotions(probs, "emotion24")] == [
        ("sadness", "grief"),
        ("joy", "serenity"),
    ]


def test_valence3_spreads_over_the_primaries_of_each_valence():
    shares = label_space("valence3").primaries(
        np.array([0.6, 0.1, 0.3])
    )  # positive, neutral, negative
    assert shares["joy"] == pytest.approx(0.2) and shares["surprise"] == pytest.approx(0.1)
    assert shares["anger"] == pytest.approx(0.075)
    assert sum(shares.values()) == pytest.approx(1.0)


def test_dyads_need_both_neighbours_high():
    shares = dict.fromkeys(["joy", "trust", "fear", "surprise"], 0.0)
    shares |= {"sadness": 0.0, "disgust": 0.0, "anger": 0.22, "anticipation": 0.25}
    shares |= {"joy": 0.45}
    found = dyads(shares)
    assert [(d.name, d.primaries) for d in found] == [
        ("optimism", ("anticipation", "joy")),
        ("aggressiveness", ("anger", "anticipation")),
    ]
    assert found[0].strength == pytest.approx(0.25)
    shares["anticipation"] = 0.1
    assert dyads(shares) == []
