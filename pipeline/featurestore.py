"""The HDF5 feature store: per-video encoder outputs, sharded, read back in microseconds.

One store per modality (``data/features/<modality>/``): ``store.json`` (what is inside, which
encoder made it, the shard list with sizes and hashes) and shards ``shard-00000.h5``, ... of at
most ``shard_videos`` videos each, filled in the order videos are given (the manifest's order).
Shards are written byte-deterministically (no HDF5 timestamps), so the same inputs give the same
bytes on every machine, and DVC, which stores files by content, uploads only shards whose videos
changed.

The layout is append-friendly, so that sharing a grown dataset through a DVC remote uploads little
more than the new videos: full shards of ``shard_videos`` first, then the remainder ``r`` split
by the binary digits of ``r``, largest first (100 videos with ``shard_videos=256``: shards of 64,
32 and 4). Appending one video to a remainder whose binary form ends in ``j`` ones merges only
the last ``j`` tail shards (``2**j - 1`` videos) with it; the rest keep their bytes. Over many
appends that is about log2(shard_videos) videos rewritten per video added, where plain
fixed-size shards rewrite the whole partial last shard (up to ``shard_videos - 1`` videos) every
time. The layout is a function of the ordered id list alone, never of the store's history.

Inside a shard, each *sequence* stream (one row per time step) is stored with every video's rows
concatenated along time plus an offsets index (STACK.md measured this at ~47 µs per random read,
without the padding of per-video chunks); each *vector* stream (one row per video) as an (N, D)
array. Masks (which steps or vectors are real) are small and kept in memory by the reader.

A store is written whole by ``write_store`` into a temporary folder that replaces the old one;
its ``fingerprint`` covers the encoder, its weights, the params and the stream layout. The
reader refuses shards whose fingerprint differs from ``store.json`` (never mixes encoders) and
shards whose size or sha256 differs from what was recorded (truncated, edited by hand, bit rot):
each shard's content is hashed the first time a reader opens it, so a damaged shard raises
``StoreError`` instead of returning wrong values; later reads cost nothing extra.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import h5py
import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from pipeline import __version__, atomic
from pipeline.hashing import file_digest

STORE_FORMAT = 1
STORE_FILE = "store.json"
CHUNK_ROWS = 64
# What h5py raises on a file it cannot parse (it maps HDF5's error stack onto these).
_H5_ERRORS = (OSError, KeyError, ValueError, TypeError, RuntimeError)


class StoreError(RuntimeError):
    """A store that is missing, damaged, or mixes incompatible shards; the message says which."""


class StreamSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    kind: Literal["sequence", "vector"]
    dim: int = Field(ge=1)
    dtype: Literal["float16", "float32"] = "float16"


class StoreMeta(BaseModel):
    """Everything that decides a store's contents besides the videos themselves."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    modality: str
    streams: tuple[StreamSpec, ...]
    encoder: dict[str, str]  # e.g. name, revision or weights hash, pooling
    step_s: float
    params_digest: str
    chfen_version: str = __version__
    format: int = STORE_FORMAT

    def fingerprint(self) -> str:
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()[:16]

    def stream(self, name: str) -> StreamSpec:
        for s in self.streams:
            if s.name == name:
                return s
        raise KeyError(name)


@dataclass
class VideoFeatures:
    """One video's features: per stream an array ((T, D) for sequences, (D,) for vectors) and a
    mask ((T,) bool for sequences, () bool for vectors) saying which entries are real."""

    n_steps: int
    arrays: dict[str, np.ndarray]
    masks: dict[str, np.ndarray]


def save_video(path: Path, feats: VideoFeatures) -> None:
    """One video's features as an .npz (the per-video work cache's format)."""
    arrays = {"n_steps": np.array(feats.n_steps)}
    arrays.update({f"a/{k}": np.asarray(v) for k, v in feats.arrays.items()})
    arrays.update({f"m/{k}": np.asarray(v, dtype=bool) for k, v in feats.masks.items()})
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)


