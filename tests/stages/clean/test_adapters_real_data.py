"""Crawl adapters on real crawler output from ../shared/data/crawl (expected values read off the
files by hand), so the adapters are checked against shapes nobody on this team wrote."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.records import Engagement, Reason, Rejection, VideoRecord
from stages.clean.adapters import read_crawl_file

pytestmark = pytest.mark.real_data


def read(path: Path, crawl: Path) -> list[VideoRecord | Rejection]:
    return list(read_crawl_file(path, str(path.relative_to(crawl))))


@pytest.fixture(scope="module")
def crawl(shared_data: Path) -> Path:
    return shared_data / "crawl"


def test_douyin_aweme_lists_all_become_records(crawl: Path) -> None:
    folder = crawl / "douyin_aweme_list_2020"
    first = read(folder / "data.json", crawl)
    second = read(folder / "data2.json", crawl)
    records = first + second
    assert (len(first), len(second)) == (25, 41)
    assert all(isinstance(r, VideoRecord) for r in records), [
        r for r in records if isinstance(r, Rejection)
    ]
    assert len({r.id for r in records}) == 66
    # video.duration is in milliseconds: seconds must be short-video lengths, not thousands.
    assert all(r.duration_s is not None and 1 <= r.duration_s <= 600 for r in records)
    assert [r.source_index for r in first] == list(range(25))
    assert first[0] == VideoRecord(
        id="6839298761143930116",
        platform="douyin",
        account="52895175925",
        account_name="小蔡\ue04a",
        title="这份工作让我走出了抑郁症#美团外卖小姐姐",
        duration_s=16.463,
        engagement=Engagement(views=None, likes=4517, comments=479, shares=27),
        source_file="douyin_aweme_list_2020/data.json",
        source_index=0,
    )
    assert (second[0].id, second[0].account, second[0].duration_s) == (
        "6839264343264218375",
        "61431549002",
        9.567,
    )
    assert max(r.duration_s for r in records) == 109.274


def test_tiktok_item_detail_becomes_a_record(crawl: Path) -> None:
    path = crawl / "tiktok_item_detail_2023" / "response.json"
    (rec,) = read(path, crawl)
    assert isinstance(rec, VideoRecord)
    assert rec.model_dump(exclude={"title"}) == {
        "id": "7305827432509082913",
        "platform": "tiktok",
        "account": "6839815725969687558",
        "account_name": "Van",
        "published_at": datetime(2023, 11, 26, 17, 41, 48, tzinfo=UTC),
        "duration_s": 89.0,
        "engagement": {"views": 19100000, "likes": 1700000, "comments": 7121, "shares": 8829},
        "video_file": None,
        "url": None,
        "media_kind": "video",
        "split": None,
        "source_file": "tiktok_item_detail_2023/response.json",
        "source_index": 0,
    }
    assert rec.title.startswith("Wait for it 😱🎻 She didn’t expect that !!")
    assert rec.title.endswith("#violin #flashmob #experience")


@pytest.mark.parametrize(
    ("name", "bvid", "title", "duration_s", "account", "views"),
    [
        (
            "example_0.json",
            "BV117411r7R1",
            "当我给拜年祭的快板加了电音配乐…",
            486.0,
            "66606350",
            2404179,
        ),
        (
            "example_1.json",
            "BV17x411w7KC",
            "【MV】保加利亚妖王AZIS视频合辑",
            2412.0,
            "122541",
            45252521,
        ),
    ],
)
def test_bilibili_video_views_become_records(
    crawl: Path, name: str, bvid: str, title: str, duration_s: float, account: str, views: int
) -> None:
    (rec,) = read(crawl / "bilibili_video_view_docs" / name, crawl)
    assert isinstance(rec, VideoRecord)
    assert (rec.id, rec.platform, rec.title, rec.duration_s, rec.account, rec.engagement.views) == (
        bvid,
        "bilibili",
        title,
        duration_s,
        account,
        views,
    )


def test_bilibili_view_published_at(crawl: Path) -> None:
    (rec,) = read(crawl / "bilibili_video_view_docs" / "example_0.json", crawl)
    assert isinstance(rec, VideoRecord)
    assert rec.published_at == datetime.fromtimestamp(1580377255, tz=UTC)


@pytest.mark.parametrize("name", ["example_2.json", "example_3.json"])
def test_bilibili_answers_that_are_not_video_views_are_unknown_schemas(
    crawl: Path, name: str
) -> None:
    """example_2 is the description endpoint (data is a string), example_3 the part list."""
    (rejection,) = read(crawl / "bilibili_video_view_docs" / name, crawl)
    assert isinstance(rejection, Rejection)
    assert rejection.reason is Reason.UNKNOWN_SCHEMA
