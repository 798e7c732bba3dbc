import pytest

from pipeline.media import MediaError, probe
from tests.media_factory import make_video


def test_probe_reports_streams_duration_size(tmp_path):
    info = probe(make_video(tmp_path / "a.mp4", seconds=2.0, size=(160, 90), fps=25))
    assert info.has_video and info.has_audio
    assert info.duration_s == pytest.approx(2.0, abs=0.1)
    assert (info.width, info.height) == (160, 90)
    assert info.fps == pytest.approx(25)
    assert not info.vfr
    assert info.video_codec == "h264" and info.audio_codec == "aac"
    assert info.audio_sample_rate == 44100


def test_probe_without_audio(tmp_path):
    info = probe(make_video(tmp_path / "silent.mp4", audio=False))
    assert info.has_video and not info.has_audio
    assert info.audio_codec is None


def test_garbage_and_truncated_files_name_the_file(tmp_path):
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"\x00\x01not a video" * 100)
    with pytest.raises(MediaError, match=r"junk\.mp4"):
        probe(junk)
    good = make_video(tmp_path / "good.mp4", seconds=2.0)
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 3])
    with pytest.raises(MediaError, match=r"cut\.mp4"):
        probe(cut)
