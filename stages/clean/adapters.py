"""Crawl-export adapters: every raw shape a crawler emits becomes, item by item, a ``VideoRecord``
or a ``Rejection``, so the rest of the clean stage never sees platform quirks.

Both the format (JSON document, JSON lines, CSV) and the schema (Douyin ``aweme_list``, TikTok
``itemStruct``, Bilibili ``/x/web-interface/view``, flat table) are detected from the content, not
from the file name: crawlers save whatever they fetched under whatever name they like. Nothing in
here raises on bad input; a file that cannot be read at all becomes one ``MALFORMED_FILE``
rejection that says where it broke.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from pipeline.records import Engagement, Reason, Rejection, VideoRecord

CRAWL_SUFFIXES = (".json", ".jsonl", ".ndjson", ".csv")

# Counts above this are garbage, not popularity (the most-viewed videos ever have ~1e10 views).
MAX_COUNT = 10**13
# Unix times outside [1990, 2100) are placeholders or garbage; magnitudes pick s, ms or µs.
_MIN_UNIX = 631_152_000
_MAX_UNIX = 4_102_444_800
# Floats hold integers exactly only up to 2**53; a bigger float id has already lost digits.
_MAX_EXACT_FLOAT = 2**53

_SURROGATES = re.compile("[\ud800-\udfff]")
# Control characters that are not whitespace (whitespace, newlines included, becomes a space),
# plus a stray byte-order mark, which concatenated exports leave mid-text.
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\ufeff\ud800-\udfff]")
_COUNT = re.compile(
    r"(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\s*(百万|千万|[kmbw万亿千])?\+?", re.IGNORECASE
)
_MULTIPLIERS = {
    None: 1,
    "k": 10**3,
    "千": 10**3,
    "w": 10**4,
    "万": 10**4,
    "m": 10**6,
    "百万": 10**6,
    "千万": 10**7,
    "亿": 10**8,
    "b": 10**9,
}
_CLOCK = re.compile(r"(?:(\d{1,6}):)?(\d{1,2}):(\d{1,2}(?:\.\d+)?)")
_SECONDS = re.compile(r"(\d+(?:\.\d*)?|\.\d+)\s*(ms|毫秒|s|sec|secs|seconds|秒)?", re.IGNORECASE)
_NUMBER = re.compile(r"\d+(?:\.\d*)?|\.\d+")
_URL = re.compile(r"https?://\S+", re.IGNORECASE)
# A JSON string or a bracket: enough to measure nesting without recursing.
_JSON_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)


def read_crawl_file(path: Path, source_file: str) -> Iterator[VideoRecord | Rejection]:
    """Yield one ``VideoRecord`` or ``Rejection`` per item of one crawl export, never raising.

    ``source_file`` is the name to report (relative to the raw folder). A file that cannot be read
    or parsed yields a single ``MALFORMED_FILE`` rejection; a readable one that no adapter knows
    yields a single ``UNKNOWN_SCHEMA`` rejection naming the keys or columns it saw.
    """
    try:
        text = _text_of(path.read_bytes())
        read = _read_json if text.lstrip()[0] in "[{" else _read_csv
        yield from read(text, source_file)
    except OSError as err:
        yield _malformed(source_file, f"cannot be read: {err.strerror or type(err).__name__}")
    except _MalformedError as err:
        yield _malformed(source_file, str(err))


def parse_count(value: Any) -> int | None:
    """An engagement count as an integer, or None when the source sent no usable count.

    Accepts integers, integral or fractional floats (rounded), and strings such as ``"3456"``,
    ``"3,456"``, ``"1.2w"``, ``"1.2万"``, ``"1.5k"``, ``"3.4M"`` or ``"10万+"``. Negative,
    non-finite, boolean and absurdly large values are not counts.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value <= MAX_COUNT else None
    if isinstance(value, float):
        if not math.isfinite(value) or not 0 <= value <= MAX_COUNT:
            return None
        return int(Decimal(str(value)).to_integral_value(rounding=ROUND_HALF_UP))
    if not isinstance(value, str):
        return None
    match = _COUNT.fullmatch(value.strip())
    if match is None:
        return None
    whole, fraction, unit = match.groups()
    number = Decimal(whole.replace(",", "") + (fraction or ""))
    number *= _MULTIPLIERS[unit.lower() if unit else None]
    count = int(number.to_integral_value(rounding=ROUND_HALF_UP))
    return count if count <= MAX_COUNT else None


