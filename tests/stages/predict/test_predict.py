"""``chfen predict`` on generated clips with a tiny model trained in the test: the real extraction
stages and encoders run on the clip with the params recorded with the model."""

from __future__ import annotations

import base64
import json
import re
import shutil

import matplotlib.image
import pytest
from typer.testing import CliRunner

from chfen.cli import app
from pipeline.plutchik import wheel
from stages.ocr.outputs import Subtitle
from stages.predict import report
from stages.predict.extract import extract
from stages.predict.prediction import PredictError, load_model, run_model
from tests.media_factory import make_video
from tests.stages.predict.tiny_model import train_tiny_model

pytestmark = pytest.mark.slow
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    return train_tiny_model(tmp_path_factory.mktemp("predict"))


@pytest.fixture(scope="module")
def extracted(model_dir, tmp_path_factory):
    root = tmp_path_factory.mktemp("clip")
    clip = make_video(root / "clip.mp4", seconds=3.0, size=(320, 180))
    model, cfg, record = load_model(model_dir)
    return model, cfg, extract(clip, "Flood waters rise in the city", record, root / "work")


def _by_name(prediction):
    return {m.name: m for m in prediction.modalities}


def test_prediction_is_a_distribution_read_onto_the_wheel(extracted):
    model, cfg, extraction = extracted
    p = run_model(model, cfg, extraction)
    assert list(p.distribution) == list(wheel().names)
    assert sum(p.distribution.values()) == pytest.approx(1.0, abs=1e-9)
    assert p.primaries == pytest.approx(p.distribution)
    assert p.top[0].primary == max(p.distribution, key=p.distribution.get)
    assert p.top[0].intensity in wheel().primary(p.top[0].primary).intensities
    mods = _by_name(p)
    assert {n for n, m in mods.items() if m.available} == {"title", "visual", "vocals", "music"}
    assert mods["text"].reason == "no on-screen text recognised"  # a test pattern, no text
    assert mods["text"].contribution is None
    assert all(isinstance(mods[n].contribution, float) for n in ("title", "visual", "vocals"))
    assert p.timeline is not None and p.timeline.step_s == 1.0
    for values in p.timeline.pairs.values():
        assert len(values) == 3 and all(0.0 <= v <= 1.0 for v in values)
    assert p.backends["separate"] == "speech" and p.backends["track"] == "ssdlite"
    assert p.notes == []


def test_masking_a_modality_changes_the_contribution_table(extracted):
    model, cfg, extraction = extracted
    full = run_model(model, cfg, extraction)
    no_visual = run_model(model, cfg, extraction, mask=["visual"])
    no_title = run_model(model, cfg, extraction, mask=["title"])
    assert _by_name(no_visual)["visual"].available is False
    assert _by_name(no_visual)["visual"].reason == "masked on request (--mask)"
    assert _by_name(no_visual)["visual"].contribution is None
    assert no_visual.distribution != pytest.approx(full.distribution, abs=1e-6)
    assert _by_name(no_visual)["title"].contribution != pytest.approx(
        _by_name(full)["title"].contribution, abs=1e-6
    )
    # a contribution is the drop of the top class's probability when that modality is masked
    top = max(full.distribution, key=full.distribution.get)
    drop = full.distribution[top] - no_title.distribution[top]
    assert _by_name(full)["title"].contribution == pytest.approx(drop, abs=1e-5)


