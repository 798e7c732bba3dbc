"""What a model's input features were made with, saved in ``chfen.json`` beside its weights.

A trained model only makes sense on features computed the way its training features were: the
same extraction params (frame rates, OCR thresholds, separation, tracking, the time step) and
the same encoders with the same weights. The train stage records both, so ``chfen predict`` can
run the extraction stages on a new clip exactly as they ran on the dataset, and can say which
modality it must mask when an encoder on this machine differs from the one the model saw.

The params are those in ``params.yaml`` when the model was trained. DVC re-runs training when any
feature store changes, so a params change that altered the features also re-records them; one
that left the features byte-identical leaves the old record, which produces the same features.
Each store's ``params_digest`` is kept too, so a reader can check that the recorded params are
indeed those the stores were built with.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from model.factory import CONFIG_FILE
from pipeline.featurestore import StoreMeta
from pipeline.params import (
    EmbedParams,
    OcrParams,
    Params,
    Profile,
    SeparateParams,
    StoreParams,
    TrackParams,
)

KEY = "extraction"  # the record's key in chfen.json
SECTIONS = ("separate", "ocr", "track", "embed", "store")  # params sections recorded


class FeatureProvenance(BaseModel):
    """The extraction params sections and each feature store's meta (encoder name, weights
    fingerprint, streams and dims, time step, params digest)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    profile: Profile
    separate: SeparateParams
    ocr: OcrParams
    track: TrackParams
    embed: EmbedParams
    store: StoreParams
    stores: dict[str, StoreMeta]

    @classmethod
    def of(cls, params: Params, stores: dict[str, StoreMeta]) -> FeatureProvenance:
        return cls(
            profile=params.profile,
            separate=params.separate,
            ocr=params.ocr,
            track=params.track,
            embed=params.embed,
            store=params.store,
            stores=stores,
        )

    def params(self) -> Params:
        """The recorded sections as a ``Params`` (the other sections at their defaults)."""
        return Params(
            profile=self.profile,
            separate=self.separate,
            ocr=self.ocr,
            track=self.track,
            embed=self.embed,
            store=self.store,
        )


def read(folder: Path) -> FeatureProvenance | None:
    """The record saved with the model in ``folder``; None for a model trained before it was
    kept (the caller decides what to fall back on)."""
    meta = json.loads((Path(folder) / CONFIG_FILE).read_text(encoding="utf-8"))
    raw = meta.get(KEY)
    return None if raw is None else FeatureProvenance.model_validate(raw)
