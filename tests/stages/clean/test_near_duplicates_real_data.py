"""Near-duplicates on real footage (../shared/data): issue 28's re-upload of a film clip (the
centre keeping 80%, scaled by 0.9, a text overlay, 0.7 s trimmed from the start, CRF 30) is
grouped with it, while two other subtitled clips are not."""

from __future__ import annotations

from pathlib import Path

import ffmpeg
import pytest

from chfen.sample.frames import subtitle_font_path
from chfen.sample.reuploads import zoomed_reupload
from pipeline.media import probe
from pipeline.params import NearDuplicateParams
from pipeline.work import WorkItem
from stages.clean.fingerprint import Fingerprint, fingerprint_video
from stages.clean.near_duplicates import find_matches, group

pytestmark = pytest.mark.real_data


def _cut(src: Path, dst: Path, start: float, seconds: float) -> Path:
    (
        ffmpeg.input(str(src), ss=start, t=seconds)
        .video.filter("scale", 640, -2)
        .output(str(dst), vcodec="libx264", preset="veryfast", pix_fmt="yuv420p")
        .global_args("-v", "error", "-nostdin")
        .overwrite_output()
        .run()
    )
    return dst


def _fingerprint(path: Path) -> Fingerprint:
    media = probe(path)
    item = WorkItem(path.stem, path, "-", {"aspect": media.width / media.height})
    return Fingerprint.model_validate(
        fingerprint_video(item, path.parent, NearDuplicateParams().fingerprint)
    )


def test_issue_reupload_of_a_real_clip_is_grouped_and_other_clips_are_not(shared_data, tmp_path):
    film = shared_data / "ocr" / "rapidvideocr" / "1.mp4"
    clips = {
        "film": _cut(film, tmp_path / "film.mp4", 0.0, 10.0),
        "vsr": _cut(shared_data / "ocr" / "vsr" / "test.mp4", tmp_path / "vsr.mp4", 0.0, 8.0),
        "test_a": _cut(
            shared_data / "ocr" / "rapidvideocr" / "test_a.mp4", tmp_path / "test_a.mp4", 0.0, 8.0
        ),
    }
    clips["copy"] = zoomed_reupload(clips["film"], tmp_path / "copy.mp4", subtitle_font_path())
    ids = list(clips)
    found = group(
        ids, find_matches(ids, [_fingerprint(clips[i]) for i in ids], NearDuplicateParams())
    )
    assert [(g.kept, sorted(g.members)) for g in found] == [("film", ["copy", "film"])]
