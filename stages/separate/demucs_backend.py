"""The demucs backend: a pretrained (H)Demucs model or bag, run through demucs' own API.

Weights are found, never fetched: ``separate.demucs.repo`` (when set), then ``models/demucs/``
(DVC-trackable, so weights travel with ``dvc pull``), then torch's hub cache
(``$TORCH_HOME/hub/checkpoints``, where demucs' legacy downloader puts them). A named bag such
as ``htdemucs`` is defined by a ``<name>.yaml`` in one of those folders or, failing that, by the
definition demucs ships in its package; each of its models is a ``<signature>[-<checksum>].th``
file in demucs' local-repository format. A miss raises ``MissingWeights`` before any video is
touched and without any network attempt.

Loading deviates from ``demucs.pretrained.get_model`` in one respect: that function unpickles
with ``weights_only=False``; here the same files go through ``torch.load(weights_only=True)``
with only demucs' model classes and ``Fraction`` allowed, then through demucs' own
``load_model`` and ``BagOfModels``. Separation is demucs' ``apply_model`` with ``split=True``, so
memory stays bounded by the segment length on clips of any length.
"""

from __future__ import annotations

import functools
import hashlib
import shutil
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import torch
import yaml
from demucs.apply import BagOfModels, apply_model
from demucs.audio import convert_audio
from demucs.demucs import Demucs
from demucs.hdemucs import HDemucs
from demucs.htdemucs import HTDemucs
from demucs.pretrained import REMOTE_ROOT, _parse_remote_files
from demucs.repo import ModelLoadingError, check_checksum
from demucs.states import load_model

from pipeline import weights
from pipeline.section import ParamsError
from stages.separate.params import DemucsParams
from stages.separate.stems import Stems

VOCALS = "vocals"
_SAFE_GLOBALS = [HTDemucs, HDemucs, Demucs, Fraction]


class UnusableWeights(weights.MissingWeights):
    """Weights that are present but cannot be loaded safely or used for two stems: for the
    user the same situation as missing ones (one clear message, the stage stops)."""


@dataclass(frozen=True)
class DemucsWeights:
    """Where a model's files are: the bag definition (None for a single model) and one
    ``.th`` file per model signature, plus a fingerprint of all of them."""

    model: str
    bag: Path | None
    files: tuple[tuple[str, Path], ...]
    fingerprint: str

    @property
    def version(self) -> str:
        """The weights' version as recorded in the index: model name and content hash."""
        return f"{self.model}-{self.fingerprint}"

    @property
    def cache_version(self) -> str:
        """The per-video cache version: backend and weights (the code is in every key)."""
        return f"demucs-{self.version}"


def hub_checkpoints() -> Path:
    """The torch hub cache folder demucs' legacy downloader fills."""
    return Path(torch.hub.get_dir()) / "checkpoints"


def find_weights(model: str, repo: Path | None = None) -> DemucsWeights:
    """Locate ``model``'s files locally or raise ``MissingWeights`` naming every place searched."""
    folders = [Path(repo)] if repo is not None else []
    folders += [weights.MODELS_DIR / "demucs", hub_checkpoints()]
    bag = next((f / f"{model}.yaml" for f in folders if (f / f"{model}.yaml").is_file()), None)
    if bag is None and (REMOTE_ROOT / f"{model}.yaml").is_file():
        bag = REMOTE_ROOT / f"{model}.yaml"
    signatures = _bag_signatures(bag) if bag is not None else [model]
    known = {sig: Path(url).name for sig, url in _remote_urls().items()}
    files = []
    for sig in signatures:
        names = _file_names(sig, folders, known.get(sig))
        spec = weights.WeightsSpec(
            family="demucs",
            names=names,
            how_to_get=(
                f"model {model!r} needs {' + '.join(names)}; on a machine with network run "
                f"`chfen models fetch demucs --model {model}` and copy models/demucs/ here"
            ),
            offline_alternative="separate.backend: classic",
        )
        explicit = None
        if repo is not None:
            explicit = next((Path(repo) / n for n in names if (Path(repo) / n).is_file()), None)
            explicit = explicit or Path(repo) / names[0]
        extra = [hub_checkpoints()]
        files.append((sig, weights.resolve(spec, explicit=explicit, extra_dirs=extra)))
    h = hashlib.sha256(bag.read_bytes() if bag is not None else model.encode())
    for sig, path in files:
        h.update(f"{sig}:{weights.fingerprint(path)}".encode())
    return DemucsWeights(model, bag, tuple(files), h.hexdigest()[:16])