def parse_duration(value: Any, per_second: int = 1) -> float | None:
    """A duration in seconds, or None when unusable.

    A bare number is in the source's unit (``per_second`` = 1000 for milliseconds); a string may
    say its unit (``"15.2s"``, ``"15200ms"``, ``"15秒"``) or be a clock (``"1:05"``,
    ``"1:02:03"``).
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return _finite_non_negative(value, per_second)
    if not isinstance(value, str):
        return None
    text = value.strip()
    clock = _CLOCK.fullmatch(text)
    if clock is not None:
        hours, minutes, seconds = clock.groups()
        return int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)
    match = _SECONDS.fullmatch(text)
    if match is None:
        return None
    number, unit = match.groups()
    if unit is not None:
        per_second = 1000 if unit.lower() in ("ms", "毫秒") else 1
    return _finite_non_negative(float(number), per_second)


def parse_timestamp(value: Any) -> datetime | None:
    """A UTC datetime from unix seconds, milliseconds or microseconds (told apart by magnitude)
    or an ISO 8601 string (naive ones are taken as UTC), or None when unusable or implausible."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        text = value.strip()
        if _NUMBER.fullmatch(text):
            return parse_timestamp(float(text))
        try:
            parsed = datetime.fromisoformat(text.replace("/", "-"))
        except ValueError:
            return None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed if 1990 <= parsed.year < 2100 else None
    if not isinstance(value, int | float):
        return None
    try:
        seconds = float(value)
    except OverflowError:
        return None
    if not math.isfinite(seconds):
        return None
    if seconds >= 1e14:
        seconds /= 1e6
    elif seconds >= 1e11:
        seconds /= 1e3
    if not _MIN_UNIX <= seconds < _MAX_UNIX:
        return None
    return datetime.fromtimestamp(seconds, tz=UTC)


def clean_text(text: str) -> str:
    """Text fit for a title: no control characters or unpaired surrogates, every run of
    whitespace (newlines included) one space, no surrounding spaces."""
    return " ".join(_CONTROLS.sub("", text).split())


def parse_id(value: Any) -> str:
    """A platform id as a string; raises ValueError (saying what is wrong) when there is none.

    Numbers become their decimal digits; a float that cannot hold its integer exactly (JSON
    parsers turn big ids into such floats) is refused rather than silently rounded.
    """
    if value is None:
        raise ValueError("is missing")
    if isinstance(value, bool):
        raise ValueError(f"is a boolean ({value})")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not value.is_integer() or abs(value) > _MAX_EXACT_FLOAT:
            raise ValueError(f"is the number {value!r}, which is not an exact integer")
        return str(int(value))
    if not isinstance(value, str):
        raise ValueError(f"is {_kind(value)}, not a string or a number")
    if _SURROGATES.search(value):
        raise ValueError(f"contains an unpaired surrogate ({_show(value)})")
    text = value.strip()
    if not text:
        raise ValueError("is empty")
    return text


class _MalformedError(Exception):
    """The whole file is unusable; the message says why and where."""


