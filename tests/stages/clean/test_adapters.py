"""Crawl adapters on small synthetic exports: every schema, every coercion, every way a file can
be broken, and fuzzing that proves no input makes them raise."""

from __future__ import annotations

import csv
import io
import json
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.records import Engagement, Reason, Rejection, VideoRecord
from stages.clean.adapters import (
    CRAWL_SUFFIXES,
    MAX_COUNT,
    clean_text,
    parse_count,
    parse_duration,
    parse_id,
    parse_timestamp,
    read_crawl_file,
)

T_2023 = datetime(2023, 11, 26, 17, 41, 48, tzinfo=UTC)
UNIX_2023 = 1701020508


def read(folder: Path, content: Any, name: str = "export.json") -> list[VideoRecord | Rejection]:
    """Write ``content`` (bytes, text, or a value to dump as JSON) and read it back."""
    path = folder / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")
    return list(read_crawl_file(path, f"crawl/{name}"))


def only(results: list[VideoRecord | Rejection]) -> VideoRecord | Rejection:
    assert len(results) == 1, results
    return results[0]


def jsonl(*items: Any) -> str:
    return "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in items)


def aweme(aweme_id: Any = "6839298761143930116", **extra: Any) -> dict[str, Any]:
    item = {
        "aweme_id": aweme_id,
        "desc": "这份工作让我走出了抑郁症\n#美团外卖小姐姐",
        "create_time": UNIX_2023,
        "author": {"uid": "52895175925", "sec_uid": "MS4w", "unique_id": "", "nickname": "小蔡"},
        "video": {"duration": 16463, "ratio": "540p"},
        "statistics": {
            "play_count": 0,
            "digg_count": 4517,
            "comment_count": "479",
            "share_count": 27,
        },
        "share_url": "https://www.iesdouyin.com/share/video/6839298761143930116/",
    }
    return item | extra


DOUYIN_RECORD = {
    "id": "6839298761143930116",
    "platform": "douyin",
    "account": "52895175925",
    "account_name": "小蔡",
    "title": "这份工作让我走出了抑郁症 #美团外卖小姐姐",
    "published_at": T_2023,
    "duration_s": 16.463,
    "engagement": Engagement(views=None, likes=4517, comments=479, shares=27),
    "url": "https://www.iesdouyin.com/share/video/6839298761143930116/",
}


def item_struct(**extra: Any) -> dict[str, Any]:
    item = {
        "id": "7305827432509082913",
        "desc": "Wait for it 😱🎻 ",
        "createTime": UNIX_2023,
        "author": {"id": "6839815725969687558", "uniqueId": "vantoan___", "nickname": "Van"},
        "video": {"duration": 89, "format": "mp4"},
        "stats": {
            "diggCount": 1700000,
            "commentCount": 7121,
            "shareCount": 8829,
            "playCount": 19100000,
        },
    }
    return item | extra


TIKTOK_RECORD = {
    "id": "7305827432509082913",
    "platform": "tiktok",
    "account": "6839815725969687558",
    "account_name": "Van",
    "title": "Wait for it 😱🎻",
    "published_at": T_2023,
    "duration_s": 89.0,
    "engagement": Engagement(views=19100000, likes=1700000, comments=7121, shares=8829),
}


def bili_view(**extra: Any) -> dict[str, Any]:
    view = {
        "bvid": "BV117411r7R1",
        "aid": 85440373,
        "title": "当我给拜年祭的快板加了电音配乐…",
        "pubdate": 1580377255,
        "ctime": 1580212263,
        "duration": 486,
        "owner": {"mid": 66606350, "name": "陈楒潼桶桶桶"},
        "stat": {"view": 2404179, "like": 161270, "reply": 2676, "share": 9620, "coin": 72793},
        "short_link_v2": "https://b23.tv/BV117411r7R1",
    }
    return view | extra


