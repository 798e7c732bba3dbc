"""Model resolution, offline PaddleOCR model folders, and the geometry shared by both backends."""

import json
from pathlib import Path

import numpy as np
import onnxruntime
import pytest
import yaml
from typer.testing import CliRunner

from chfen.cli import app
from pipeline.params import OcrParams
from pipeline.weights import MissingWeights
from stages.ocr import paddle_backend, rapidocr_backend
from stages.ocr.engines import (
    crop_line,
    engine_version,
    order_quads,
    resolve_models,
    widen_quads,
)
from stages.ocr.paddle_models import DET_NAME, REC_NAME, build_paddleocr_models, model_name

ROOT = Path(__file__).resolve().parents[3]


def quad(x0, y0, x1, y1):
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float32)


def test_rapidocr_models_resolve_to_the_wheel_and_explicit_dirs_win(tmp_path):
    models = resolve_models("rapidocr", None, None)
    assert models.det.name == rapidocr_backend.DET_FILE and models.det.is_file()
    assert models.rec.name == rapidocr_backend.REC_FILE and models.rec.is_file()
    built = build_paddleocr_models(tmp_path / "a")
    explicit = resolve_models("rapidocr", built[0], built[1])
    assert explicit.det == built[0] / "inference.onnx"
    # the cache version follows the bytes, not where they are; a changed file changes it
    copy = build_paddleocr_models(tmp_path / "b")
    version = engine_version(explicit)
    assert engine_version(resolve_models("rapidocr", copy[0], copy[1])) == version
    (copy[1] / "inference.onnx").write_bytes(b"not the model")
    assert engine_version(resolve_models("rapidocr", copy[0], copy[1])) != version


def test_a_missing_model_names_every_place_searched(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(rapidocr_backend, "wheel_models_dir", lambda: tmp_path / "no-wheel")
    with pytest.raises(MissingWeights) as err:
        resolve_models("rapidocr", tmp_path / "mine", None)
    message = str(err.value)
    assert str(tmp_path / "mine" / "inference.onnx") in message
    assert "models/rapidocr/PP-OCRv6_det_small.onnx" in message
    assert "rapidocr wheel" in message


def test_paddleocr_model_folders_are_built_offline_from_the_wheel(tmp_path, monkeypatch):
    det, rec = build_paddleocr_models(tmp_path / "paddleocr")
    assert (det.name, rec.name) == (DET_NAME, REC_NAME)
    assert model_name(det) == DET_NAME and model_name(rec) == REC_NAME
    rec_yml = yaml.safe_load((rec / "inference.yml").read_text(encoding="utf-8"))
    session = onnxruntime.InferenceSession(str(rec / "inference.onnx"))
    characters = session.get_modelmeta().custom_metadata_map["character"].splitlines()
    assert rec_yml["PostProcess"]["character_dict"] == characters
    assert len(characters) > 18000 and "中" in characters
    det_yml = yaml.safe_load((det / "inference.yml").read_text(encoding="utf-8"))
    assert det_yml["PostProcess"]["name"] == "DBPostProcess"
    assert paddle_backend.resolve_models(det, rec) == (det, rec)
    # found without arguments in models/paddleocr/ (relative to the project root)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "models").mkdir()
    (tmp_path / "paddleocr").rename(tmp_path / "models" / "paddleocr")
    found = paddle_backend.resolve_models(None, None)
    assert [p.name for p in found] == [DET_NAME, REC_NAME]
    (found[0] / "inference.yml").unlink()
    with pytest.raises(MissingWeights, match=r"missing inference\.yml"):
        paddle_backend.resolve_models(None, None)


def test_unknown_backend_is_rejected():
    with pytest.raises(ValueError, match="unknown OCR backend"):
        resolve_models("tesseract", None, None)


def test_reading_order_rows_then_columns():
    right, left, below = (
        quad(700, 100, 900, 140),
        quad(100, 104, 600, 142),
        quad(300, 160, 500, 190),
    )
    ordered = order_quads([below, right, left])
    assert [q[0, 0] for q in ordered] == [100, 700, 300]


def test_widening_stops_halfway_to_a_neighbour_and_at_the_frame_edge():
    left, right = quad(100, 100, 600, 140), quad(640, 100, 900, 140)
    wide_left, wide_right = widen_quads([left, right], width=920)
    assert wide_left[0, 0] == pytest.approx(100 - 32)  # 0.8 x line height
    assert wide_left[1, 0] == pytest.approx(620)  # halfway to the neighbour
    assert wide_right[0, 0] == pytest.approx(620)
    assert wide_right[1, 0] == pytest.approx(919)  # the frame's last column


def test_line_crops_are_upright():
    image = np.zeros((200, 300, 3), np.uint8)
    assert crop_line(image, quad(10, 20, 210, 60)).shape == (40, 200, 3)
    assert crop_line(image, quad(10, 10, 40, 190)).shape == (30, 180, 3)  # vertical: turned


def test_models_build_paddleocr_command_builds_folders_the_backend_finds(tmp_path):
    result = CliRunner().invoke(app, ["models", "build-paddleocr", str(tmp_path / "pp")])
    assert result.exit_code == 0, result.output
    det, rec = tmp_path / "pp" / DET_NAME, tmp_path / "pp" / REC_NAME
    assert f"built {det}" in result.output
    assert paddle_backend.resolve_models(det, rec) == (det, rec)


def test_auto_backend_is_the_one_the_benchmark_chose():
    """``ocr.backend: auto`` follows benchmarks/results/ocr.json (rerun it to change it)."""
    results = json.loads((ROOT / "benchmarks/results/ocr.json").read_text(encoding="utf-8"))
    assert set(results["backends"]) == {"rapidocr", "paddleocr"}
    assert OcrParams().resolved_backend("offline") == results["auto_backend"]["choice"]