class _ParseError(Exception):
    """A JSON text that does not parse: the parser's message and the 0-based character offset."""

    def __init__(self, message: str, pos: int, extra_data: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos
        self.extra_data = extra_data


@dataclass(frozen=True)
class _Raw:
    """One item's fields as its source spelled them, before coercion.

    ``id_key`` and ``title_key`` are the source's names for the two fields an item cannot do
    without, so a rejection names the field the crawler actually wrote.
    """

    platform: str
    id_key: str
    id: Any
    title_key: str
    title: Any
    accounts: tuple[Any, ...] = ()
    account_name: Any = None
    published_at: Any = None
    duration: Any = None
    duration_per_second: int = 1
    views: Any = None
    likes: Any = None
    comments: Any = None
    shares: Any = None
    video_file: Any = None
    url: Any = None
    media_kind: Any = None
    split: Any = None


@dataclass(frozen=True)
class _Adapter:
    """One crawl schema: how to recognise one of its items, and how to read one."""

    matches: Callable[[dict[str, Any]], bool]
    extract: Callable[[dict[str, Any]], _Raw]


def _douyin(item: dict[str, Any]) -> _Raw:
    """Douyin web API ``aweme_list`` item: snake_case, ``video.duration`` in milliseconds."""
    author = _obj(item.get("author"))
    stats = _obj(item.get("statistics"))
    video = _obj(item.get("video"))
    url = item.get("share_url") or _obj(item.get("share_info")).get("share_url")
    views = stats.get("play_count")
    duration = video.get("duration")
    return _Raw(
        # TikTok's mobile API answers in the same schema; its share links say which it was.
        platform="tiktok" if isinstance(url, str) and "tiktok.com" in url.lower() else "douyin",
        id_key="aweme_id",
        id=item.get("aweme_id"),
        title_key="desc",
        title=item.get("desc"),
        accounts=(author.get("uid"), author.get("sec_uid"), author.get("unique_id")),
        account_name=author.get("nickname"),
        published_at=item.get("create_time"),
        duration=duration if duration is not None else item.get("duration"),
        duration_per_second=1000,
        # The web API hides play counts by sending 0 for every item: 0 means unknown here.
        views=None if parse_count(views) == 0 else views,
        likes=stats.get("digg_count"),
        comments=stats.get("comment_count"),
        shares=stats.get("share_count"),
        url=url,
    )


def _tiktok(item: dict[str, Any]) -> _Raw:
    """TikTok web ``itemStruct``: camelCase, ``video.duration`` in seconds.

    The account is the numeric ``author.id``, which survives handle changes, falling back to
    ``uniqueId``; older exports give ``author`` as the handle string and ``authorId`` beside it.
    """
    author = item.get("author")
    profile = _obj(author)
    stats = _obj(item.get("stats"))
    stats_v2 = _obj(item.get("statsV2"))

    def count(key: str) -> Any:
        value = stats.get(key)
        return value if value is not None else stats_v2.get(key)

    return _Raw(
        platform="tiktok",
        id_key="id",
        id=item.get("id"),
        title_key="desc",
        title=item.get("desc"),
        accounts=(
            profile.get("id"),
            item.get("authorId"),
            profile.get("uniqueId"),
            author if isinstance(author, str) else None,
            profile.get("secUid"),
        ),
        account_name=profile.get("nickname", item.get("nickname")),
        published_at=item.get("createTime"),
        duration=_obj(item.get("video")).get("duration"),
        views=count("playCount"),
        likes=count("diggCount"),
        comments=count("commentCount"),
        shares=count("shareCount"),
    )


def _bilibili(item: dict[str, Any]) -> _Raw:
    """Bilibili ``/x/web-interface/view`` data: ``duration`` in seconds (all parts together)."""
    owner = _obj(item.get("owner"))
    stat = _obj(item.get("stat"))
    bvid, aid = item.get("bvid"), item.get("aid")
    if bvid is None and isinstance(aid, int) and not isinstance(aid, bool):
        bvid = f"av{aid}"
    pubdate = item.get("pubdate")
    return _Raw(
        platform="bilibili",
        id_key="bvid",
        id=bvid,
        title_key="title",
        title=item.get("title"),
        accounts=(owner.get("mid"),),
        account_name=owner.get("name"),
        published_at=pubdate if pubdate is not None else item.get("ctime"),
        duration=item.get("duration"),
        views=stat.get("view"),
        likes=stat.get("like"),
        comments=stat.get("reply"),
        shares=stat.get("share"),
        url=item.get("short_link_v2") or item.get("short_link"),
    )


# Column aliases of flat exports, normalised by _norm (lower case, letters and digits only).
_FLAT_ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("videoid", "id", "awemeid", "itemid", "bvid", "aid"),
    "title": ("title", "desc", "description", "caption", "text"),
    "account": (
        "account",
        "accountid",
        "authorid",
        "author",
        "uid",
        "userid",
        "mid",
        "uploaderid",
        "uploader",
        "channelid",
        "channel",
    ),
    "account_name": ("accountname", "authorname", "nickname", "username", "uploadername"),
    "published_at": (
        "publishedat",
        "publishtime",
        "published",
        "createtime",
        "createdat",
        "pubdate",
        "uploaddate",
        "timestamp",
        "date",
    ),
    "duration_s": ("durations", "durationsec", "durationseconds", "duration", "length"),
    "duration_ms": ("durationms", "durationmillis", "durationmilliseconds"),
    "views": ("views", "viewcount", "playcount", "plays", "view"),
    "likes": ("likes", "likecount", "diggcount", "diggs", "like"),
    "comments": ("comments", "commentcount", "replies", "replycount", "reply"),
    "shares": ("shares", "sharecount", "share", "forwardcount", "reposts"),
    "video_file": ("videofile", "file", "filename", "videopath", "localpath", "path"),
    "url": ("url", "shareurl", "videourl", "link", "webpageurl"),
    "platform": ("platform",),
    "media_kind": ("mediakind", "media"),
    "split": ("split",),
}


