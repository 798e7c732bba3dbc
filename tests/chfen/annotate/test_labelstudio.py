from xml.etree import ElementTree as ET

from label_studio_sdk.label_interface import LabelInterface

from chfen.annotate.labelstudio import import_export, labeling_config
from pipeline.plutchik import wheel
from stages.labels.sheets import SHEET_COLUMNS


def test_config_is_valid_xml_label_studio_accepts():
    config = labeling_config()
    root = ET.fromstring(config)  # noqa: S314 (the config chfen itself wrote)
    objects = {e.get("name") for e in root if e.tag in ("Video", "Text")}
    controls = [e for e in root if e.tag in ("Choices", "Rating", "TextArea")]
    assert objects == {"video", "title", "subtitles"}
    assert all(c.get("toName") in objects for c in controls)
    names = [c.get("name") for c in controls]
    assert len(names) == len(set(names))
    # every control fills a sheet column; every emotion choice resolves on the wheel
    assert set(names) <= set(SHEET_COLUMNS)
    assert {"label", "title_label", "text_label", "visual_label", "audio_label"} <= set(names)
    for c in controls:
        if c.tag == "Choices" and c.get("name") != "intensity":
            aliases = [ch.get("alias") for ch in c]
            assert set(aliases) == {*wheel().names, "neutral"}
            for alias in aliases:
                wheel().resolve(alias)
    LabelInterface(config).validate()


def _choice(name, value):
    return {"from_name": name, "to_name": "video", "type": "choices", "value": {"choices": [value]}}


def _annotation(aid, user, *results, cancelled=False):
    return {"id": aid, "completed_by": user, "was_cancelled": cancelled, "result": list(results)}


def test_import_hand_made_export_reports_bad_rows_keeps_good():
    export = [
        {
            "id": 1,
            "data": {"video_id": "v1", "title": "t"},
            "annotations": [
                _annotation(
                    11,
                    1,
                    _choice("label", "fear"),
                    _choice("visual_label", "joy"),
                    _choice("intensity", "high"),
                    {"from_name": "confidence", "type": "rating", "value": {"rating": 4}},
                    {"from_name": "note", "type": "textarea", "value": {"text": ["sarcastic"]}},
                ),
                _annotation(12, {"id": 2, "email": "bo@x.test"}, _choice("label", "neutral")),
                _annotation(13, 1, _choice("label", "anger")),  # user 1 twice
            ],
        },
        {
            "id": 2,
            "data": {"video_id": "v2"},
            "annotations": [
                _annotation(21, 1, _choice("label", "happyish")),  # not on the wheel
                _annotation(22, 2, _choice("visual_label", "joy")),  # no overall label
                _annotation(23, 3, _choice("label", "joy"), cancelled=True),
                _annotation(24, None, _choice("label", "joy")),  # no user
                _annotation(25, 2, _choice("label", "joy"), _choice("audio_label", "blah")),
            ],
        },
        {"id": 3, "data": {"title": "no id"}, "annotations": []},
        "not a task",
    ]
    rows, problems = import_export(export, round_=3, users={1: "ann@x.test"})
    assert [(r.video_id, r.annotator, r.round, r.label) for r in rows] == [
        ("v1", "ann@x.test", 3, "fear"),
        ("v1", "bo@x.test", 3, "neutral"),
    ]
    first = rows[0]
    assert (first.visual_label, first.intensity, first.confidence, first.note) == (
        "joy",
        3,
        4,
        "sarcastic",
    )
    where = {(p.task, p.annotation): p.detail for p in problems}
    assert set(where) == {
        (1, 13),
        (2, 21),
        (2, 22),
        (2, 23),
        (2, 24),
        (2, 25),
        (3, None),
        (None, None),
    }
    assert "happyish" in where[(2, 21)]
    assert "no overall emotion" in where[(2, 22)]
    assert "skipped" in where[(2, 23)]
    assert "audio_label" in where[(2, 25)]


def test_import_names_unknown_users_by_id():
    export = [
        {
            "id": 1,
            "data": {"video_id": "v"},
            "annotations": [_annotation(1, 7, _choice("label", "joy"))],
        }
    ]
    rows, problems = import_export(export, round_=1)
    assert not problems and rows[0].annotator == "user7"


def test_import_round_is_validated():
    export = [
        {
            "id": 1,
            "data": {"video_id": "v"},
            "annotations": [_annotation(1, 7, _choice("label", "joy"))],
        }
    ]
    rows, problems = import_export(export, round_=0)
    assert not rows and problems[0].detail.startswith("round:")
