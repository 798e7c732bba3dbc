"""The real photographs sample scenes are cut from, all shipped inside installed wheels.

Nothing is downloaded: scikit-image's bundled images (only those its wheel carries; the
pooch-fetched ones fail offline), plus a few photos other dependencies ship (matplotlib's Grace
Hopper portrait, scikit-learn's two sample images, ultralytics' street and press photos). Those
with people matter most: the tracking and face stages need real bodies and faces to find, which
synthetic shapes would not give them. Photos without people have no faces at all (no pets
either), so a "nobody" clip is unambiguous for a face detector.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image

# Photos are scaled so their short side is at most this; more detail than a 360p frame needs
# only costs resampling time.
MAX_SHORT_SIDE = 480


@dataclass(frozen=True)
class Photo:
    """A photograph: whether people are in it, where the subject is (relative x, y: the camera
    keeps it in view) and the emotions whose clips pick it more often."""

    name: str
    people: bool
    focus: tuple[float, float]
    suits: tuple[str, ...]


PHOTOS: tuple[Photo, ...] = (
    Photo("astronaut", True, (0.42, 0.32), ("joy", "trust", "anticipation")),
    Photo("camera", True, (0.42, 0.38), ("anticipation", "trust", "surprise")),
    Photo("grace_hopper", True, (0.5, 0.38), ("trust", "sadness", "anticipation")),
    Photo("zidane", True, (0.72, 0.35), ("anger", "surprise", "fear")),
    Photo("bus", True, (0.5, 0.6), ("fear", "disgust", "anticipation")),
    Photo("coffee", False, (0.5, 0.5), ("joy", "trust")),
    Photo("rocket", False, (0.5, 0.45), ("anticipation", "surprise")),
    Photo("hubble_deep_field", False, (0.5, 0.5), ("fear", "surprise")),
    Photo("motorcycle", False, (0.5, 0.5), ("anger", "anticipation")),
    Photo("china", False, (0.5, 0.45), ("trust", "sadness")),
    Photo("flower", False, (0.5, 0.5), ("joy", "sadness")),
    Photo("moon", False, (0.5, 0.5), ("fear", "sadness")),
    Photo("immunohistochemistry", False, (0.5, 0.5), ("disgust",)),
    Photo("gravel", False, (0.5, 0.5), ("disgust",)),
)
BY_NAME = {p.name: p for p in PHOTOS}


def _skimage(name: str) -> Callable[[], np.ndarray]:
    def load() -> np.ndarray:
        import skimage.data

        image = getattr(skimage.data, name)()
        return image[0] if isinstance(image, tuple) else image

    return load


def _package_file(package: str, relative: str) -> Callable[[], np.ndarray]:
    """A file inside an installed package, found without importing the package (importing
    ultralytics or scikit-learn would cost seconds in every worker)."""

    def load() -> np.ndarray:
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            raise FileNotFoundError(
                f"sample photo {relative!r} ships with the package {package!r}, which is not "
                "installed (it is a chfen dependency: reinstall with `pip install -e .`)"
            )
        path = Path(next(iter(spec.submodule_search_locations))) / relative
        with Image.open(path) as im:
            return np.asarray(im.convert("RGB"))

    return load


_LOADERS: dict[str, Callable[[], np.ndarray]] = {
    "astronaut": _skimage("astronaut"),
    "camera": _skimage("camera"),
    "grace_hopper": _package_file("matplotlib", "mpl-data/sample_data/grace_hopper.jpg"),
    "zidane": _package_file("ultralytics", "assets/zidane.jpg"),
    "bus": _package_file("ultralytics", "assets/bus.jpg"),
    "coffee": _skimage("coffee"),
    "rocket": _skimage("rocket"),
    "hubble_deep_field": _skimage("hubble_deep_field"),
    "motorcycle": _skimage("stereo_motorcycle"),
    "china": _package_file("sklearn", "datasets/images/china.jpg"),
    "flower": _package_file("sklearn", "datasets/images/flower.jpg"),
    "moon": _skimage("moon"),
    "immunohistochemistry": _skimage("immunohistochemistry"),
    "gravel": _skimage("gravel"),
}


@cache
def load_photo(name: str) -> np.ndarray:
    """The photo as a read-only RGB uint8 array, short side at most ``MAX_SHORT_SIDE`` (cached
    per process: every scene of every clip a worker renders reuses it)."""
    array = _LOADERS[name]()
    if array.ndim == 2:
        array = np.stack([array] * 3, axis=-1)
    image = Image.fromarray(np.ascontiguousarray(array[..., :3]).astype(np.uint8))
    scale = MAX_SHORT_SIDE / min(image.size)
    if scale < 1:
        size = (round(image.width * scale), round(image.height * scale))
        image = image.resize(size, Image.Resampling.LANCZOS)
    photo = np.asarray(image)
    photo.flags.writeable = False
    return photo