def _flat(item: dict[str, Any]) -> _Raw:
    """A flat row (CSV or JSON lines) such as ``video_id,title,account,published_at,...``."""
    columns: dict[str, tuple[str, Any]] = {}
    for key, value in item.items():
        if isinstance(key, str):
            columns.setdefault(_norm(key), (key, value))

    def pick(field: str) -> tuple[str | None, Any]:
        """The first alias of ``field`` with a value, else the first alias present, else none."""
        present = [columns[alias] for alias in _FLAT_ALIASES[field] if alias in columns]
        for key, value in present:
            if value is not None and not (isinstance(value, str) and not value.strip()):
                return key, value
        return present[0] if present else (None, None)

    id_key, record_id = pick("id")
    title_key, title = pick("title")
    _, platform = pick("platform")
    platform = clean_text(platform).lower() if isinstance(platform, str) else ""
    _, duration = pick("duration_s")
    per_second = 1
    if parse_duration(duration) is None:
        _, duration_ms = pick("duration_ms")
        if duration_ms is not None:
            duration, per_second = duration_ms, 1000
    return _Raw(
        platform=platform if 0 < len(platform) <= 64 else "generic",
        id_key=id_key or "video_id",
        id=record_id,
        title_key=title_key or "title",
        title=title,
        accounts=(pick("account")[1],),
        account_name=pick("account_name")[1],
        published_at=pick("published_at")[1],
        duration=duration,
        duration_per_second=per_second,
        views=pick("views")[1],
        likes=pick("likes")[1],
        comments=pick("comments")[1],
        shares=pick("shares")[1],
        video_file=pick("video_file")[1],
        url=pick("url")[1],
        media_kind=pick("media_kind")[1],
        split=pick("split")[1],
    )


def _has_object(item: dict[str, Any], *keys: str) -> bool:
    return any(isinstance(item.get(key), dict) for key in keys)


_DOUYIN = _Adapter(
    lambda d: "aweme_id" in d and _has_object(d, "statistics", "author", "video"),
    _douyin,
)
_TIKTOK = _Adapter(
    lambda d: "id" in d and _has_object(d, "stats", "statsV2", "author", "video"),
    _tiktok,
)
_BILIBILI = _Adapter(
    lambda d: ("bvid" in d or "aid" in d) and _has_object(d, "owner", "stat"),
    _bilibili,
)
_FLAT = _Adapter(
    lambda d: any(isinstance(k, str) and _norm(k) in _FLAT_ALIASES["id"] for k in d),
    _flat,
)
# Most specific first: a Douyin item also has an id-like key a flat row could have.
_ADAPTERS = (_DOUYIN, _TIKTOK, _BILIBILI, _FLAT)
# Keys under which wrappers commonly hold a list of items.
_LIST_KEYS = ("items", "data", "videos", "records", "list", "results")
# Error envelopes: code key, message keys. Bilibili, Douyin, TikTok.
_ERROR_CODES = (
    ("code", ("message", "msg")),
    ("status_code", ("status_msg",)),
    ("statusCode", ("statusMsg", "status_msg")),
)


def _text_of(raw: bytes) -> str:
    """The file as text; raises _MalformedError unless it is non-empty UTF-8 (BOM allowed)."""
    body = raw.removeprefix(codecs.BOM_UTF8)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as err:
        byte = body[err.start : err.start + 1].hex()
        offset = err.start + len(raw) - len(body)
        raise _MalformedError(
            f"not UTF-8 text: {err.reason} (byte 0x{byte}) at byte offset {offset}"
        ) from None
    nul = text.find("\x00")
    if nul >= 0:
        raise _MalformedError(
            f"binary data, not a crawl export: a NUL character at {_where(text, nul)}"
        )
    if not text.strip():
        raise _MalformedError("the file is empty")
    return text


