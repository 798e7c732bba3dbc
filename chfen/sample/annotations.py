"""Simulated annotation sheets: three honest annotators over two rounds with realistic
disagreement, one careless annotator, per-modality labels and gold items.

Each annotator has their own accuracy and writing habits (English primary names, intensity words
such as "rage" or "serenity", Chinese names such as 喜悦, a capital letter now and then). A
wrong vote usually lands on a neighbouring emotion on the wheel, sometimes two steps away, on a
dyad of the true emotion and a neighbour, or on "neutral". Round 2 revises round 1: most wrong
labels are corrected, a few right ones drift. Every item the clean stage should keep gets at
least two of three final votes for its true primary, so its agreement stays above 0.5.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from chfen.sample.content import OFF_WHEEL_LABELS
from chfen.sample.plan import Item, neighbours
from pipeline.plutchik import wheel

ROUNDS = (1, 2)
MIN_CORRECT = 2
FIX_IN_ROUND_2 = 0.6
DRIFT_IN_ROUND_2 = 0.04


@dataclass(frozen=True)
class Annotator:
    """An annotator's accuracy and how they write labels: P(English primary name), P(English
    intensity word), the rest Chinese; and how often they capitalise."""

    name: str
    accuracy: float
    english: float
    intensity: float
    capitalise: float


PANEL = (
    Annotator("ann_a", 0.86, 0.85, 0.10, 0.0),
    Annotator("ann_b", 0.76, 0.60, 0.30, 0.3),
    Annotator("ann_c", 0.68, 0.50, 0.10, 0.0),
)


@dataclass(frozen=True)
class Intent:
    """What an annotator means before writing it down: a primary, a dyad of two primaries,
    neutral, or a word off the wheel."""

    kind: str
    primaries: tuple[str, ...] = ()


def _wrong(truth: str, rng: np.random.Generator) -> Intent:
    names = wheel().names
    u = rng.random()
    near = neighbours(truth)[int(rng.integers(2))]
    if u < 0.7:
        return Intent("primary", (near,))
    if u < 0.82:
        step = 2 if rng.random() < 0.5 else -2
        return Intent("primary", (names[(names.index(truth) + step) % len(names)],))
    if u < 0.92:
        return Intent("dyad", (truth, near))
    return Intent("neutral")


def _ensure_majority(
    intents: list[Intent], truth: str, panel: tuple[Annotator, ...]
) -> list[Intent]:
    """Turn the most accurate wrong annotators right until ``MIN_CORRECT`` votes are right."""
    right = Intent("primary", (truth,))
    wrong = sorted(
        (k for k, i in enumerate(intents) if i != right), key=lambda k: -panel[k].accuracy
    )
    missing = MIN_CORRECT - (len(intents) - len(wrong))
    out = list(intents)
    for k in wrong[: max(missing, 0)]:
        out[k] = right
    return out


def _word(intent: Intent, annotator: Annotator, rng: np.random.Generator) -> str:
    w = wheel()
    if intent.kind == "off_wheel":
        return OFF_WHEEL_LABELS[int(rng.integers(len(OFF_WHEEL_LABELS)))]
    if intent.kind == "neutral":
        return "neutral" if rng.random() < 0.7 else "中性"
    if intent.kind == "dyad":
        pair = set(intent.primaries)
        return next(name for name, members in w.dyads.items() if set(members) == pair)
    primary = w.primary(intent.primaries[0])
    u = rng.random()
    if u < annotator.english:
        word = primary.name
    elif u < annotator.english + annotator.intensity:
        word = primary.intensities[0 if rng.random() < 0.5 else 2]
    else:
        word = primary.zh if rng.random() < 0.7 else primary.intensities_zh[int(rng.integers(3))]
    return word.capitalize() if rng.random() < annotator.capitalise else word


def _panel(rng: np.random.Generator) -> tuple[Annotator, ...]:
    return tuple(
        Annotator(
            a.name,
            round(a.accuracy + float(rng.uniform(-0.03, 0.03)), 3),
            a.english,
            a.intensity,
            a.capitalise,
        )
        for a in PANEL
    )


Sheets = dict[tuple[int, str], list[tuple[str, str]]]


def annotate(items: list[Item], rng: np.random.Generator) -> Sheets:
    """Sheets keyed by (round, annotator), each a list of (video_id, label) rows in the order the
    annotator worked through them."""
    panel = _panel(rng)
    rows: Sheets = {(r, a.name): [] for r in ROUNDS for a in panel}
    for item in items:
        if item.labels == "none":
            continue
        if item.labels == "off_wheel":
            first = [Intent("off_wheel") for _ in panel]
            second = first
        else:
            truth = item.media_emotion
            right = Intent("primary", (truth,))
            first = _ensure_majority(
                [right if rng.random() < a.accuracy else _wrong(truth, rng) for a in panel],
                truth,
                panel,
            )
            revised = []
            for intent in first:
                if intent != right and rng.random() < FIX_IN_ROUND_2:
                    revised.append(right)
                elif intent == right and rng.random() < DRIFT_IN_ROUND_2:
                    revised.append(_wrong(truth, rng))
                else:
                    revised.append(intent)
            second = _ensure_majority(revised, truth, panel)
        for a, one, two in zip(panel, first, second, strict=True):
            word = _word(one, a, rng)
            rows[(1, a.name)].append((item.id, word))
            rows[(2, a.name)].append((item.id, word if two == one else _word(two, a, rng)))
    for sheet in rows.values():
        order = rng.permutation(len(sheet))
        sheet[:] = [sheet[int(i)] for i in order]
    return rows


# -- the other dimensions of the sheets, one careless annotator and gold items ----------------

CARELESS = "ann_x"
MODALITY_BONUS = 0.05  # a single modality is a little easier to judge than the whole clip
PROJECTION = 0.6  # a wrong modality label is most often the clip's overall emotion
GOLD_ITEMS = 2

Truths = dict[str, dict[str, str]]  # video id -> modality -> planted emotion or "neutral"
Rows = dict[tuple[int, str], list[dict[str, str]]]


def _modality_word(truth: str, overall: str, accuracy: float, rng: np.random.Generator) -> str:
    """An honest annotator's label of one modality whose planted emotion is ``truth``."""
    if rng.random() < min(accuracy + MODALITY_BONUS, 0.97):
        return truth
    if truth != overall and rng.random() < PROJECTION:
        return overall
    if truth == "neutral":
        return neighbours(overall)[int(rng.integers(2))]
    return "neutral" if rng.random() < 0.3 else neighbours(truth)[int(rng.integers(2))]


