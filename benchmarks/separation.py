"""Vocal/music separation: quality on MIR-1K and compute cost, per backend.

Quality: vocals and accompaniment SDR (``fast_bss_eval``, BSS-eval v4 style with a 512-tap
distortion filter) on the MIR-1K clips in ``../shared/data/separation/mir1k/Wavfile`` (left
channel = accompaniment, right = vocals, mixture = their sum), next to the SDR of the
unprocessed mixture (the floor); the improvement is the difference. The metric is first checked
against values known in closed form. Backends: ``classic`` as configured in params.yaml, the
same without its pitch mask, the same on the clips resampled to 44.1 kHz stereo (what the stage
feeds it), the textbook REPET-SIM recipe for reference, and demucs when its weights are on this
machine.

Speech over music (what news audio is): RAVDESS sentences (``../shared/data/emotion/ravdess``,
every 8th file) over MIR-1K accompaniments (left channels), mixed at -5, 0 and +5 dB speech-to-
music at 16 kHz; speech and music SDR improvement for ``classic`` and ``speech``
(DeepFilterNet3, on each runtime: onnxruntime and libdf) side by side, CPU seconds per audio
minute, and how closely the two runtimes' speech stems agree (SDR of one against the other). The
same sentences, placed in a timeline of silence, music alone and speech over music, give the
voice-activity accuracy per second (truth: the clean sentence's 32 ms frames within 40 dB of its
loudest frame), with Silero VAD run on the mixture and on the speech backend's speech stem.

Cost: seconds of compute per minute of audio for ``classic`` on a minute of 44.1 kHz stereo
(several blocks), for ``speech`` on each runtime (true stereo and dual mono, the runtimes'
agreement, peak memory in a fresh process), and for demucs with a FULL-SIZE HTDemucs built with
random weights (random weights give the cost, not the quality), saved and loaded through the
stage's own loader, in a fresh process so that its peak memory is its own.

    .venv/bin/python benchmarks/separation.py [--out benchmarks/results/separation.json]

Runs offline in a few minutes on 2 cores. Timings depend on machine load, which is recorded.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import resource
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path

import fast_bss_eval
import librosa
import numpy as np
import soundfile as sf
import soxr

from pipeline.params import ClassicSeparationParams, SpeechSeparationParams, load_params
from pipeline.weights import MissingWeights
from stages.separate import vad
from stages.separate.classic import ClassicSeparator
from stages.separate.speech import SpeechSeparator

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_MIR1K = ROOT.parent / "shared" / "data" / "separation" / "mir1k" / "Wavfile"
DEFAULT_RAVDESS = ROOT.parent / "shared" / "data" / "emotion" / "ravdess"
SPEECH_TO_MUSIC_DB = (-5.0, 0.0, 5.0)
STAGE_RATE = 44100


def sdr(reference: np.ndarray, estimate: np.ndarray) -> float:
    return float(
        fast_bss_eval.sdr(
            reference[None].astype(np.float64), estimate[None].astype(np.float64)
        ).ravel()[0]
    )


def timed(fn, *args):
    """``fn(*args)``, its wall-clock seconds and this process's CPU seconds (all threads):
    wall time grows with machine load, CPU time much less."""
    start, start_cpu = time.perf_counter(), time.process_time()
    result = fn(*args)
    return result, time.perf_counter() - start, time.process_time() - start_cpu


def validate_metric() -> dict:
    """SDR against closed-form values: an estimate equal to a filtered reference plus
    independent noise at a known SNR has that SDR (the distortion filter absorbs the filtering
    and a 512/N share of the noise); a mixture of two independent stems has, for each, the
    energy ratio of the two."""
    rng = np.random.default_rng(0)
    n = 16000 * 10
    ref = rng.standard_normal(n)
    filtered = np.convolve(ref, [0.6, 0.3, -0.1])[:n]  # causal, as the distortion filter
    noise = rng.standard_normal(n)
    checks = []
    for snr_db in (0.0, 10.0, 20.0):
        scaled = noise * np.linalg.norm(filtered) / np.linalg.norm(noise) / 10 ** (snr_db / 20)
        checks.append({"expected_db": snr_db, "measured_db": round(sdr(ref, filtered + scaled), 3)})
    other = 0.5 * rng.standard_normal(n)
    expected = 10 * np.log10(np.sum(ref**2) / np.sum(other**2))
    checks.append(
        {"expected_db": round(float(expected), 3), "measured_db": round(sdr(ref, ref + other), 3)}
    )
    worst = max(abs(c["expected_db"] - c["measured_db"]) for c in checks)
    return {"checks": checks, "max_abs_error_db": round(worst, 3), "ok": worst < 0.1}


def load_mir1k(folder: Path) -> list[tuple[str, np.ndarray, np.ndarray, int]]:
    clips = []
    for path in sorted(folder.glob("*.wav")):
        audio, rate = sf.read(str(path), dtype="float32")
        clips.append((path.name, audio[:, 0], audio[:, 1], rate))
    if not clips:
        raise SystemExit(f"no MIR-1K clips in {folder}")
    return clips


def evaluate(clips, separate, stereo_44k: bool = False) -> dict:
    """``separate(mix (channels x n), rate) -> (vocals, accompaniment)`` on every clip."""
    rows = []
    compute = cpu = audio_s = 0.0
    for name, music, voice, rate in clips:
        if stereo_44k:
            music, voice = (soxr.resample(x, rate, STAGE_RATE) for x in (music, voice))
            rate = STAGE_RATE
        mix = music + voice
        given = np.stack([mix, mix]) if stereo_44k else mix[None]
        (vocals, accompaniment), wall, cpu_s = timed(separate, given, rate)
        compute += wall
        cpu += cpu_s
        audio_s += mix.size / rate
        floor_v, floor_a = sdr(voice, mix), sdr(music, mix)
        est_v, est_a = sdr(voice, vocals[0]), sdr(music, accompaniment[0])
        rows.append(
            {
                "clip": name,
                "mixture_vocals_sdr": round(floor_v, 2),
                "mixture_accompaniment_sdr": round(floor_a, 2),
                "vocals_sdr": round(est_v, 2),
                "accompaniment_sdr": round(est_a, 2),
                "vocals_sdr_improvement": round(est_v - floor_v, 2),
                "accompaniment_sdr_improvement": round(est_a - floor_a, 2),
            }
        )
    means = {
        key: round(float(np.mean([r[key] for r in rows])), 2) for key in rows[0] if key != "clip"
    }
    return {
        **means,
        "min_vocals_sdr_improvement": min(r["vocals_sdr_improvement"] for r in rows),
        "compute_s": round(compute, 2),
        "audio_s": round(audio_s, 2),
        "compute_s_per_audio_min": round(60 * compute / audio_s, 2),
        "cpu_s_per_audio_min": round(60 * cpu / audio_s, 2),
        "per_clip": rows,
    }


def classic(params: ClassicSeparationParams):
    separator = ClassicSeparator(params)
    separator.separate(np.random.default_rng(0).standard_normal(16000).astype(np.float32), 16000)

    def run(mix, rate):
        stems = separator.separate(mix, rate)
        return stems.vocals, stems.music

    return run


def repet_sim(mix, rate):
    """librosa's vocal separation example (REPET-SIM), as published."""
    y = mix[0]
    spec = librosa.stft(y, n_fft=2048, hop_length=512)
    mag = np.abs(spec)
    width = int(librosa.time_to_frames(2, sr=rate, hop_length=512))
    rep = librosa.decompose.nn_filter(
        mag, aggregate=np.median, metric="cosine", width=min(width, mag.shape[1] - 1)
    )
    rep = np.minimum(mag, rep)
    mask_v = librosa.util.softmask(mag - rep, 10 * rep, power=2)
    mask_a = librosa.util.softmask(rep, 2 * (mag - rep), power=2)
    vocals = librosa.istft(mask_v * spec, hop_length=512, length=y.size)
    music = librosa.istft(mask_a * spec, hop_length=512, length=y.size)
    return vocals[None], music[None]