def _loads(text: str) -> Any:
    """``json.loads``, with every way it can fail turned into a _ParseError with a position."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise _ParseError(err.msg, err.pos, extra_data=err.msg == "Extra data") from None
    except RecursionError:
        depth, pos = _deepest(text)
        raise _ParseError(
            f"nested {depth} levels deep, deeper than the parser allows", pos
        ) from None
    except ValueError as err:  # e.g. an integer with more digits than int() accepts
        digits = re.search(r"\d{1000,}", text)
        raise _ParseError(str(err), digits.start() if digits else 0) from None


def _deepest(text: str) -> tuple[int, int]:
    """The deepest bracket nesting of a JSON text and where it is first reached."""
    depth = best = best_pos = 0
    for token in _JSON_TOKEN.finditer(text):
        if token.group() in ("[", "{"):
            depth += 1
            if depth > best:
                best, best_pos = depth, token.start()
        elif token.group() in ("]", "}"):
            depth -= 1
    return best, best_pos


def _read_json(text: str, source_file: str) -> Iterator[VideoRecord | Rejection]:
    """A JSON document (API response, list of items, one item), or JSON lines of items."""
    try:
        doc = _loads(text)
    except _ParseError as err:
        if err.extra_data and _looks_like_jsonl(text):
            yield from _read_jsonl(text, source_file)
            return
        raise _MalformedError(f"invalid JSON at {_where(text, err.pos)}: {err.message}") from None
    error = _api_error(doc)
    if error is not None:
        yield _invalid(source_file, None, None, f"the API returned an error ({error})")
        return
    items, adapter = _unwrap(doc)
    adapter = adapter or _classify(items)
    if adapter is None:
        if items:
            yield _unknown(source_file, _describe(doc, items))
        return
    for index, item in enumerate(items):
        yield _convert(adapter, item, source_file, index, f"item {index}")


def _looks_like_jsonl(text: str) -> bool:
    """Whether the first non-blank line is a JSON object on its own (JSON lines, not junk)."""
    first = next(line for line in text.split("\n") if line.strip())
    try:
        return isinstance(_loads(first), dict)
    except _ParseError:
        return False


def _read_jsonl(text: str, source_file: str) -> Iterator[VideoRecord | Rejection]:
    """JSON lines, one item per non-blank line; a line that does not parse rejects that item."""
    lines = [(number, line) for number, line in enumerate(text.split("\n"), 1) if line.strip()]
    values: list[tuple[int, Any]] = []
    broken: dict[int, str] = {}
    for number, line in lines:
        try:
            values.append((number, _loads(line)))
        except _ParseError as err:
            broken[number] = f"not valid JSON at column {err.pos + 1}: {err.message}"
    adapter = _classify([value for _, value in values])
    if adapter is None:
        yield _unknown(source_file, f"JSON lines {_keys_seen([value for _, value in values])}")
        return
    parsed = dict(values)
    for index, (number, _) in enumerate(lines):
        where = f"line {number} (item {index})"
        if number in broken:
            yield _invalid(source_file, None, index, f"{where}: {broken[number]}")
        else:
            yield _convert(adapter, parsed[number], source_file, index, where)


def _read_csv(text: str, source_file: str) -> Iterator[VideoRecord | Rejection]:
    """A delimited table whose header names an id column; any other column is optional."""
    header_line = text.lstrip("\r\n").split("\n", 1)[0]
    delimiter = max((",", "\t", ";", "|"), key=header_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next((row for row in reader if any(cell.strip() for cell in row)), [])
        names = [cell.strip() for cell in header]
        if not _FLAT.matches(dict.fromkeys(names)):
            yield _unknown(source_file, f"a table with columns {_show_keys(names)}")
            return
        index, line = 0, reader.line_num + 1
        for row in reader:
            if any(cell.strip() for cell in row):
                item: dict[str, Any] = {}
                for name, cell in zip(names, row, strict=False):
                    item.setdefault(name, cell)
                yield _convert(_FLAT, item, source_file, index, f"row {index} (line {line})")
                index += 1
            line = reader.line_num + 1
    except csv.Error as err:
        raise _MalformedError(f"CSV error at line {reader.line_num}: {err}") from None


def _api_error(doc: Any) -> str | None:
    """``code N, message '...'`` when ``doc`` is an API's error answer instead of data."""
    if not isinstance(doc, dict) or _FLAT.matches(doc):
        return None
    for code_key, message_keys in _ERROR_CODES:
        code = doc.get(code_key)
        if isinstance(code, str) and re.fullmatch(r"-?\d{1,18}", code.strip()):
            code = int(code)
        if isinstance(code, bool) or not isinstance(code, int) or code == 0:
            continue
        messages = [doc[key] for key in message_keys if key in doc]
        if messages or "ttl" in doc:
            message = f", message {_show(messages[0])}" if messages else ""
            return f"{code_key} {code}{message}"
    return None


