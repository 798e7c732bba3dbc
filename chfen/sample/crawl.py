"""The crawl exports of the sample, in the shapes real crawlers save.

``douyin_aweme_list.json`` copies the Douyin web API's ``aweme/post`` response (compare
``../shared/data/crawl/douyin_aweme_list_2020``): ``aweme_id`` strings, ``desc`` with inline
#hashtags and their ``text_extra`` spans, ``author.total_favorited`` as a string, and
``video.duration`` in milliseconds. ``flat_export.csv`` is the flat table a scraper exports.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta, timezone
from typing import Any

from chfen.sample.plan import Item, SamplePlan

DOUYIN_FILE = "douyin_aweme_list.json"
FLAT_FILE = "flat_export.csv"
FLAT_COLUMNS = (
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
)
CHINA_TIME = timezone(timedelta(hours=8))
CDN = "https://p3-dy.byteimg.com"


def published_at(item: Item) -> str:
    """When the item was posted, as ISO 8601 in China Standard Time (as the CSV writes it)."""
    return datetime.fromtimestamp(item.create_time, tz=CHINA_TIME).isoformat()


def _text_extra(item: Item) -> list[dict[str, Any]]:
    """Hashtag spans of ``desc`` (character offsets of ``#tag``)."""
    spans = []
    cursor = 0
    for tag in item.hashtags:
        start = item.title.index(f"#{tag}", cursor)
        cursor = start + len(tag) + 1
        spans.append(
            {
                "start": start,
                "end": cursor,
                "type": 1,
                "hashtag_name": tag,
                "hashtag_id": 1_600_000_000_000_000 + hash_text(tag) % 10**14,
            }
        )
    return spans


def _url_list(path: str) -> dict[str, Any]:
    return {"uri": path, "url_list": [f"{CDN}/{path}.jpeg?from=4010531038"]}


def douyin_item(item: Item) -> dict[str, Any]:
    """One ``aweme_list`` entry."""
    account = item.account
    width, height = (item.clip.width, item.clip.height) if item.clip else (640, 360)
    vid = f"v0200f{hash_text(item.id) % 16**26:026x}"
    return {
        "aweme_id": item.id,
        "desc": item.title,
        "create_time": item.create_time,
        "author": {
            "uid": account.uid,
            "short_id": account.short_id,
            "nickname": account.nickname,
            "unique_id": account.unique_id,
            "sec_uid": account.sec_uid,
            "signature": "",
            "region": "CN",
            "avatar_thumb": _url_list(f"aweme/100x100/{account.short_id}"),
            "follower_count": account.followers,
            "following_count": account.followers % 997,
            "aweme_count": 40 + account.followers % 400,
            "total_favorited": str(account.total_favorited),
            "verification_type": 1 if account.followers > 50_000 else 0,
            "custom_verify": "",
        },
        "video": {
            "vid": vid,
            "play_addr": {
                "uri": vid,
                "url_list": [f"https://aweme.snssdk.com/aweme/v1/play/?video_id={vid}&line=0"],
            },
            "cover": _url_list(f"tos-cn-p-0015/{vid}"),
            "duration": round(item.duration_s * 1000),
            "width": width,
            "height": height,
            "ratio": f"{min(width, height)}p",
            "has_watermark": True,
            "bit_rate": None,
        },
        "statistics": {
            "aweme_id": item.id,
            "comment_count": item.sent["comments"],
            "digg_count": item.sent["likes"],
            "download_count": 0,
            "play_count": item.sent["views"],
            "share_count": item.sent["shares"],
            "forward_count": 0,
        },
        "text_extra": _text_extra(item),
        "share_url": f"https://www.iesdouyin.com/share/video/{item.id}/",
        "aweme_type": 4,
        "cha_list": None,
        "video_labels": None,
        "label_top_text": None,
        "long_video": None,
        "comment_list": None,
        "promotions": None,
        "image_infos": None,
        "position": None,
        "uniqid_position": None,
        "geofencing": None,
        "video_text": None,
    }


def hash_text(text: str) -> int:
    """A stable (unlike ``hash()``) 64-bit number from a string, for made-up CDN ids."""
    value = 1469598103934665603
    for byte in text.encode("utf-8"):
        value = ((value ^ byte) * 1099511628211) % 2**64
    return value


def douyin_document(plan: SamplePlan) -> str:
    """The Douyin crawl file: one API response page holding every Douyin item."""
    items = plan.in_source("douyin")
    times = [i.create_time * 1000 for i in items]
    document = {
        "status_code": 0,
        "aweme_list": [douyin_item(i) for i in items],
        "has_more": 0,
        "max_cursor": min(times),
        "min_cursor": max(times),
        "extra": {"now": plan.crawled_at * 1000, "logid": plan.logid},
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _cell(value: int | str | None) -> str:
    return "" if value is None else str(value)


def flat_export(plan: SamplePlan) -> str:
    """The flat CSV export of the remaining items."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(FLAT_COLUMNS)
    for item in plan.in_source("csv"):
        writer.writerow(
            [
                item.id,
                item.title,
                item.account.uid,
                published_at(item),
                f"{item.duration_s:.2f}",
                _cell(item.sent["views"]),
                _cell(item.sent["likes"]),
                _cell(item.sent["comments"]),
                _cell(item.sent["shares"]),
                item.listed_file or "",
            ]
        )
    return buffer.getvalue()
