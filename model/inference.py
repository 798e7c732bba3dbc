"""A trained model on one video: its distribution, what each modality adds, where it looked.

A modality's contribution is measured the way the evaluate stage's ablation table measures a
modality's value, by masking it at inference (``hide_modalities``): here, as the drop
in the probability of the predicted class when that modality is hidden. A negative drop means
the modality argued against the prediction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from model.data import STREAMS, FeatureDataset, collate, loader, stream_kinds

PAIRS = ("tv", "va")  # CHFEN's coupled pairs, in the order of ``step_attention``


def hide_modalities(
    batch: dict[str, torch.Tensor], modalities: Sequence[str]
) -> dict[str, torch.Tensor]:
    """A copy of ``batch`` in which ``modalities`` are masked for every sample."""
    out = dict(batch)
    for m in modalities:
        for stream, _ in STREAMS[m][1]:
            key = f"{stream}_mask"
            if key in out:
                out[key] = torch.zeros_like(out[key])
    return out


@torch.inference_mode()
def predict(
    model: nn.Module, ds: FeatureDataset, batch_size: int = 64, hide: Sequence[str] = ()
) -> tuple[np.ndarray, np.ndarray]:
    """(class probabilities, soft targets) for every example of ``ds``."""
    model.eval()
    probs, targets = [], []
    for batch in loader(ds, batch_size, shuffle=False):
        out = model(hide_modalities(batch, hide))
        probs.append(torch.softmax(out["logits"], -1).numpy())
        targets.append(batch["target"].numpy())
    n = ds.n_classes
    return (
        np.concatenate(probs) if probs else np.zeros((0, n)),
        np.concatenate(targets) if targets else np.zeros((0, n)),
    )


@torch.inference_mode()
def modality_heads(
    model: nn.Module, ds: FeatureDataset, batch_size: int = 64
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """For each modality of ``ds`` that has a head of its own in ``model`` and a per-modality
    label on some example: (the head's class probabilities, the annotators' soft labels of that
    modality), on the examples with such a label."""
    names = model.branch_names() if hasattr(model, "branch_names") else ()
    wanted = [m for m in ds.modalities if m in names]
    if not wanted:
        return {}
    model.eval()
    probs: dict[str, list[np.ndarray]] = {m: [] for m in wanted}
    targets: dict[str, list[np.ndarray]] = {m: [] for m in wanted}
    for batch in loader(ds, batch_size, shuffle=False):
        out = model(batch)
        for m in wanted:
            has = batch[f"target_{m}_mask"]
            head = torch.softmax(out["branches"][:, names.index(m)], -1)
            probs[m].append(head[has].numpy())
            targets[m].append(batch[f"target_{m}"][has].numpy())
    return {
        m: (np.concatenate(probs[m]), np.concatenate(targets[m]))
        for m in wanted
        if sum(len(p) for p in probs[m])
    }


@dataclass
class Inference:
    probabilities: np.ndarray  # (n_classes,), sums to 1
    drops: dict[str, float]  # modality -> drop of the top class's probability when masked
    step_attention: dict[str, np.ndarray] | None  # pair -> (steps,); None without cross-attention
    heads: dict[str, np.ndarray]  # modality -> its own head's probabilities (present ones only)


@torch.inference_mode()
def infer(
    model: nn.Module,
    example: dict[str, np.ndarray],
    modalities: Sequence[str],
    hide: Sequence[str] = (),
    measure: Sequence[str] = (),
) -> Inference:
    """Run ``model`` on one example (as ``FeatureDataset`` yields it) with ``hide`` masked, and
    measure the contribution of each modality in ``measure`` on top of that."""
    model.eval()
    batch = hide_modalities(collate([example], stream_kinds(modalities)), hide)
    out = model(batch)
    probs = torch.softmax(out["logits"], -1)[0]
    top = int(torch.argmax(probs))
    drops = {}
    for m in measure:
        masked = torch.softmax(model(hide_modalities(batch, (m,)))["logits"], -1)[0]
        drops[m] = float(probs[top] - masked[top])
    attention = None
    if "step_attention" in out:
        steps = int(batch["step_mask"][0].sum())
        attention = {
            pair: out["step_attention"][0, i, :steps].double().numpy()
            for i, pair in enumerate(PAIRS)
        }
    names = model.branch_names() if hasattr(model, "branch_names") else ()
    heads = {
        m: torch.softmax(out["branches"][0, names.index(m)], -1).double().numpy()
        for m in modalities
        if m in names and bool(out["present"][0, names.index(m)]) and m not in hide
    }
    return Inference(probs.double().numpy(), drops, attention, heads)