def _unwrap(doc: Any) -> tuple[list[Any], _Adapter | None]:
    """The items a JSON document holds, and the adapter when the envelope already tells it."""
    if isinstance(doc, list):
        return doc, None
    if not isinstance(doc, dict):
        return [doc], None
    for key, adapter in (("aweme_list", _DOUYIN), ("itemList", _TIKTOK)):
        if key in doc:
            items = doc[key]
            return (items if isinstance(items, list) else [] if items is None else [items]), adapter
    if isinstance(doc.get("aweme_detail"), dict):
        return [doc["aweme_detail"]], _DOUYIN
    info = _obj(doc.get("itemInfo"))
    for holder in (info, doc):
        if isinstance(holder.get("itemStruct"), dict):
            return [holder["itemStruct"]], _TIKTOK
    data = doc.get("data")
    if isinstance(data, dict):
        if isinstance(data.get("View"), dict):
            return [data["View"]], _BILIBILI
        if "code" in doc and ("bvid" in data or "aid" in data):
            return [data], _BILIBILI
    for holder in (doc, _obj(data)):
        for key in _LIST_KEYS:
            if isinstance(holder.get(key), list):
                return holder[key], None
    return [doc], None


def _classify(items: list[Any]) -> _Adapter | None:
    """The adapter that recognises the most items (the first on ties), or None if none does."""
    objects = [item for item in items if isinstance(item, dict)]
    best, best_count = None, 0
    for adapter in _ADAPTERS:
        count = sum(1 for item in objects if adapter.matches(item))
        if count > best_count:
            best, best_count = adapter, count
    return best


def _convert(
    adapter: _Adapter, item: Any, source_file: str, index: int, where: str
) -> VideoRecord | Rejection:
    """One item through one adapter and the shared coercions."""
    if not isinstance(item, dict):
        return _invalid(source_file, None, index, f"{where}: is {_kind(item)}, not an object")
    raw = adapter.extract(item)
    problems: list[str] = []
    record_id: str | None = None
    title = ""
    try:
        record_id = parse_id(raw.id)
    except ValueError as err:
        problems.append(f"{raw.id_key} {err}")
    try:
        title = _title(raw.title)
    except ValueError as err:
        problems.append(f"{raw.title_key} {err}")
    if problems:
        return _invalid(source_file, record_id, index, f"{where}: {'; '.join(problems)}")
    try:
        return VideoRecord(
            id=record_id,
            platform=raw.platform,
            account=next(filter(None, map(_key, raw.accounts)), None),
            account_name=_key(raw.account_name),
            title=title,
            published_at=parse_timestamp(raw.published_at),
            duration_s=parse_duration(raw.duration, raw.duration_per_second),
            engagement=Engagement(
                views=parse_count(raw.views),
                likes=parse_count(raw.likes),
                comments=parse_count(raw.comments),
                shares=parse_count(raw.shares),
            ),
            video_file=_file_name(raw.video_file),
            # Absent means a video; anything else must name a kind (the schema says which).
            media_kind=clean_text(str(raw.media_kind)).lower() if raw.media_kind else "video",
            url=_url(raw.url),
            # A split declared by the source (an import's official split) is kept by clean.
            split=clean_text(str(raw.split)).lower() or None if raw.split else None,
            source_file=source_file,
            source_index=index,
        )
    except ValidationError as err:
        names = {"id": raw.id_key, "title": raw.title_key}
        fields = "; ".join(
            f"{names.get(str(e['loc'][0]), str(e['loc'][0])) if e['loc'] else 'item'}: {e['msg']}"
            for e in err.errors()
        )
        return _invalid(source_file, record_id, index, f"{where}: {fields}")