BILIBILI_RECORD = {
    "id": "BV117411r7R1",
    "platform": "bilibili",
    "account": "66606350",
    "account_name": "陈楒潼桶桶桶",
    "title": "当我给拜年祭的快板加了电音配乐…",
    "published_at": datetime(2020, 1, 30, 9, 40, 55, tzinfo=UTC),
    "duration_s": 486.0,
    "engagement": Engagement(views=2404179, likes=161270, comments=2676, shares=9620),
    "url": "https://b23.tv/BV117411r7R1",
}


def record(fields: dict[str, Any], source_file: str, index: int = 0, **changes: Any) -> VideoRecord:
    return VideoRecord(**(fields | changes), source_file=source_file, source_index=index)


@pytest.mark.parametrize("suffix", CRAWL_SUFFIXES)
def test_every_suffix_the_stage_collects_is_read_as_records(tmp_path: Path, suffix: str) -> None:
    """A crawl file is collected by its suffix; each such file, in the format its suffix
    stands for, must come back as records, not as an unknown-schema or malformed rejection."""
    item = {"video_id": "v1", "title": "hello"}
    text = {
        ".json": json.dumps([item]),
        ".csv": "video_id,title\nv1,hello\n",
    }.get(suffix, json.dumps(item) + "\n")
    path = tmp_path / f"export{suffix}"
    path.write_text(text, encoding="utf-8")
    assert [(r.id, r.title) for r in read_crawl_file(path, path.name)] == [("v1", "hello")]


# --- Douyin ---------------------------------------------------------------------------------


def test_douyin_aweme_list_maps_every_field(tmp_path: Path) -> None:
    doc = {"status_code": 0, "aweme_list": [aweme()], "has_more": True}
    assert read(tmp_path, doc) == [record(DOUYIN_RECORD, "crawl/export.json")]


def test_douyin_bare_list_and_jsonl_read_like_the_envelope(tmp_path: Path) -> None:
    items = [aweme(), aweme("2")]
    expected = [
        record(DOUYIN_RECORD, "crawl/export.json"),
        record(DOUYIN_RECORD, "crawl/export.json", 1, id="2"),
    ]
    assert read(tmp_path, items) == expected
    from_lines = read(tmp_path, jsonl(*items), "export.jsonl")
    assert from_lines == [
        r.model_copy(update={"source_file": "crawl/export.jsonl"}) for r in expected
    ]


def test_douyin_single_aweme_detail(tmp_path: Path) -> None:
    assert read(tmp_path, {"aweme_detail": aweme()}) == [record(DOUYIN_RECORD, "crawl/export.json")]


def test_douyin_account_falls_back_and_play_count_is_kept_when_given(tmp_path: Path) -> None:
    item = aweme(
        author={"uid": "", "sec_uid": "MS4w", "nickname": " 小蔡\x07 "},
        statistics={"play_count": "1.2w", "digg_count": 5},
    )
    rec = only(read(tmp_path, {"aweme_list": [item]}))
    assert isinstance(rec, VideoRecord)
    assert (rec.account, rec.account_name) == ("MS4w", "小蔡")
    assert rec.engagement == Engagement(views=12000, likes=5)


def test_douyin_duration_at_item_level_and_tiktok_share_link(tmp_path: Path) -> None:
    item = aweme(video={}, duration=15000, share_url="https://www.tiktok.com/@x/video/1")
    rec = only(read(tmp_path, [item]))
    assert isinstance(rec, VideoRecord)
    assert (rec.platform, rec.duration_s) == ("tiktok", 15.0)


def test_douyin_item_missing_its_id_is_rejected_alone(tmp_path: Path) -> None:
    broken = aweme()
    del broken["aweme_id"]
    results = read(tmp_path, {"aweme_list": [aweme(), broken, "junk"]})
    assert results == [
        record(DOUYIN_RECORD, "crawl/export.json"),
        Rejection(
            id=None,
            source_file="crawl/export.json",
            source_index=1,
            reason=Reason.INVALID_RECORD,
            detail="item 1: aweme_id is missing",
        ),
        Rejection(
            id=None,
            source_file="crawl/export.json",
            source_index=2,
            reason=Reason.INVALID_RECORD,
            detail="item 2: is a string, not an object",
        ),
    ]


