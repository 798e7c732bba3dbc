"""Plutchik's wheel of emotions: the label system every chfen label is resolved onto.

The wheel itself is data (``plutchik.yaml`` beside this module); this module loads it, checks
that it is consistent, and answers the questions the pipeline asks of it: which primaries a
label stands for (with what intensity), how to read another dataset's label set onto the wheel,
and how to coarsen a distribution over primaries to a coarser view.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Literal

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, model_validator

if TYPE_CHECKING:
    from pipeline.records import LabelSummary

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


@dataclass(frozen=True)
class LabelSpace:
    """One view of the wheel a model predicts in: its classes, the soft target of a label, and
    the sums of a prediction into every coarser view (``primary8`` -> ``valence3``) and onto
    the 8 primaries. A ``+neutral`` space has neutral as its last class; its coarser views keep
    it (``valence3`` has it as the neutral valence)."""

    name: Granularity

    @property
    def classes(self) -> tuple[str, ...]:
        return wheel().labels(self.name)

    @property
    def has_neutral(self) -> bool:
        return self.name.endswith(WITH_NEUTRAL) or self.name == "valence3"

    @property
    def graded(self) -> bool:
        """Whether the classes are the 24 intensity-graded emotions."""
        return self.name.startswith("emotion24")

    def coarser(self) -> tuple[Granularity, ...]:
        """The spaces a prediction here can be summed into (itself first)."""
        base = self.name.removesuffix(WITH_NEUTRAL)
        chain = GRANULARITIES[GRANULARITIES.index(base) :]
        if not self.name.endswith(WITH_NEUTRAL):
            return chain
        return tuple(s if s == "valence3" else f"{s}{WITH_NEUTRAL}" for s in chain)  # type: ignore[misc]

    def target(self, label: LabelSummary) -> np.ndarray:
        """The annotators' soft label here. For the 24 graded emotions the primary's mass goes
        to its aggregated intensity, the other primaries' mass to their basic level. Neutral mass
        goes to the neutral class; in a space without one it is dropped (an all-zero target: the
        item has no class here)."""
        return self.soft_target(label.distribution, label.primary, label.intensity)

    def soft_target(
        self,
        distribution: dict[str, float],
        primary: str | None = None,
        intensity: int | None = None,
    ) -> np.ndarray:
        """``target`` of a bare soft label over the primaries (and neutral): with no
        ``intensity`` every primary's mass goes to its basic level in the graded space."""
        w = wheel()
        if self.graded:
            out = np.zeros(len(self.classes), np.float32)
            for p_index, name in enumerate(w.names):
                mass = distribution.get(name, 0.0)
                graded = name == primary and intensity is not None
                out[p_index * 3 + (intensity if graded else 1)] += mass  # type: ignore[operator]
            if self.has_neutral:
                out[-1] = distribution.get(NEUTRAL, 0.0)
        else:
            coarse = w.coarsen(distribution, self.name)
            out = np.array([coarse[c] for c in self.classes], np.float32)
        total = out.sum()
        return out / total if total > 0 else out

    def project(self, probs: np.ndarray, dest: Granularity) -> np.ndarray:
        """Class probabilities (..., len(classes)) summed into ``dest``, a coarser space."""
        if dest == self.name:
            return probs
        dst = label_space(dest).classes
        matrix = np.zeros((len(self.classes), len(dst)), np.float32)
        w = wheel()
        for i, name in enumerate(self.classes):
            if name == NEUTRAL:
                if NEUTRAL in dst:
                    matrix[i, dst.index(NEUTRAL)] = 1.0
                continue
            primary = w.names[i // 3] if self.graded else name
            key = primary if dest.startswith("primary8") else w.primary(primary).valence
            matrix[i, dst.index(key)] = 1.0
        return probs @ matrix

    def primaries(self, probs: np.ndarray) -> dict[str, float]:
        """A prediction as mass on the 8 primaries, in the wheel's order, without the neutral
        class's mass (``neutral_share``); a ``valence3`` prediction's mass is spread evenly over
        the primaries of each valence."""
        w = wheel()
        probs = np.asarray(probs, np.float64)
        if self.name.endswith(WITH_NEUTRAL):
            probs = probs[:-1]
        if self.name.startswith("primary8"):
            mass = probs
        elif self.graded:
            mass = probs.reshape(8, 3).sum(1)
        else:
            valence = dict(zip(self.classes, probs, strict=True))
            members = {v: [p for p in w.primaries if p.valence == v] for v in valence}
            mass = np.array([valence[p.valence] / len(members[p.valence]) for p in w.primaries])
        return {name: float(m) for name, m in zip(w.names, mass, strict=True)}

    def neutral_share(self, probs: np.ndarray) -> float:
        """The mass on the neutral class (0 for a space without one)."""
        return float(np.asarray(probs)[-1]) if self.name.endswith(WITH_NEUTRAL) else 0.0


@cache
def label_space(name: Granularity) -> LabelSpace:
    """The label space called ``name`` (``primary8``, ``emotion24+neutral``, ...)."""
    if name not in GRANULARITIES and name.removesuffix(WITH_NEUTRAL) not in GRANULARITIES:
        raise ValueError(f"unknown label space {name!r}")
    return LabelSpace(name)
