"""A raw folder of malformed and hostile inputs, one or more items per kind, with the verdict each
must get from the clean stage: kept (good items, and odd but valid ones) or one rejection reason.

Shared by ``tests/test_bad_input.py`` and ``benchmarks/reliability.py``. Everything is generated
here from ffmpeg's test sources and byte edits; nothing is shipped. Building takes a few seconds.
"""

from __future__ import annotations

import codecs
import csv
import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from tests.debug_params import debug_params

# Reasons an item of each kind may get ("kept" = in the manifest). Where ffmpeg's verdict on a
# damaged file may legitimately differ (a cut that still leaves a decodable prefix), more than
# one reason is accepted, but never a crash and never ``processing_failed``.
KEPT = "kept"
TITLE_BYTES = 10 * 1024 * 1024
VIDEO_SIZE = (64, 36)
SECONDS = 2.5


@dataclass(frozen=True)
class Kind:
    name: str
    source: str  # where the item is: a crawl file relative to raw/ (or an annotation sheet)
    index: int | None  # its item index in that file; None for a whole-file kind
    id: str | None  # the id it must be kept under (None when it must not be kept)
    expect: frozenset[str]
    good: bool = False  # a valid item that must be kept (counted in "good items lost")
    odd_media: bool = False  # kept, and worth running through the per-video stages


@dataclass
class Corpus:
    root: Path  # the project folder: data/raw/..., params.yaml
    kinds: list[Kind] = field(default_factory=list)
    conflicted: str = ""  # the id whose annotations conflict (reported as a sheet problem)
    bad_sheet: str = ""  # the annotation sheet that cannot be read

    @property
    def raw(self) -> Path:
        return self.root / "data" / "raw"


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-y", *args], check=True)


def _encode(path: Path, size: tuple[int, int], rate: str, seconds: float, audio: bool) -> Path:
    w, h = size
    args = ["-f", "lavfi", "-i", f"testsrc2=size={w}x{h}:rate={rate}:duration={seconds}"]
    if audio:
        args += ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}"]
    args += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
    if audio:
        args += ["-c:a", "aac", "-shortest"]
    _ffmpeg(*args, str(path))
    return path


def _variant(base: Path, dest: Path, tag: str) -> Path:
    """``base`` remuxed with a tag in its metadata: the same frames, different bytes (so content
    de-duplication does not merge the items that share it)."""
    tagged = ["-map_metadata", "-1", "-metadata", f"comment={tag}"]
    _ffmpeg("-i", str(base), "-c", "copy", *tagged, "-f", "mp4", str(dest))  # mp4 whatever the name
    return dest


