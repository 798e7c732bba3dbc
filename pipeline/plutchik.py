"""Plutchik's wheel of emotions: the label system every chfen label is resolved onto.

The wheel itself is data (``plutchik.yaml`` beside this module); this module loads it, checks
that it is consistent, and answers the questions the pipeline asks of it: which primaries a
label stands for (with what intensity), how to read another dataset's label set onto the wheel,
and how to coarsen a distribution over primaries to a coarser view.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, model_validator

Valence = Literal["positive", "negative", "neutral"]
Granularity = Literal["emotion24", "primary8", "valence3", "emotion24+neutral", "primary8+neutral"]
GRANULARITIES: tuple[Granularity, ...] = ("emotion24", "primary8", "valence3")
# A label space with this suffix has neutral as a class of its own (after the emotions); in
# valence3 neutral is always the neutral valence.
WITH_NEUTRAL = "+neutral"
NEUTRAL = "neutral"
INTENSITY_LEVELS = ("low", "basic", "high")
NEUTRAL_WORDS = frozenset({"neutral", "none", "中性", "无"})


class UnknownLabel(ValueError):
    """A label that does not resolve onto the wheel."""

    def __init__(self, label: str, label_set: str | None = None):
        where = f" in label set {label_set!r}" if label_set else " on Plutchik's wheel"
        super().__init__(f"unknown label {label!r}{where}")
        self.label = label
        self.label_set = label_set


class Primary(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    zh: str
    opposite: str
    valence: Valence
    intensities: tuple[str, str, str]
    intensities_zh: tuple[str, str, str]


class Resolution(BaseModel):
    """What one label means on the wheel.

    ``weights`` maps primaries to a mass summing to 1 (empty for a neutral label, which carries
    no emotion); ``intensity`` is 0/1/2 (low/basic/high) when the label names one.
    """

    model_config = ConfigDict(frozen=True)

    label: str
    weights: dict[str, float]
    intensity: int | None = None

    @property
    def is_neutral(self) -> bool:
        return not self.weights


MappingTarget = str | list[str] | None


class Wheel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    primaries: tuple[Primary, ...]
    dyads: dict[str, tuple[str, str]]
    mappings: dict[str, dict[str, MappingTarget]]

    @model_validator(mode="after")
    def _consistent(self) -> Wheel:
        names = [p.name for p in self.primaries]
        if len(names) != 8 or len(set(names)) != 8:
            raise ValueError(f"the wheel needs 8 distinct primaries, got {names}")
        by_name = {p.name: p for p in self.primaries}
        for p in self.primaries:
            if by_name.get(p.opposite) is None or by_name[p.opposite].opposite != p.name:
                raise ValueError(f"opposites of {p.name!r} are not symmetric")
        for dyad, pair in self.dyads.items():
            i, j = (names.index(x) if x in by_name else -1 for x in pair)
            if i < 0 or j < 0 or (i - j) % 8 not in (1, 7):
                raise ValueError(f"dyad {dyad!r} must blend two neighbouring primaries: {pair}")
        for set_name, table in self.mappings.items():
            for src, target in table.items():
                try:
                    self._resolve_target(src, target)
                except UnknownLabel as e:
                    raise ValueError(f"mapping {set_name}.{src}: {e}") from None
        return self

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.primaries)

    def primary(self, name: str) -> Primary:
        for p in self.primaries:
            if p.name == name:
                return p
        raise UnknownLabel(name)

    def labels(self, granularity: Granularity) -> tuple[str, ...]:
        """Class names of one view of the wheel, in a fixed order (``neutral`` last in a
        ``+neutral`` space)."""
        base = granularity.removesuffix(WITH_NEUTRAL)
        extra = (NEUTRAL,) if granularity.endswith(WITH_NEUTRAL) else ()
        if base == "primary8":
            return self.names + extra
        if base == "emotion24":
            return tuple(name for p in self.primaries for name in p.intensities) + extra
        return ("positive", "neutral", "negative")

    def resolve(self, label: str, label_set: str | None = None) -> Resolution:
        """Resolve a label written by an annotator (``label_set=None``: wheel words in English or
        Chinese, intensity words, dyads, "neutral", or a label qualified by its set such as
        ``sentiment3:positive``, which importers write when no single wheel word says it) or
        from a named label set (``mappings``)."""
        key = _normalise(label)
        prefix, qualified, rest = key.partition(":")
        if label_set is None and qualified and prefix in self.mappings:
            return self.resolve(rest, prefix)
        if label_set is not None:
            table = self.mappings.get(label_set)
            if table is None:
                raise UnknownLabel(label, label_set)
            lowered = {_normalise(k): v for k, v in table.items()}
            if key not in lowered:
                raise UnknownLabel(label, label_set)
            return self._resolve_target(label, lowered[key])
        return self._resolve_word(label, key)

    def _resolve_target(self, label: str, target: MappingTarget) -> Resolution:
        if target is None:
            return Resolution(label=label, weights={})
        if isinstance(target, list):
            for name in target:
                self.primary(name)
            return Resolution(label=label, weights={n: 1 / len(target) for n in target})
        return self._resolve_word(label, _normalise(target))

    def _resolve_word(self, label: str, key: str) -> Resolution:
        if key in NEUTRAL_WORDS:
            return Resolution(label=label, weights={})
        for p in self.primaries:
            if key in (p.name, p.zh):
                return Resolution(label=label, weights={p.name: 1.0}, intensity=1)
            for level, words in enumerate(zip(p.intensities, p.intensities_zh, strict=True)):
                if key in words:
                    return Resolution(label=label, weights={p.name: 1.0}, intensity=level)
        if key in self.dyads:
            a, b = self.dyads[key]
            return Resolution(label=label, weights={a: 0.5, b: 0.5})
        raise UnknownLabel(label)

    def coarsen(self, distribution: dict[str, float], granularity: Granularity) -> dict[str, float]:
        """Sum a distribution over primaries (and ``neutral``, when neutral is a class) into the
        classes of ``primary8[+neutral]`` or ``valence3``. Neutral mass goes to the neutral class
        or valence; a space without neutral drops it."""
        if granularity.startswith("emotion24"):
            raise ValueError("a distribution over primaries cannot be refined to emotion24")
        out = dict.fromkeys(self.labels(granularity), 0.0)
        for name, mass in distribution.items():
            if granularity == "valence3":
                key = NEUTRAL if name == NEUTRAL else self.primary(name).valence
            else:
                key = name
            if key in out:
                out[key] += mass
        return out


def _normalise(label: str) -> str:
    return unicodedata.normalize("NFKC", str(label)).strip().casefold()


@cache
def wheel() -> Wheel:
    """The wheel, loaded once from ``plutchik.yaml``."""
    text = resources.files("pipeline").joinpath("plutchik.yaml").read_text(encoding="utf-8")
    return Wheel.model_validate(yaml.safe_load(text))


def primaries() -> tuple[str, ...]:
    return wheel().names
