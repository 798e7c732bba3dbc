"""Importers: file-name and table parsing, label mapping onto the wheel, bad input reported by
file and row with the rest imported. Media content is irrelevant here (clean probes it), so the
files are a few bytes."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from pipeline.importers import import_dataset
from pipeline.importers.labels import wheel_word
from pipeline.importers.layout import MARKER_FILE, REPORT_FILE
from pipeline.importers.selection import Selection, parse_ranges
from pipeline.plutchik import UnknownLabel, wheel


def touch(folder: Path, *names: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).write_bytes(b"RIFF")


def rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def report(out: Path) -> dict:
    return json.loads((out / REPORT_FILE).read_text(encoding="utf-8"))


def test_wheel_words_carry_the_datasets_intensity():
    assert wheel_word("happy", "ravdess8", 2) == "ecstasy"
    assert wheel_word("happy", "ravdess8", 1) == "joy"
    assert wheel_word("calm", "ravdess8", 2) == "serenity"  # the table fixes calm's level
    assert wheel_word("ANG", "cremad6", 0) == "annoyance"
    assert wheel_word("neutral", "meld7") == "neutral"
    assert wheel_word("love", None) == "love"
    assert wheel_word("positive", "sentiment3") == "sentiment3:positive"
    # the qualified word resolves to the same masses as the mapping
    assert wheel().resolve("sentiment3:positive") == wheel().resolve("positive", "sentiment3")
    with pytest.raises(UnknownLabel):
        wheel_word("bored", "meld7")


def test_parse_ranges():
    assert parse_ranges("1-3,7") == {1, 2, 3, 7}
    for bad in ("8-1", "a", "1-"):
        with pytest.raises(ValueError):
            parse_ranges(bad)


def test_ravdess_names_labels_and_actors(tmp_path):
    src = tmp_path / "ravdess"
    touch(
        src,
        "03-01-03-02-01-01-01.wav",  # happy, strong, actor 1
        "03-01-02-01-02-01-02.wav",  # calm, actor 2
        "03-01-01-01-01-01-03.wav",  # neutral
        "03-01-05-01-01-01-09.wav",  # angry, actor 9: not selected
        "01-01-04-01-01-01-01.mp4",  # sad, audio-video
        "03-01-09-01-01-01-01.wav",  # emotion 09 does not exist
        "happy_clip.wav",  # not a RAVDESS name
        "notes.txt",  # not media: ignored
    )
    out = tmp_path / "raw"
    summary = import_dataset("ravdess", src, out, Selection(actors=parse_ranges("1-8")))
    crawl = {r["video_id"]: r for r in rows(out / "crawl" / "ravdess.csv")}
    sheet = {r["video_id"]: r for r in rows(out / "annotations" / "ravdess.csv")}
    assert sorted(crawl) == [
        "01-01-04-01-01-01-01",
        "03-01-01-01-01-01-03",
        "03-01-02-01-02-01-02",
        "03-01-03-02-01-01-01",
    ]
    assert sheet["03-01-03-02-01-01-01"]["label"] == "ecstasy"
    assert sheet["03-01-03-02-01-01-01"]["source_label"] == "happy (strong)"
    assert sheet["03-01-02-01-02-01-02"]["label"] == "serenity"
    assert sheet["03-01-01-01-01-01-03"]["label"] == "neutral"
    assert {r["annotator"] for r in sheet.values()} == {"ravdess"}
    assert crawl["03-01-02-01-02-01-02"]["account"] == "actor-02"
    assert crawl["03-01-02-01-02-01-02"]["title"] == "Dogs are sitting by the door"
    assert crawl["03-01-02-01-02-01-02"]["media"] == "audio"
    assert crawl["01-01-04-01-01-01-01"]["media"] == "video"
    assert (out / "videos" / "03-01-02-01-02-01-02.wav").read_bytes() == b"RIFF"
    problems = report(out)["problems"]
    assert [Path(p["file"]).name for p in problems] == [
        "03-01-09-01-01-01-01.wav",
        "happy_clip.wav",
    ]
    assert "MM-VV-EE-II-SS-RR-AA" in problems[1]["detail"]
    assert summary.items == 4

    # calm dropped by option; the previous import is replaced, not merged
    import_dataset("ravdess", src, out, Selection(actors=parse_ranges("1"), calm="drop"))
    assert [r["video_id"] for r in rows(out / "crawl" / "ravdess.csv")] == [
        "01-01-04-01-01-01-01",
        "03-01-03-02-01-01-01",
    ]


def test_an_existing_folder_that_is_not_an_import_is_refused(tmp_path):
    src = tmp_path / "ravdess"
    touch(src, "03-01-03-02-01-01-01.wav")
    crawl = tmp_path / "raw"
    crawl.mkdir()
    (crawl / "mine.json").write_text("{}")
    with pytest.raises(FileExistsError, match=MARKER_FILE):
        import_dataset("ravdess", src, crawl)
    assert (crawl / "mine.json").read_text() == "{}"


def test_cremad_levels_and_bad_names(tmp_path):
    src = tmp_path / "crema"
    touch(src, "1001_DFA_ANG_HI.wav", "1002_IEO_HAP_LO.flv", "1003_ITS_NEU_XX.mp3")
    touch(src, "1004_XXX_SAD_MD.wav", "1005_DFA_BOR_MD.wav", "1001-DFA-ANG-HI.wav")
    out = tmp_path / "raw"
    import_dataset("crema-d", src, out)
    sheet = {r["video_id"]: r["label"] for r in rows(out / "annotations" / "cremad.csv")}
    assert sheet == {
        "1001_DFA_ANG_HI": "rage",
        "1002_IEO_HAP_LO": "serenity",
        "1003_ITS_NEU_XX": "neutral",
    }
    crawl = {r["video_id"]: r for r in rows(out / "crawl" / "cremad.csv")}
    assert crawl["1002_IEO_HAP_LO"]["media"] == "video"
    assert crawl["1002_IEO_HAP_LO"]["title"] == "It's eleven o'clock"
    assert crawl["1001_DFA_ANG_HI"]["account"] == "actor-1001"
    details = {Path(p["file"]).name: p["detail"] for p in report(out)["problems"]}
    assert set(details) == {"1004_XXX_SAD_MD.wav", "1005_DFA_BOR_MD.wav", "1001-DFA-ANG-HI.wav"}
    assert "'BOR'" in details["1005_DFA_BOR_MD.wav"]


MELD_HEADER = (
    "Sr No.,Utterance,Speaker,Emotion,Sentiment,Dialogue_ID,Utterance_ID,StartTime,EndTime"
)


def test_meld_rows_clips_and_bad_rows(tmp_path):
    src = tmp_path / "meld"
    src.mkdir()
    lines = [
        MELD_HEADER,
        '1,"You must\u2019ve had your hands full.",Chandler,joy,positive,0,1,'
        '"00:16:21,940","00:16:23,442"',
        "2,What?,Ross,surprise,negative,0,2,,",
        "3,Fine.,Ross,neutral,neutral,1,0,,",
        "4,Hmm.,Ross,bored,neutral,1,1,,",  # unknown emotion
        "5,,Ross,joy,positive,1,2,,",  # empty utterance
        "6,Okay.,Ross,joy,positive,x,3,,",  # dialogue id not a number
        '7,"It\u00e2\u20ac\u2122s fine",Monica,sadness,negative,2,0,,',  # mojibake
    ]
    (src / "dev_sent_emo.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    touch(src / "dev_splits_complete", "dia0_utt2.mp4")
    out = tmp_path / "raw"
    summary = import_dataset("meld", src, out)
    crawl = {r["video_id"]: r for r in rows(out / "crawl" / "meld.csv")}
    assert sorted(crawl) == [
        "meld-dev-dia0-utt1",
        "meld-dev-dia0-utt2",
        "meld-dev-dia1-utt0",
        "meld-dev-dia2-utt0",
    ]
    assert crawl["meld-dev-dia0-utt1"]["title"] == "You must\u2019ve had your hands full."
    assert crawl["meld-dev-dia0-utt1"]["media"] == "text"
    assert crawl["meld-dev-dia0-utt1"]["duration_s"] == "1.502"
    assert crawl["meld-dev-dia0-utt1"]["account"] == "meld-dev-dia0"
    assert crawl["meld-dev-dia0-utt2"]["media"] == "video"
    assert crawl["meld-dev-dia0-utt2"]["video_file"] == "meld-dev-dia0-utt2.mp4"
    assert crawl["meld-dev-dia2-utt0"]["title"] == "It\u2019s fine"
    sheet = {r["video_id"]: r for r in rows(out / "annotations" / "meld.csv")}
    assert sheet["meld-dev-dia1-utt0"]["label"] == "neutral"
    assert sheet["meld-dev-dia0-utt1"]["source_label"] == "joy (positive)"
    problems = [(p.row, p.detail) for p in summary.problems]
    assert [row for row, _ in problems] == [5, 6, 7]
    assert "'bored'" in problems[0][1] and "empty" in problems[1][1]


def test_meld_non_utf8_and_missing_columns(tmp_path):
    src = tmp_path / "meld"
    src.mkdir()
    text = MELD_HEADER + "\n" + "1,It\u2019s caf\u00e9 time,Ross,joy,positive,0,0,,\n"
    (src / "train_sent_emo.csv").write_bytes(text.encode("cp1252"))
    (src / "dev_sent_emo.csv").write_text("Utterance,Emotion\nHi,joy\n", encoding="utf-8")
    out = tmp_path / "raw"
    summary = import_dataset("meld", src, out)
    crawl = rows(out / "crawl" / "meld.csv")
    assert [(r["video_id"], r["title"]) for r in crawl] == [
        ("meld-train-dia0-utt0", "It\u2019s caf\u00e9 time")
    ]
    by_file = {Path(p.file).name: p for p in summary.problems}
    assert "not UTF-8" in by_file["train_sent_emo.csv"].detail
    assert "line 2" in by_file["train_sent_emo.csv"].detail
    assert "Dialogue_ID" in by_file["dev_sent_emo.csv"].detail
    assert by_file["dev_sent_emo.csv"].row == 1


def test_folder_with_label_set_text_rows_and_bad_rows(tmp_path):
    src = tmp_path / "clips"
    touch(src, "a.mp4", "b clip.wav", "c.txt")
    table = [
        "file,label,title,account",
        "a.mp4,happiness,A title,chan1",
        "b clip.wav,sadness,,",
        ",anger,Only words here,chan2",
        "c.txt,fear,,",  # not media
        "missing.mp4,fear,,",  # not on disk
        "../escape.mp4,fear,,",  # outside the folder
        "a.mp4,contempt,,",  # not in ekman6
        ",joy,,",  # nothing to import
    ]
    (src / "labels.csv").write_text("\n".join(table) + "\n", encoding="utf-8")
    out = tmp_path / "raw"
    summary = import_dataset("folder", src, out, label_set="ekman6")
    crawl = {r["video_id"]: r for r in rows(out / "crawl" / "folder.csv")}
    assert {k: (v["media"], v["title"], v["account"]) for k, v in crawl.items()} == {
        "a": ("video", "A title", "chan1"),
        "b_clip": ("audio", "b clip", "b_clip"),
        "row-4": ("text", "Only words here", "chan2"),
    }
    sheet = {
        r["video_id"]: (r["label"], r["source_label"])
        for r in rows(out / "annotations" / "folder.csv")
    }
    assert sheet["a"] == ("joy", "happiness")
    assert [p.row for p in summary.problems] == [5, 6, 7, 8, 9]
    assert all(p.file.endswith("labels.csv") for p in summary.problems)


def test_unknown_format_and_missing_source(tmp_path):
    with pytest.raises(ValueError, match="unknown format"):
        import_dataset("iemocap", tmp_path, tmp_path / "out")
    with pytest.raises(ValueError, match="does not exist"):
        import_dataset("meld", tmp_path / "nope", tmp_path / "out")
