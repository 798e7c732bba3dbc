"""The sheet schema: old four-column sheets, every optional column, bad cells and bad rows."""

import pytest

from stages.labels.sheets import SHEET_COLUMNS, read_gold, read_rows


def write(folder, name, text):
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


def test_old_four_column_sheet_stays_valid(tmp_path):
    write(tmp_path, "r1.csv", "video_id,annotator,round,label\nv1,a,1,joy\nv2,a,1,中性\n")
    votes, problems = read_rows(tmp_path)
    assert problems == []
    assert [(v.video_id, v.label, v.visual_label, v.intensity) for v in votes] == [
        ("v1", "joy", None, None),
        ("v2", "中性", None, None),
    ]
    assert votes[0].sheet == "r1.csv" and votes[0].row == 2


def test_every_column_read_and_neutral_valid_everywhere(tmp_path):
    header = ",".join(SHEET_COLUMNS) + ",video_file\n"
    write(
        tmp_path,
        "r2.csv",
        header
        + "v1,a,2,joy,neutral,serenity,喜悦,love,high,trust,4,a wedding,v1.mp4\n"
        + "v2,a,2,neutral,neutral,neutral,neutral,neutral,neutral,neutral,neutral,,v2.mp4\n",
    )
    votes, problems = read_rows(tmp_path)
    assert problems == []
    v1, v2 = votes
    assert (v1.title_label, v1.text_label, v1.visual_label, v1.audio_label) == (
        "neutral", "serenity", "喜悦", "love")  # fmt: skip
    assert (v1.intensity, v1.secondary, v1.confidence, v1.note) == (3, "trust", 4, "a wedding")
    assert (v2.intensity, v2.confidence, v2.secondary) == (None, None, "neutral")


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("title_label", "nostalgia", "unknown label 'nostalgia'"),
        ("text_label", "confusion", "unknown label 'confusion'"),
        ("visual_label", "42", "unknown label '42'"),
        ("audio_label", "happyish", "unknown label 'happyish'"),
        ("secondary", "meh", "unknown label 'meh'"),
        ("intensity", "4", "less than or equal to 3"),
        ("intensity", "extreme", "valid integer"),
        ("confidence", "0", "greater than or equal to 1"),
        ("confidence", "sure", "valid integer"),
    ],
)
def test_bad_optional_cell_reported_and_rest_of_row_kept(tmp_path, column, value, message):
    row = dict.fromkeys(SHEET_COLUMNS, "")
    row.update(video_id="v1", annotator="a", round="1", label="joy", visual_label="fear")
    row[column] = value
    write(tmp_path, "s.csv", ",".join(row) + "\n" + ",".join(row.values()) + "\n")
    votes, problems = read_rows(tmp_path)
    assert len(problems) == 1
    p = problems[0]
    assert (p.sheet, p.row) == ("s.csv", 2)
    assert p.detail.startswith(f"{column}: ") and message in p.detail and repr(value) in p.detail
    assert len(votes) == 1 and votes[0].label == "joy"
    assert getattr(votes[0], column) is None
    if column != "visual_label":
        assert votes[0].visual_label == "fear"


def test_bad_required_cell_drops_only_its_row(tmp_path):
    write(
        tmp_path,
        "s.csv",
        "video_id,annotator,round,label\nv1,a,one,joy\n,a,1,joy\nv3,a,1,fear\nv4,,0,joy\n",
    )
    votes, problems = read_rows(tmp_path)
    assert [v.video_id for v in votes] == ["v3"]
    assert [(p.row, p.detail.split(":")[0]) for p in problems] == [
        (2, "round"), (3, "video_id"), (5, "annotator"), (5, "round")]  # fmt: skip


def test_missing_required_column_reported_per_sheet(tmp_path):
    write(tmp_path, "s.csv", "video_id,annotator,label\nv1,a,joy\n")
    votes, problems = read_rows(tmp_path)
    assert votes == [] and problems[0].row is None and "round" in problems[0].detail


def test_gold_file_is_not_a_sheet(tmp_path):
    write(tmp_path, "r1.csv", "video_id,annotator,round,label\nv1,a,1,joy\n")
    write(tmp_path, "gold.csv", "video_id,label,audio_label\nv1,joy,\nv2,sadness,bogus\n")
    votes, _ = read_rows(tmp_path)
    assert [v.video_id for v in votes] == ["v1"]
    gold, problems = read_gold(tmp_path)
    assert gold["v1"].label == "joy" and gold["v1"].audio_label is None
    assert gold["v2"].label == "sadness" and gold["v2"].audio_label is None
    assert [(p.sheet, p.row) for p in problems] == [("gold.csv", 3)]
