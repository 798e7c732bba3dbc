"""The ocr stage end to end on generated videos: subtitles over a moving picture, a variable
frame rate, a rotated portrait phone video, no text at all, and a corrupt file."""

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import srt
import yaml

from pipeline.frames import sample_frames
from pipeline.media import probe
from pipeline.records import MediaInfo
from stages.ocr import stage
from stages.ocr.paddle_models import build_paddleocr_models
from stages.ocr.quality import Span, character_error_rate, match_cues
from stages.ocr.schema import OcrDocument
from tests.media_factory import manifest_entry
from tests.stages.ocr.ocr_synthetic import TextSpan, font_path, subtitle_video

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not font_path(), reason="the CJK font WenQuanYi Micro Hei"),
]

ROOT = Path(__file__).resolve().parents[3]
FPS = 3.0
SUBS = [
    TextSpan(0.5, 2.2, "今天上午市中心发生交通事故"),
    TextSpan(2.6, 4.4, "消防人员迅速赶到现场\nRescue teams arrived"),
    TextSpan(4.4, 5.6, "感谢大家的关注"),
]
PORTRAIT_SUBS = [TextSpan(0.4, 2.0, "竖屏视频的字幕"), TextSpan(2.5, 4.0, "手机拍摄画面")]


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("ocr")
    videos = root / "videos"
    made = {
        "subs": subtitle_video(videos / "subs.mp4", SUBS, seconds=6, watermark="新闻频道"),
        "vfr": subtitle_video(
            videos / "vfr.mp4", SUBS, seconds=6, vfr_keep="lt(mod(n,6),2)+lt(t,2)"
        ),
        "portrait": subtitle_video(
            videos / "portrait.mp4",
            PORTRAIT_SUBS,
            seconds=4.5,
            size=(360, 640),
            rotate=90,
            band_y=0.78,
        ),
        "blank": subtitle_video(videos / "blank.mp4", [], seconds=3),
    }
    corrupt = videos / "corrupt.mp4"
    corrupt.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 40)
    media = MediaInfo(duration_s=3.0, has_video=True, has_audio=False, size_bytes=10_000)
    lines = [manifest_entry(vid, path).model_dump_json() for vid, path in made.items()]
    lines.insert(2, manifest_entry("corrupt", corrupt, media=media).model_dump_json())
    manifest = root / "manifest.jsonl"
    manifest.write_text("".join(line + "\n" for line in lines))
    params = root / "params.yaml"
    params.write_text(
        yaml.safe_dump(
            {
                "runner": {
                    "workers": 1,
                    "cache_dir": str(root / "cache"),
                    "max_failure_ratio": 0.5,
                },
                "ocr": {"backend": "rapidocr", "fps": FPS},
            }
        )
    )
    out = root / "subtitles"
    report = stage.run(manifest, out, params, show_progress=False)
    return root, manifest, params, out, made, report


def read(out, vid):
    cues = list(srt.parse((out / f"{vid}.srt").read_text(encoding="utf-8")))
    doc = OcrDocument.model_validate_json((out / f"{vid}.json").read_text(encoding="utf-8"))
    return cues, doc


def spans(cues):
    return [Span(c.start.total_seconds(), c.end.total_seconds(), c.content) for c in cues]


def reference(script):
    return [Span(s.start, s.end, s.text) for s in script]


def tolerance(video):
    """One sampling interval, or the widest gap between sampled frames where the source has
    fewer frames than that (variable frame rate), plus one source frame."""
    times = [f.t for f in sample_frames(video, FPS)]
    return max(1 / FPS, *(b - a for a, b in itertools.pairwise(times))) + 0.04


def test_corrupt_video_is_a_recorded_failure_and_the_rest_is_published(project):
    _, _, _, out, made, report = project
    assert [o.item.id for o in report.failures] == ["corrupt"]
    failures = [json.loads(x) for x in (out / "failures.jsonl").read_text().splitlines()]
    assert [(f["id"], f["stage"]) for f in failures] == [("corrupt", "ocr")]
    assert "decode" in failures[0]["error"] or "ffprobe" in failures[0]["error"]
    rows = {r["id"]: r for r in map(json.loads, (out / "index.jsonl").read_text().splitlines())}
    assert set(rows) == set(made)
    assert not (out / "corrupt.srt").exists()
    for row in rows.values():
        assert set(row) >= {"n_cues", "n_other_lines", "band", "backend", "ocr_calls", "seconds"}
        assert row["backend"] == "rapidocr"
        assert row["ocr_calls"] < row["frames"]