def test_douyin_empty_page_yields_nothing(tmp_path: Path) -> None:
    assert read(tmp_path, {"status_code": 0, "aweme_list": None, "has_more": False}) == []


def test_douyin_error_answer(tmp_path: Path) -> None:
    assert only(read(tmp_path, {"status_code": 2053, "status_msg": "访问受限"})) == Rejection(
        id=None,
        source_file="crawl/export.json",
        reason=Reason.INVALID_RECORD,
        detail="the API returned an error (status_code 2053, message '访问受限')",
    )


# --- TikTok ---------------------------------------------------------------------------------


def test_tiktok_item_detail(tmp_path: Path) -> None:
    doc = {"statusCode": 0, "itemInfo": {"itemStruct": item_struct()}, "shareMeta": {}}
    assert read(tmp_path, doc) == [record(TIKTOK_RECORD, "crawl/export.json")]


def test_tiktok_item_list_with_string_stats_v2_and_handle_author(tmp_path: Path) -> None:
    older = item_struct(
        id=7305827432509082914,
        author="vantoan___",
        authorId="6839815725969687558",
        nickname="Van",
        stats=None,
        statsV2={"diggCount": "1700000", "commentCount": "7121", "shareCount": "8829"},
    )
    results = read(tmp_path, {"itemList": [item_struct(), older]})
    assert results == [
        record(TIKTOK_RECORD, "crawl/export.json"),
        record(
            TIKTOK_RECORD,
            "crawl/export.json",
            1,
            id="7305827432509082914",
            engagement=Engagement(likes=1700000, comments=7121, shares=8829),
        ),
    ]


def test_tiktok_items_key_is_detected_by_shape(tmp_path: Path) -> None:
    assert read(tmp_path, {"items": [item_struct()]}) == [
        record(TIKTOK_RECORD, "crawl/export.json")
    ]


def test_tiktok_error_answer(tmp_path: Path) -> None:
    rejection = only(read(tmp_path, {"statusCode": 10204, "statusMsg": "item not found"}))
    assert isinstance(rejection, Rejection)
    assert (
        rejection.detail == "the API returned an error (statusCode 10204, message 'item not found')"
    )


# --- Bilibili -------------------------------------------------------------------------------


def test_bilibili_view(tmp_path: Path) -> None:
    doc = {"code": 0, "message": "0", "ttl": 1, "data": bili_view()}
    assert read(tmp_path, doc) == [record(BILIBILI_RECORD, "crawl/export.json")]


def test_bilibili_view_nested_under_data_view(tmp_path: Path) -> None:
    doc = {"code": 0, "message": "0", "data": {"View": bili_view(), "Tags": [], "Related": []}}
    assert read(tmp_path, doc) == [record(BILIBILI_RECORD, "crawl/export.json")]


def test_bilibili_without_bvid_uses_the_av_number(tmp_path: Path) -> None:
    view = bili_view(short_link_v2=None)
    del view["bvid"]
    rec = only(read(tmp_path, {"code": 0, "data": view}))
    assert isinstance(rec, VideoRecord)
    assert (rec.id, rec.url) == ("av85440373", None)


def test_bilibili_error_answer(tmp_path: Path) -> None:
    assert only(read(tmp_path, {"code": -404, "message": "啥都木有", "ttl": 1})) == Rejection(
        id=None,
        source_file="crawl/export.json",
        reason=Reason.INVALID_RECORD,
        detail="the API returned an error (code -404, message '啥都木有')",
    )


def test_error_code_sent_as_a_string(tmp_path: Path) -> None:
    rejection = only(read(tmp_path, {"code": "-403", "message": "权限不足"}))
    assert rejection.detail == "the API returned an error (code -403, message '权限不足')"
    huge = only(read(tmp_path, {"code": "9" * 5000, "message": "x", "data": None}))
    assert huge.reason is Reason.UNKNOWN_SCHEMA


