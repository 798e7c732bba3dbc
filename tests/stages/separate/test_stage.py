"""The separate stage end to end on generated videos: outputs, missing audio, failures, re-runs."""

import functools
import json
import pickle

import numpy as np
import pytest
import soundfile as sf
import yaml

from pipeline import weights
from pipeline.weights import MissingWeights
from stages.separate import audio_io, stage
from stages.separate.backends import choose
from stages.separate.schema import read_index
from stages.separate.work import separate_video
from tests.media_factory import make_video, manifest_entry
from tests.stages.separate.synthetic import (
    correlation,
    speech_like,
    tone_pattern,
    write_video,
)
from tests.stages.separate.tiny_demucs import save_tiny

pytestmark = pytest.mark.slow  # module fixtures run whole stages or train models

RATE = 44100


@pytest.fixture(scope="module")
def videos(tmp_path_factory):
    root = tmp_path_factory.mktemp("separate_videos")
    music, voice = tone_pattern(3.0, RATE), speech_like(3.0, RATE)
    made = {
        "speech": write_video(
            root / "speech.mp4", np.stack([music + voice, 0.7 * music + voice]), RATE, 3.0
        ),
        "silent": write_video(root / "silent.mp4", np.zeros((2, 2 * RATE)), RATE, 2.0),
        "mono8k": write_video(
            root / "mono8k.mp4", speech_like(2.0, 8000) + tone_pattern(2.0, 8000), 8000, 2.0
        ),
        "noaudio": make_video(root / "noaudio.mp4", seconds=2.0, audio=False),
        "blip": write_video(root / "blip.mp4", speech_like(0.2, RATE), RATE, 0.2),
    }
    return made, (music, voice)


def _setup(tmp_path, videos, ids, **separate):
    params = {
        "profile": "offline",
        "runner": {"workers": 1, "cache_dir": str(tmp_path / "cache"), "max_failure_ratio": 0.5},
        "separate": separate,
    }
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params))
    write_manifest(tmp_path, videos, ids)
    return tmp_path / "manifest.jsonl", tmp_path / "audio", tmp_path / "params.yaml"


def write_manifest(tmp_path, videos, ids):
    lines = [manifest_entry(i, videos[i]).model_dump_json() for i in ids]
    (tmp_path / "manifest.jsonl").write_text("\n".join(lines) + "\n")


def test_stage_outputs_missing_audio_and_incremental_rerun(tmp_path, videos):
    made, sources = videos
    manifest, out, params = _setup(tmp_path, made, ["speech", "silent", "mono8k", "noaudio"])
    first = stage.run(manifest, out, params, show_progress=False)
    assert first.report.n_cached == 0 and not first.report.failures

    rows = read_index(out)
    assert set(rows) == {"speech", "silent", "mono8k", "noaudio"}
    assert all(r.backend == "speech" for r in rows.values())  # the offline profile's default
    assert all(r.weights_version.startswith("DeepFilterNet3-") for r in rows.values())
    assert not rows["noaudio"].has_audio and rows["noaudio"].missing_reason == "no_audio_stream"
    assert rows["noaudio"].duration_s == pytest.approx(2.0, abs=0.1)
    assert rows["noaudio"].files == {} and not (out / "noaudio").exists()
    assert (out / "failures.jsonl").read_text() == ""

    speech = rows["speech"]
    assert speech.has_audio and speech.duration_s == pytest.approx(3.0, abs=0.1)
    assert set(speech.files) == {"vocals", "music", "vocals_16k", "music_16k", "mix_16k"}
    for role, (rate, channels) in {
        "vocals": (44100, 2),
        "music": (44100, 2),
        "vocals_16k": (16000, 1),
        "music_16k": (16000, 1),
        "mix_16k": (16000, 1),
    }.items():
        info = sf.info(str(out / speech.files[role]))
        assert (info.samplerate, info.channels, info.format) == (rate, channels, "FLAC")
        assert info.duration == pytest.approx(3.0, abs=0.1)
    vocals, _ = sf.read(str(out / speech.files["vocals"]), dtype="float32", always_2d=True)
    music, _ = sf.read(str(out / speech.files["music"]), dtype="float32", always_2d=True)
    mix = audio_io.decode(made["speech"], RATE, 2)
    np.testing.assert_allclose(vocals.T + music.T, mix, atol=2e-4)  # 16-bit rounding, twice
    source_music, voice = sources
    n = min(len(voice), vocals.shape[0])
    assert correlation(vocals[:n, 0], voice[:n]) > correlation(mix[0, :n], voice[:n]) + 0.08
    assert correlation(music[:n, 0], source_music[:n]) > correlation(mix[0, :n], source_music[:n])
    assert speech.levels["vocals"].rms_dbfs > speech.levels["vocals"].peak_dbfs - 30
    assert speech.levels["mix"].peak_dbfs > speech.levels["vocals"].peak_dbfs - 20

    assert speech.vad.startswith("silero-vad-") and len(speech.speech) == 4  # started seconds

    silent = rows["silent"]
    assert silent.has_audio and silent.levels["vocals"].peak_dbfs == audio_io.SILENCE_DBFS
    assert silent.speech and not any(silent.speech)  # no one speaks
    assert rows["noaudio"].vad is None and rows["noaudio"].speech == []
    mono8k = rows["mono8k"]
    assert sf.info(str(out / mono8k.files["vocals"])).channels == 2
    assert mono8k.levels["vocals"].rms_dbfs > -60

    write_manifest(tmp_path, made, ["speech", "silent", "mono8k", "noaudio", "blip"])
    second = stage.run(manifest, out, params, show_progress=False)
    computed = [o.item.id for o in second.report.outcomes if not o.cached]
    assert computed == ["blip"] and second.report.n_cached == 4
    blip = json.loads((out / "index.jsonl").read_text().splitlines()[-1])
    assert blip["id"] == "blip" and blip["has_audio"]
    assert sf.info(str(out / "blip" / "vocals.flac")).frames == pytest.approx(0.2 * RATE, abs=3000)