def load_video(path: Path) -> VideoFeatures:
    with np.load(path, allow_pickle=False) as z:
        return VideoFeatures(
            n_steps=int(z["n_steps"]),
            arrays={k[2:]: z[k] for k in z.files if k.startswith("a/")},
            masks={k[2:]: z[k] for k in z.files if k.startswith("m/")},
        )


class ShardInfo(BaseModel):
    model_config = ConfigDict(extra="forbid")

    file: str
    ids: list[str]
    size: int
    sha256: str


class StoreIndex(BaseModel):
    model_config = ConfigDict(extra="forbid")

    meta: StoreMeta
    fingerprint: str
    shards: list[ShardInfo]


def write_store(
    root: Path,
    meta: StoreMeta,
    videos: Iterable[tuple[str, VideoFeatures]],
    shard_videos: int,
    extra_files: dict[str, str] | None = None,
) -> StoreIndex:
    """Write a whole store at ``root`` (replacing any previous one atomically), with any
    ``extra_files`` (name -> text, e.g. the stage's failures) beside it."""
    if shard_videos < 1:
        raise ValueError("shard_videos must be at least 1")
    root = Path(root)
    shards: list[ShardInfo] = []
    with atomic.directory(root) as tmp:
        for n, batch in enumerate(_batches(videos, shard_videos)):
            name = f"shard-{n:05d}.h5"
            _write_shard(tmp / name, meta, batch)
            shards.append(
                ShardInfo(
                    file=name,
                    ids=[vid for vid, _ in batch],
                    size=(tmp / name).stat().st_size,
                    sha256=file_digest(tmp / name),
                )
            )
        index = StoreIndex(meta=meta, fingerprint=meta.fingerprint(), shards=shards)
        atomic.write_text(tmp / STORE_FILE, index.model_dump_json(indent=2) + "\n")
        for name, text in (extra_files or {}).items():
            atomic.write_text(tmp / name, text)
    return index


def _batches(
    videos: Iterable[tuple[str, VideoFeatures]], size: int
) -> Iterator[list[tuple[str, VideoFeatures]]]:
    batch: list[tuple[str, VideoFeatures]] = []
    seen: set[str] = set()
    for vid, feats in videos:
        if vid in seen:
            raise ValueError(f"video {vid!r} given twice")
        seen.add(vid)
        batch.append((vid, feats))
        if len(batch) == size:
            yield batch
            batch = []
    for n in tail_sizes(len(batch)):
        yield batch[:n]
        batch = batch[n:]


def tail_sizes(remainder: int) -> list[int]:
    """Shard sizes for the ``remainder`` videos after the full shards: its binary digits, largest
    first (13 -> [8, 4, 1]), so one more video leaves every shard but the trailing ones alone."""
    return [1 << k for k in reversed(range(remainder.bit_length())) if remainder >> k & 1]


def _write_shard(path: Path, meta: StoreMeta, batch: list[tuple[str, VideoFeatures]]) -> None:
    steps = np.array([f.n_steps for _, f in batch], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(steps)]).astype(np.int64)
    with h5py.File(path, "w", libver=("v110", "v110")) as h5:
        h5.attrs["fingerprint"] = meta.fingerprint()
        h5.attrs["meta"] = meta.model_dump_json()
        _dataset(h5, "ids", np.array([vid for vid, _ in batch], dtype=h5py.string_dtype()))
        _dataset(h5, "offsets", offsets)
        for spec in meta.streams:
            group = h5.create_group(spec.name, track_order=False)
            if spec.kind == "sequence":
                data = np.zeros((int(offsets[-1]), spec.dim), dtype=spec.dtype)
                mask = np.zeros(int(offsets[-1]), dtype=bool)
            else:
                data = np.zeros((len(batch), spec.dim), dtype=spec.dtype)
                mask = np.zeros(len(batch), dtype=bool)
            for row, (vid, feats) in enumerate(batch):
                array, m = _checked(vid, spec, feats)
                where = slice(offsets[row], offsets[row + 1]) if spec.kind == "sequence" else row
                data[where] = array
                mask[where] = m
            chunks = (min(CHUNK_ROWS, max(len(data), 1)), spec.dim) if len(data) else None
            _dataset(group, "data", data, chunks=chunks)
            _dataset(group, "mask", mask)
            for key, value in (("dim", spec.dim), ("kind", spec.kind), ("step_s", meta.step_s)):
                group["data"].attrs[key] = value
            for key, value in meta.encoder.items():
                group["data"].attrs[f"encoder_{key}"] = value
            group["data"].attrs["params_digest"] = meta.params_digest
            group["data"].attrs["chfen_version"] = meta.chfen_version


