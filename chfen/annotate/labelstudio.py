"""Label Studio: the labeling config, the tasks, and its JSON export read back as sheet rows.

The config shows the video with its title and the subtitles the ocr stage recognised, and asks
for the overall emotion (``label``), one emotion per modality (``title_label`` about the title,
``text_label`` about the subtitles/speech content, ``visual_label`` about the picture,
``audio_label`` about voice tone and music), ``intensity``, a ``secondary`` emotion, a
``confidence`` rating (1-5) and a ``note``: each control is named after its sheet column, and
every emotion choice is a primary of the wheel or neutral (shown in English and Chinese,
exported as the English word). An export's annotations become sheet rows with the Label Studio
user as annotator; a row that does not validate is reported by task and annotation and left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree as ET

from pydantic import BaseModel, ConfigDict, ValidationError

from chfen.annotate.sheets import ItemInfo
from pipeline.plutchik import INTENSITY_LEVELS, wheel
from stages.labels.sheets import SheetRow

# Sheet column -> (the object tag it is about, heading in English and Chinese)
EMOTION_CONTROLS = {
    "label": ("video", "Overall emotion a viewer feels 观众感受到的整体情绪"),
    "title_label": ("title", "Emotion of the title 标题的情绪"),
    "text_label": ("subtitles", "Emotion of the subtitles / speech content 字幕与话语内容的情绪"),
    "visual_label": ("video", "Emotion of the picture 画面的情绪"),
    "audio_label": ("video", "Emotion of voice tone and music 语气与音乐的情绪"),
    "secondary": ("video", "Second emotion, if any 第二种情绪（可选）"),
}
INTENSITY_ZH = ("弱", "中", "强")


def _emotion_choices(parent: ET.Element, name: str, to_name: str, required: bool) -> None:
    choices = ET.SubElement(
        parent,
        "Choices",
        name=name,
        toName=to_name,
        choice="single",
        showInline="true",
        required="true" if required else "false",
    )
    for p in wheel().primaries:
        ET.SubElement(choices, "Choice", value=f"{p.name} {p.zh}", alias=p.name)
    ET.SubElement(choices, "Choice", value="neutral 中性", alias="neutral")


def labeling_config() -> str:
    """The Label Studio labeling config (XML) for a chfen round."""
    view = ET.Element("View")
    ET.SubElement(view, "Header", value="$video_id")
    ET.SubElement(view, "Text", name="title", value="$title")
    ET.SubElement(view, "Video", name="video", value="$video")
    ET.SubElement(view, "Text", name="subtitles", value="$subtitles")
    for column, (to_name, heading) in EMOTION_CONTROLS.items():
        ET.SubElement(view, "Header", value=heading, size="5")
        _emotion_choices(view, column, to_name, required=column == "label")
    ET.SubElement(view, "Header", value="Intensity 强度", size="5")
    intensity = ET.SubElement(
        view, "Choices", name="intensity", toName="video", choice="single", showInline="true"
    )
    for word, zh in zip(INTENSITY_LEVELS, INTENSITY_ZH, strict=True):
        ET.SubElement(intensity, "Choice", value=f"{word} {zh}", alias=word)
    ET.SubElement(view, "Header", value="Confidence 把握 (1-5)", size="5")
    ET.SubElement(view, "Rating", name="confidence", toName="video", maxRating="5")
    ET.SubElement(view, "TextArea", name="note", toName="video", rows="2", placeholder="note 备注")
    ET.indent(view)
    return ET.tostring(view, encoding="unicode") + "\n"


def task(info: ItemInfo, video_url: str) -> dict[str, Any]:
    """One Label Studio task (its ``data``) for an item; ``video_url`` is where the browser
    fetches the video (a Label Studio local-files URL, or a web server's)."""
    return {"data": {**info.model_dump(), "video": video_url, "subtitles": info.subtitles or "-"}}


class _Result(BaseModel):
    model_config = ConfigDict(extra="ignore")

    from_name: str
    type: str
    value: dict[str, Any]


class _Annotation(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: int | None = None
    completed_by: int | dict[str, Any] | None = None
    was_cancelled: bool = False
    result: list[_Result] = []


class _Task(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: int | None = None
    data: dict[str, Any]
    annotations: list[_Annotation] = []


@dataclass(frozen=True)
class ExportProblem:
    task: int | None
    annotation: int | None
    detail: str

    def __str__(self) -> str:
        return f"task {self.task}, annotation {self.annotation}: {self.detail}"


def _explain(error: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in err['loc'])}: {str(err['msg']).removeprefix('Value error, ')}"
        f" (got {err.get('input')!r})"
        for err in error.errors()
    )


def _annotator(completed_by: int | dict[str, Any] | None, users: Mapping[int, str]) -> str:
    """The Label Studio user's e-mail (or ``user<id>`` when the export and ``users`` lack it)."""
    if isinstance(completed_by, dict):
        email = completed_by.get("email")
        if email:
            return str(email)
        completed_by = completed_by.get("id")
    if completed_by is None:
        raise ValueError("the annotation names no user (completed_by)")
    return users.get(int(completed_by), f"user{int(completed_by)}")


def _cells(results: list[_Result]) -> dict[str, Any]:
    """The sheet cells the results of one annotation fill in."""
    cells: dict[str, Any] = {}
    for r in results:
        if r.type == "choices":
            picked = r.value.get("choices") or []
            if len(picked) != 1:
                raise ValueError(f"{r.from_name}: one choice expected, got {picked}")
            cells[r.from_name] = picked[0]
        elif r.type == "rating":
            cells[r.from_name] = r.value.get("rating")
        elif r.type == "textarea":
            cells[r.from_name] = " ".join(r.value.get("text") or [])
    return cells


def import_export(
    export: list[dict[str, Any]], round_: int, users: Mapping[int, str] | None = None
) -> tuple[list[SheetRow], list[ExportProblem]]:
    """A Label Studio JSON export as sheet rows of round ``round_`` (skipped annotations and rows
    that fail the sheet schema are reported, never written)."""
    users = users or {}
    rows: list[SheetRow] = []
    problems: list[ExportProblem] = []
    seen: dict[tuple[str, str], int | None] = {}
    for n, raw in enumerate(export):
        try:
            t = _Task.model_validate(raw)
        except ValidationError as e:
            problems.append(ExportProblem(None, None, f"entry {n} is not a task: {e.errors()[0]}"))
            continue
        video_id = t.data.get("video_id")
        if not video_id:
            problems.append(ExportProblem(t.id, None, "the task's data has no video_id"))
            continue
        for a in t.annotations:
            if a.was_cancelled:
                problems.append(ExportProblem(t.id, a.id, "skipped by the annotator"))
                continue
            try:
                annotator = _annotator(a.completed_by, users)
                cells = _cells(a.result)
                if "label" not in cells:
                    raise ValueError("no overall emotion (label) chosen")
                row = SheetRow.model_validate(
                    {"video_id": video_id, "annotator": annotator, "round": round_, **cells}
                )
                wheel().resolve(row.label)
            except ValidationError as e:
                problems.append(ExportProblem(t.id, a.id, _explain(e)))
                continue
            except ValueError as e:
                problems.append(ExportProblem(t.id, a.id, str(e).splitlines()[0]))
                continue
            key = (row.video_id, row.annotator)
            if key in seen:
                problems.append(
                    ExportProblem(
                        t.id,
                        a.id,
                        f"{annotator} already labelled {video_id} (annotation {seen[key]}); "
                        "the first one is kept",
                    )
                )
                continue
            seen[key] = a.id
            rows.append(row)
    return rows, problems
