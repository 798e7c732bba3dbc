"""Training examples read from the HDF5 feature stores: no encoding at load time.

An example holds, per stream, an array and a mask; ``collate`` pads the per-step streams of a
batch to its longest video and adds ``step_mask`` (True on real steps). A modality a video lacks
(no audio track, a failed extraction, a video missing from a store) is all-False in its masks.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from functools import partial
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from model.params import Modality
from pipeline.featurestore import FeatureStore
from pipeline.plutchik import Granularity, label_space
from pipeline.records import ManifestEntry

# modality -> (store, [(stream, kind)])
STREAMS: dict[Modality, tuple[str, tuple[tuple[str, str], ...]]] = {
    "title": ("text", (("title", "vector"),)),
    "text": ("text", (("subtitle", "sequence"),)),
    "visual": ("visual", (("scene", "sequence"), ("face", "sequence"), ("face_count", "sequence"))),
    "vocals": ("audio", (("vocals", "vector"), ("vocals_seq", "sequence"))),
    "music": ("audio", (("music", "vector"), ("music_seq", "sequence"))),
}


# model modality -> the annotation dimension whose per-modality label supervises its branch head
# (annotators label the audio as one: voice tone and music)
ANNOTATED: dict[Modality, str] = {
    "title": "title",
    "text": "text",
    "visual": "visual",
    "vocals": "audio",
    "music": "audio",
}


def stream_kinds(modalities: Sequence[Modality]) -> dict[str, str]:
    return {name: kind for m in modalities for name, kind in STREAMS[m][1]}


class FeatureDataset(Dataset):
    def __init__(
        self,
        entries: Sequence[ManifestEntry],
        features: Path,
        modalities: Sequence[Modality],
        space: Granularity,
    ):
        self.entries = list(entries)
        self.modalities = tuple(modalities)
        self.space = space
        self.n_classes = len(label_space(space).classes)
        needed = sorted({STREAMS[m][0] for m in self.modalities})
        self.stores = {name: FeatureStore(Path(features) / name) for name in needed}
        self.kinds = stream_kinds(self.modalities)
        self.dims = {
            stream: self.stores[STREAMS[m][0]].meta.stream(stream).dim
            for m in self.modalities
            for stream, _ in STREAMS[m][1]
        }

    def __len__(self) -> int:
        return len(self.entries)

    def primary_labels(self) -> np.ndarray:
        """The class index of every example's primary label (no store is read)."""
        space = label_space(self.space)
        return np.array([int(np.argmax(space.target(e.label))) for e in self.entries], dtype=int)

    def subset(self, indices: Sequence[int]) -> FeatureDataset:
        """The examples at ``indices``, reading the same stores (nothing is reopened)."""
        out = copy.copy(self)
        out.entries = [self.entries[i] for i in indices]
        return out

    def __getitem__(self, i: int) -> dict[str, np.ndarray]:
        entry = self.entries[i]
        found = {name: s.get(entry.id) for name, s in self.stores.items() if entry.id in s}
        steps = max((f.n_steps for f in found.values()), default=1)
        example: dict[str, np.ndarray] = {}
        for m in self.modalities:
            store = STREAMS[m][0]
            for stream, kind in STREAMS[m][1]:
                dim = self.dims[stream]
                shape = (steps, dim) if kind == "sequence" else (dim,)
                array = np.zeros(shape, np.float32)
                mask = np.zeros(shape[:1] if kind == "sequence" else (), bool)
                feats = found.get(store)
                if feats is not None:
                    a, k = feats.arrays[stream].astype(np.float32), feats.masks[stream]
                    if kind == "sequence":
                        array[: len(a)], mask[: len(k)] = a, k
                    else:
                        array, mask = a, np.asarray(k)
                example[stream] = array
                example[f"{stream}_mask"] = mask
        example["steps"] = np.array(steps)
        space = label_space(self.space)
        example["target"] = space.target(entry.label)
        example["label"] = np.array(int(np.argmax(example["target"])))
        for m in self.modalities:
            given = entry.modality_labels.get(ANNOTATED[m])
            target = space.soft_target(given) if given else np.zeros(self.n_classes, np.float32)
            example[f"target_{m}"] = target
            example[f"target_{m}_mask"] = np.array(bool(target.sum() > 0))
        return example


def collate(batch: list[dict[str, np.ndarray]], kinds: dict[str, str]) -> dict[str, torch.Tensor]:
    """Stack a batch, padding per-step streams (``kinds[stream] == "sequence"``) and their masks
    to the longest video; ``step_mask`` marks the real steps."""
    longest = max(int(b["steps"]) for b in batch)
    sequences = {s for s, kind in kinds.items() if kind == "sequence"}
    sequences |= {f"{s}_mask" for s in sequences}
    out: dict[str, torch.Tensor] = {}
    for key in batch[0]:
        if key == "steps":
            continue
        arrays = [b[key] for b in batch]
        if key in sequences:
            arrays = [
                np.pad(a, [(0, longest - a.shape[0])] + [(0, 0)] * (a.ndim - 1)) for a in arrays
            ]
        out[key] = torch.from_numpy(np.stack(arrays))
    steps = torch.tensor([int(b["steps"]) for b in batch])
    out["step_mask"] = torch.arange(longest)[None, :] < steps[:, None]
    return out


def feature_stats(dataset: FeatureDataset) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per-stream mean and std over the real (unmasked) entries: the model standardises its
    inputs with these (openSMILE descriptors and embeddings live on very different scales)."""
    sums: dict[str, list[np.ndarray]] = {s: [] for s in dataset.dims}
    for i in range(len(dataset)):
        ex = dataset[i]
        for stream in dataset.dims:
            mask = ex[f"{stream}_mask"]
            rows = ex[stream][mask] if ex[stream].ndim == 2 else ex[stream][None][mask[None]]
            if len(rows):
                sums[stream].append(rows)
    stats = {}
    for stream, dim in dataset.dims.items():
        if sums[stream]:
            data = np.concatenate(sums[stream])
            mean, std = data.mean(0), data.std(0)
        else:
            mean, std = np.zeros(dim, np.float32), np.ones(dim, np.float32)
        stats[stream] = (mean.astype(np.float32), np.maximum(std, 1e-4).astype(np.float32))
    return stats


def loader(ds: FeatureDataset, batch_size: int, shuffle: bool, gen: torch.Generator | None = None):
    """Batches of ``ds``. A loader that does not shuffle gets a private generator: iterating a
    DataLoader draws a base seed from its generator, and drawing it from the global torch RNG,
    which training's dropout uses, would make the weights a seed gives depend on how often the
    model was scored during training."""
    if gen is None and not shuffle:
        gen = torch.Generator()
    return DataLoader(
        ds,
        batch_size=batch_size,
        shuffle=shuffle,
        generator=gen,
        collate_fn=partial(collate, kinds=ds.kinds),
    )
