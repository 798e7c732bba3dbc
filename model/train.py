"""Training: soft-label cross-entropy, class weights, AdamW with a cosine schedule, modality
dropout, deterministic on the CPU for a fixed seed. On small train splits a cross-validated
search (``model/search.py``) chooses the hyper-parameters and the number of epochs; otherwise
training stops early on validation macro-F1. The saved model averages ``train.optim.members``
such final fits that differ only in their seed (``model/ensemble.py``)."""

from __future__ import annotations

import copy
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from model.anchor import anchor_linear_branch
from model.config import ModelConfig
from model.data import STREAMS, FeatureDataset, feature_stats, loader
from model.ensemble import Ensemble, member_seed
from model.factory import build, set_stats
from model.inference import predict
from model.metrics import scores
from model.params import TrainParams
from model.search import EpochHook, search, usable_folds
from model.weighting import inverse_frequency
from pipeline.plutchik import label_space


def seed_everything(seed: int) -> torch.Generator:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)
    return torch.Generator().manual_seed(seed)


def modality_dropout(
    batch: dict[str, torch.Tensor], modalities: Sequence[str], p: float, gen: torch.Generator
) -> dict[str, torch.Tensor]:
    """Hide each modality of each sample with probability ``p``, keeping at least one."""
    if p <= 0 or len(modalities) < 2:
        return batch
    size = len(batch["target"])
    drop = torch.rand(size, len(modalities), generator=gen) < p
    keep_one = torch.randint(len(modalities), (size,), generator=gen)
    drop[torch.arange(size), keep_one] = False
    out = dict(batch)
    for j, m in enumerate(modalities):
        for stream, _ in STREAMS[m][1]:
            key = f"{stream}_mask"
            if key in out:
                mask = out[key]
                hide = drop[:, j].view(-1, *([1] * (mask.dim() - 1)))
                out[key] = mask & ~hide
    return out


def class_weights(ds: FeatureDataset, power: float) -> torch.Tensor:
    """Inverse frequency of each class's soft mass on the train split to ``power`` (mean
    weight 1; ``model/weighting.py``)."""
    mass = np.zeros(ds.n_classes, np.float64)
    for entry in ds.entries:
        mass += label_space(ds.space).target(entry.label)
    return torch.tensor(inverse_frequency(mass, power), dtype=torch.float32)


def loss_fn(
    logits: torch.Tensor, batch: dict[str, torch.Tensor], weights: torch.Tensor, soft: bool
) -> torch.Tensor:
    logp = torch.log_softmax(logits, dim=-1)
    if soft:
        target = batch["target"]
        per_sample = -(target * logp).sum(-1)
        w = (target * weights).sum(-1)
    else:
        per_sample = -logp.gather(1, batch["label"].view(-1, 1)).squeeze(1)
        w = weights[batch["label"]]
    return (per_sample * w).sum() / w.sum().clamp(min=1e-9)


def branch_loss(
    out: dict[str, torch.Tensor],
    batch: dict[str, torch.Tensor],
    weights: torch.Tensor,
    soft: bool,
    names: Sequence[str] = (),
) -> torch.Tensor:
    """Mean loss of each decision branch, the joint head included, on the samples that have its
    inputs (deep supervision: every branch must predict alone, so the gate mixes experts instead
    of one memorising path). A modality's head (``names`` says which row is which) learns the
    annotators' label of that modality where the sample has one (``target_<modality>``), the
    overall label elsewhere. Zero for models without branches."""
    if "branches" not in out:
        return out["logits"].new_zeros(())
    losses = []
    for b in range(out["branches"].shape[1]):
        keep = out["present"][:, b]
        if not keep.any():
            continue
        target = batch["target"]
        name = names[b] if b < len(names) else None
        if name is not None and f"target_{name}" in batch:
            has = batch[f"target_{name}_mask"].unsqueeze(-1)
            target = torch.where(has, batch[f"target_{name}"], target)
        sub = {"target": target[keep], "label": target[keep].argmax(-1)}
        losses.append(loss_fn(out["branches"][keep, b], sub, weights, soft))
    return torch.stack(losses).mean() if losses else out["logits"].new_zeros(())