def _check_file(path: Path, info: ShardInfo) -> None:
    """Raise ``StoreError`` unless the shard at ``path`` is there with the size and sha256 that
    ``store.json`` recorded for it."""
    if not path.is_file():
        raise StoreError(f"{path}: shard missing (listed in {STORE_FILE})")
    if path.stat().st_size != info.size:
        raise StoreError(
            f"{path}: {path.stat().st_size} bytes, {STORE_FILE} says {info.size}: "
            "truncated or modified; re-run the stage that writes it"
        )
    if file_digest(path) != info.sha256:
        raise StoreError(
            f"{path}: content differs from {STORE_FILE} (sha256): damaged or modified; "
            "re-run the stage that writes it"
        )


def _unreadable(path: Path, error: Exception) -> StoreError:
    """The ``StoreError`` for an h5py error on the shard at ``path``."""
    return StoreError(
        f"{path}: not a readable HDF5 shard ({type(error).__name__}: {error}); "
        "re-run the stage that writes it"
    )


@contextmanager
def _reading(path: Path) -> Iterator[None]:
    """Turn h5py's errors while reading the shard at ``path`` into a ``StoreError`` naming it."""
    try:
        yield
    except StoreError:
        raise
    except _H5_ERRORS as e:
        raise _unreadable(path, e) from None


def _dataset(parent: h5py.Group, name: str, data: np.ndarray, chunks=None) -> None:
    parent.create_dataset(name, data=data, chunks=chunks, track_times=False)