def _intensity(label: str) -> str:
    try:
        level = wheel().resolve(label).intensity
    except ValueError:
        return ""
    return "" if level is None else str(level + 1)


def dimensions(items: list[Item], sheets: Sheets, truths: Truths, rng: np.random.Generator) -> Rows:
    """Full sheet rows: the honest panel's overall labels (``sheets``, unchanged) with their
    per-modality labels, intensity and confidence, plus one careless annotator (round 1 only)
    who picks every label at random. Drawn from ``rng`` alone, so the overall labels do not
    depend on it."""
    panel = {a.name: a for a in PANEL}
    overall = {i.id: i.media_emotion for i in items}
    rows: Rows = {}
    revised: dict[tuple[str, str], dict[str, str]] = {}
    for (round_no, name), labels in sorted(sheets.items()):
        out = []
        for video_id, label in labels:
            row = {"video_id": video_id, "label": label, "intensity": _intensity(label)}
            if video_id in truths:
                first = revised.get((name, video_id))
                words = {}
                for modality, truth in truths[video_id].items():
                    if first is not None and (
                        first[modality] == truth or rng.random() >= FIX_IN_ROUND_2
                    ):
                        words[modality] = first[modality]
                    else:
                        words[modality] = _modality_word(
                            truth, overall[video_id], panel[name].accuracy, rng
                        )
                revised[(name, video_id)] = words
                row.update({f"{m}_label": w for m, w in words.items()})
            row["confidence"] = str(int(rng.integers(3, 6)))
            out.append(row)
        rows[(round_no, name)] = out
    careless = []
    choices = (*wheel().names, "neutral")
    for item in items:
        if item.labels == "none":
            continue
        row = {
            "video_id": item.id,
            "label": wheel().names[int(rng.integers(8))],
            "intensity": str(int(rng.integers(1, 4))),
            "confidence": "5",
        }
        row.update({f"{m}_label": choices[int(rng.integers(9))] for m in truths.get(item.id, {})})
        careless.append(row)
    rows[(1, CARELESS)] = careless
    return rows


def gold_items(items: list[Item]) -> list[Item]:
    """The first few items the annotators labelled on the wheel: their truth goes in gold.csv."""
    return [i for i in items if i.labels == "wheel" and i.expected == "kept"][:GOLD_ITEMS]