def speech(params: SpeechSeparationParams):
    separator = SpeechSeparator(params)

    def run(mix, rate):
        stems = separator.separate(mix, rate)
        return stems.vocals, stems.music

    return run


def load_ravdess(folder: Path, rate: int, every: int = 8) -> list[tuple[str, np.ndarray]]:
    clips = []
    for path in sorted(folder.glob("*.wav"))[::every]:
        audio, source_rate = sf.read(str(path), dtype="float32", always_2d=True)
        clips.append((path.name, soxr.resample(audio.mean(axis=1), source_rate, rate)))
    if not clips:
        raise SystemExit(f"no RAVDESS clips in {folder}")
    return clips


def music_for(music: np.ndarray, n: int) -> np.ndarray:
    return np.tile(music, int(np.ceil(n / music.size)))[:n]


def at_ratio(speech_: np.ndarray, music: np.ndarray, ratio_db: float) -> np.ndarray:
    """``music`` scaled so that speech energy / music energy is ``ratio_db``."""
    gain = np.sqrt(np.sum(speech_**2) / np.sum(music**2) / 10 ** (ratio_db / 10))
    return (music * gain).astype(np.float32)


def speech_over_music(sentences, accompaniments, backends) -> dict:
    """Every sentence over an accompaniment at each speech-to-music ratio, per backend."""
    rate = accompaniments[0][3]
    out: dict = {name: {} for name in backends}
    for ratio in SPEECH_TO_MUSIC_DB:
        clips = []
        for i, (name, voice) in enumerate(sentences):
            music_name, music, _, _ = accompaniments[i % len(accompaniments)]
            music = at_ratio(voice, music_for(music, voice.size), ratio)
            clips.append((f"{name}+{music_name}", music, voice, rate))
        for backend, run in backends.items():
            result = evaluate(clips, run)
            out[backend][f"{ratio:+.0f}dB"] = {
                "speech_sdr_improvement": result["vocals_sdr_improvement"],
                "music_sdr_improvement": result["accompaniment_sdr_improvement"],
                "min_speech_sdr_improvement": result["min_vocals_sdr_improvement"],
                "speech_sdr": result["vocals_sdr"],
                "music_sdr": result["accompaniment_sdr"],
                "cpu_s_per_audio_min": result["cpu_s_per_audio_min"],
                "clips": len(clips),
                "audio_s": result["audio_s"],
            }
    return out