def _title(value: Any) -> str:
    """A title as clean text (a number becomes its digits, a missing one empty); raises
    ValueError for a list, an object or a boolean, which mean the crawler mapped it wrong."""
    if value is None:
        return ""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and math.isfinite(value):
        return str(value)
    raise ValueError(f"is {_kind(value)}, not text")


def _key(value: Any) -> str | None:
    """An account id or name as clean text, or None when absent, empty or not a scalar."""
    if isinstance(value, str):
        return clean_text(value) or None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def _file_name(value: Any) -> str | None:
    """A video file name as given (only trimmed: it must still name the file on disk)."""
    if not isinstance(value, str) or _SURROGATES.search(value):
        return None
    return value.strip() or None


def _url(value: Any) -> str | None:
    """An http(s) URL, or None."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    return text if _URL.fullmatch(text) and not _SURROGATES.search(text) else None


def _finite_non_negative(value: float, per_second: int) -> float | None:
    """``value / per_second`` seconds, or None for negative, infinite or unrepresentable ones."""
    try:
        seconds = float(value) / per_second
    except OverflowError:
        return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def _obj(value: Any) -> dict[str, Any]:
    """``value`` when it is a JSON object, else an empty one, so lookups never fail."""
    return value if isinstance(value, dict) else {}


def _norm(key: str) -> str:
    """A column name reduced to lower-case letters and digits: ``Video ID`` = ``videoId``."""
    return re.sub(r"[^0-9a-z]", "", key.lower())


def _where(text: str, pos: int) -> str:
    """``line L, column C`` (1-based) of a character offset."""
    line = text.count("\n", 0, pos) + 1
    column = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return f"line {line}, column {column}"


def _kind(value: Any) -> str:
    """A JSON value's type, in words."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object" if isinstance(value, dict) else type(value).__name__


def _show(value: Any, limit: int = 60) -> str:
    """A scalar for a message: printable, surrogate-free and short; containers by type only."""
    if isinstance(value, str):
        text = repr(_SURROGATES.sub("\ufffd", value))
    elif value is None or isinstance(value, bool | int | float):
        text = (
            repr(value) if not isinstance(value, int) or abs(value) < 10**limit else "a big number"
        )
    else:
        return _kind(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _show_keys(keys: list[Any], limit: int = 20) -> str:
    """Keys or column names for a message: sorted, cleaned, at most ``limit`` of them."""
    names = sorted({clean_text(str(key))[:40] for key in keys})
    more = f", … ({len(names) - limit} more)" if len(names) > limit else ""
    return "[" + ", ".join(names[:limit]) + more + "]"


def _keys_seen(values: list[Any]) -> str:
    """What a list of JSON values holds, for an UNKNOWN_SCHEMA message."""
    keys = {key for value in values if isinstance(value, dict) for key in value}
    others = sorted({_kind(value) for value in values if not isinstance(value, dict)})
    parts = [f"objects with keys {_show_keys(list(keys))}"] if keys or not others else []
    if others:
        parts.append("values that are " + ", ".join(others))
    return "holding " + " and ".join(parts)


def _describe(doc: Any, items: list[Any]) -> str:
    """The shape of a JSON document no adapter knows."""
    if isinstance(doc, list):
        return f"a JSON list of {_items(len(items))} {_keys_seen(items)}"
    if len(items) == 1 and items[0] is doc:
        data = f" ('data' is {_kind(doc['data'])})" if "data" in doc else ""
        return f"a JSON object with keys {_show_keys(list(doc))}{data}"
    keys = _show_keys(list(doc))
    return f"a JSON object with keys {keys}, {_items(len(items))} {_keys_seen(items)}"


def _items(count: int) -> str:
    return f"{count} item" if count == 1 else f"{count} items"


def _malformed(source_file: str, problem: str) -> Rejection:
    return Rejection(
        id=None,
        source_file=source_file,
        reason=Reason.MALFORMED_FILE,
        detail=f"{source_file}: {problem}",
    )


def _unknown(source_file: str, shape: str) -> Rejection:
    return Rejection(
        id=None,
        source_file=source_file,
        reason=Reason.UNKNOWN_SCHEMA,
        detail=f"{source_file}: no crawl schema matches {shape}",
    )


def _invalid(source_file: str, record_id: str | None, index: int | None, detail: str) -> Rejection:
    return Rejection(
        id=record_id,
        source_file=source_file,
        source_index=index,
        reason=Reason.INVALID_RECORD,
        detail=detail,
    )