@dataclass
class TrainResult:
    model: nn.Module
    config: ModelConfig
    best_epoch: int
    best_val_macro_f1: float
    history: list[dict[str, float]] = field(default_factory=list)
    search: dict[str, Any] | None = None  # what train.search tried and chose
    anchor: dict[str, float] | None = None  # the linear branch's C per modality, when anchored
    members: list[dict[str, float]] | None = None  # each member's best epoch and val macro-F1


FitsHook = Callable[[int, int], None]  # (fits finished, fits planned)


@dataclass
class _CountedFit:
    """``fit``, telling ``hook`` after every call how many of ``planned`` fits are done."""

    planned: int
    hook: FitsHook | None
    done: int = 0

    def __post_init__(self) -> None:
        if self.hook is not None:
            self.hook(0, self.planned)

    def __call__(self, *args: Any, **kwargs: Any) -> TrainResult:
        result = fit(*args, **kwargs)
        self.done += 1
        if self.hook is not None:
            self.hook(self.done, self.planned)
        return result


def train(
    train_ds: FeatureDataset,
    val_ds: FeatureDataset | None,
    params: TrainParams,
    log: Callable[[int, dict[str, float]], None] | None = None,
    on_fit: FitsHook | None = None,
) -> TrainResult:
    """Fit a model on ``train_ds``: where ``train.search`` applies to this train size, with the
    hyper-parameters and (``search.epochs: folds``) for the number of epochs a cross-validated
    search chose, ``val_ds`` only monitored; otherwise stopping early on ``val_ds``. Either way
    the result averages ``train.optim.members`` final fits; ``on_fit`` hears of every fit done
    (the search's and the members') out of all planned."""
    members = params.optim.members
    searching = params.search.applies(len(train_ds))
    n_folds = usable_folds(train_ds, params.search.folds) if searching else 0
    too_few = searching and params.search.enabled == "auto" and n_folds < 2
    if not searching or too_few:
        result = fit_members(train_ds, val_ds, params, log, fitter=_CountedFit(members, on_fit))
        if too_few:
            result.search = {"skipped": "too few accounts or videos per class in the train split"}
        return result
    counted = _CountedFit(len(params.search.candidates()) * n_folds + members, on_fit)
    found = search(train_ds, params, counted)
    epochs = found.epochs if params.search.epochs == "folds" else None
    best = params.with_candidate(found.best)
    result = fit_members(train_ds, val_ds, best, log, epochs=epochs, fitter=counted)
    result.search = found.report()
    return result


def fit_members(
    train_ds: FeatureDataset,
    val_ds: FeatureDataset | None,
    params: TrainParams,
    log: Callable[[int, dict[str, float]], None] | None = None,
    epochs: int | None = None,
    fitter: Callable[..., TrainResult] | None = None,
) -> TrainResult:
    """``train.optim.members`` fits of ``params`` (by ``fitter``, default ``fit``), member k with
    seed ``seed + 1000 k``, averaged into one ``Ensemble`` (``model/ensemble.py``; one member:
    that fit as it is). ``log`` sees the first member's epochs; the result's epoch and val
    macro-F1 are the first member's and the ensemble's, and ``members`` holds every member's
    best epoch and val macro-F1."""
    n = params.optim.members
    fitter = fitter or fit
    first = fitter(train_ds, val_ds, params, log, epochs=epochs)
    if n == 1:
        return first
    results = [first] + [
        fitter(train_ds, val_ds, _seeded(params, member_seed(params.optim.seed, k)), epochs=epochs)
        for k in range(1, n)
    ]
    model = Ensemble([r.model for r in results]).eval()
    probs, targets = predict(model, _monitored(train_ds, val_ds))
    first.model = model
    first.config = first.config.model_copy(update={"members": n})
    first.best_val_macro_f1 = scores(probs, targets, params.task.labels)["macro_f1"]
    first.members = [
        {"epoch": r.best_epoch, "val_macro_f1": round(r.best_val_macro_f1, 4)} for r in results
    ]
    return first


def _seeded(params: TrainParams, seed: int) -> TrainParams:
    return params.changed({"optim": {"seed": seed}})


def _monitored(train_ds: FeatureDataset, val_ds: FeatureDataset | None) -> FeatureDataset:
    """What a fit is scored on: the val split, or the train split when there is none."""
    return val_ds if val_ds is not None and len(val_ds) else train_ds