def test_subtitles_are_read_with_their_timing(project):
    _, _, _, out, made, _ = project
    cues, doc = read(out, "subs")
    match = match_cues(spans(cues), reference(SUBS))
    assert not match.missing and not match.spurious and not match.duplicates
    assert match.cer < 0.02, [c.content for c in cues]
    assert max(match.boundary_errors()) <= tolerance(made["subs"])
    assert [c.index for c in doc.cues] == [c.index for c in cues]
    assert doc.band is not None and doc.band.top_share > 0.75
    assert [(e.kind, e.text) for e in doc.other_text] == [("watermark", "新闻频道")]
    for cue in doc.cues:
        assert cue.lines and all(doc.band.top <= line.quad[0][1] + 2 for line in cue.lines)
        assert cue.frames[0] == pytest.approx(cue.start, abs=1e-3)


def test_variable_frame_rate_keeps_true_times(project):
    _, _, _, out, made, _ = project
    assert probe(made["vfr"]).vfr
    cues, _ = read(out, "vfr")
    match = match_cues(spans(cues), reference(SUBS))
    assert not match.missing and not match.spurious and not match.duplicates
    assert match.cer < 0.02
    assert max(match.boundary_errors()) <= tolerance(made["vfr"])


def test_rotated_portrait_video_is_read_upright(project):
    _, _, _, out, made, _ = project
    cues, doc = read(out, "portrait")
    assert (doc.width, doc.height) == (360, 640)
    match = match_cues(spans(cues), reference(PORTRAIT_SUBS))
    assert not match.missing and not match.spurious
    assert (
        character_error_rate("".join(c.content for c in cues), "竖屏视频的字幕手机拍摄画面") < 0.02
    )
    assert max(match.boundary_errors()) <= tolerance(made["portrait"])


def test_video_without_text_gives_an_empty_srt(project):
    _, _, _, out, _, _ = project
    assert (out / "blank.srt").read_text() == ""
    cues, doc = read(out, "blank")
    assert cues == [] and doc.cues == [] and doc.band is None
    assert doc.stats.frames == 9 and doc.stats.recognitions <= 2


def test_second_run_is_all_cached_and_identical(project):
    _, manifest, params, out, _, _ = project
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    again = stage.run(manifest, out, params, show_progress=False)
    assert again.n_cached == 4
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_paddleocr_backend_gives_the_cues_of_rapidocr(project, tmp_path):
    """The stage as DVC runs it with ``ocr.backend: paddleocr`` on model folders built offline
    from the rapidocr wheel: the same PP-OCRv6 models, so the same subtitle cues."""
    root, manifest, _, rapid_out, _, _ = project
    det, rec = build_paddleocr_models(tmp_path / "models")
    params = tmp_path / "params.yaml"
    runner = {"workers": 1, "cache_dir": str(tmp_path / "cache"), "max_failure_ratio": 0.5}
    ocr = {"backend": "paddleocr", "fps": FPS, "det_model_dir": str(det), "rec_model_dir": str(rec)}
    params.write_text(yaml.safe_dump({"runner": runner, "ocr": ocr}))
    out = tmp_path / "subtitles"
    subprocess.run(
        [sys.executable, "-m", "stages.ocr", "--manifest", str(manifest), "--out", str(out),
         "--params", str(params)],
        check=True, capture_output=True, cwd=root, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    for vid in ("subs", "vfr", "portrait", "blank"):
        paddle, doc = read(out, vid)
        rapid, _ = read(rapid_out, vid)
        assert doc.backend == "paddleocr"
        assert [c.content for c in paddle] == [c.content for c in rapid], vid
        for a, b in zip(paddle, rapid, strict=True):
            assert abs((a.start - b.start).total_seconds()) <= 1 / FPS
    assert [json.loads(x)["id"] for x in (out / "failures.jsonl").read_text().splitlines()] == [
        "corrupt"
    ]
