import csv
import json

from typer.testing import CliRunner

from chfen.annotate.sheets import INFO_COLUMNS
from chfen.cli import app
from pipeline.records import Engagement, LabelSummary, ManifestEntry, MediaInfo
from stages.labels.schema import VideoLabels
from stages.labels.sheets import SHEET_COLUMNS, read_rows
from tests.stages.ocr.documents import write_subtitles

MEDIA = MediaInfo(duration_s=12.5, has_video=True, has_audio=True, size_bytes=1)


def _entry(video_id: str) -> ManifestEntry:
    return ManifestEntry(
        id=video_id,
        platform="generic",
        title=f"标题 {video_id}",
        engagement=Engagement(),
        source_file="crawl/x.csv",
        video=f"videos/{video_id}.mp4",
        content_hash=video_id,
        media=MEDIA,
    )


def _project(tmp_path):
    ids = [f"v{i:02d}" for i in range(10)] + ["g1", "g2"]
    manifest = tmp_path / "manifest.jsonl"
    manifest.write_text("".join(_entry(v).model_dump_json() + "\n" for v in ids))
    labels = tmp_path / "labels.jsonl"
    summary = LabelSummary(
        primary="joy", distribution={"joy": 1.0}, agreement=1.0, n_votes=2, votes={}
    )
    low = summary.model_copy(update={"agreement": 0.5})
    labels.write_text(
        "".join(
            VideoLabels(id=v, label=s, split="train", conflict=c).model_dump_json() + "\n"
            for v, s, c in [("v00", summary, False), ("v01", low, False), ("v02", summary, True)]
        )
    )
    annotations = tmp_path / "annotations"
    annotations.mkdir()
    (annotations / "r1.csv").write_text(
        "video_id,annotator,round,label\nv00,a,1,joy\nv00,b,1,joy\n", encoding="utf-8"
    )
    (annotations / "gold.csv").write_text("video_id,label\ng1,fear\ng2,joy\n", encoding="utf-8")
    subtitles = tmp_path / "subtitles"
    write_subtitles(subtitles, "v03", [(0.0, 1.0, "第一句"), (1.0, 2.0, "第二句")])
    issues = tmp_path / "label_issues.csv"
    issues.write_text("video_id,suggested\nv00,fear\n", encoding="utf-8")
    return [
        "--manifest",
        str(manifest),
        "--labels",
        str(labels),
        "--unlabelled",
        str(tmp_path / "absent.jsonl"),
        "--annotations",
        str(annotations),
        "--subtitles",
        str(subtitles),
        "--label-issues",
        str(issues),
    ]