def speech_frames(voice: np.ndarray) -> np.ndarray:
    """Truth: 32 ms frames of a clean sentence within 40 dB of its loudest frame."""
    frames = voice[: voice.size // vad.FRAME * vad.FRAME].reshape(-1, vad.FRAME)
    energy = 10 * np.log10(np.mean(frames**2, axis=1) + 1e-12)
    return energy > energy.max() - 40


def vad_accuracy(sentences, accompaniments, params: SpeechSeparationParams, threshold: float):
    """Per second, speech or not (share of speech frames >= 0.25), against the truth, on a
    timeline per sentence: 1 s silence, the sentence, 2 s of music, the sentence over the
    music at 0 dB, 1 s silence (16 kHz)."""
    rate = vad.RATE
    separator = SpeechSeparator(params)
    truth, on_mix, on_stem = [], [], []
    for i, (_, voice) in enumerate(sentences):
        _, music, _, music_rate = accompaniments[i % len(accompaniments)]
        music = soxr.resample(music, music_rate, rate)
        bed = at_ratio(voice, music_for(music, voice.size + 2 * rate), 0.0)
        voice = voice[: voice.size // vad.FRAME * vad.FRAME]
        pad = np.zeros(rate, np.float32)
        gap = np.zeros(2 * rate, np.float32)
        speech_track = np.concatenate([pad, voice, gap, voice, pad])
        music_track = np.concatenate([pad, 0 * voice, bed[: 2 * rate], bed[: voice.size], pad])
        mix = speech_track + music_track
        frames = np.concatenate(
            [
                np.zeros(rate // vad.FRAME, bool),
                speech_frames(voice),
                np.zeros(2 * rate // vad.FRAME, bool),
                speech_frames(voice),
            ]
        )
        starts = np.arange(frames.size) * vad.FRAME // rate
        seconds = -(-mix.size // rate)
        share = np.bincount(starts, frames, seconds) / np.maximum(
            np.bincount(starts, None, seconds), 1
        )
        truth.append(share >= 0.25)
        on_mix.append(np.array(vad.speech_per_second(mix, threshold)) >= 0.25)
        stem = separator.separate(mix[None], rate).vocals[0]
        on_stem.append(np.array(vad.speech_per_second(stem, threshold)) >= 0.25)
    truth_all = np.concatenate(truth)

    def scores(predicted) -> dict:
        pred = np.concatenate(predicted)
        tp = int(np.sum(pred & truth_all))
        return {
            "accuracy": round(float(np.mean(pred == truth_all)), 3),
            "precision": round(tp / max(int(pred.sum()), 1), 3),
            "recall": round(tp / max(int(truth_all.sum()), 1), 3),
        }

    return {
        "seconds": int(truth_all.size),
        "speech_seconds": int(truth_all.sum()),
        "vad": vad.model_version(),
        "threshold": threshold,
        "on_mixture": scores(on_mix),
        "on_speech_stem": scores(on_stem),
        "always_speech": scores([np.ones_like(t) for t in truth]),
    }


def runtime_agreement(sentences, accompaniments, params: SpeechSeparationParams) -> dict:
    """SDR of the onnxruntime speech stem against the libdf one (the reference), every sentence
    over its accompaniment at 0 dB."""
    rate = accompaniments[0][3]
    onnx = SpeechSeparator(params.model_copy(update={"runtime": "onnxruntime"}))
    libdf = SpeechSeparator(params.model_copy(update={"runtime": "libdf"}))
    scores = []
    for i, (_, voice) in enumerate(sentences):
        music = accompaniments[i % len(accompaniments)][1]
        mix = (voice + at_ratio(voice, music_for(music, voice.size), 0.0))[None]
        scores.append(plain_sdr(libdf.separate(mix, rate).vocals, onnx.separate(mix, rate).vocals))
    return {
        "mean_sdr_db": round(float(np.mean(scores)), 1),
        "min_sdr_db": round(float(np.min(scores)), 1),
        "clips": len(scores),
    }


def plain_sdr(reference: np.ndarray, estimate: np.ndarray) -> float:
    """10 log10(|reference|^2 / |reference - estimate|^2), no distortion filter."""
    reference, estimate = reference.astype(np.float64), estimate.astype(np.float64)
    error = max(float(np.sum((reference - estimate) ** 2)), 1e-30)
    return float(10 * np.log10(np.sum(reference**2) / error))


def long_input(clips, seconds: float) -> np.ndarray:
    """MIR-1K mixtures back to back at 44.1 kHz, ``seconds`` long."""
    pieces = [soxr.resample(m + v, r, STAGE_RATE) for _, m, v, r in clips]
    audio = np.concatenate(pieces)
    return np.tile(audio, int(np.ceil(seconds * STAGE_RATE / audio.size)))[
        : int(seconds * STAGE_RATE)
    ]


def speech_long_input_cost(audio: np.ndarray, params: SpeechSeparationParams) -> tuple:
    """``audio`` as true stereo (channels differ) and dual mono; the cost of each and the
    stereo speech stem."""
    seconds = audio.size / STAGE_RATE
    separator = SpeechSeparator(params)
    out = {"runtime": params.runtime, "audio_s": seconds, "input": "44.1 kHz"}
    for layout, stereo in (
        ("stereo", np.stack([audio, np.roll(audio, STAGE_RATE // 10)])),
        ("dual_mono", np.stack([audio, audio])),
    ):
        stems, took, cpu = timed(separator.separate, stereo, STAGE_RATE)
        out[layout] = {
            "compute_s_per_audio_min": round(60 * took / seconds, 2),
            "cpu_s_per_audio_min": round(60 * cpu / seconds, 2),
        }
        if layout == "stereo":
            speech_stem = stems.vocals
    return out, speech_stem


def speech_peak_rss(audio: np.ndarray, params: dict) -> float:
    """In a fresh process: peak resident memory (MB) of separating ``audio`` as true stereo.
    From /proc (VmHWM), not getrusage: Linux carries ru_maxrss over from the parent through
    fork and exec, so a spawned worker reports at least its parent's peak."""
    separator = SpeechSeparator(SpeechSeparationParams(**params))
    separator.separate(np.stack([audio, np.roll(audio, STAGE_RATE // 10)]), STAGE_RATE)
    status = Path("/proc/self/status").read_text().splitlines()
    (line,) = (line for line in status if line.startswith("VmHWM:"))
    return round(int(line.split()[1]) / 1024, 1)


def classic_long_input_cost(clips, params: ClassicSeparationParams, seconds: float) -> dict:
    """A minute of real music (MIR-1K clips back to back) at 44.1 kHz stereo: several blocks."""
    pieces = [soxr.resample(m + v, r, STAGE_RATE) for _, m, v, r in clips]
    audio = np.concatenate(pieces)
    audio = np.tile(audio, int(np.ceil(seconds * STAGE_RATE / audio.size)))[
        : int(seconds * STAGE_RATE)
    ]
    _, took, cpu = timed(ClassicSeparator(params).separate, np.stack([audio, audio]), STAGE_RATE)
    return {
        "audio_s": seconds,
        "input": "44.1 kHz stereo",
        "compute_s": round(took, 2),
        "compute_s_per_audio_min": round(60 * took / seconds, 2),
        "cpu_s_per_audio_min": round(60 * cpu / seconds, 2),
    }


def demucs_quality(clips, params_path: Path) -> dict:
    from stages.separate.demucs_backend import DemucsSeparator, find_weights

    cfg = load_params(params_path, section="separate").separate.demucs
    try:
        found = find_weights(cfg.model, cfg.repo)
    except MissingWeights as e:
        return {"available": False, "reason": str(e).splitlines()[0]}
    separator = DemucsSeparator(cfg, found)

    def run(mix, rate):
        stems = separator.separate(mix, rate)
        return stems.vocals, stems.music

    return {"available": True, "weights": found.version, **evaluate(clips, run, stereo_44k=True)}


def demucs_cost(seconds: float) -> dict:
    """In a fresh process: full-size HTDemucs (random weights) through the stage's loader."""
    import torch
    from demucs.htdemucs import HTDemucs
    from demucs.states import get_state, save_with_checksum

    from pipeline.params import DemucsParams
    from stages.separate.demucs_backend import DemucsSeparator, find_weights

    torch.manual_seed(0)
    model = HTDemucs(
        sources=["drums", "bass", "other", "vocals"], samplerate=44100, segment=Fraction(39, 5)
    )
    n_params = sum(p.numel() for p in model.parameters())
    args, kwargs = model._init_args_kwargs
    with tempfile.TemporaryDirectory() as repo:
        save_with_checksum(
            {"klass": HTDemucs, "args": args, "kwargs": kwargs, "state": get_state(model, None)},
            Path(repo) / "random_htdemucs.th",
        )
        del model
        start = time.perf_counter()
        separator = DemucsSeparator(
            DemucsParams(model="random_htdemucs", device="cpu"),
            find_weights("random_htdemucs", Path(repo)),
        )
        load_s = time.perf_counter() - start
    rng = np.random.default_rng(0)
    audio = (0.1 * rng.standard_normal((2, int(seconds * 44100)))).astype(np.float32)
    _, took, cpu = timed(separator.separate, audio, 44100)
    return {
        "model": "HTDemucs, htdemucs architecture (default args, segment 7.8 s), random weights",
        "parameters": n_params,
        "device": "cpu",
        "torch_threads": torch.get_num_threads(),
        "audio_s": seconds,
        "load_s": round(load_s, 2),
        "compute_s": round(took, 2),
        "compute_s_per_audio_min": round(60 * took / seconds, 2),
        "cpu_s_per_audio_min": round(60 * cpu / seconds, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mir1k", type=Path, default=DEFAULT_MIR1K)
    parser.add_argument("--ravdess", type=Path, default=DEFAULT_RAVDESS)
    parser.add_argument("--params", type=Path, default=ROOT / "params.yaml")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/separation.json")
    parser.add_argument("--long-seconds", type=float, default=60.0)
    parser.add_argument("--demucs-seconds", type=float, default=30.0)
    args = parser.parse_args()

    load_start = os.getloadavg()
    metric = validate_metric()
    if not metric["ok"]:
        raise SystemExit(f"fast_bss_eval disagrees with closed-form SDR: {metric}")
    clips = load_mir1k(args.mir1k)
    separate_params = load_params(args.params, section="separate").separate
    params = separate_params.classic
    sentences = load_ravdess(args.ravdess, clips[0][3])
    runtimes = {
        f"speech_{runtime}": separate_params.speech.model_copy(update={"runtime": runtime})
        for runtime in ("onnxruntime", "libdf")
    }
    speech_set = speech_over_music(
        sentences,
        clips,
        {"classic": classic(params), **{name: speech(p) for name, p in runtimes.items()}},
    )
    agreement = runtime_agreement(sentences, clips, separate_params.speech)
    voice_activity = vad_accuracy(
        sentences, clips, separate_params.speech, separate_params.vad.threshold
    )
    backends = {
        **{name: evaluate(clips, speech(p)) for name, p in runtimes.items()},
        "classic": evaluate(clips, classic(params)),
        "classic_no_pitch_mask": evaluate(
            clips, classic(params.model_copy(update={"pitch_mask": False}))
        ),
        "classic_44k_stereo": evaluate(clips, classic(params), stereo_44k=True),
        "repet_sim_textbook": evaluate(clips, repet_sim),
        "demucs": demucs_quality(clips, args.params),
    }
    cost = {"classic": classic_long_input_cost(clips, params, args.long_seconds)}
    audio = long_input(clips, args.long_seconds)
    stems = {}
    for name, p in runtimes.items():
        cost[name], stems[name] = speech_long_input_cost(audio, p)
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
            cost[name]["peak_rss_mb"] = pool.submit(
                speech_peak_rss, audio, p.model_dump(mode="json")
            ).result()
    cost["speech_onnxruntime"]["stereo_speech_sdr_vs_libdf_db"] = round(
        plain_sdr(stems["speech_libdf"], stems["speech_onnxruntime"]), 1
    )
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        cost["demucs_full_size_random_weights"] = pool.submit(
            demucs_cost, args.demucs_seconds
        ).result()

    result = {
        "generated_by": "benchmarks/separation.py",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "platform": platform.platform(),
            "cpu_count": os.cpu_count(),
            "load_average_start": [round(x, 2) for x in load_start],
            "load_average_end": [round(x, 2) for x in os.getloadavg()],
        },
        "metric": {"implementation": "fast_bss_eval.sdr (filter length 512)", **metric},
        "dataset": {
            "name": "MIR-1K",
            "folder": str(args.mir1k),
            "clips": len(clips),
            "rate": clips[0][3],
            "audio_s": round(sum(m.size / r for _, m, _, r in clips), 2),
        },
        "classic_params": params.model_dump(mode="json"),
        "speech_params": separate_params.speech.model_dump(mode="json"),
        "backends": backends,
        "speech_over_music": {
            "speech": f"RAVDESS, every 8th file ({len(sentences)} sentences)",
            "music": "MIR-1K left channels (accompaniment), looped to the sentence's length",
            "rate": clips[0][3],
            "demucs": "not run: no demucs weights on this machine",
            "backends": speech_set,
            "speech_onnxruntime_vs_libdf_at_0dB": agreement,
        },
        "voice_activity": voice_activity,
        "cost": cost,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    summary = {
        name: (
            {
                k: r[k]
                for k in (
                    "vocals_sdr_improvement",
                    "compute_s_per_audio_min",
                    "cpu_s_per_audio_min",
                )
            }
            if "vocals_sdr_improvement" in r
            else r
        )
        for name, r in backends.items()
    }
    print(
        json.dumps(
            {
                "backends": summary,
                "speech_over_music": speech_set,
                "runtime_agreement": agreement,
                "voice_activity": voice_activity,
                "cost": cost,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
