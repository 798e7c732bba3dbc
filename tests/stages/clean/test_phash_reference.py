"""The clean stage computes pHashes in numpy, many views of many frames at once; each one must be
the ``imagehash.phash`` of the same image, the perceptual-hash library's reference."""

import imagehash
import numpy as np
import skimage.data
from PIL import Image

from stages.clean.fingerprint import _hex, _low_frequencies, _shrink


def test_vectorised_phash_equals_imagehash():
    rng = np.random.default_rng(0)
    images = [
        skimage.data.camera(),
        (skimage.data.astronaut().mean(axis=2)).astype(np.uint8),
        rng.integers(0, 256, size=(128, 128), dtype=np.uint8),
        rng.integers(0, 256, size=(90, 160), dtype=np.uint8),
    ]
    ours = _hex(_low_frequencies(np.stack([_shrink(image) for image in images])))
    reference = [str(imagehash.phash(Image.fromarray(image))) for image in images]
    assert ours == reference