def build(root: Path) -> Corpus:
    corpus = Corpus(Path(root))
    raw = corpus.raw
    videos = raw / "videos"
    crawl = raw / "crawl"
    sheets = raw / "annotations"
    for d in (videos, crawl, sheets):
        d.mkdir(parents=True, exist_ok=True)
    tmp = corpus.root / "media-src"
    tmp.mkdir(exist_ok=True)
    base = _encode(tmp / "base.mp4", VIDEO_SIZE, "25", SECONDS, audio=True)
    kinds = corpus.kinds
    flat_rows: list[dict[str, object]] = []  # CSV rows: video_id, title, account, video_file
    typed_items: list[dict[str, object]] = []  # JSON items (typed values CSV cannot carry)

    def add(name, key, expect, *, good=False, odd=False, video=False, row=None, typed=None):
        """One kind: ``key`` is the item's id, or its file for whole-file kinds."""
        if video:
            _variant(base, videos / f"{key}.mp4", key)
        if row is not None:
            source, index = "crawl/flat.csv", len(flat_rows)
            flat_rows.append(row)
        elif typed is not None:
            source, index = "crawl/typed.json", len(typed_items)
            typed_items.append(typed)
        elif "/" in key:
            source, index = key.split("#")[0], int(key.split("#")[1]) if "#" in key else None
        else:
            source, index = "", None  # kept under this id; found by id
        kinds.append(Kind(name, source, index, key, frozenset(expect), good, odd))

    def row(vid: str, title: str = "", video_file: str = "") -> dict[str, object]:
        return {
            "video_id": vid,
            "title": title or f"news about {vid}",
            "account": f"acct-{vid}",
            "video_file": video_file,
        }

    # good items in several shapes: they must all survive
    for n in range(3):
        add(f"good_flat_csv_{n}", f"good{n}", [KEPT], good=True, video=True, row=row(f"good{n}"))
    # media faults
    data = base.read_bytes()
    (videos / "v_truncated.mp4").write_bytes(data[: len(data) // 3])
    add("truncated_mp4", "v_truncated", ["undecodable_video"], row=row("v_truncated"))
    damaged = bytearray(data)
    moov = data.find(b"moov")
    damaged[moov - 4 : moov + 60] = b"\xff" * 64
    (videos / "v_badheader.mp4").write_bytes(bytes(damaged))
    add("corrupted_header", "v_badheader", ["undecodable_video"], row=row("v_badheader"))
    (videos / "v_text.mp4").write_text('{"this": "is not a video"}\n')
    add("text_named_mp4", "v_text", ["undecodable_video"], row=row("v_text"))
    _variant(base, videos / "v_ext.webm", "ext")
    add(
        "wrong_extension",
        "v_ext",
        [KEPT],
        good=True,
        odd=True,
        row=row("v_ext", video_file="v_ext.webm"),
    )
    _ffmpeg("-f", "lavfi", "-i", "sine=duration=2.5", "-c:a", "aac", str(videos / "v_audio.mp4"))
    add("audio_only_mp4", "v_audio", ["no_video_stream"], row=row("v_audio"))
    _ffmpeg("-i", str(base), "-t", "0", "-c", "copy", str(videos / "v_zero.mp4"))
    add(
        "zero_duration",
        "v_zero",
        ["no_video_stream", "too_short", "undecodable_video"],
        row=row("v_zero"),
    )
    (videos / "v_empty.mp4").write_bytes(b"")
    add("zero_bytes", "v_empty", ["empty_video"], row=row("v_empty"))
    add("missing_file", "v_missing", ["missing_video"], row=row("v_missing"))
    _encode(videos / "v_tall.mp4", (16, 8192), "5", 2, audio=False)
    add("absurd_dimensions_tall", "v_tall", [KEPT], good=True, odd=True, row=row("v_tall"))
    _encode(videos / "v_wide.mp4", (8192, 2), "5", 2, audio=False)
    add("absurd_dimensions_wide", "v_wide", [KEPT], good=True, odd=True, row=row("v_wide"))
    _encode(videos / "v_fast.mp4", VIDEO_SIZE, "1000", 2, audio=False)
    add("absurd_frame_rate_1000", "v_fast", [KEPT], good=True, odd=True, row=row("v_fast"))
    _encode(videos / "v_slow.mp4", VIDEO_SIZE, "1/5", 10, audio=True)
    add("absurd_frame_rate_0.2", "v_slow", [KEPT], good=True, odd=True, row=row("v_slow"))
    _ffmpeg(
        "-i",
        str(base),
        "-vf",
        "setpts=PTS-2/TB",
        "-af",
        "asetpts=PTS-2/TB",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-c:a",
        "aac",
        "-avoid_negative_ts",
        "disabled",
        "-f",
        "matroska",
        str(videos / "v_negts.mkv"),
    )
    add(
        "negative_timestamps",
        "v_negts",
        [KEPT],
        good=True,
        odd=True,
        row=row("v_negts", video_file="v_negts.mkv"),
    )
    _ffmpeg("-i", str(base), "-c", "copy", "-f", "mpegts", str(tmp / "seg.ts"))
    (videos / "v_nonmono.ts").write_bytes((tmp / "seg.ts").read_bytes() * 2)
    add(
        "non_monotonic_timestamps",
        "v_nonmono",
        [KEPT],
        good=True,
        odd=True,
        row=row("v_nonmono", video_file="v_nonmono.ts"),
    )
    (videos / "v_dup.mp4").write_bytes((videos / "good0.mp4").read_bytes())
    add("duplicate_content", "v_dup", ["duplicate_content"], row=row("v_dup"))
    # ids
    add("path_traversal_id", "../../escape", ["unsafe_id"], row=row("../../escape"))
    add("windows_device_id", "CON", ["unsafe_id"], row=row("CON"))
    add("duplicate_id_case", "Good1", ["duplicate_id"], row=row("Good1", video_file="good1.mp4"))
    add(
        "duplicate_id_unicode",
        "ｇｏｏｄ2",
        ["unsafe_id"],
        row=row("ｇｏｏｄ2", video_file="good2.mp4"),
    )

    # text and typed values (JSON items)
    def item(vid: str, **fields: object) -> dict[str, object]:
        return {"video_id": vid, "title": f"news about {vid}", "account": f"acct-{vid}", **fields}

    add(
        "title_10mb",
        "t_huge",
        ["invalid_record"],
        video=True,
        typed=item("t_huge", title="标题" * (TITLE_BYTES // 6)),
    )
    add(
        "control_characters",
        "t_ctrl",
        [KEPT],
        good=True,
        video=True,
        typed=item("t_ctrl", title="ti\x00t\x07le\x1b[31m red\u0085\ufeff ok\r\n"),
    )
    add(
        "unpaired_surrogate_title",
        "t_surr",
        [KEPT],
        good=True,
        video=True,
        typed=item("t_surr", title="half \ud800 a pair \udc00 end"),
    )
    add("unpaired_surrogate_id", "\udc00bad", ["invalid_record"], typed=item("\udc00bad"))
    add(
        "numbers_as_strings",
        "t_strnum",
        [KEPT],
        good=True,
        video=True,
        typed=item("t_strnum", likes="1.2万", views="3,456", duration_s="15秒"),
    )
    add(
        "nan_and_infinity",
        "t_nan",
        [KEPT],
        good=True,
        video=True,
        typed=item("t_nan", likes=float("nan"), views=float("inf"), duration_s=float("-inf")),
    )
    add(
        "negative_numbers",
        "t_neg",
        [KEPT],
        good=True,
        video=True,
        typed=item("t_neg", likes=-5, views=-1, duration_s=-3, published_at=-86400),
    )
    add("title_is_a_list", "t_list", ["invalid_record"], typed=item("t_list", title=[1, 2]))
    add("float_id", "1.5", ["invalid_record"], typed={"video_id": 1.5, "title": "float id"})
    add(
        "bool_and_object_fields",
        "t_types",
        [KEPT],
        good=True,
        video=True,
        typed=item("t_types", likes=True, account={"nested": 1}, published_at=[2024]),
    )
    # labels
    add("unknown_label", "l_unknown", ["unknown_label"], video=True, row=row("l_unknown"))
    add(
        "conflicting_annotations",
        "l_conflict",
        [KEPT, "low_agreement", "no_annotations"],
        video=True,
        row=row("l_conflict"),
    )
    corpus.conflicted = "l_conflict"
    add("no_annotations", "l_none", ["no_annotations"], video=True, row=row("l_none"))

    with open(crawl / "flat.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=["video_id", "title", "account", "video_file"])
        w.writeheader()
        w.writerows(flat_rows)
    (crawl / "typed.json").write_text(json.dumps(typed_items, ensure_ascii=True), "utf-8")

    # whole files
    douyin = {
        "aweme_list": [
            {
                "aweme_id": "f_bom",
                "desc": "bom export",
                "author": {"uid": "9"},
                "statistics": {"digg_count": 3},
                "video": {"duration": 2500},
            }
        ]
    }
    _variant(base, videos / "f_bom.mp4", "bom")
    (crawl / "bom.json").write_bytes(codecs.BOM_UTF8 + json.dumps(douyin).encode())
    add("utf8_bom_json", "f_bom", [KEPT], good=True)
    (crawl / "gbk.json").write_bytes(
        json.dumps([item("f_gbk", title="新闻标题")], ensure_ascii=False).encode("gbk")
    )
    add("non_utf8_json", "crawl/gbk.json", ["malformed_file"])
    (crawl / "utf16.json").write_bytes(json.dumps([item("f_utf16")]).encode("utf-16"))
    add("utf16_json", "crawl/utf16.json", ["malformed_file"])
    depth = 100_000
    (crawl / "deep.json").write_text("[" * depth + "]" * depth)
    add("deeply_nested_json", "crawl/deep.json", ["malformed_file"])
    _variant(base, videos / "f_line.mp4", "line")
    lines = [
        json.dumps(item("f_line")),
        '{"video_id": "f_deep", "x": ' + "[" * depth + "]" * depth + "}",
    ]
    (crawl / "deep_line.jsonl").write_text("\n".join(lines) + "\n")
    add("deeply_nested_json_line", "f_line", [KEPT], good=True)
    add("deeply_nested_json_line_bad", "crawl/deep_line.jsonl#1", ["invalid_record"])
    (crawl / "bigint.json").write_text('[{"video_id": ' + "9" * 5000 + ', "title": "x"}]')
    add("huge_integer", "crawl/bigint.json", ["malformed_file"])
    (crawl / "empty.json").write_text("")
    add("empty_file", "crawl/empty.json", ["malformed_file"])
    (crawl / "binary.json").write_bytes(bytes(range(256)) * 4)
    add("binary_as_json", "crawl/binary.json", ["malformed_file"])
    (crawl / "truncated.json").write_text('{"aweme_list": [{"aweme_id": "f_cut", "desc": "cut')
    add("truncated_json", "crawl/truncated.json", ["malformed_file"])
    (crawl / "api_error.json").write_text('{"code": -404, "message": "啥都木有", "ttl": 1}')
    add("api_error_envelope", "crawl/api_error.json", ["invalid_record"])
    (crawl / "unknown.csv").write_text("foo,bar\n1,2\n")
    add("unknown_columns", "crawl/unknown.csv", ["unknown_schema"])
    (crawl / "quotes.csv").write_text('video_id,title\n"f_q,"unterminated\n')
    add(
        "unbalanced_csv_quotes",
        "crawl/quotes.csv#0",  # the quote swallows the rest: id 'f_q,unterminated'
        ["unsafe_id"],
    )

    # annotations: three annotators agree on joy unless a kind says otherwise
    ids = [
        k.id
        for k in kinds
        if (k.index is not None or not k.source) and k.id != "l_none" and k.id.isprintable()
    ]
    votes = []
    for vid in ids:
        labels = {"l_unknown": ["nostalgia"] * 3, "l_conflict": ["joy"] * 3}.get(
            vid, ["joy", "joy", "trust"]
        )
        votes += [[vid, f"ann{a}", 1, label] for a, label in enumerate(labels)]
    votes.append([corpus.conflicted, "ann0", 1, "anger"])  # ann0 also said joy in round 1
    with open(sheets / "round1.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["video_id", "annotator", "round", "label"])
        w.writerows(votes)
    (sheets / "broken.csv").write_bytes(
        "video_id,annotator,round,label\ngood0,ann9,1,愤怒\n".encode("gbk")
    )
    corpus.bad_sheet = "broken.csv"
    add("non_utf8_annotation_sheet", "annotations/broken.csv", ["sheet_problem"])
    debug_params(
        corpus.root / "params.yaml",
        corpus.root / ".chfen" / "cache",
        runner={"max_failure_ratio": 1.0},
        clean={"min_duration_s": 0.5, "max_duration_s": 60},
    )
    return corpus


def verdicts(corpus: Corpus, manifest_ids: set[str], rejected: list, sheet_problems: list) -> dict:
    """What the clean and labels stages did with each kind: ``{kind name: [verdicts]}``, a
    verdict being ``kept`` (labelled) or a rejection reason (``sheet_problem`` for annotation
    sheets); an empty list means the item vanished without a word, which is itself a failure."""
    by_place: dict[tuple[str, int | None], list[str]] = {}
    for r in rejected:
        by_place.setdefault((r.source_file, r.source_index), []).append(r.reason.value)
    out: dict[str, list[str]] = {}
    for k in corpus.kinds:
        got: list[str] = []
        if k.source.startswith("annotations/"):
            sheet = k.source.removeprefix("annotations/")
            got += ["sheet_problem" for p in sheet_problems if p.sheet == sheet]
        else:
            if k.id in manifest_ids:
                got.append(KEPT)
            got += by_place.get((k.source, k.index), []) if k.source else []
            # the labels stage names a kept video by id (the media manifest has no row index)
            got += [
                r.reason.value
                for r in rejected
                if k.source and r.source_index is None and (r.source_file, r.id) == (k.source, k.id)
            ]
            if not k.source:  # found by id only (items of small single-item files)
                got += [r.reason.value for r in rejected if r.id == k.id]
        out[k.name] = got
    return out