def test_a_broken_video_is_a_recorded_failure(tmp_path, videos):
    made, _ = videos
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(made["speech"].read_bytes())
    manifest, out, params = _setup(tmp_path, {**made, "broken": broken}, ["broken", "noaudio"])
    broken.write_bytes(b"\x00" * 5000)  # damaged after the clean stage probed it
    result = stage.run(manifest, out, params, show_progress=False)
    failures = [json.loads(line) for line in (out / "failures.jsonl").read_text().splitlines()]
    assert [f["id"] for f in failures] == ["broken"]
    assert failures[0]["stage"] == "separate" and "MediaError" in failures[0]["error"]
    assert [r.id for r in result.rows] == ["noaudio"]


def test_demucs_backend_in_the_stage_and_switching_backends(tmp_path, videos, monkeypatch):
    made, _ = videos
    monkeypatch.setattr(weights, "MODELS_DIR", tmp_path / "models")
    save_tiny(tmp_path / "repo")
    demucs = {"backend": "demucs", "demucs": {"model": "tiny", "repo": str(tmp_path / "repo")}}
    manifest, out, params = _setup(tmp_path, made, ["blip", "noaudio"], **demucs)
    result = stage.run(manifest, out, params, show_progress=False)
    assert result.report.n_cached == 0 and not result.report.failures
    row = next(r for r in result.rows if r.id == "blip")
    assert row.backend == "demucs" and row.weights_version.startswith("tiny-")
    assert sf.info(str(out / "blip" / "vocals.flac")).channels == 2

    pickle.dumps(functools.partial(separate_video, backend=result.backend))  # spawn-safe
    _setup(tmp_path, made, ["blip", "noaudio"], backend="classic")
    switched = stage.run(manifest, out, params, show_progress=False)
    assert switched.report.n_cached == 0 and switched.rows[0].backend == "classic"


def test_missing_weights_stop_the_stage_before_any_video(tmp_path, videos, monkeypatch):
    made, _ = videos
    monkeypatch.setattr(weights, "MODELS_DIR", tmp_path / "models")
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    manifest, out, params = _setup(tmp_path, made, ["blip"], backend="demucs")
    with pytest.raises(MissingWeights, match="htdemucs"):
        stage.run(manifest, out, params, show_progress=False)
    assert not (tmp_path / "cache").exists() and not out.exists()


def test_auto_backend_follows_the_profile(tmp_path, monkeypatch):
    from pipeline.params import Params

    monkeypatch.setattr(weights, "MODELS_DIR", tmp_path / "models")
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    assert choose(Params(profile="offline")).name == "speech"
    with pytest.raises(MissingWeights):
        choose(Params(profile="full", separate={"demucs": {"repo": "/nonexistent"}}))
