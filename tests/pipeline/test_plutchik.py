import pytest

from pipeline.plutchik import GRANULARITIES, UnknownLabel, Wheel, wheel

EXPECTED = ("joy", "trust", "fear", "surprise", "sadness", "disgust", "anger", "anticipation")


def test_eight_primaries_in_wheel_order():
    assert wheel().names == EXPECTED


def test_opposites_are_symmetric_and_four_apart():
    w = wheel()
    for p in w.primaries:
        assert w.primary(p.opposite).opposite == p.name
        assert (w.names.index(p.opposite) - w.names.index(p.name)) % 8 == 4


def test_intensities_resolve_to_their_primary_and_level():
    w = wheel()
    assert w.resolve("serenity").weights == {"joy": 1.0}
    assert w.resolve("serenity").intensity == 0
    assert w.resolve("Rage").intensity == 2
    assert w.resolve("terror").weights == {"fear": 1.0}
    assert len(w.labels("emotion24")) == 24 == len(set(w.labels("emotion24")))


def test_chinese_words_and_dyads():
    w = wheel()
    assert w.resolve("悲伤").weights == {"sadness": 1.0}
    assert w.resolve(" 暴怒 ").intensity == 2
    assert w.resolve("love").weights == {"joy": 0.5, "trust": 0.5}
    assert w.resolve("optimism").weights == {"anticipation": 0.5, "joy": 0.5}
    for a, b in w.dyads.values():
        assert abs(w.names.index(a) - w.names.index(b)) in (1, 7)


def test_neutral_is_an_abstention():
    assert wheel().resolve("neutral").is_neutral


@pytest.mark.parametrize("label_set", ["ekman6", "meld7", "ravdess8", "sentiment3"])
def test_every_mapping_lands_on_the_wheel(label_set):
    w = wheel()
    for label in w.mappings[label_set]:
        res = w.resolve(label, label_set)
        assert set(res.weights) <= set(EXPECTED)
        if res.weights:
            assert sum(res.weights.values()) == pytest.approx(1.0)


def test_specific_mappings():
    w = wheel()
    assert w.resolve("calm", "ravdess8").weights == {"joy": 1.0}
    assert w.resolve("calm", "ravdess8").intensity == 0
    assert w.resolve("neutral", "meld7").is_neutral
    assert w.resolve("happiness", "ekman6").weights == {"joy": 1.0}
    negative = w.resolve("negative", "sentiment3").weights
    assert set(negative) == {"fear", "sadness", "disgust", "anger"}
    assert all(w.primary(p).valence == "negative" for p in negative)


def test_unknown_labels_raise_naming_the_label():
    with pytest.raises(UnknownLabel, match="nostalgia"):
        wheel().resolve("nostalgia")
    with pytest.raises(UnknownLabel, match="meld7"):
        wheel().resolve("calm", "meld7")


def test_coarsen_to_valence_keeps_mass():
    dist = {"joy": 0.5, "anger": 0.25, "surprise": 0.25}
    out = wheel().coarsen(dist, "valence3")
    assert out == {"positive": 0.5, "neutral": 0.25, "negative": 0.25}
    assert GRANULARITIES == ("emotion24", "primary8", "valence3")


def test_inconsistent_wheel_is_rejected():
    data = wheel().model_dump()
    data["primaries"][0]["opposite"] = "fear"
    with pytest.raises(ValueError, match="not symmetric"):
        Wheel.model_validate(data)
    data = wheel().model_dump()
    data["dyads"]["bogus"] = ("joy", "sadness")
    with pytest.raises(ValueError, match="neighbouring"):
        Wheel.model_validate(data)
