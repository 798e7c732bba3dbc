"""The synthetic sample generator: its raw layout is the clean stage's input contract, its
answer key is what clean's tests check against, and its media must really carry the emotion
signals (speech where subtitles are, text in the band) that the extraction stages look for.

One n=8 sample is generated per module (about 20 s on two cores); a second generation into a
folder holding junk checks determinism and re-running into an existing folder.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections import Counter
from datetime import datetime
from fractions import Fraction
from pathlib import Path

import ffmpeg
import numpy as np
import pytest

from chfen.sample import generate_sample
from chfen.sample.annotations import annotate
from chfen.sample.crawl import douyin_document, flat_export
from chfen.sample.dataset import MARKER_FILE
from chfen.sample.plan import HARD_TRAITS, PLANTED, UNSAFE_ID, neighbours, plan_sample
from chfen.sample.render import render_clip
from chfen.sample.reuploads import KINDS as REUPLOAD_KINDS
from pipeline.plutchik import UnknownLabel, wheel
from stages.labels.sheets import SHEET_COLUMNS, read_rows

pytestmark = pytest.mark.slow  # module fixtures run whole stages or train models

N_VIDEOS = 8
SEED = 0
SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
FLAT_HEADER = [
    "video_id",
    "title",
    "account",
    "published_at",
    "duration_s",
    "views",
    "likes",
    "comments",
    "shares",
    "video_file",
]


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sample") / "raw"
    summary = generate_sample(out, n_videos=N_VIDEOS, seed=SEED, workers=2, progress=False)
    assert summary.n_videos == N_VIDEOS
    return out


@pytest.fixture(scope="module")
def truth(sample: Path) -> dict:
    return json.loads((sample / "sample_truth.json").read_text("utf-8"))


def kept(truth: dict) -> list[dict]:
    return [i for i in truth["items"] if i["expected"] == "kept"]


def one(truth: dict, **match: object) -> dict:
    found = [i for i in truth["items"] if all(i.get(k) == v for k, v in match.items())]
    assert len(found) == 1, (match, found)
    return found[0]


def with_hard(truth: dict, trait: str) -> dict:
    return next(i for i in kept(truth) if trait in i["hard"])


def probe(path: Path) -> dict:
    return ffmpeg.probe(str(path))


def stream(info: dict, kind: str) -> dict | None:
    return next((s for s in info["streams"] if s["codec_type"] == kind), None)


def digests(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


# --- layout and crawl shapes ------------------------------------------------------------------


def test_raw_layout(sample: Path):
    assert (sample / "crawl" / "douyin_aweme_list.json").is_file()
    assert (sample / "crawl" / "flat_export.csv").is_file()
    sheets = sorted(p.name for p in (sample / "annotations").iterdir())
    expected = [f"round{r}_ann_{a}.csv" for r in (1, 2) for a in "abc"] + ["round1_ann_x.csv"]
    assert sheets == sorted(["gold.csv", *expected])
    assert (sample / "sample_truth.json").is_file()
    assert not [p for p in sample.rglob("*") if p.name.startswith(".tmp-")]


def test_douyin_json_has_the_real_api_item_shape(sample: Path, truth: dict):
    doc = json.loads((sample / "crawl" / "douyin_aweme_list.json").read_text("utf-8"))
    assert doc["status_code"] == 0 and doc["has_more"] == 0
    items = doc["aweme_list"]
    by_id = {i["id"]: i for i in truth["items"] if i["source_file"].endswith(".json")}
    assert len(items) == len(by_id) and len(items) >= N_VIDEOS * 2 // 3
    for it in items:
        assert isinstance(it["aweme_id"], str) and isinstance(it["desc"], str)
        author = it["author"]
        assert {"uid", "unique_id", "nickname", "short_id"} <= author.keys()
        assert isinstance(author["total_favorited"], str) and author["total_favorited"].isdigit()
        video = it["video"]
        assert isinstance(video["duration"], int)
        assert {"width", "height", "ratio"} <= video.keys()
        stats = it["statistics"]
        assert {"digg_count", "comment_count", "share_count", "play_count"} <= stats.keys()
        assert stats["aweme_id"] == it["aweme_id"]
        assert isinstance(it["create_time"], int) and it["create_time"] > 1.6e9
        # duration in milliseconds, matching the media
        assert video["duration"] == round(by_id[it["aweme_id"]]["duration_s"] * 1000)
        for tag in it["text_extra"]:
            assert it["desc"][tag["start"] : tag["end"]] == f"#{tag['hashtag_name']}"
    good = [i for i in items if by_id[i["aweme_id"]]["expected"] == "kept"]
    assert all(6000 <= i["video"]["duration"] <= 20000 for i in good)
    # realistic noise: some counts arrive as strings ("1.2w" = 12000, or plain digits)
    counts = ("digg_count", "comment_count", "share_count", "play_count")
    noisy = [(i, k, i["statistics"][k]) for i in items for k in counts]
    noisy = [(i, k, v) for i, k, v in noisy if isinstance(v, str)]
    assert noisy
    for it, key, value in noisy:
        field = {"digg_count": "likes", "comment_count": "comments"}[key]
        expected = by_id[it["aweme_id"]]["engagement"][field]
        parsed = round(float(value[:-1]) * 10_000) if value.endswith("w") else int(value)
        assert parsed == expected


def test_flat_export_columns_and_rows(sample: Path, truth: dict):
    with open(sample / "crawl" / "flat_export.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == FLAT_HEADER
    csv_truth = [i for i in truth["items"] if i["source_file"] == "crawl/flat_export.csv"]
    assert [r[0] for r in rows[1:]] == [i["id"] for i in csv_truth]
    for row, item in zip(rows[1:], csv_truth, strict=True):
        assert datetime.fromisoformat(row[3]).utcoffset() is not None
        assert float(row[4]) == pytest.approx(item["duration_s"], abs=0.01)
        assert row[9] == Path(item["video_file"]).name
    assert any("" in r[5:9] for r in rows[1:]), "one export row has an empty count cell"


def test_ids_are_safe_except_the_planted_one(sample: Path, truth: dict):
    ids = [i["id"] for i in truth["items"]]
    assert [i for i in ids if not SAFE.match(i)] == [UNSAFE_ID]
    douyin = [i["id"] for i in truth["items"] if i["source_file"].endswith(".json")]
    assert all(re.fullmatch(r"\d{19}", i) for i in douyin if i != UNSAFE_ID)
    # nothing escaped the output folder
    assert not (sample.parent / "etc").exists() and not (sample / "etc").exists()


def test_accounts_post_several_videos_of_mixed_emotions(truth: dict):
    by_account: dict[str, list[str]] = {}
    for item in kept(truth):
        by_account.setdefault(item["account"], []).append(item["emotion"])
    assert len(by_account) >= 3
    assert any(len(set(emotions)) > 1 for emotions in by_account.values())


# --- answer key -------------------------------------------------------------------------------


def test_answer_key_plants_each_reason_exactly_once(truth: dict):
    counts = Counter(i["expected"] for i in truth["items"])
    assert counts.pop("kept") == N_VIDEOS
    assert counts.pop("reupload") == N_VIDEOS // 4
    assert counts == {reason.value: 1 for reason, _ in PLANTED}
    assert truth["seed"] == SEED and truth["n_videos"] == N_VIDEOS


def test_reuploads_are_other_accounts_copies_of_earlier_originals(sample: Path, truth: dict):
    by_id: dict[str, tuple[int, dict]] = {}
    for k, i in enumerate(truth["items"]):
        by_id.setdefault(i["id"], (k, i))  # a planted duplicate id repeats an earlier one
    planted = [i for i in truth["items"] if i["expected"] == "reupload"]
    assert [i["reupload"]["kind"] for i in planted] == list(REUPLOAD_KINDS[: len(planted)])
    for item in planted:
        k, original = by_id[item["reupload"]["of"]]
        assert k < by_id[item["id"]][0] and original["expected"] == "kept"
        assert item["account"] != original["account"] and item["title"] != original["title"]
        assert item["emotion"] == original["emotion"]
        copy, source = sample / item["video_file"], sample / original["video_file"]
        assert copy.stat().st_size > 0 and copy.read_bytes() != source.read_bytes()


def test_good_items_are_balanced_and_cover_every_hard_case(truth: dict):
    good = kept(truth)
    assert Counter(i["emotion"] for i in good) == dict.fromkeys(wheel().names, 1)
    for trait in HARD_TRAITS:
        assert any(trait in i["hard"] for i in good), trait


def test_duplicates_come_after_their_originals(sample: Path, truth: dict):
    items = truth["items"]
    dup_id = one(truth, expected="duplicate_id")
    first = [i for i in items if i["id"] == dup_id["id"]]
    assert [i["expected"] for i in first] == ["kept", "duplicate_id"]
    assert first[0]["source_file"].endswith(".json") and dup_id["source_file"].endswith(".csv")
    assert first[0]["video_file"] != dup_id["video_file"]
    copy = one(truth, expected="duplicate_content")
    copy_bytes = (sample / copy["video_file"]).read_bytes()
    originals = [
        i
        for i in items[: items.index(copy)]
        if i["video_file"] and (sample / i["video_file"]).read_bytes() == copy_bytes
    ]
    assert len(originals) == 1 and originals[0]["expected"] == "kept"
    assert copy["id"] not in {i["id"] for i in items if i is not copy}


# --- media ------------------------------------------------------------------------------------


def test_good_videos_probe_as_h264_aac_of_6_to_20_seconds(sample: Path, truth: dict):
    for item in kept(truth):
        info = probe(sample / item["video_file"])
        assert 6.0 <= float(info["format"]["duration"]) <= 20.0, item["id"]
        video = stream(info, "video")
        assert video["codec_name"] == "h264" and video["pix_fmt"] == "yuv420p"
        portrait = "portrait" in item["hard"]
        assert (video["width"], video["height"]) == ((360, 640) if portrait else (640, 360))
        audio = stream(info, "audio")
        if "no_audio" in item["hard"]:
            assert audio is None
        else:
            assert audio["codec_name"] == "aac"
        if "vfr" in item["hard"]:
            assert Fraction(video["avg_frame_rate"]) != Fraction(video["r_frame_rate"])
        else:
            assert Fraction(video["avg_frame_rate"]) == Fraction(video["r_frame_rate"]) == 25


def test_planted_bad_media(sample: Path, truth: dict):
    with pytest.raises(ffmpeg.Error):
        probe(sample / one(truth, expected="undecodable_video")["video_file"])
    assert (sample / one(truth, expected="empty_video")["video_file"]).stat().st_size == 0
    short = probe(sample / one(truth, expected="too_short")["video_file"])
    assert float(short["format"]["duration"]) == pytest.approx(1.0, abs=0.1)
    missing = one(truth, expected="missing_video")
    assert missing["video_file"] is None
    assert not list((sample / "videos").glob(f"{missing['id']}*"))
    assert one(truth, expected="empty_title")["title"].strip() == ""
    assert one(truth, expected="unsafe_id")["video_file"] is None


def decode_audio(path: Path, rate: int = 16000) -> np.ndarray:
    raw, _ = (
        ffmpeg.input(str(path))
        .output("pipe:", format="s16le", ac=1, ar=rate)
        .run(capture_stdout=True, capture_stderr=True)
    )
    return np.frombuffer(raw, np.int16).astype(np.float32) / 32768


def test_speech_has_energy_where_subtitles_are_shown(sample: Path, truth: dict):
    rate = 16000
    checked = 0
    for item in kept(truth):
        if not item["has_audio"] or not item["lines"]:
            continue
        x = decode_audio(sample / item["video_file"], rate)
        inside = np.zeros(len(x), bool)
        for line in item["lines"]:
            a, b = round(line["start"] * rate), round(line["end"] * rate)
            segment = x[a:b]
            assert np.sqrt(np.mean(segment**2)) > 0.03, (item["id"], line["text"])
            inside[a:b] = True
        outside = x[~inside]
        ratio = np.sqrt(np.mean(x[inside] ** 2)) / np.sqrt(np.mean(outside**2))
        assert ratio > 1.5, (item["id"], ratio)
        checked += 1
    assert checked >= 4


def frame_at(path: Path, t: float, width: int, height: int) -> np.ndarray:
    raw, _ = (
        ffmpeg.input(str(path), ss=t)
        .output("pipe:", format="rawvideo", pix_fmt="rgb24", vframes=1)
        .run(capture_stdout=True, capture_stderr=True)
    )
    return np.frombuffer(raw, np.uint8).reshape(height, width, 3)


def outlined_text_score(band: np.ndarray) -> float:
    """Share of near-white pixels with a near-black pixel within 3 px: outlined subtitle text
    scores high, photographs (even bright ones) low."""
    white = band.min(axis=2) > 215
    dark = band.max(axis=2) < 60
    near_dark = np.zeros_like(dark)
    for dy in range(-3, 4):
        for dx in range(-3, 4):
            near_dark |= np.roll(np.roll(dark, dy, axis=0), dx, axis=1)
    return float((white & near_dark).mean())


def test_subtitle_band_shows_text_only_in_clips_with_text(sample: Path, truth: dict):
    plain = with_hard(truth, "no_text")
    texted = [i for i in kept(truth) if i["has_subtitles"] and i["width"] == 640]
    text_scores, plain_scores = [], []
    for item in texted:
        for line in item["lines"][:1]:
            t = (line["start"] + line["end"]) / 2
            x0, y0, x1, y1 = line["box"]
            assert 0.75 * 360 <= y0 < y1 <= 360
            frame = frame_at(sample / item["video_file"], t, 640, 360)
            text_scores.append(outlined_text_score(frame[y0:y1, x0:x1]))
            if t < plain["duration_s"]:
                frame = frame_at(sample / plain["video_file"], t, 640, 360)
                plain_scores.append(outlined_text_score(frame[y0:y1, x0:x1]))
    assert text_scores and plain_scores
    assert min(text_scores) > 0.02
    assert np.median(text_scores) > 5 * max(max(plain_scores), 0.002)


def test_nobody_clips_have_no_people_and_others_mostly_do(truth: dict):
    assert not any(s["people"] for s in with_hard(truth, "nobody")["scenes"])
    others = [i for i in kept(truth) if "nobody" not in i["hard"]]
    assert all(any(s["people"] for s in i["scenes"]) for i in others)
    scenes = [s for i in others for s in i["scenes"]]
    assert sum(s["people"] for s in scenes) > len(scenes) / 2
    assert all(3 <= len(i["scenes"]) <= 5 for i in kept(truth))


# --- annotations ------------------------------------------------------------------------------


def read_votes(sample: Path) -> dict[str, dict[tuple[str, int], str]]:
    votes: dict[str, dict[tuple[str, int], str]] = {}
    for sheet in sorted((sample / "annotations").glob("round*.csv")):
        with open(sheet, newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            assert reader.fieldnames == list(SHEET_COLUMNS)
            for row in reader:
                key = (row["annotator"], int(row["round"]))
                votes.setdefault(row["video_id"], {})[key] = row["label"]
    return votes


def truth_share(labels: list[str], truth_label: str) -> float:
    masses = [wheel().resolve(label).weights for label in labels]
    masses = [m for m in masses if m]
    return sum(m.get(truth_label, 0.0) for m in masses) / len(masses)


def test_final_votes_agree_with_the_truth(sample: Path, truth: dict):
    votes = read_votes(sample)
    for item in truth["items"]:
        if item["expected"] == "duplicate_id" or item["emotion"] is None:
            continue
        final = [votes[item["id"]][(a, 2)] for a in ("ann_a", "ann_b", "ann_c")]
        assert truth_share(final, item["emotion"]) >= 0.6, (item["id"], final)
    unknown = one(truth, expected="unknown_label")
    careless = truth["annotators"]["careless"]
    for (annotator, _), label in votes[unknown["id"]].items():
        if annotator == careless:  # the careless annotator labels it anyway, alone
            continue
        with pytest.raises(UnknownLabel):
            wheel().resolve(label)


def test_sheets_plant_modality_labels_a_careless_annotator_and_gold(sample: Path, truth: dict):
    votes, problems = read_rows(sample / "annotations")
    assert problems == []
    planted = {i["id"]: i["modalities"] for i in truth["items"] if i["modalities"]}
    clip_emotion = {i["id"]: i["emotion"] for i in truth["items"] if i["modalities"]}
    careless = truth["annotators"]["careless"]
    right: dict[bool, list[bool]] = {True: [], False: []}
    for v in votes:
        if v.video_id in planted:
            for m, emotion in planted[v.video_id].items():
                right[v.annotator == careless].append(v.modality_label(m) == emotion)
    assert np.mean(right[False]) > 0.75 > 0.4 > np.mean(right[True])
    conflicts = [
        (vid, m)
        for vid, mods in planted.items()
        for m, e in mods.items()
        if e not in ("neutral", clip_emotion[vid])
    ]
    assert conflicts, "some modality carries another emotion than the clip"
    gold = (sample / "annotations/gold.csv").read_text().splitlines()
    assert len(gold) == 1 + len(truth["gold"]) and truth["gold"][0] in gold[1]


def test_annotations_disagree_and_get_revised_realistically():
    plan = plan_sample(48, SEED)
    sheets = annotate(list(plan.items), np.random.default_rng(1))
    truth = {i.id: i.media_emotion for i in plan.items if i.labels == "wheel"}
    first = {(a, vid): lab for (r, a), rows in sheets.items() if r == 1 for vid, lab in rows}
    second = {(a, vid): lab for (r, a), rows in sheets.items() if r == 2 for vid, lab in rows}
    wrong_first = [k for k, lab in first.items() if k[1] in truth and _primary(lab) != truth[k[1]]]
    assert 0.1 < len(wrong_first) / len(first) < 0.35
    near = [k for k in wrong_first if _primary(first[k]) in neighbours(truth[k[1]])]
    assert len(near) > len(wrong_first) / 2, "wrong votes go mostly to neighbours"
    revised = [k for k in first if first[k] != second[k]]
    assert revised
    assert sum(_primary(second[k]) == truth.get(k[1]) for k in revised) > len(revised) / 2
    words = set(first.values()) | set(second.values())
    assert words & {p.zh for p in wheel().primaries}, "some labels in Chinese"
    assert words & {w for p in wheel().primaries for w in (p.intensities[0], p.intensities[2])}
    # per annotator accuracy differs
    accuracy = {
        a: np.mean([_primary(first[(a, v)]) == t for v, t in truth.items()])
        for a in ("ann_a", "ann_b", "ann_c")
    }
    assert accuracy["ann_a"] > accuracy["ann_c"]


def _primary(label: str) -> str | None:
    try:
        weights = wheel().resolve(label).weights
    except UnknownLabel:
        return None
    return max(weights, key=weights.get) if len(weights) == 1 else None


# --- planning at full size (no rendering) -----------------------------------------------------


def test_full_size_plan_is_balanced_with_noisy_titles():
    plan = plan_sample(48, SEED)
    good = [i for i in plan.items if i.expected == "kept"]
    assert Counter(i.emotion for i in good) == dict.fromkeys(wheel().names, 6)
    assert Counter(t for i in good for t in i.hard) == dict.fromkeys(HARD_TRAITS, 3)
    douyin = sum(i.source == "douyin" for i in good)
    assert douyin == 32
    assert 0.6 <= np.mean([i.title_fits for i in good]) <= 0.9
    accounts = Counter(i.account.uid for i in good)
    assert 12 <= len(accounts) <= 20 and max(accounts.values()) >= 3


def test_too_few_videos_is_refused():
    with pytest.raises(ValueError, match="at least 8"):
        plan_sample(7, SEED)


# --- determinism ------------------------------------------------------------------------------


def test_same_seed_regenerates_identical_files_into_a_used_folder(sample: Path, tmp_path: Path):
    again = tmp_path / "raw"
    (again / "videos").mkdir(parents=True)
    (again / MARKER_FILE).write_text("an older sample\n")
    (again / "videos" / "stale_from_an_older_run.mp4").write_bytes(b"old")
    (again / "crawl").mkdir()
    (again / "crawl" / ".tmp-interrupted").write_bytes(b"half")
    generate_sample(again, n_videos=N_VIDEOS, seed=SEED, workers=2, progress=False)
    assert digests(again) == digests(sample)


def test_a_different_seed_gives_a_different_sample(sample: Path, truth: dict, tmp_path: Path):
    other = plan_sample(N_VIDEOS, SEED + 1)
    assert douyin_document(other) != (sample / "crawl/douyin_aweme_list.json").read_text("utf-8")
    assert flat_export(other) != (sample / "crawl/flat_export.csv").read_text("utf-8")
    clip = next(i.clip for i in other.items if i.clip and i.expected == "kept")
    render_clip(clip, tmp_path / "other.mp4")
    ours = {hashlib.sha256(p.read_bytes()).hexdigest() for p in (sample / "videos").glob("*")}
    assert hashlib.sha256((tmp_path / "other.mp4").read_bytes()).hexdigest() not in ours


def test_refuses_to_overwrite_a_folder_that_is_not_a_sample(tmp_path):
    own = tmp_path / "raw" / "videos"
    own.mkdir(parents=True)
    (own / "mine.mp4").write_bytes(b"precious")
    with pytest.raises(FileExistsError, match="not a generated sample"):
        generate_sample(tmp_path / "raw", n_videos=8, progress=False)
    assert (own / "mine.mp4").read_bytes() == b"precious"