def fetch_demucs(dest: Path, model: str = "htdemucs") -> list[Path]:
    """Download ``model``'s files from demucs' public repository into ``dest``. Needs network;
    nothing else in this backend downloads, so this runs only when a user asks for it."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    urls = _remote_urls()
    bag = REMOTE_ROOT / f"{model}.yaml"
    signatures = _bag_signatures(bag) if bag.is_file() else [model]
    written = []
    if bag.is_file():
        shutil.copyfile(bag, dest / bag.name)
        written.append(dest / bag.name)
    for sig in signatures:
        if sig not in urls:
            raise ValueError(f"demucs has no published model {model!r} (signature {sig})")
        target = dest / Path(urls[sig]).name
        torch.hub.download_url_to_file(urls[sig], str(target), progress=True)
        try:
            check_checksum(target, target.stem.rsplit("-", 1)[1])
        except ModelLoadingError:
            target.unlink()
            raise
        written.append(target)
    return written


class DemucsSeparator:
    name = "demucs"

    def __init__(self, params: DemucsParams, found: DemucsWeights, threads: int = 0):
        self.params = params
        self.weights_version = found.version
        self.version = found.cache_version
        self.model = load(found)
        self.device = _device(params.device)
        self.threads = threads
        limit = _max_segment(self.model)
        if params.segment_s is not None and params.segment_s > limit:
            raise ParamsError(
                f"separate.demucs.segment_s={params.segment_s} is longer than {found.model}'s "
                f"training segment ({limit:.2f} s); use a value up to {limit:.2f} or null"
            )

    def separate(self, audio: np.ndarray, rate: int) -> Stems:
        """Vocals and music for ``audio`` (channels x samples) at ``rate``, shaped like it."""
        audio = np.atleast_2d(np.asarray(audio, dtype=np.float32))
        if self.threads:
            torch.set_num_threads(self.threads)
        model = self.model
        wav = convert_audio(torch.from_numpy(audio), rate, model.samplerate, model.audio_channels)
        ref = wav.mean(0)
        mean, std = ref.mean(), ref.std()
        if not torch.isfinite(std) or float(std) < 1e-8:
            silent = np.zeros_like(audio)
            return Stems(vocals=silent, music=audio.copy())
        with torch.no_grad():
            sources = apply_model(
                model,
                ((wav - mean) / std)[None],
                shifts=self.params.shifts,
                split=True,
                overlap=self.params.overlap,
                progress=False,
                device=self.device,
                segment=self.params.segment_s,
            )[0]
        sources = sources * std + mean
        index = model.sources.index(VOCALS)
        vocals = self._back(sources[index], rate, audio)
        if self.params.music == "residual":
            return Stems(vocals=vocals, music=audio - vocals)
        others = sum(sources[i] for i in range(len(model.sources)) if i != index)
        return Stems(vocals=vocals, music=self._back(others, rate, audio))

    def _back(self, stem: torch.Tensor, rate: int, like: np.ndarray) -> np.ndarray:
        """A stem at the model's rate and channels, returned at the input's."""
        out = convert_audio(stem.cpu(), self.model.samplerate, rate, like.shape[0]).numpy()
        fitted = np.zeros_like(like)
        n = min(out.shape[1], like.shape[1])
        fitted[:, :n] = out[:, :n]
        return fitted


@functools.cache
def load(found: DemucsWeights) -> BagOfModels | HTDemucs | HDemucs | Demucs:
    """The model or bag, once per process; checks checksums and refuses arbitrary pickles."""
    models = [_load_file(sig, path) for sig, path in found.files]
    if found.bag is None:
        model = models[0]
    else:
        bag = yaml.safe_load(found.bag.read_text(encoding="utf-8"))
        model = BagOfModels(models, bag.get("weights"), bag.get("segment"))
    if VOCALS not in model.sources:
        raise UnusableWeights(f"{found.model} has no {VOCALS!r} source (it has {model.sources})")
    return model.eval()


def _load_file(sig: str, path: Path) -> Any:
    try:
        if "-" in path.stem:
            check_checksum(path, path.stem.rsplit("-", 1)[1])
    except ModelLoadingError as e:
        raise UnusableWeights(f"{e}: the file is damaged or not the one its name says") from None
    try:
        with torch.serialization.safe_globals(_SAFE_GLOBALS):
            package = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:
        raise UnusableWeights(f"{path}: not a loadable demucs model file ({e})") from None
    if not isinstance(package, dict) or not {"klass", "args", "kwargs", "state"} <= set(package):
        raise UnusableWeights(f"{path}: not a demucs model package (signature {sig})")
    return load_model(package)


def _bag_signatures(bag: Path) -> list[str]:
    definition = yaml.safe_load(bag.read_text(encoding="utf-8"))
    models = definition.get("models") if isinstance(definition, dict) else None
    if not isinstance(models, list) or not models:
        raise UnusableWeights(f"{bag}: not a demucs bag definition (needs a 'models' list)")
    return [str(s) for s in models]


def _file_names(sig: str, folders: list[Path], published: str | None) -> tuple[str, ...]:
    """File names that can hold ``sig``: what the folders have, then the published name."""
    names: list[str] = []
    for folder in folders:
        if folder.is_dir():
            names += sorted(p.name for p in folder.glob(f"{sig}.th"))
            names += sorted(p.name for p in folder.glob(f"{sig}-*.th"))
    names.append(published or f"{sig}.th")
    return tuple(dict.fromkeys(names))


@functools.cache
def _remote_urls() -> dict[str, str]:
    return _parse_remote_files(REMOTE_ROOT / "files.txt")


def _device(choice: str) -> str:
    if choice == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if choice == "cuda" and not torch.cuda.is_available():
        raise ParamsError("separate.demucs.device is cuda but no CUDA device is available")
    return choice


def _max_segment(model: Any) -> float:
    models = model.models if isinstance(model, BagOfModels) else [model]
    limits = [float(m.segment) for m in models if isinstance(m, HTDemucs)]
    return min(limits, default=float("inf"))