def test_bilibili_answer_that_is_not_a_video_is_an_unknown_schema(tmp_path: Path) -> None:
    assert only(read(tmp_path, {"code": 0, "message": "0", "ttl": 1, "data": "简介"})) == Rejection(
        id=None,
        source_file="crawl/export.json",
        reason=Reason.UNKNOWN_SCHEMA,
        detail="crawl/export.json: no crawl schema matches a JSON object with keys "
        "[code, data, message, ttl] ('data' is a string)",
    )


# --- flat CSV / JSON lines ------------------------------------------------------------------

CSV_HEADER = "video_id,title,account,published_at,duration_s,views,likes,comments,shares,video_file"


def test_flat_csv_with_the_canonical_header(tmp_path: Path) -> None:
    row = 'v1,  Flood\tin town ,acc1,2023-11-26T17:41:48Z,12.5,"3,456",1.2w,7,,v1.mp4'
    text = f"{CSV_HEADER}\n{row}\n"
    assert read(tmp_path, text, "export.csv") == [
        VideoRecord(
            id="v1",
            platform="generic",
            account="acc1",
            title="Flood in town",
            published_at=T_2023,
            duration_s=12.5,
            engagement=Engagement(views=3456, likes=12000, comments=7, shares=None),
            video_file="v1.mp4",
            source_file="crawl/export.csv",
            source_index=0,
        )
    ]


def test_flat_csv_aliases_platform_and_extra_columns(tmp_path: Path) -> None:
    text = (
        "ID;Desc;Author;Duration_ms;Platform;Mood;share_url\n"
        "42;标题;u9;16463;Kuaishou;x;https://v.kuaishou.com/42\n"
    )
    assert read(tmp_path, text, "export.csv") == [
        VideoRecord(
            id="42",
            platform="kuaishou",
            account="u9",
            title="标题",
            duration_s=16.463,
            url="https://v.kuaishou.com/42",
            source_file="crawl/export.csv",
            source_index=0,
        )
    ]


@pytest.mark.parametrize("column", ["aweme_id", "bvid", "videoId", "Video ID"])
def test_flat_id_aliases(tmp_path: Path, column: str) -> None:
    rec = only(read(tmp_path, f"{column}\ttitle\nabc\tt\n", "export.csv"))
    assert isinstance(rec, VideoRecord)
    assert rec.id == "abc"


def test_flat_csv_rows_are_numbered_past_multiline_cells_and_blank_lines(tmp_path: Path) -> None:
    text = 'video_id,title\n1,"two\nlines"\n\n,no id\n'
    first, second = read(tmp_path, text, "export.csv")
    assert isinstance(first, VideoRecord)
    assert first.title == "two lines"
    assert second == Rejection(
        id=None,
        source_file="crawl/export.csv",
        source_index=1,
        reason=Reason.INVALID_RECORD,
        detail="row 1 (line 5): video_id is empty",
    )


def test_flat_csv_without_an_id_column_is_an_unknown_schema(tmp_path: Path) -> None:
    assert only(read(tmp_path, "name,score\nx,1\n", "export.csv")) == Rejection(
        id=None,
        source_file="crawl/export.csv",
        reason=Reason.UNKNOWN_SCHEMA,
        detail="crawl/export.csv: no crawl schema matches a table with columns [name, score]",
    )


def test_flat_csv_that_breaks_midway_keeps_the_rows_before(tmp_path: Path) -> None:
    text = f'video_id,title\n1,ok\n2,"{"x" * 200_000}"\n3,after\n'
    first, broken = read(tmp_path, text, "export.csv")
    assert isinstance(first, VideoRecord)
    assert broken == Rejection(
        id=None,
        source_file="crawl/export.csv",
        reason=Reason.MALFORMED_FILE,
        detail="crawl/export.csv: CSV error at line 3: field larger than field limit (131072)",
    )


