"""Near-duplicate footage: every re-upload kind (and issue 28's cropped, zoomed, captioned and
trimmed copy) is grouped with its original, distinct clips (and clips sharing only an intro) are
not, and the clean stage applies the mode."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import ffmpeg
import pytest
import yaml

from chfen.sample.frames import subtitle_font_path
from chfen.sample.reuploads import KINDS, reupload, zoomed_reupload
from pipeline.grouping import split_groups
from pipeline.media import MediaError, probe
from pipeline.params import FingerprintParams, NearDuplicateParams, SplitParams
from pipeline.records import Engagement, ManifestEntry, MediaInfo
from pipeline.work import WorkItem
from stages.clean import stage
from stages.clean.fingerprint import Fingerprint, fingerprint_video
from stages.clean.near_duplicates import find_matches, group
from stages.labels.splits import assign_splits
from tests.media_factory import make_video

pytestmark = pytest.mark.slow  # encodes and fingerprints videos per module

SIZE = (320, 180)


def _concat(parts: list[Path], out: Path) -> Path:
    streams = [ffmpeg.input(str(p)) for p in parts]
    joined = ffmpeg.concat(*[x for s in streams for x in (s.video, s.audio)], v=1, a=1)
    ffmpeg.output(
        joined.node[0], joined.node[1], str(out), vcodec="libx264", acodec="aac"
    ).global_args("-v", "error", "-nostdin").overwrite_output().run()
    return out


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> dict[str, Path]:
    """The original, each kind of re-upload of it, issue 28's re-upload (crop keeping 80%,
    scaled by 0.9, text, 0.7 s trimmed, CRF 30), three other clips, and two clips that share
    only a 1.5-second intro."""
    d = tmp_path_factory.mktemp("neardup")
    out = {"original": make_video(d / "original.mp4", seconds=9.0, size=SIZE, footage=1)}
    for kind in KINDS:
        out[kind] = reupload(out["original"], d / f"{kind}.mp4", kind, font=subtitle_font_path())
    out["zoomed"] = zoomed_reupload(out["original"], d / "zoomed.mp4", subtitle_font_path())
    for n in (2, 3, 4):
        out[f"other{n}"] = make_video(d / f"other{n}.mp4", seconds=7.0, size=SIZE, footage=n)
    intro = make_video(d / "intro.mp4", seconds=1.5, size=SIZE, footage=9)
    for n in (5, 6):
        body = make_video(d / f"body{n}.mp4", seconds=8.0, size=SIZE, footage=n)
        out[f"story{n}"] = _concat([intro, body], d / f"story{n}.mp4")
    return out


def _fingerprint(path: Path) -> Fingerprint:
    media = probe(path)
    item = WorkItem(path.stem, path, "-", {"aspect": media.width / media.height})
    result = fingerprint_video(item, path.parent, FingerprintParams())
    return Fingerprint.model_validate(result)


@pytest.fixture(scope="module")
def groups(clips):
    ids = list(clips)
    fingerprints = [_fingerprint(clips[i]) for i in ids]
    return group(ids, find_matches(ids, fingerprints, NearDuplicateParams()))


def test_every_reupload_kind_is_grouped_with_its_original(groups):
    assert len(groups) == 1
    assert groups[0].kept == "original"
    assert set(groups[0].members) == {"original", *KINDS, "zoomed"}
    match = groups[0].match_of("zoomed")
    assert match.view in ("crop80/full", "full/crop80")  # the original's crop against the copy


def test_distinct_clips_and_a_shared_intro_are_not_grouped(groups):
    grouped = {m for g in groups for m in g.members}
    assert not grouped & {"other2", "other3", "other4", "story5", "story6"}


def test_fingerprint_sees_through_padding_and_mirroring(clips):
    original, padded = _fingerprint(clips["original"]), _fingerprint(clips["pad_portrait"])
    top, bottom, left, right = padded.box
    assert 0.2 < top < 0.4 and 0.6 < bottom < 0.8 and left == 0 and right == 1
    mirrored = _fingerprint(clips["mirror"])
    assert mirrored.hashes["full_mirror"][0] != mirrored.hashes["full"][0]
    assert original.frames >= 17  # about 2 per second of 9 s


def test_fingerprint_fails_clearly_on_a_corrupt_file(tmp_path):
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"\x00" * 4096)
    item = WorkItem("bad", bad, "-", {"aspect": 1.0})
    with pytest.raises(MediaError, match=r"bad\.mp4: cannot decode"):
        fingerprint_video(item, tmp_path, FingerprintParams())


def _raw_folder(root: Path, clips: dict[str, Path], names: list[str], mode: str) -> Path:
    raw = root / "raw"
    (raw / "videos").mkdir(parents=True)
    rows = ["id,title,account,published_at,likes,comments,video_file"]
    for i, name in enumerate(names):
        shutil.copy(clips[name], raw / "videos" / f"{name}.mp4")
        rows.append(f"{name},news {name},acct{i},2024-05-01T08:00:00,1,1,{name}.mp4")
    (raw / "crawl").mkdir()
    (raw / "crawl" / "export.csv").write_text("\n".join(rows) + "\n")
    params = yaml.safe_load(Path("params.yaml").read_text())
    params["clean"]["near_duplicates"]["mode"] = mode
    params["runner"]["cache_dir"] = str(root / "cache")
    params["runner"]["workers"] = 1
    (root / "params.yaml").write_text(yaml.safe_dump(params))
    return raw


@pytest.mark.parametrize("mode", ["reject", "group"])
def test_clean_stage_applies_the_mode(tmp_path, clips, mode):
    names = ["original", "mirror", "trim", "other2", "other3"]
    raw = _raw_folder(tmp_path, clips, names, mode)
    result = stage.run(
        raw, tmp_path / "interim", tmp_path / "reports", tmp_path / "params.yaml", False
    )
    kept = {e.id: e for e in result.manifest}
    near = [r for r in result.rejected if r.reason.value == "near_duplicate"]
    if mode == "reject":
        assert set(kept) == {"original", "other2", "other3"}
        assert {r.id for r in near} == {"mirror", "trim"}
        assert all("'original' (kept)" in r.detail for r in near)
        assert result.card["rejections"]["by_reason"]["near_duplicate"] == 2
    else:
        assert set(kept) == set(names) and not near
        assert {i for i, e in kept.items() if e.duplicate_group == "original"} == {
            "original",
            "mirror",
            "trim",
        }
        assert kept["other2"].duplicate_group is None
    report = json.loads((tmp_path / "reports" / "duplicates.json").read_text())
    assert report["groups"] == 1 and report["copies"] == 2
    members = {m["id"]: m for m in report["group_list"][0]["members"]}
    assert members["mirror"]["mirrored"] is True
    md = (tmp_path / "reports" / "duplicates.md").read_text()
    assert "`trim`" in md and "![group 1](duplicates/group-01.jpg)" in md
    assert (tmp_path / "reports" / "duplicates" / "group-01.jpg").stat().st_size > 1000


def _entry(vid: str, account: str, duplicate_group: str | None = None) -> ManifestEntry:
    return ManifestEntry(
        id=vid,
        platform="generic",
        account=account,
        title=vid,
        engagement=Engagement(),
        source_file="crawl/x.csv",
        video=f"{vid}.mp4",
        content_hash=vid,
        media=MediaInfo(duration_s=10, has_video=True, has_audio=True, size_bytes=1),
        duplicate_group=duplicate_group,
    )


def test_split_never_divides_a_duplicate_group():
    entries = []
    for g in range(12):  # 12 footage groups, each re-uploaded by three accounts
        for copy in range(3):
            entries.append(_entry(f"v{g}_{copy}", f"acct{g}_{copy}", f"v{g}_0"))
    keys = split_groups(entries)
    splits = assign_splits(
        [e.id for e in entries],
        ["joy" if i % 2 else "fear" for i in range(36)],
        keys,
        SplitParams(),
    )
    by_group: dict[str, set[str]] = {}
    for e in entries:
        by_group.setdefault(e.duplicate_group, set()).add(splits[e.id])
    assert all(len(s) == 1 for s in by_group.values())
    assert len(set(splits.values())) == 3


def test_split_groups_join_accounts_and_footage():
    entries = [_entry("a", "x"), _entry("b", "x", "b"), _entry("c", "y", "b"), _entry("d", "z")]
    assert split_groups(entries) == ["group:a", "group:a", "group:a", "group:d"]