def test_report_png_and_html(extracted, tmp_path):
    model, cfg, extraction = extracted
    p = run_model(model, cfg, extraction).model_copy(
        update={"subtitles": [Subtitle(start=0.5, end=2.0, text="洪水 <b>rises</b>")]}
    )
    png = report.write(p, tmp_path / "r.png")
    data = png.read_bytes()
    assert data.startswith(PNG_MAGIC) and len(data) > 20_000
    height, width, _ = matplotlib.image.imread(png).shape
    assert (width, height) == (14 * report.DPI, round(7.6 * report.DPI))
    page = report.write(p, tmp_path / "r.html").read_text(encoding="utf-8")
    embedded = re.search(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert embedded and base64.b64decode(embedded.group(1)).startswith(PNG_MAGIC)
    assert "洪水 &lt;b&gt;rises&lt;/b&gt;" in page and "<b>rises" not in page
    with pytest.raises(report.ReportError, match=r"must end in \.png or \.html"):
        report.write(p, tmp_path / "r.pdf")


def test_cli_clip_without_audio_and_a_model_trained_with_another_encoder(model_dir, tmp_path):
    foreign = tmp_path / "models"
    shutil.copytree(model_dir, foreign)
    meta = json.loads((foreign / "chfen.json").read_text())
    meta["extraction"]["stores"]["visual"]["encoder"]["weights"] = "0123456789abcdef"
    (foreign / "chfen.json").write_text(json.dumps(meta))
    clip = make_video(tmp_path / "silent.mp4", seconds=2.0, size=(320, 180), audio=False)
    html = tmp_path / "out.html"
    args = ["predict", str(clip), "--title", "A quiet street", "--model", str(foreign)]
    result = CliRunner().invoke(app, [*args, "--json", "--report", str(html)])
    assert result.exit_code == 0, result.output
    p = json.loads(result.stdout)
    assert sum(p["distribution"].values()) == pytest.approx(1.0, abs=1e-9)
    mods = {m["name"]: m for m in p["modalities"]}
    assert [n for n, m in mods.items() if m["available"]] == ["title"]
    for stem in ("vocals", "music"):
        assert mods[stem]["reason"] == "no audio stream (separate)"
    assert (
        "encoder weights 'd506cb4156427794' here, '0123456789abcdef' in training"
        in (mods["visual"]["reason"])
    )
    assert mods["title"]["contribution"] is None  # the only modality left: nothing to compare
    assert html.is_file() and "data:image/png;base64," in html.read_text(encoding="utf-8")


def test_cli_unreadable_video(model_dir, tmp_path):
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"\x00\x00\x00\x18ftypmp42 this is not a video")
    runner = CliRunner()
    result = runner.invoke(app, ["predict", str(bad), "--model", str(model_dir), "--json"])
    assert result.exit_code == 1
    assert "broken.mp4: no modality to predict from" in result.output
    assert "ffprobe cannot read it" in result.output

    result = runner.invoke(
        app, ["predict", str(bad), "--model", str(model_dir), "--json", "--title", "Fire!"]
    )
    assert result.exit_code == 0, result.output
    p = json.loads(result.stdout)
    assert [m["name"] for m in p["modalities"] if m["available"]] == ["title"]
    assert p["timeline"] is None
    assert "prediction from the title alone: the video could not be read" in p["notes"]
    assert sum(p["distribution"].values()) == pytest.approx(1.0, abs=1e-9)


def test_bad_arguments_and_models(model_dir, tmp_path):
    runner = CliRunner()
    clip = tmp_path / "none.mp4"
    result = runner.invoke(app, ["predict", str(clip), "--model", str(model_dir)])
    assert result.exit_code == 1 and "none.mp4: no such file" in result.output
    make_video(clip, seconds=1.0)
    result = runner.invoke(app, ["predict", str(clip), "--model", str(tmp_path / "nowhere")])
    assert result.exit_code == 1 and "no chfen.json" in result.output
    result = runner.invoke(app, ["predict", str(clip), "--model", str(model_dir), "--mask", "x"])
    assert result.exit_code == 1 and "unknown modality ['x']" in result.output
    result = runner.invoke(
        app, ["predict", str(clip), "--model", str(model_dir), "--report", "a.pdf"]
    )
    assert result.exit_code == 1 and "must end in .png or .html" in result.output

    old = tmp_path / "old"
    shutil.copytree(model_dir, old)
    meta = json.loads((old / "chfen.json").read_text())
    del meta["extraction"]
    (old / "chfen.json").write_text(json.dumps(meta))
    with pytest.raises(PredictError, match="retrain it with `dvc repro train`"):
        load_model(old)