def test_flat_jsonl_with_typed_values_and_a_broken_line(tmp_path: Path) -> None:
    good = {"video_id": 7, "title": "a", "duration": "1:05", "views": 12.0, "published_at": 0}
    text = jsonl(good) + '{"video_id": "8", "title": \n' + jsonl({"video_id": "9", "title": "c"})
    first, broken, third = read(tmp_path, text, "export.jsonl")
    assert first == VideoRecord(
        id="7",
        platform="generic",
        title="a",
        duration_s=65.0,
        engagement=Engagement(views=12),
        source_file="crawl/export.jsonl",
        source_index=0,
    )
    assert broken == Rejection(
        id=None,
        source_file="crawl/export.jsonl",
        source_index=1,
        reason=Reason.INVALID_RECORD,
        detail="line 2 (item 1): not valid JSON at column 28: Expecting value",
    )
    assert isinstance(third, VideoRecord)
    assert (third.id, third.source_index) == ("9", 2)


# --- item-level faults ----------------------------------------------------------------------


def test_item_faults_name_every_field_and_keep_the_id(tmp_path: Path) -> None:
    results = read(
        tmp_path,
        [aweme("1", desc={"text": "x"}), aweme(1.5, desc=[1]), aweme("9" * 600), aweme(True)],
    )
    assert [(r.id, r.detail) for r in results if isinstance(r, Rejection)] == [
        ("1", "item 0: desc is an object, not text"),
        (
            None,
            "item 1: aweme_id is the number 1.5, which is not an exact integer; "
            "desc is a list, not text",
        ),
        ("9" * 600, "item 2: aweme_id: String should have at most 512 characters"),
        (None, "item 3: aweme_id is a boolean (True)"),
    ]
    assert all(r.reason is Reason.INVALID_RECORD for r in results if isinstance(r, Rejection))


def test_numeric_ids_become_strings(tmp_path: Path) -> None:
    results = read(tmp_path, [aweme(6839298761143930116), aweme(12.0)])
    assert [r.id for r in results] == ["6839298761143930116", "12"]


# --- whole-file faults ----------------------------------------------------------------------


def malformed(detail: str, name: str = "export.json") -> Rejection:
    return Rejection(
        id=None,
        source_file=f"crawl/{name}",
        reason=Reason.MALFORMED_FILE,
        detail=f"crawl/{name}: {detail}",
    )


@pytest.mark.parametrize(
    ("content", "detail"),
    [
        (
            '{"aweme_list": [{"aweme_id": "1"',
            "invalid JSON at line 1, column 33: Expecting ',' delimiter",
        ),
        ('{\n  "a": 1,\n  "b": }', "invalid JSON at line 3, column 8: Expecting value"),
        (
            b"video_id,title\n1,\xff\xfe\n",
            "not UTF-8 text: invalid start byte (byte 0xff) at byte offset 17",
        ),
        (bytes(range(256)), "not UTF-8 text: invalid start byte (byte 0x80) at byte offset 128"),
        (
            b"\x00\x01\x02\x03PK",
            "binary data, not a crawl export: a NUL character at line 1, column 1",
        ),
        (
            "[" * 10_000 + "]" * 10_000,
            "invalid JSON at line 1, column 10000: "
            "nested 10000 levels deep, deeper than the parser allows",
        ),
        ("", "the file is empty"),
        (b"\xef\xbb\xbf \n", "the file is empty"),
    ],
    ids=[
        "truncated",
        "bad-value",
        "non-utf8",
        "binary",
        "nul",
        "deep-nesting",
        "empty",
        "bom-only",
    ],
)
def test_malformed_files(tmp_path: Path, content: str | bytes, detail: str) -> None:
    assert read(tmp_path, content) == [malformed(detail)]