def _checked(vid: str, spec: StreamSpec, feats: VideoFeatures) -> tuple[np.ndarray, np.ndarray]:
    if spec.name not in feats.arrays:
        raise ValueError(f"video {vid!r}: no array for stream {spec.name!r}")
    array = np.asarray(feats.arrays[spec.name])
    mask = np.asarray(feats.masks.get(spec.name, True), dtype=bool)
    want = (feats.n_steps, spec.dim) if spec.kind == "sequence" else (spec.dim,)
    if array.shape != want:
        raise ValueError(f"video {vid!r}, stream {spec.name!r}: shape {array.shape}, want {want}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"video {vid!r}, stream {spec.name!r}: non-finite values")
    if spec.kind == "sequence":
        mask = np.broadcast_to(mask, (feats.n_steps,))
    return array, mask


class FeatureStore:
    """Random access to a store's videos. Shard files open on first use, once per process (a
    forked or spawned data-loader worker reopens its own handles); each is checked against
    ``store.json`` (size, sha256, fingerprint, ids) when it opens."""

    def __init__(self, root: Path, expect: StoreMeta | None = None):
        self.root = Path(root)
        try:
            self.index = StoreIndex.model_validate_json((self.root / STORE_FILE).read_text())
        except FileNotFoundError:
            raise StoreError(f"{self.root}: no {STORE_FILE}; run the embed stage") from None
        except ValueError as e:
            raise StoreError(f"{self.root / STORE_FILE}: unreadable: {e}".splitlines()[0]) from None
        if expect is not None and expect.fingerprint() != self.index.fingerprint:
            raise StoreError(
                f"{self.root}: built with a different encoder or params "
                f"(store {self.index.fingerprint}, expected {expect.fingerprint()}); "
                "re-run its stage"
            )
        self.meta = self.index.meta
        self._where = {
            vid: (s, row)
            for s, shard in enumerate(self.index.shards)
            for row, vid in enumerate(shard.ids)
        }
        self._pid = -1
        self._open: dict[int, _OpenShard] = {}

    @property
    def ids(self) -> list[str]:
        return [vid for shard in self.index.shards for vid in shard.ids]

    def __len__(self) -> int:
        return len(self._where)

    def __contains__(self, vid: object) -> bool:
        return vid in self._where

    def get(self, vid: str) -> VideoFeatures:
        try:
            s, row = self._where[vid]
        except KeyError:
            raise KeyError(f"video {vid!r} is not in the {self.meta.modality} store") from None
        shard = self._shard(s)
        try:
            return shard.read(row, self.meta.streams)
        except _H5_ERRORS as e:  # a plain try: a context manager per read costs ~1 µs
            raise _unreadable(shard.path, e) from None

    def verify(self) -> None:
        """Check every shard's presence, size and content hash now (reads check each shard
        only when they first open it)."""
        for info in self.index.shards:
            _check_file(self.root / info.file, info)

    def close(self) -> None:
        for shard in self._open.values():
            shard.h5.close()
        self._open.clear()

    def _shard(self, s: int) -> _OpenShard:
        if self._pid != os.getpid():
            self._open = {}  # inherited handles are not safe to share across processes
            self._pid = os.getpid()
        if s not in self._open:
            self._open[s] = _OpenShard.open(self.root, self.index, s)
        return self._open[s]

    def __getstate__(self) -> dict[str, object]:
        state = self.__dict__.copy()
        state["_open"], state["_pid"] = {}, -1
        return state


@dataclass
class _OpenShard:
    path: Path
    h5: h5py.File
    offsets: np.ndarray
    data: dict[str, h5py.Dataset]
    masks: dict[str, np.ndarray]

    @classmethod
    def open(cls, root: Path, index: StoreIndex, s: int) -> _OpenShard:
        """Open shard ``s`` once its bytes match ``store.json``; raises ``StoreError`` when
        they do not or when its fingerprint or ids differ."""
        info = index.shards[s]
        path = root / info.file
        _check_file(path, info)
        with _reading(path):
            h5 = h5py.File(path, "r")
            try:
                return cls._load(path, h5, index, info)
            except BaseException:
                h5.close()
                raise

    @classmethod
    def _load(cls, path: Path, h5: h5py.File, index: StoreIndex, info: ShardInfo) -> _OpenShard:
        if h5.attrs.get("fingerprint") != index.fingerprint:
            raise StoreError(f"{path}: written by a different encoder/params than {STORE_FILE}")
        ids = [x.decode() if isinstance(x, bytes) else x for x in h5["ids"][()]]
        if ids != info.ids:
            raise StoreError(f"{path}: its video ids differ from {STORE_FILE}")
        streams = index.meta.streams
        return cls(
            path=path,
            h5=h5,
            offsets=h5["offsets"][()],
            data={spec.name: h5[spec.name]["data"] for spec in streams},
            masks={spec.name: h5[spec.name]["mask"][()] for spec in streams},
        )

    def read(self, row: int, streams: Iterable[StreamSpec]) -> VideoFeatures:
        """The features of the video in row ``row`` of this shard."""
        lo, hi = int(self.offsets[row]), int(self.offsets[row + 1])
        arrays: dict[str, np.ndarray] = {}
        masks: dict[str, np.ndarray] = {}
        for spec in streams:
            if spec.kind == "sequence":
                arrays[spec.name] = self.data[spec.name][lo:hi]
                masks[spec.name] = self.masks[spec.name][lo:hi]
            else:
                arrays[spec.name] = self.data[spec.name][row]
                masks[spec.name] = self.masks[spec.name][row]
        return VideoFeatures(hi - lo, arrays, masks)
