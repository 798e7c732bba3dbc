"""Offline PaddleOCR model folders, built from the PP-OCRv6 ONNX files in the rapidocr wheel.

PaddleOCR 3 never needs its own downloads when ``engine='onnxruntime'`` is given local model
folders, each holding ``inference.onnx`` and an ``inference.yml`` (model name, preprocessing,
postprocessing; for recognition the character list). The yml written here mirrors rapidocr's
own preprocessing of the same files (its ``config.yaml``), so both backends see identical
inputs. The recogniser's character list is read from the ONNX file's metadata.

``python -m stages.ocr.paddle_models [DEST]`` builds them (default ``models/paddleocr/``).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import onnxruntime
import typer
import yaml

from pipeline import atomic
from pipeline.weights import MODELS_DIR, MissingWeights
from stages.ocr.rapidocr_backend import DET_FILE, REC_FILE, wheel_models_dir

DET_NAME = "PP-OCRv6_small_det"
REC_NAME = "PP-OCRv6_small_rec"
DEFAULT_DEST = MODELS_DIR / "paddleocr"


def build_paddleocr_models(dest: Path = DEFAULT_DEST, source: Path | None = None) -> list[Path]:
    """Write ``dest/PP-OCRv6_small_det`` and ``dest/PP-OCRv6_small_rec`` (each replaced as a
    whole, atomically) from the ONNX files in ``source`` (default: the rapidocr wheel)."""
    source = Path(source) if source else wheel_models_dir()
    if source is None or not (source / DET_FILE).is_file() or not (source / REC_FILE).is_file():
        raise MissingWeights(
            f"cannot build PaddleOCR model folders: {DET_FILE} and {REC_FILE} not found in "
            f"{source}; install the pinned rapidocr wheel (it ships them)"
        )
    rapid_cfg = _rapidocr_config(source.parent / "config.yaml")
    built = []
    configs = {
        DET_NAME: (source / DET_FILE, _det_yml(rapid_cfg)),
        REC_NAME: (source / REC_FILE, _rec_yml(rapid_cfg, source / REC_FILE)),
    }
    for name, (onnx_file, config) in configs.items():
        target = Path(dest) / name
        with atomic.directory(target) as tmp:
            tmp.chmod(0o755)
            shutil.copyfile(onnx_file, tmp / "inference.onnx")
            text = yaml.safe_dump(config, allow_unicode=True, sort_keys=False)
            (tmp / "inference.yml").write_text(text, encoding="utf-8")
        built.append(target)
    return built


def model_name(folder: Path) -> str:
    """The model name a folder's ``inference.yml`` declares (PaddleOCR needs it to match)."""
    config = yaml.safe_load((Path(folder) / "inference.yml").read_text(encoding="utf-8"))
    return str(config["Global"]["model_name"])


def _rapidocr_config(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else {}


def _det_yml(rapid_cfg: dict[str, Any]) -> dict[str, Any]:
    det = rapid_cfg.get("Det", {})
    return {
        "Global": {"model_name": DET_NAME},
        "PreProcess": {
            "transform_ops": [
                {"DecodeImage": {"channel_first": False, "img_mode": "BGR"}},
                {"DetResizeForTest": {"resize_long": 960, "limit_type": "max"}},
                {
                    "NormalizeImage": {
                        "mean": list(det.get("mean", [0.5, 0.5, 0.5])),
                        "std": list(det.get("std", [0.5, 0.5, 0.5])),
                        "scale": 1 / 255,
                        "order": "hwc",
                    }
                },
                {"ToCHWImage": None},
                {"KeepKeys": {"keep_keys": ["image", "shape"]}},
            ]
        },
        "PostProcess": {
            "name": "DBPostProcess",
            "thresh": det.get("thresh", 0.3),
            "box_thresh": det.get("box_thresh", 0.5),
            "max_candidates": det.get("max_candidates", 1000),
            "unclip_ratio": det.get("unclip_ratio", 1.6),
            "use_dilation": det.get("use_dilation", True),
            "score_mode": det.get("score_mode", "fast"),
        },
    }


def _rec_yml(rapid_cfg: dict[str, Any], onnx_file: Path) -> dict[str, Any]:
    session = onnxruntime.InferenceSession(str(onnx_file), providers=["CPUExecutionProvider"])
    characters = session.get_modelmeta().custom_metadata_map.get("character")
    if not characters:
        raise MissingWeights(f"{onnx_file}: no 'character' list in the ONNX metadata")
    shape = list(rapid_cfg.get("Rec", {}).get("rec_img_shape", [3, 48, 320]))
    return {
        "Global": {"model_name": REC_NAME},
        "PreProcess": {
            "transform_ops": [
                {"DecodeImage": {"channel_first": False, "img_mode": "BGR"}},
                {"RecResizeImg": {"image_shape": shape}},
                {"KeepKeys": {"keep_keys": ["image", "length"]}},
            ]
        },
        "PostProcess": {"name": "CTCLabelDecode", "character_dict": characters.splitlines()},
    }


def main(
    dest: Path = typer.Argument(DEFAULT_DEST, help="Where the two model folders go."),
) -> None:
    """Build PaddleOCR's PP-OCRv6 model folders offline from the rapidocr wheel."""
    for folder in build_paddleocr_models(dest):
        typer.echo(f"built {folder}")


if __name__ == "__main__":
    typer.run(main)