def test_deeply_nested_junk_inside_a_known_envelope(tmp_path: Path) -> None:
    text = '{"aweme_list": [' + "[" * 10_000 + "]" * 10_000 + "]}"
    (rejection,) = read(tmp_path, text)
    assert rejection.reason is Reason.MALFORMED_FILE
    assert "nested 10002 levels deep" in rejection.detail


def test_unreadable_paths_are_malformed_files(tmp_path: Path) -> None:
    assert list(read_crawl_file(tmp_path, "crawl/dir")) == [
        malformed("cannot be read: Is a directory", "dir")
    ]
    missing = list(read_crawl_file(tmp_path / "gone.json", "crawl/gone.json"))
    assert missing == [malformed("cannot be read: No such file or directory", "gone.json")]


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    body = json.dumps({"aweme_list": [aweme()]}, ensure_ascii=False).encode()
    assert read(tmp_path, b"\xef\xbb\xbf" + body) == [record(DOUYIN_RECORD, "crawl/export.json")]
    rec = only(read(tmp_path, "\ufeffvideo_id,title\n1,t\n".encode(), "export.csv"))
    assert isinstance(rec, VideoRecord)
    assert rec.id == "1"


@pytest.mark.parametrize(
    ("doc", "shape"),
    [
        ({"foo": 1, "bar": [1]}, "a JSON object with keys [bar, foo]"),
        ([1, "a", None], "a JSON list of 3 items holding values that are a number, a string, null"),
        (
            {"data": [{"cid": 1, "part": "p"}]},
            "a JSON object with keys [data], 1 item holding objects with keys [cid, part]",
        ),
    ],
)
def test_unknown_schemas_name_the_keys_seen(tmp_path: Path, doc: Any, shape: str) -> None:
    assert read(tmp_path, doc) == [
        Rejection(
            id=None,
            source_file="crawl/export.json",
            reason=Reason.UNKNOWN_SCHEMA,
            detail=f"crawl/export.json: no crawl schema matches {shape}",
        )
    ]


def test_empty_list_yields_nothing(tmp_path: Path) -> None:
    assert read(tmp_path, []) == []


# --- coercions ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "count"),
    [
        (7, 7),
        (0, 0),
        ("3456", 3456),
        (" 42 ", 42),
        ("3,456", 3456),
        ("1,234,567", 1234567),
        ("1.2w", 12000),
        ("1.2W", 12000),
        ("1.2万", 12000),
        ("10万+", 100000),
        ("2亿", 200_000_000),
        ("1.5k", 1500),
        ("3.4M", 3_400_000),
        ("1B", 10**9),
        (12.0, 12),
        (12.5, 13),
        ("12.0", 12),
        (-1, None),
        ("-5", None),
        (float("nan"), None),
        (float("inf"), None),
        ("abc", None),
        ("", None),
        ("1,23", None),
        ("1e3", None),
        (True, None),
        (None, None),
        ([1], None),
        ({"n": 1}, None),
        (MAX_COUNT + 1, None),
        ("9" * 20, None),
        ("9" * 5000 + ".5亿", None),
    ],
)
def test_parse_count(value: Any, count: int | None) -> None:
    assert parse_count(value) == count


@pytest.mark.parametrize(
    ("value", "per_second", "seconds"),
    [
        (16463, 1000, 16.463),
        ("16463", 1000, 16.463),
        (89, 1, 89.0),
        ("89", 1, 89.0),
        (12.5, 1, 12.5),
        ("15.2s", 1, 15.2),
        ("15200ms", 1, 15.2),
        ("15200 ms", 1000, 15.2),
        ("15秒", 1000, 15.0),
        ("1:05", 1, 65.0),
        ("1:02:03", 1000, 3723.0),
        (0, 1, 0.0),
        (-3, 1, None),
        (float("nan"), 1, None),
        (float("inf"), 1, None),
        (10**400, 1000, None),
        ("abc", 1, None),
        ("9" * 5000 + ":00:00", 1, None),
        ("9" * 5000 + "ms", 1, None),
        (True, 1, None),
        (None, 1, None),
        ({"s": 1}, 1, None),
    ],
)
def test_parse_duration(value: Any, per_second: int, seconds: float | None) -> None:
    assert parse_duration(value, per_second) == seconds


