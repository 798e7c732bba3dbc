"""Inputs read through fsspec when the workers share no filesystem with the driver
(``runner.inputs_url``).

The driver keeps its own copy of everything a stage reads: it hashes the videos and the
upstream outputs to key the work cache. ``runner.inputs_url`` names where the workers find the
same files: an fsspec URL standing for the repository root (``s3://bucket/chfen``,
``gs://bucket/chfen``, ``file:///mnt/share/chfen``), so ``data/raw/videos/x.mp4`` is read as
``<inputs_url>/data/raw/videos/x.mp4``. The files a video's work reads are its item's ``path``
and every ``Path`` value in its ``inputs``.

Before the work runs, the worker copies each of those files into node-local scratch and checks
the copy's sha256 against the driver's. A stale or damaged object therefore fails its video with
a message naming the URL, like any failing video, and never reaches the cache. A file that the
driver does not have (an upstream stage wrote nothing for this video) is not fetched: the work
sees it missing, as it would on the driver. ``chfen mirror`` uploads what the URL lacks.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import posixpath
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import fsspec

from pipeline.hashing import HashIndex

if TYPE_CHECKING:
    from pipeline.work import WorkItem

CHUNK = 1 << 20


class InputsError(RuntimeError):
    """An input cannot be read from ``runner.inputs_url``, or does not match the driver's copy."""


@dataclass(frozen=True)
class RemoteInputs:
    """Where a worker reads an item's files, and what each must hash to."""

    root: str
    options: dict[str, Any]
    # each file's path as the item names it -> (its path relative to the repository root, the
    # driver's sha256 of it, None when the driver has no such file)
    files: dict[str, tuple[str, str | None]]


def url_for(root: str, relative: str) -> str:
    return f"{root.rstrip('/')}/{relative}"


def check_url(root: str) -> str:
    """``root`` if fsspec knows its protocol and the package implementing it is installed."""
    protocol, _ = fsspec.core.split_protocol(root)
    if protocol is None:
        raise ValueError(f"{root!r} is not a URL; give one with a protocol, e.g. s3://bucket/chfen")
    try:
        fsspec.get_filesystem_class(protocol)
    except (ValueError, ImportError) as e:
        raise ValueError(f"{root!r}: {e}") from None
    return root


def attach(
    items: Iterable[WorkItem], root: str, options: dict[str, Any], index: HashIndex
) -> list[WorkItem]:
    """On the driver: the items with the files their work reads, hashed, and where to read them."""
    repo = Path.cwd().resolve()
    attached = []
    for item in items:
        files = {
            str(path): (_relative(path, repo), index.digest(path) if path.is_file() else None)
            for path in _paths(item)
        }
        attached.append(dataclasses.replace(item, remote=RemoteInputs(root, options, files)))
    return attached


def localize(item: WorkItem, scratch: Path) -> WorkItem:
    """On the worker: copy the item's files from the URL into ``scratch``, check each against
    the driver's hash, and return the item with its paths pointing at the copies."""
    remote = item.remote
    assert remote is not None
    local: dict[Path, Path] = {}
    for path in _paths(item):
        relative, expected = remote.files[str(path)]
        copy = scratch / relative
        if expected is not None:
            _fetch(url_for(remote.root, relative), remote.options, copy, expected)
        local[path] = copy
    return dataclasses.replace(
        item,
        path=local.get(item.path, item.path),
        inputs=_map_paths(item.inputs, lambda p: local.get(p, p)),
        remote=None,
    )


def mirror(
    root: str,
    folders: Iterable[Path],
    options: dict[str, Any],
    force: bool = False,
    progress: Callable[[Path], None] = lambda _: None,
) -> tuple[list[str], int]:
    """Upload every file under ``folders`` (inside the repository) that the URL lacks or holds
    with a different size (``force``: every file). Returns the uploaded paths, relative to the
    repository root, and how many files were already there."""
    fs, base = fsspec.core.url_to_fs(root, **options)
    repo = Path.cwd().resolve()
    uploaded, present = [], 0
    for folder in folders:
        files = sorted(p for p in Path(folder).rglob("*") if p.is_file())
        remote_sizes = _sizes(fs, url_for(base, _relative(Path(folder), repo)))
        for path in files:
            relative = _relative(path, repo)
            target = url_for(base, relative)
            if not force and remote_sizes.get(target) == path.stat().st_size:
                present += 1
            else:
                fs.makedirs(posixpath.dirname(target), exist_ok=True)
                fs.put_file(str(path), target)
                uploaded.append(relative)
            progress(path)
    return uploaded, present


def _sizes(fs: fsspec.AbstractFileSystem, prefix: str) -> dict[str, int]:
    """Size of every object under ``prefix``, by path (without protocol), in one listing."""
    try:
        found = fs.find(prefix, detail=True)
    except FileNotFoundError:
        return {}
    return {name: int(info.get("size") or 0) for name, info in found.items()}


def _fetch(url: str, options: dict[str, Any], dest: Path, expected: str) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    try:
        with fsspec.open(url, "rb", **options) as src, open(dest, "wb") as out:
            while chunk := src.read(CHUNK):
                digest.update(chunk)
                out.write(chunk)
    except FileNotFoundError:
        raise InputsError(
            f"{url}: not found under runner.inputs_url (upload it with `chfen mirror`)"
        ) from None
    except OSError as e:
        raise InputsError(f"{url}: cannot be read: {e}") from None
    if digest.hexdigest() != expected:
        dest.unlink()
        raise InputsError(
            f"{url}: sha256 {digest.hexdigest()[:12]} differs from the driver's copy "
            f"({expected[:12]}); the copy under runner.inputs_url is stale or damaged "
            "(re-upload it with `chfen mirror --force`)"
        )


def _paths(item: WorkItem) -> Iterator[Path]:
    """The files an item's work reads: its ``path`` (unless empty) and its ``Path`` inputs."""
    if item.path != Path():
        yield item.path
    found: list[Path] = []

    def note(path: Path) -> Path:
        found.append(path)
        return path

    _map_paths(item.inputs, note)
    yield from found


def _map_paths(value: Any, f: Callable[[Path], Path]) -> Any:
    """``value`` with every ``Path`` in it (through dicts, lists and tuples) replaced by
    ``f(path)``, in order."""
    if isinstance(value, Path):
        return f(value)
    if isinstance(value, dict):
        return {k: _map_paths(v, f) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_map_paths(v, f) for v in value)
    return value


def _relative(path: Path, repo: Path) -> str:
    """``path`` relative to the repository root, in URL form; an error for paths outside it,
    which have no place under the URL."""
    relative = os.path.relpath(Path(path).resolve(), repo)
    if relative == ".." or relative.startswith(("../", "/")):
        raise InputsError(
            f"{path}: outside the repository ({repo}), so it has no place under "
            "runner.inputs_url; keep a stage's inputs inside the repository"
        )
    return Path(relative).as_posix()
