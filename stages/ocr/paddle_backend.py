"""The ``paddleocr`` backend: PaddleOCR 3's text detection and recognition modules on local
model folders through onnxruntime, so PaddleOCR's own downloads are never triggered.

Model folders (``inference.onnx`` + ``inference.yml``) come from ``ocr.det_model_dir`` /
``ocr.rec_model_dir``, then ``models/paddleocr/``, then PaddleX's cache
(``$PADDLE_PDX_CACHE_HOME/official_models``). ``python -m stages.ocr.paddle_models`` builds them
offline from the ONNX files in the rapidocr wheel.

PaddleOCR's engine is onnxruntime here, so paddlepaddle is not needed. paddleocr 3.7 pulls
paddlex 3.7, whose exact pins (opencv-contrib-python==4.10.0.84, PyYAML==6.0.2, numpy<2.4) set
the project's OpenCV, PyYAML and NumPy versions (pyproject.toml).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from pipeline.weights import MissingWeights, WeightsSpec, resolve
from stages.ocr.paddle_models import DET_NAME, REC_NAME, model_name

_HOW = (
    "run `python -m stages.ocr.paddle_models` (`chfen models build-paddleocr`): it builds them "
    "offline from the ONNX files in the rapidocr wheel"
)
_ALTERNATIVE = "ocr.backend: rapidocr (the same PP-OCRv6 models)"
DET_SPEC = WeightsSpec("paddleocr", (DET_NAME, f"{DET_NAME}_onnx"), _HOW, _ALTERNATIVE)
REC_SPEC = WeightsSpec("paddleocr", (REC_NAME, f"{REC_NAME}_onnx"), _HOW, _ALTERNATIVE)
MODEL_FILES = ("inference.onnx", "inference.yml")


def resolve_models(det_dir: Path | None, rec_dir: Path | None) -> tuple[Path, Path]:
    cache = os.environ.get("PADDLE_PDX_CACHE_HOME")
    extra = (Path(cache) / "official_models",) if cache else ()
    folders = (resolve(DET_SPEC, det_dir, extra), resolve(REC_SPEC, rec_dir, extra))
    for folder in folders:
        missing = [name for name in MODEL_FILES if not (folder / name).is_file()]
        if missing:
            raise MissingWeights(
                f"{folder}: not a PaddleOCR model folder (missing {', '.join(missing)}). "
                f"To rebuild it: {_HOW}. Or use {_ALTERNATIVE}."
            )
    return folders


class PaddleOcrEngine:
    """PaddleOCR's ``TextDetection`` and ``TextRecognition`` predictors on onnxruntime."""

    def __init__(self, det: Path, rec: Path, threads: int) -> None:
        from paddleocr import TextDetection, TextRecognition

        engine = {"engine": "onnxruntime", "device": "cpu"}
        config = {"intra_op_num_threads": threads, "inter_op_num_threads": 1}
        self._det = TextDetection(
            model_name=model_name(det),
            model_dir=str(det),
            limit_type="max",
            engine_config=config,
            **engine,
        )
        self._rec = TextRecognition(
            model_name=model_name(rec), model_dir=str(rec), engine_config=config, **engine
        )

    def detect(self, image: np.ndarray, limit_side_len: int) -> list[np.ndarray]:
        result = self._det.predict(image, limit_side_len=limit_side_len)[0]
        return [np.asarray(p, np.float32).reshape(4, 2) for p in result["dt_polys"]]

    def recognize(self, crops: list[np.ndarray]) -> list[tuple[str, float]]:
        """One crop per model call, as for rapidocr (a batch pads every crop to the widest)."""
        readings = []
        for crop in crops:
            result = self._rec.predict(crop)[0]
            readings.append((str(result["rec_text"]), float(result["rec_score"])))
        return readings
