"""Several fits of one model averaged (``train.optim.members``).

On a few dozen training videos the same recipe with another seed moves test accuracy by more
than any recipe change does (RAVDESS, 56 train clips, one search's chosen recipe: single fits
from 0.34 to 0.53 accuracy on the same 32 test clips). Averaging the class probabilities of a
few fits that differ only in their seed keeps what they agree on and cancels what each learned
from its own initialisation and batch order.

An ``Ensemble`` answers like one of its members: ``logits`` are the log of the members' mean
probabilities (so a softmax gives that mean), every decision branch likewise, and the gate
weights and the cross-attention per step are the members' means.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

MEMBER_SEED_STRIDE = 1000  # member k trains with seed + 1000 k (member 0 with the seed itself)


def member_seed(seed: int, member: int) -> int:
    return seed + MEMBER_SEED_STRIDE * member


def _mean_log_probs(logits: torch.Tensor) -> torch.Tensor:
    """log(mean over members of softmax), for logits stacked on dimension 0."""
    log_probs = torch.log_softmax(logits, dim=-1)
    return torch.logsumexp(log_probs, dim=0) - torch.log(
        torch.tensor(float(len(logits)), dtype=logits.dtype)
    )


class Ensemble(nn.Module):
    """The mean prediction of ``members``, models of one configuration."""

    def __init__(self, members: Sequence[nn.Module]) -> None:
        super().__init__()
        if not members:
            raise ValueError("an ensemble needs at least one member")
        self.members = nn.ModuleList(members)

    def branch_names(self) -> tuple[str, ...]:
        first = self.members[0]
        if not hasattr(first, "branch_names"):
            raise AttributeError("the members have no decision branches")
        return first.branch_names()

    def forward(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        outs = [member(batch) for member in self.members]
        merged: dict[str, torch.Tensor] = {}
        for key in outs[0]:
            stacked = torch.stack([out[key] for out in outs])
            if key in ("logits", "branches"):
                merged[key] = _mean_log_probs(stacked)
            elif key == "present":  # which inputs a sample has: the same for every member
                merged[key] = stacked[0]
            else:
                merged[key] = stacked.mean(0)
        return merged
