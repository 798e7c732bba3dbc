"""Baselines that run in the same pipeline as CHFEN, for comparison.

``late_mlp``: per modality, standardised features mean-pooled over time (vectors and pooled
sequences concatenated), ``input_dropout`` on them in training, an MLP each, and the logits of
the modalities a video has averaged.
``unimodal``: the same for exactly one modality.
"""

from __future__ import annotations

import torch
from torch import nn

from model.config import ModelConfig
from model.data import STREAMS
from model.layers import Standardize, masked_mean, mlp


class LateMLP(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        self.norms = nn.ModuleDict({s: Standardize(dim) for s, dim in cfg.dims.items()})
        self.input_dropout = nn.Dropout(cfg.input_dropout)
        self.heads = nn.ModuleDict(
            {
                m: mlp(self._width(m), cfg.d_model, len(cfg.classes), cfg.dropout)
                for m in cfg.modalities
            }
        )

    def _width(self, modality: str) -> int:
        return sum(self.cfg.dims[s] for s, _ in STREAMS[modality][1])

    def pooled(
        self, batch: dict[str, torch.Tensor], modality: str
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """(features, present) for one modality: masked means of its streams, concatenated."""
        parts, present = [], []
        for stream, kind in STREAMS[modality][1]:
            x = self.norms[stream](batch[stream].float())
            mask = batch[f"{stream}_mask"].bool()
            if kind == "sequence":
                mask = mask & batch["step_mask"]
                parts.append(masked_mean(x, mask))
                present.append(mask.any(dim=1))
            else:
                parts.append(x * mask.unsqueeze(-1))
                present.append(mask)
        return torch.cat(parts, dim=-1), torch.stack(present, 1).any(dim=1)

    def forward(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        logits, weights = [], []
        for m in self.cfg.modalities:
            features, present = self.pooled(batch, m)
            logits.append(self.heads[m](self.input_dropout(features)))
            weights.append(present.float())
        stacked = torch.stack(logits, 1)
        w = torch.stack(weights, 1)
        return {"logits": (stacked * w.unsqueeze(-1)).sum(1) / w.sum(1, keepdim=True).clamp(min=1)}


class Unimodal(LateMLP):
    """A late-fusion MLP restricted (by its config) to one modality."""

    def __init__(self, cfg: ModelConfig):
        if len(cfg.modalities) != 1:
            raise ValueError("the unimodal model takes exactly one modality")
        super().__init__(cfg)
