import subprocess

import pytest

from pipeline.frames import sample_frames, scaled_size
from pipeline.media import MediaError
from tests.media_factory import make_video


def test_constant_rate_grid(tmp_path):
    frames = list(sample_frames(make_video(tmp_path / "a.mp4", seconds=3, fps=25), fps=3))
    assert len(frames) == 9
    times = [f.t for f in frames]
    assert times == sorted(times)
    # first decoded frame in each 1/3 s cell: within one source frame (0.04 s) of the grid
    for k, t in enumerate(times):
        assert k / 3 <= t < k / 3 + 0.04 + 1e-6
    assert frames[0].image.shape == (90, 160, 3)


def test_variable_frame_rate_keeps_real_timestamps(tmp_path):
    out = tmp_path / "vfr.mp4"
    subprocess.run(
        [
            "ffmpeg", "-v", "error", "-y",
            "-f", "lavfi", "-i", "testsrc2=size=160x90:rate=30:duration=2",
            "-f", "lavfi", "-i", "testsrc2=size=160x90:rate=2:duration=3",
            "-filter_complex", "[0:v][1:v]concat=n=2:v=1[v]", "-map", "[v]",
            "-fps_mode", "vfr", "-c:v", "libx264", str(out),
        ],
        check=True,
    )  # fmt: skip
    times = [f.t for f in sample_frames(out, fps=4)]
    # 30 fps part: 4 samples per second on the grid; 2 fps part: only the real frames exist
    assert times[:8] == pytest.approx([k / 4 for k in range(8)], abs=0.034)
    assert times[8:] == pytest.approx([2.0, 2.5, 3.0, 3.5, 4.0], abs=0.01)  # as ffprobe lists


def test_max_side_and_portrait(tmp_path):
    video = make_video(tmp_path / "p.mp4", seconds=1, size=(90, 160))
    frames = list(sample_frames(video, fps=2, max_side=80))
    assert frames[0].image.shape == (80, 44, 3)
    assert scaled_size(1280, 720, 640) == (640, 360)
    assert scaled_size(320, 180, 640) == (320, 180)


def test_corrupt_video_raises_media_error(tmp_path):
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"garbage" * 100)
    with pytest.raises(MediaError, match=r"bad\.mp4"):
        list(sample_frames(bad, fps=1))
