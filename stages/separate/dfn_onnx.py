"""DeepFilterNet3 through onnxruntime: the model's three ONNX graphs run over whole stretches of
frames, the signal processing around them in numpy (``dfn_features``).

The result is that of libDF's streaming runtime (``deepfilter.Enhancer``), which feeds the graphs
one frame at a time: output aligned with and as long as the input, the same local-SNR stage
rules. (libDF also skips frames after 6 silent ones in a row, but its counter restarts at every
frame given ERB gains, which with these rules is every frame, so it never skips.) The graphs run
over pieces of ``chunk_s`` seconds, each preceded by ``context_s`` seconds of the frames before it
whose output is dropped (the networks' recurrent state is not an input of the graphs, so it is
rebuilt from that context: 10 s of it brings the output within about 37 dB SDR of libDF's on
real speech); memory stays bounded on long clips (at the defaults about 0.65 GB above the
process's own, against almost nothing for libDF).
"""

from __future__ import annotations

import configparser
import tarfile
from pathlib import Path

import numpy as np

from stages.separate import dfn_features as F
from stages.separate.deepfilter import DeepFilterUnavailable

GRAPHS = ("enc", "erb_dec", "df_dec")
# libdeepfilter's df_create: a frame whose local SNR estimate is below MIN_DB is zeroed, above
# MAX_ERB_DB left as it is, above MAX_DF_DB only masked; DeepFilterNet3's estimate lies within
# [-15, 35] dB, so every frame is masked and deep-filtered
MIN_DB, MAX_ERB_DB, MAX_DF_DB = -15.0, 35.0, 35.0
# the first output frame is the input's frame ``-DELAY_FRAMES``: the STFT's overlap plus the
# model's lookahead
DELAY_FRAMES = 1 + F.CONV_LOOKAHEAD
_MODEL_CONFIG = {
    "sr": F.RATE,
    "fft_size": F.FFT_SIZE,
    "hop_size": F.HOP,
    "nb_erb": F.NB_ERB,
    "nb_df": F.NB_DF,
    "min_nb_erb_freqs": F.MIN_ERB_FREQS,
    "df_order": F.DF_ORDER,
    "df_lookahead": F.DF_LOOKAHEAD,
    "conv_lookahead": F.CONV_LOOKAHEAD,
    "norm_tau": F.NORM_TAU_S,
}


def load_sessions(model: Path, intra_threads: int = 1, inter_threads: int = 1) -> dict:
    """The graphs of the model archive (``enc``, ``erb_dec``, ``df_dec``) as onnxruntime
    sessions; the archive's config must describe the DeepFilterNet3 ``dfn_features`` computes."""
    try:
        import onnxruntime
    except ImportError as err:
        raise DeepFilterUnavailable(
            "the speech backend's onnxruntime runtime needs the onnxruntime package; install it "
            "or set separate.speech.runtime: libdf"
        ) from err
    files = _read_archive(model)
    _check_config(files.get("config.ini"), model)
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = intra_threads
    options.inter_op_num_threads = inter_threads
    options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    # no memory arena: each session would keep its largest chunk's memory (1.2 GB peak instead of
    # 0.8 GB on two minutes of audio), for about 5% less CPU
    options.enable_cpu_mem_arena = False
    sessions = {}
    for name in GRAPHS:
        if f"{name}.onnx" not in files:
            raise DeepFilterUnavailable(f"{model} holds no {name}.onnx")
        try:
            sessions[name] = onnxruntime.InferenceSession(
                files[f"{name}.onnx"], options, providers=["CPUExecutionProvider"]
            )
        except Exception as err:  # onnxruntime raises its own exception types
            message = f"onnxruntime cannot load {name}.onnx from {model}: {err}"
            raise DeepFilterUnavailable(message) from err
    return sessions


def _read_archive(model: Path) -> dict[str, bytes]:
    try:
        with tarfile.open(model, "r:gz") as tar:
            return {
                Path(member.name).name: tar.extractfile(member).read()
                for member in tar.getmembers()
                if member.isfile()
            }
    except (OSError, tarfile.TarError) as err:
        raise DeepFilterUnavailable(f"cannot read the DeepFilterNet model {model}: {err}") from err