def fit(
    train_ds: FeatureDataset,
    val_ds: FeatureDataset | None,
    params: TrainParams,
    log: Callable[[int, dict[str, float]], None] | None = None,
    epochs: int | None = None,
    on_epoch: EpochHook | None = None,
) -> TrainResult:
    """One model with ``params`` as they are (no search): the state of the best epoch on
    ``val_ds`` (early stopping), or, given ``epochs``, the state after exactly that many
    (0: the anchored linear branch, untrained). ``on_epoch(epoch, model)`` sees the model after
    every epoch (and the anchored one as epoch 0)."""
    gen = seed_everything(params.optim.seed)
    torch.set_num_threads(params.optim.threads)
    cfg = ModelConfig.from_params(params, label_space(params.task.labels).classes, train_ds.dims)
    model = build(cfg)
    set_stats(model, feature_stats(train_ds))
    anchored = (
        anchor_linear_branch(model, train_ds, params.optim.seed, params.task.class_weights)
        if getattr(model, "linear", None)
        else None
    )
    # modality heads learn the per-modality labels where annotators gave them
    named = params.task.modality_labels and hasattr(model, "branch_names")
    heads = model.branch_names() if named else ()
    weights = class_weights(train_ds, params.task.class_weights)
    batches = loader(train_ds, params.optim.batch_size, shuffle=True, gen=gen)
    optimiser = torch.optim.AdamW(
        model.parameters(), lr=params.optim.lr, weight_decay=params.optim.weight_decay
    )
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(
        optimiser, T_max=max(1, params.optim.epochs * len(batches))
    )
    monitor = _monitored(train_ds, val_ds)
    best: dict[str, Any] = {"f1": -1.0, "loss": float("inf"), "epoch": 0, "state": None}
    history = []
    stale = 0

    def keep_if_better(epoch: int, row: dict[str, float]) -> bool:
        if on_epoch is not None:
            on_epoch(epoch, model)
        if epochs is not None:  # a fixed count: the latest state is kept
            better = True
        else:
            better = row["val/macro_f1"] > best["f1"] + 1e-9 or (
                abs(row["val/macro_f1"] - best["f1"]) <= 1e-9 and row["val/loss"] < best["loss"]
            )
        if better:
            best.update(
                f1=row["val/macro_f1"],
                loss=row["val/loss"],
                epoch=epoch,
                state=copy.deepcopy(model.state_dict()),
            )
        return better

    if anchored is not None:  # the anchored, untrained model competes as epoch 0
        row = _scored(model, train_ds, monitor, params.task.labels)
        history.append(row)
        if log is not None:
            log(0, row)
        keep_if_better(0, row)
    for epoch in range(1, (params.optim.epochs if epochs is None else epochs) + 1):
        model.train()
        total, seen = 0.0, 0
        for batch in batches:
            batch = modality_dropout(batch, cfg.modalities, params.optim.modality_dropout, gen)
            out = model(batch)
            loss = loss_fn(out["logits"], batch, weights, params.task.soft_labels)
            if params.task.branch_loss > 0:
                loss = loss + params.task.branch_loss * branch_loss(
                    out, batch, weights, params.task.soft_labels, heads
                )
            optimiser.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimiser.step()
            schedule.step()
            total += loss.item() * len(batch["target"])
            seen += len(batch["target"])
        row = {
            "train/loss": total / max(seen, 1),
            **_scored(model, train_ds, monitor, params.task.labels),
        }
        history.append(row)
        if log is not None:
            log(epoch, row)
        if keep_if_better(epoch, row):
            stale = 0
        else:
            stale += 1
            if stale >= params.optim.patience:
                break
    model.load_state_dict(best["state"])
    model.eval()
    return TrainResult(model, cfg, best["epoch"], best["f1"], history, anchor=anchored)


def _scored(
    model: nn.Module, train_ds: FeatureDataset, monitor: FeatureDataset, labels: str
) -> dict[str, float]:
    """Accuracy and macro-F1 on train and on the monitored split, and the monitored loss."""
    row = {}
    for name, ds in (("train", train_ds), ("val", monitor)):
        probs, targets = predict(model, ds)
        s = scores(probs, targets, labels)
        row[f"{name}/accuracy"], row[f"{name}/macro_f1"] = s["accuracy"], s["macro_f1"]
        if name == "val":
            row["val/loss"] = float(
                -(torch.from_numpy(targets) * torch.log(torch.from_numpy(probs) + 1e-9))
                .sum(-1)
                .mean()
            )
    return row