@pytest.mark.parametrize(
    ("value", "when"),
    [
        (UNIX_2023, T_2023),
        (float(UNIX_2023), T_2023),
        (UNIX_2023 * 1000, T_2023),
        (UNIX_2023 * 1_000_000, T_2023),
        (str(UNIX_2023), T_2023),
        (f" {UNIX_2023 * 1000} ", T_2023),
        ("2023-11-26T17:41:48Z", T_2023),
        ("2023-11-26T18:41:48+01:00", T_2023),
        ("2023-11-26 17:41:48", T_2023),
        ("2023/11/26 17:41:48", T_2023),
        ("2023-11-26", datetime(2023, 11, 26, tzinfo=UTC)),
        (0, None),
        (-5, None),
        (1e300, None),
        (float("nan"), None),
        ("3000-01-01", None),
        ("yesterday", None),
        ("", None),
        (True, None),
        (None, None),
        ([UNIX_2023], None),
    ],
)
def test_parse_timestamp(value: Any, when: datetime | None) -> None:
    assert parse_timestamp(value) == when


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("a\nb", "a b"),
        ("a\r\n\tb", "a b"),
        ("  a   b  ", "a b"),
        ("a\x00b\x07c\x7f", "abc"),
        ("a\ud800b\udfff", "ab"),
        ("x\u2028y\u3000z", "x y z"),
        ("\ufeff标题", "标题"),
        ("👨\u200d👩\u200d👧 family", "👨\u200d👩\u200d👧 family"),
    ],
)
def test_clean_text(value: str, text: str) -> None:
    assert clean_text(value) == text


@pytest.mark.parametrize(
    ("value", "expected"),
    [(6839298761143930116, "6839298761143930116"), (12.0, "12"), (" BV1x ", "BV1x"), (-3, "-3")],
)
def test_parse_id(value: Any, expected: str) -> None:
    assert parse_id(value) == expected


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (None, "is missing"),
        ("  ", "is empty"),
        (True, "is a boolean (True)"),
        (1.5, "is the number 1.5, which is not an exact integer"),
        (float(2**60), "is the number 1.152921504606847e+18, which is not an exact integer"),
        (float("nan"), "is the number nan, which is not an exact integer"),
        ([1], "is a list, not a string or a number"),
        ("a\ud800", "contains an unpaired surrogate ('a\ufffd')"),
    ],
)
def test_parse_id_refuses(value: Any, problem: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_id(value)
    assert str(caught.value) == problem


def test_surrogates_and_controls_are_cleaned_in_records(tmp_path: Path) -> None:
    text = '[{"video_id": "1", "title": "a\\ud83d\\u0000b\\u2028c", "author": "x\\udc00"}]'
    rec = only(read(tmp_path, text))
    assert isinstance(rec, VideoRecord)
    assert (rec.title, rec.account) == ("ab c", "x")
    rec.model_dump_json()


# --- never raises (property-based) ----------------------------------------------------------

# Strings a crawler really sends, so fuzzing reaches the coercions' parsing branches too.
CRAWLED_STRINGS = [
    *("1.2w", "3,456", "-1", "1:05", "15200ms", "2023-11-26", "1701020508", " ", "\n"),
    *("9" * 4400, "9" * 4400 + ":00:00", "9" * 4400 + "万"),  # past int()'s digit limit
]
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=8)
    | st.sampled_from(CRAWLED_STRINGS)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)
