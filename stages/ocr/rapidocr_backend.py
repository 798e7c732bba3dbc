"""The ``rapidocr`` backend: PP-OCRv6 detection and recognition through onnxruntime, with the
model files shipped inside the rapidocr wheel (so it runs on a machine with no network).

The detector is told to cap the longer side (``limit_type=max``) instead of rapidocr's default
"shorter side at least 736", which would upscale a thin subtitle band several times and make it
slower than the whole frame. The angle classifier is off: subtitles are upright.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

from pipeline.weights import WeightsSpec, resolve

DET_FILE = "PP-OCRv6_det_small.onnx"
REC_FILE = "PP-OCRv6_rec_small.onnx"
_HOW = "reinstall the pinned rapidocr wheel (it ships them) or set ocr.det_model_dir/rec_model_dir"
_ALTERNATIVE = "none needed: these ship with rapidocr; ocr.backend: paddleocr uses the same models"
DET_SPEC = WeightsSpec("rapidocr", (DET_FILE,), _HOW, _ALTERNATIVE)
REC_SPEC = WeightsSpec("rapidocr", (REC_FILE,), _HOW, _ALTERNATIVE)


def wheel_models_dir() -> Path | None:
    """The ``models`` folder inside the installed rapidocr package (None if not installed)."""
    spec = importlib.util.find_spec("rapidocr")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "models"


def resolve_models(det_dir: Path | None, rec_dir: Path | None) -> tuple[Path, Path]:
    """Explicit folders (holding ``inference.onnx``), then ``models/rapidocr/``, then the wheel."""
    wheel = wheel_models_dir()
    extra = (wheel,) if wheel else ()
    det = resolve(DET_SPEC, Path(det_dir) / "inference.onnx" if det_dir else None, extra)
    rec = resolve(REC_SPEC, Path(rec_dir) / "inference.onnx" if rec_dir else None, extra)
    return det, rec


class RapidOcrEngine:
    """rapidocr's text detector and recogniser, called directly.

    ``RapidOCR.__call__`` would crop every detected box even when only detection is asked for;
    the stage crops (and widens) lines itself. The two model objects come from
    ``RapidOCR``'s own lazy loaders (so its config parsing and model checks apply), which are
    private API of the pinned rapidocr 3.10.0. onnxruntime's memory arena is switched back on
    (rapidocr turns it off): measured 5-7% faster.
    """

    def __init__(self, det: Path, rec: Path, threads: int) -> None:
        from rapidocr import RapidOCR

        ocr = RapidOCR(
            params={
                "Det.model_path": str(det),
                "Rec.model_path": str(rec),
                "Det.limit_type": "max",
                "Global.use_cls": False,
                "Global.log_level": "error",
                "EngineConfig.onnxruntime.intra_op_num_threads": threads,
                "EngineConfig.onnxruntime.inter_op_num_threads": 1,
                "EngineConfig.onnxruntime.enable_cpu_mem_arena": True,
            }
        )
        self._det = ocr._load_det_model()
        self._rec = ocr._load_rec_model()

    def detect(self, image: np.ndarray, limit_side_len: int) -> list[np.ndarray]:
        self._det.limit_side_len = limit_side_len
        boxes = self._det(image).boxes
        if boxes is None:
            return []
        return [np.asarray(b, np.float32).reshape(4, 2) for b in boxes]

    def recognize(self, crops: list[np.ndarray]) -> list[tuple[str, float]]:
        """One crop per model call: a batch pads every crop to the widest (measured slower)."""
        from rapidocr.ch_ppocr_rec import TextRecInput

        readings = []
        for crop in crops:
            out = self._rec(TextRecInput(img=[crop]))
            readings.append((str(out.txts[0]), float(out.scores[0])))
        return readings