def test_annotate_tasks_writes_sheets_the_labels_stage_reads(tmp_path):
    inputs = _project(tmp_path)
    out = tmp_path / "round2"
    args = ["annotate", "tasks", "--round", "2", "--annotators", "ann,bo,cy", "--out", str(out)]
    result = CliRunner().invoke(app, [*args, "--overlap", "2", "--items", "6", *inputs])
    assert result.exit_code == 0, result.output
    record = json.loads((out / "round.json").read_text())
    # label issue first, then low agreement, conflict, then unlabelled items
    assert record["items"]["v00"] == ["label_issue"]
    assert record["items"]["v01"] == ["low_agreement"]
    assert record["items"]["v02"] == ["modality_conflict"]
    assert len(record["items"]) == 6 and "g1" not in record["items"]
    assert record["coverage"] == dict.fromkeys(record["items"], 2)

    rows = {}
    for annotator in ("ann", "bo", "cy"):
        with open(out / f"round2-{annotator}.csv", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            assert reader.fieldnames == [*SHEET_COLUMNS, *INFO_COLUMNS]
            sheet = list(reader)
        assert {r["annotator"] for r in sheet} == {annotator}
        assert set(record["gold"][annotator]) <= {r["video_id"] for r in sheet}
        rows.update({r["video_id"]: r for r in sheet})
    if "v03" in rows:
        assert rows["v03"]["subtitles"] == "第一句\n第二句"
    assert rows["v00"]["title"] == "标题 v00" and rows["v00"]["duration_s"] == "12.5"
    vocabulary = (out / "wheel_vocabulary.csv").read_text(encoding="utf-8")
    assert "ecstasy,狂喜,joy,喜悦,high" in vocabulary and "neutral,中性" in vocabulary

    # filled in, a sheet goes into annotations/ as it is
    filled = tmp_path / "filled"
    filled.mkdir()
    text = (out / "round2-ann.csv").read_text(encoding="utf-8")
    lines = text.splitlines()
    header = lines[0].split(",")
    label_at = header.index("label")
    with open(out / "round2-ann.csv", encoding="utf-8") as fh:
        sheet = list(csv.reader(fh))
    for row in sheet[1:]:
        row[label_at] = "joy"
    with open(filled / "round2-ann.csv", "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(sheet)
    votes, problems = read_rows(filled)
    assert problems == [] and len(votes) == len(sheet) - 1
    assert {v.round for v in votes} == {2}


def test_annotate_tasks_refuses_a_round_that_has_rows(tmp_path):
    inputs = _project(tmp_path)
    args = [
        "annotate",
        "tasks",
        "--round",
        "1",
        "--annotators",
        "a,b",
        "--out",
        str(tmp_path / "o"),
    ]
    result = CliRunner().invoke(app, [*args, *inputs])
    assert result.exit_code == 1
    assert "round(s) [1]" in result.output and "the next round is 2" in result.output


def test_labelstudio_export_and_import_commands(tmp_path):
    inputs = _project(tmp_path)
    out = tmp_path / "round2"
    args = ["annotate", "tasks", "--round", "2", "--annotators", "a,b", "--out", str(out)]
    assert CliRunner().invoke(app, [*args, "--gold-per-annotator", "1", *inputs]).exit_code == 0
    ls = tmp_path / "ls"
    result = CliRunner().invoke(
        app,
        [
            "annotate",
            "labelstudio-export",
            str(out / "round2-a.csv"),
            str(out / "round2-b.csv"),
            "--out",
            str(ls),
        ],
    )
    assert result.exit_code == 0, result.output
    tasks = json.loads((ls / "tasks.json").read_text())
    record = json.loads((out / "round.json").read_text())
    assert {t["data"]["video_id"] for t in tasks} == set(record["items"]) | {"g1", "g2"}
    assert tasks[0]["data"]["video"].startswith("/data/local-files/?d=videos/")

    export = [
        {
            "id": 1,
            "data": tasks[0]["data"],
            "annotations": [
                {
                    "id": 5,
                    "completed_by": 1,
                    "result": [
                        {"from_name": "label", "type": "choices", "value": {"choices": ["anger"]}}
                    ],
                },
                {
                    "id": 6,
                    "completed_by": 2,
                    "result": [
                        {"from_name": "label", "type": "choices", "value": {"choices": ["rage?"]}}
                    ],
                },
            ],
        }
    ]
    (tmp_path / "export.json").write_text(json.dumps(export))
    (tmp_path / "users.json").write_text(json.dumps([{"id": 1, "email": "ann@x.test"}]))
    sheet = tmp_path / "annotations" / "round2-labelstudio.csv"
    result = CliRunner().invoke(
        app,
        [
            "annotate",
            "labelstudio-import",
            str(tmp_path / "export.json"),
            "--round",
            "2",
            "--out",
            str(sheet),
            "--users",
            str(tmp_path / "users.json"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "task 1, annotation 6" in result.output and "rage?" in result.output
    votes, problems = read_rows(tmp_path / "annotations")
    new = [v for v in votes if v.round == 2]
    assert problems == []
    assert [(v.video_id, v.annotator, v.label) for v in new] == [
        (tasks[0]["data"]["video_id"], "ann@x.test", "anger")
    ]


def test_first_round_before_any_labels_takes_every_video(tmp_path):
    manifest = tmp_path / "manifest.jsonl"
    manifest.write_text("".join(_entry(f"v{i}").model_dump_json() + "\n" for i in range(5)))
    out = tmp_path / "round1"
    result = CliRunner().invoke(
        app,
        [
            "annotate", "tasks", "--round", "1", "--annotators", "a,b,c", "--out", str(out),
            "--gold-per-annotator", "0", "--manifest", str(manifest),
            "--labels", str(tmp_path / "none.jsonl"), "--unlabelled", str(tmp_path / "none2"),
            "--annotations", str(tmp_path / "no-annotations"), "--subtitles", str(tmp_path / "s"),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    record = json.loads((out / "round.json").read_text())
    assert record["items"] == {f"v{i}": ["unlabelled"] for i in range(5)}
    assert record["coverage"] == {f"v{i}": 2 for i in range(5)}
    assert sum(len(s) for s in record["sheets"].values()) == 10