TOP_KEYS = [
    *("aweme_id", "desc", "author", "statistics", "video", "create_time", "share_url", "duration"),
    *("id", "stats", "statsV2", "createTime", "authorId", "bvid", "aid", "title", "owner", "stat"),
    *("pubdate", "video_id", "views", "published_at", "platform", "video_file", "url"),
]
NESTED_KEYS = [
    *("uid", "sec_uid", "unique_id", "nickname", "uniqueId", "id", "mid", "name", "duration"),
    *("digg_count", "play_count", "comment_count", "diggCount", "playCount", "view", "like"),
]
# Items with the keys the adapters look for, holding anything, nested objects included.
items = st.dictionaries(
    st.sampled_from(TOP_KEYS),
    json_values | st.dictionaries(st.sampled_from(NESTED_KEYS), json_values, max_size=4),
    max_size=8,
)
ENVELOPES = {
    "aweme_list": lambda xs: {"aweme_list": xs},
    "itemList": lambda xs: {"itemList": xs},
    "bare list": lambda xs: xs,
}

FUZZ = settings(max_examples=100, deadline=None)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder for all fuzzing examples (each overwrites the same file)."""
    return tmp_path_factory.mktemp("fuzz")


def check_all(results: list[VideoRecord | Rejection]) -> None:
    """Only records and rejections, each serialisable (no surrogate can reach the writer)."""
    for result in results:
        assert isinstance(result, VideoRecord | Rejection)
        json.loads(result.model_dump_json())


@FUZZ
@given(value=json_values)
def test_any_json_document_never_raises(scratch: Path, value: Any) -> None:
    check_all(read(scratch, json.dumps(value)))


@FUZZ
@given(envelope=st.sampled_from(sorted(ENVELOPES)), batch=st.lists(items, max_size=3))
def test_any_item_in_a_known_envelope_gives_one_result_per_item(
    scratch: Path, envelope: str, batch: list[dict[str, Any]]
) -> None:
    results = read(scratch, json.dumps(ENVELOPES[envelope](batch)))
    check_all(results)
    if envelope != "bare list" and batch:
        assert [r.source_index for r in results] == list(range(len(batch)))


@FUZZ
@given(batch=st.lists(items | json_values, min_size=1, max_size=3))
def test_any_json_lines_never_raise(scratch: Path, batch: list[Any]) -> None:
    text = "\n".join(json.dumps(item) for item in batch)
    check_all(read(scratch, text, "export.jsonl"))


@FUZZ
@given(text=st.text(max_size=200))
def test_any_text_never_raises(scratch: Path, text: str) -> None:
    check_all(read(scratch, text, "export.csv"))


@FUZZ
@given(data=st.binary(max_size=200))
def test_any_bytes_never_raise(scratch: Path, data: bytes) -> None:
    check_all(read(scratch, data))


cells = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=20)


@FUZZ
@given(rows=st.lists(st.tuples(cells, cells, cells), max_size=6))
def test_csv_rows_map_one_to_one(scratch: Path, rows: list[tuple[str, str, str]]) -> None:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["video_id", "title", "views"])
    writer.writerows(rows)
    results = read(scratch, out.getvalue(), "export.csv")
    check_all(results)
    kept = [row for row in rows if any(cell.strip() for cell in row)]
    assert len(results) == len(kept)
    for (video_id, title, views), result in zip(kept, results, strict=True):
        if video_id.strip():
            assert isinstance(result, VideoRecord)
            assert (result.id, result.title) == (video_id.strip(), clean_text(title))
            assert result.engagement.views == parse_count(views)
        else:
            assert isinstance(result, Rejection)
            assert result.detail.endswith("video_id is empty")


@given(n=st.integers(0, MAX_COUNT))
def test_counts_round_trip_through_strings(n: int) -> None:
    assert parse_count(n) == parse_count(str(n)) == parse_count(f"{n:,}") == n
    if n < 2**53:
        assert parse_count(float(n)) == n


@given(seconds=st.integers(631_152_000, 4_102_444_799))
def test_unix_seconds_and_milliseconds_agree(seconds: int) -> None:
    when = parse_timestamp(seconds)
    assert when is not None
    assert when == parse_timestamp(seconds * 1000) == parse_timestamp(str(seconds))
    assert math.isclose(when.timestamp(), seconds)
