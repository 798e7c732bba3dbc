"""``evaluate``: the evaluate stage's section of ``params.yaml``."""

from __future__ import annotations

from typing import Literal

from pipeline.section import Section


class EvaluateParams(Section):
    split: Literal["val", "test"] = "test"
    ablate_modalities: bool = True
