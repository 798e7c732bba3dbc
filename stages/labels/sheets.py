"""Annotation sheets: the row schema, the reader and the optional gold answers.

A sheet is a CSV file under ``annotations/`` (any depth). The four columns ``video_id,
annotator, round, label`` are required (``label``: the overall emotion a viewer feels); the
optional columns say more, and an old four-column sheet stays valid:

- ``title_label``, ``text_label`` (subtitles/speech content), ``visual_label``, ``audio_label``
  (voice tone and music): the emotion each modality carries on its own;
- ``intensity``: 1-3 or ``low``/``basic``/``high``; ``secondary``: a second emotion (with the
  first it may form a dyad); ``confidence``: 1-5; ``note``: free text.

Every emotion column takes what the wheel resolves (English or Chinese wheel words, intensity
words, dyads) and "neutral"; ``neutral`` in ``intensity`` or ``confidence`` means no value.
Columns other than these (a video file, a title, subtitles listed for the annotator) are
ignored. A bad required cell drops its row; a bad optional cell drops that cell only; each is
reported by sheet, row and column. ``annotations/gold.csv`` is not a sheet: it holds the
expected labels of gold items (``video_id`` and any of the emotion columns), for QC only.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pipeline.plutchik import INTENSITY_LEVELS, NEUTRAL_WORDS, wheel

REQUIRED_COLUMNS = ("video_id", "annotator", "round", "label")
MODALITY_COLUMNS = ("title_label", "text_label", "visual_label", "audio_label")
EMOTION_COLUMNS = ("label", *MODALITY_COLUMNS, "secondary")
SHEET_COLUMNS = (
    *REQUIRED_COLUMNS,
    *MODALITY_COLUMNS,
    "intensity",
    "secondary",
    "confidence",
    "note",
)
GOLD_FILE = "gold.csv"
MODALITIES = tuple(c.removesuffix("_label") for c in MODALITY_COLUMNS)
_M = TypeVar("_M", bound=BaseModel)


def _blank_to_none(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _wheel_word(value: str | None) -> str | None:
    if value is not None:
        wheel().resolve(value)  # raises UnknownLabel (a ValueError) with the word
    return value


def _neutral_is_none(value: Any) -> Any:
    value = _blank_to_none(value)
    if isinstance(value, str) and value.casefold() in NEUTRAL_WORDS:
        return None
    return value


class SheetRow(BaseModel):
    """One row of an annotation sheet: one annotator's labels of one video in one round."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    video_id: str = Field(min_length=1)
    annotator: str = Field(min_length=1)
    round: int = Field(ge=1)
    label: str
    title_label: str | None = None
    text_label: str | None = None
    visual_label: str | None = None
    audio_label: str | None = None
    intensity: int | None = Field(default=None, ge=1, le=3)
    secondary: str | None = None
    confidence: int | None = Field(default=None, ge=1, le=5)
    note: str | None = None

    @field_validator("label", mode="before")
    @classmethod
    def _label(cls, value: Any) -> Any:
        return "" if value is None else value

    @field_validator(*MODALITY_COLUMNS, "secondary", "note", mode="before")
    @classmethod
    def _optional(cls, value: Any) -> Any:
        return _blank_to_none(value)

    @field_validator(*MODALITY_COLUMNS, "secondary")
    @classmethod
    def _on_wheel(cls, value: str | None) -> str | None:
        return _wheel_word(value)

    @field_validator("intensity", mode="before")
    @classmethod
    def _intensity(cls, value: Any) -> Any:
        value = _neutral_is_none(value)
        if isinstance(value, str) and value.casefold() in INTENSITY_LEVELS:
            return INTENSITY_LEVELS.index(value.casefold()) + 1
        return value

    @field_validator("confidence", mode="before")
    @classmethod
    def _confidence(cls, value: Any) -> Any:
        return _neutral_is_none(value)

    def modality_label(self, modality: str) -> str | None:
        return getattr(self, f"{modality}_label")


class Vote(SheetRow):
    """A sheet row with where it came from (``row``: the line in the file, header = 1)."""

    sheet: str
    row: int | None = None


class GoldRow(BaseModel):
    """The expected labels of one gold item (any emotion column may be left empty)."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    video_id: str = Field(min_length=1)
    label: str | None = None
    title_label: str | None = None
    text_label: str | None = None
    visual_label: str | None = None
    audio_label: str | None = None

    @field_validator("label", *MODALITY_COLUMNS, mode="before")
    @classmethod
    def _optional(cls, value: Any) -> Any:
        return _blank_to_none(value)

    @field_validator("label", *MODALITY_COLUMNS)
    @classmethod
    def _on_wheel(cls, value: str | None) -> str | None:
        return _wheel_word(value)


@dataclass(frozen=True)
class SheetProblem:
    sheet: str
    row: int | None
    detail: str


def read_rows(folder: Path) -> tuple[list[Vote], list[SheetProblem]]:
    """Every row in every sheet under ``folder``, and every row, cell or sheet that could not be
    read."""
    votes: list[Vote] = []
    problems: list[SheetProblem] = []
    folder = Path(folder)
    for path in sorted(folder.rglob("*.csv")):
        sheet = str(path.relative_to(folder))
        if sheet == GOLD_FILE:
            continue
        rows = _read_csv(path, sheet, REQUIRED_COLUMNS, problems)
        for i, row in rows:
            vote = _parse(Vote, {**row, "sheet": sheet, "row": i}, sheet, i, problems)
            if vote is not None:
                votes.append(vote)
    return votes, problems


def read_gold(folder: Path) -> tuple[dict[str, GoldRow], list[SheetProblem]]:
    """The gold answers by video id (empty without ``gold.csv``)."""
    path = Path(folder) / GOLD_FILE
    problems: list[SheetProblem] = []
    if not path.is_file():
        return {}, problems
    gold: dict[str, GoldRow] = {}
    for i, row in _read_csv(path, GOLD_FILE, ("video_id",), problems):
        item = _parse(GoldRow, row, GOLD_FILE, i, problems)
        if item is not None:
            gold[item.video_id] = item
    return gold, problems


def _read_csv(
    path: Path, sheet: str, required: tuple[str, ...], problems: list[SheetProblem]
) -> list[tuple[int, dict[str, Any]]]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            rows = list(reader)
            header = reader.fieldnames or []
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        problems.append(SheetProblem(sheet, None, f"unreadable: {e}"))
        return []
    missing = [c for c in required if c not in header]
    if missing:
        problems.append(SheetProblem(sheet, None, f"missing columns {missing}"))
        return []
    return [(i, row) for i, row in enumerate(rows, start=2)]


def _parse(
    model: type[_M], row: dict[str, Any], sheet: str, i: int, problems: list[SheetProblem]
) -> _M | None:
    """``row`` validated; cells of optional columns that fail are reported and left out."""
    row = {k: v for k, v in row.items() if k is not None}
    try:
        return model.model_validate(row)
    except ValidationError as e:
        bad = {str(err["loc"][0]) for err in e.errors() if err["loc"]}
        for err in e.errors():
            column = ".".join(str(p) for p in err["loc"]) or "(row)"
            problems.append(
                SheetProblem(sheet, i, f"{column}: {_message(err)} (got {row.get(column)!r})")
            )
        if bad & {*REQUIRED_COLUMNS, "sheet", "row"}:
            return None
        try:
            return model.model_validate({k: v for k, v in row.items() if k not in bad})
        except ValidationError:
            return None


def _message(err: Any) -> str:
    msg = str(err["msg"])
    return msg.removeprefix("Value error, ")