def _check_config(text: bytes | None, model: Path) -> None:
    config = configparser.ConfigParser()
    if text is not None:
        config.read_string(text.decode())
    found = {
        key: float(config.get(section, key))
        for section in ("df", "deepfilternet")
        if config.has_section(section)
        for key in _MODEL_CONFIG
        if config.has_option(section, key)
    }
    if found != {key: float(value) for key, value in _MODEL_CONFIG.items()}:
        raise DeepFilterUnavailable(
            f"{model} is not the DeepFilterNet3 configuration the onnxruntime runtime computes "
            f"({found})"
        )


class OnnxEnhancer:
    """DeepFilterNet3 on onnxruntime. Each ``enhance`` call starts from a fresh state."""

    def __init__(
        self,
        model: Path,
        atten_lim_db: float = 100.0,
        post_filter_beta: float = 0.0,
        chunk_s: float = 30.0,
        context_s: float = 10.0,
        intra_threads: int = 1,
        inter_threads: int = 1,
    ):
        self.sessions = load_sessions(Path(model), intra_threads, inter_threads)
        lim = abs(atten_lim_db)
        self.atten_lim = None if lim >= 100 else 10 ** (-lim / 20)
        self.post_filter_beta = post_filter_beta
        self.chunk = max(1, round(chunk_s * F.RATE / F.HOP))
        self.context = max(0, round(context_s * F.RATE / F.HOP))

    def enhance(self, signal: np.ndarray) -> np.ndarray:
        """``signal`` (mono, 48 kHz) with everything but speech removed, same length."""
        signal = np.asarray(signal, dtype=np.float32)
        # as libDF's C stream: flushed with DELAY_FRAMES + 1 hops of silence, a partial last hop
        # left out
        padded = np.concatenate([signal, np.zeros((DELAY_FRAMES + 1) * F.HOP, np.float32)])
        hops = padded[: len(padded) // F.HOP * F.HOP].reshape(-1, F.HOP)
        return self._enhance_hops(hops).ravel()[DELAY_FRAMES * F.HOP :][: len(signal)]

    def _enhance_hops(self, hops: np.ndarray) -> np.ndarray:
        """The output hops of libDF's runtime fed ``hops`` one by one.

        Output hop k overlap-adds enhanced frames k - 3 and k - 2; enhanced frame j is noisy
        frame j (bins above ``NB_DF`` times the ERB gains, the rest deep-filtered from frames
        j - 2 .. j + 2) with the model's outputs for step j + 2 (fed features up to frame j + 2).
        So a chunk of output hops [start, stop) needs the model over steps [start - 1, stop),
        run from ``context`` steps earlier, and noisy frames [start - 5, stop)."""
        spectra = _Spectra(hops)
        out = np.empty_like(hops)
        for start in range(0, len(hops), self.chunk):
            stop = min(start + self.chunk, len(hops))
            first_step = max(0, start - 1 - self.context)
            spectra.extend(stop, keep_from=min(first_step, start - 5))
            erb, spec = spectra.features(first_step, stop)
            lsnr, gains, coefs = self._run(erb, spec)
            first = max(0, start - 3)  # enhanced frames [first, stop - 2)
            steps = slice(first + 2 - first_step, None)
            frames = self._enhanced(
                spectra, first, stop - 2, lsnr[steps], gains[steps], coefs[steps]
            )
            frames = np.concatenate(
                [np.zeros((first - (start - 3), F.FFT_SIZE), np.float32), frames]
            )
            out[start:stop] = F.overlap_add(frames[1:], frames[0])
        return out

    def _run(self, erb: np.ndarray, spec: np.ndarray):
        """lsnr (steps), ERB gains (steps x ``NB_ERB``), complex DF coefficients (steps x
        ``NB_DF`` x ``DF_ORDER``) for the features of consecutive steps."""
        e0, e1, e2, e3, emb, c0, lsnr = self.sessions["enc"].run(
            None, {"feat_erb": erb[None, None], "feat_spec": spec[None]}
        )
        (gains,) = self.sessions["erb_dec"].run(
            ["m"], {"emb": emb, "e3": e3, "e2": e2, "e1": e1, "e0": e0}
        )
        (coefs,) = self.sessions["df_dec"].run(["coefs"], {"emb": emb, "c0": c0})
        coefs = coefs[0].reshape(len(erb), F.NB_DF, F.DF_ORDER, 2)
        return lsnr[0, :, 0], gains[0, 0], coefs[..., 0] + 1j * coefs[..., 1]

    def _enhanced(self, spectra, first, stop, lsnr, gains, coefs) -> np.ndarray:
        """Enhanced frames [first, stop) windowed back to time, from the model's outputs for
        steps [first + 2, stop + 2)."""
        lookback = F.DF_ORDER - 1 - F.DF_LOOKAHEAD
        noisy = spectra.get(first - lookback, stop + F.DF_LOOKAHEAD)
        x = noisy[lookback : len(noisy) - F.DF_LOOKAHEAD]
        lsnr = lsnr[:, None]
        apply_gains = (lsnr >= MIN_DB) & (lsnr <= MAX_ERB_DB)
        enhanced = np.where(apply_gains, F.apply_erb_gains(x, gains), x)
        enhanced = np.where(lsnr < MIN_DB, 0, enhanced)
        apply_df = (lsnr >= MIN_DB) & (lsnr <= MAX_DF_DB)
        enhanced[:, : F.NB_DF] = np.where(
            apply_df, F.deep_filter(noisy, coefs), enhanced[:, : F.NB_DF]
        )
        if self.post_filter_beta > 0:
            filtered = F.post_filter(x, enhanced, self.post_filter_beta)
            enhanced = np.where(apply_gains, filtered, enhanced)
        if self.atten_lim is not None:
            enhanced = enhanced * (1 - self.atten_lim) + x * self.atten_lim
        return F.synthesis(enhanced)


class _Spectra:
    """Noisy spectra and model features of consecutive frames, computed once each, in order,
    the exponential means carried from one block to the next; only a window of recent frames is
    kept."""

    def __init__(self, hops: np.ndarray):
        self.hops = hops
        self.start = self.stop = 0  # frames held: [start, stop)
        self.spectra = np.zeros((0, F.FREQS), np.complex64)
        self.erb = np.zeros((0, F.NB_ERB), np.float32)
        self.spec = np.zeros((2, 0, F.NB_DF), np.float32)
        self.erb_state, self.spec_state = F.initial_states()

    def extend(self, stop: int, keep_from: int) -> None:
        """Hold frames [``keep_from``, ``stop``)."""
        previous = self.hops[self.stop - 1] if self.stop else np.zeros(F.HOP, np.float32)
        new = F.analysis(self.hops[self.stop : stop], previous)
        erb, self.erb_state = F.erb_features(new, self.erb_state)
        spec, self.spec_state = F.spec_features(new, self.spec_state)
        drop = max(0, keep_from - self.start)
        self.spectra = np.concatenate([self.spectra[drop:], new])
        self.erb = np.concatenate([self.erb[drop:], erb])
        self.spec = np.concatenate([self.spec[:, drop:], spec], axis=1)
        self.start += drop
        self.stop = stop

    def features(self, first: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
        """ERB (frames x ``NB_ERB``) and DF bin (2 x frames x ``NB_DF``) features."""
        a, b = first - self.start, stop - self.start
        return self.erb[a:b], self.spec[:, a:b]

    def get(self, first: int, stop: int) -> np.ndarray:
        """Noisy spectra of frames [``first``, ``stop``), frames before 0 being zeros."""
        before = max(0, -first)
        held = self.spectra[max(first, 0) - self.start : stop - self.start]
        return np.concatenate([np.zeros((before, F.FREQS), np.complex64), held])
