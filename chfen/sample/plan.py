"""Planning the sample crawl: every item, its account, title, engagement and clip recipe, the
hard-but-valid clips, and the planted bad items the clean stage must reject.

The whole plan is drawn from one ``numpy`` generator seeded with ``seed``, in a fixed order, in
the parent process; rendering then only executes it. The same (``n_videos``, ``seed``) therefore
always gives the same crawl, whatever the number of workers.

The noise is deliberate: a clip's title fits its emotion about 75% of the time, and its scenes'
grades, its subtitle lines, their prosody and its music each fall back to neutral or a
neighbouring emotion's style now and then, so no single modality decides the label.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from chfen.sample.clip import FPS, ClipSpec, LineSpec, SceneSpec
from chfen.sample.content import (
    ACCOUNT_NAMES,
    HASHTAGS,
    NEUTRAL_PHRASES,
    NEUTRAL_STYLE,
    NEUTRAL_TITLES,
    PHRASES,
    PLACES,
    STYLES,
    TITLES,
    Grade,
    MusicStyle,
    Prosody,
    Style,
)
from chfen.sample.photos import PHOTOS, Photo
from chfen.sample.reuploads import KINDS as REUPLOAD_KINDS
from pipeline.plutchik import wheel
from pipeline.records import Reason

HARD_TRAITS = ("no_audio", "no_text", "nobody", "portrait", "vfr")
# The planted bad items: which crawl file each goes into (the contract of the clean stage's
# tests: duplicates come after their originals in sorted-file, in-file order).
PLANTED: tuple[tuple[Reason, str], ...] = (
    (Reason.UNDECODABLE_VIDEO, "douyin"),
    (Reason.TOO_SHORT, "douyin"),
    (Reason.EMPTY_TITLE, "douyin"),
    (Reason.UNSAFE_ID, "douyin"),
    (Reason.MISSING_VIDEO, "douyin"),
    (Reason.DUPLICATE_ID, "csv"),
    (Reason.DUPLICATE_CONTENT, "csv"),
    (Reason.EMPTY_VIDEO, "csv"),
    (Reason.UNKNOWN_LABEL, "csv"),
)
KEPT = "kept"
# A planted re-upload: kept with its original's duplicate_group (clean.near_duplicates.mode:
# group, the default), or rejected as near_duplicate (reject).
REUPLOAD = "reupload"
UNSAFE_ID = "../../etc/evil"
MIN_VIDEOS = 8
GOOD_SECONDS = (6.5, 19.5)
BAD_SECONDS = (6.5, 8.5)
TOO_SHORT_SECONDS = 1.0
MIN_SCENE_SECONDS = 1.2
# Probabilities that a modality carries the clip's own emotion, else neutral, else a neighbour's.
TITLE_FITS = 0.75
STYLE_FITS = (0.75, 0.13)
PHRASE_FITS = (0.65, 0.25)
PEOPLE_WEIGHT = 2.5
VOICE_VARIANTS = ("m1", "m3", "m7", "f2", "f3", "f4")
BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
FIRST_UNIX = 1_672_502_400  # 2023-01-01 UTC
LAST_UNIX = 1_735_660_800  # 2025-01-01 UTC


@dataclass(frozen=True)
class Account:
    """A crawled account. ``uid`` is what the clean stage groups splits by: Douyin's numeric
    ``author.uid``, or the handle in the CSV export's ``account`` column."""

    uid: str
    nickname: str
    unique_id: str
    short_id: str
    sec_uid: str
    followers: int
    total_favorited: int


@dataclass(frozen=True)
class Counts:
    """True engagement counts (None: the export left the cell empty)."""

    views: int | None
    likes: int | None
    comments: int | None
    shares: int | None


@dataclass(frozen=True)
class Item:
    """One crawl record and everything about it.

    ``media`` says what lands in ``videos/``: a rendered clip, a byte ``copy`` of another
    item's file, a ``reupload`` of it (``reupload`` names the kind, see
    ``chfen.sample.reuploads``), ``garbage`` bytes, an ``empty`` file, or ``none`` (no file).
    ``labels`` says what the annotators saw: the wheel (around ``media_emotion``),
    ``off_wheel`` words, or ``none`` (a duplicate id: its id's labels belong to the first
    record). ``sent`` is how the crawl file spells each count (a number, a string like
    ``"1.2w"``, or None for a blank).
    """

    id: str
    source: str
    account: Account
    headline: str
    title: str
    hashtags: tuple[str, ...]
    title_fits: bool
    lang: str
    emotion: str | None
    media_emotion: str
    expected: str
    hard: tuple[str, ...]
    media: str
    video_file: str | None
    listed_file: str | None
    clip: ClipSpec | None
    copy_of: str | None
    duration_s: float
    create_time: int
    counts: Counts
    sent: dict[str, int | str | None]
    labels: str
    reupload: str | None = None


@dataclass(frozen=True)
class SamplePlan:
    seed: int
    n_videos: int
    items: tuple[Item, ...]
    crawled_at: int
    logid: str

    def in_source(self, source: str) -> list[Item]:
        return [item for item in self.items if item.source == source]


def neighbours(emotion: str) -> tuple[str, str]:
    """The two primaries beside ``emotion`` on the wheel."""
    names = wheel().names
    i = names.index(emotion)
    return names[(i - 1) % len(names)], names[(i + 1) % len(names)]


def _pick(rng: np.random.Generator, options: tuple[str, ...] | list[str]) -> str:
    return options[int(rng.integers(len(options)))]


def _style_for(emotion: str, fits: tuple[float, float], rng: np.random.Generator) -> Style:
    """The emotion's own style, or (now and then) the neutral one or a neighbour's."""
    u = rng.random()
    if u < fits[0]:
        return STYLES[emotion]
    if u < fits[0] + fits[1]:
        return NEUTRAL_STYLE
    return STYLES[_pick(rng, neighbours(emotion))]


def style_name(style: Style) -> str:
    """The emotion whose style ``style`` is, or ``neutral``."""
    return next((name for name, s in STYLES.items() if s is style), "neutral")


def _jitter(rng: np.random.Generator, value: float, spread: float) -> float:
    return round(value * float(rng.uniform(1 - spread, 1 + spread)), 4)


def _grade(emotion: str, rng: np.random.Generator) -> tuple[Grade, str]:
    """A jittered grade, and the name of the style it came from."""
    style = _style_for(emotion, STYLE_FITS, rng)
    g = style.grade
    grade = Grade(
        gains=(
            _jitter(rng, g.gains[0], 0.04),
            _jitter(rng, g.gains[1], 0.04),
            _jitter(rng, g.gains[2], 0.04),
        ),
        saturation=_jitter(rng, g.saturation, 0.1),
        brightness=round(g.brightness + float(rng.uniform(-0.03, 0.03)), 4),
        contrast=_jitter(rng, g.contrast, 0.05),
        gamma=_jitter(rng, g.gamma, 0.05),
        vignette=g.vignette,
    )
    return grade, style_name(style)


class _Ids:
    """Unique ids (also unique under case folding, which the clean stage treats as equal)."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.seen: set[str] = {UNSAFE_ID}

    def _unique(self, make: Callable[[], str]) -> str:
        while True:
            candidate = make()
            if candidate.casefold() not in self.seen:
                self.seen.add(candidate.casefold())
                return candidate

    def douyin(self) -> str:
        """A 19-digit aweme id, like those Douyin hands out since 2021."""
        return self._unique(lambda: f"7{int(self.rng.integers(10**17, 10**18))}")

    def flat(self) -> str:
        """A Bilibili-style BV id or a ``v``-prefixed numeric id."""

        def make() -> str:
            if self.rng.random() < 0.5:
                tail = "".join(_pick(self.rng, BASE58) for _ in range(9))
                return f"BV1{tail}"
            return f"v{int(self.rng.integers(10**9, 10**10))}"

        return self._unique(make)


def _accounts(n_videos: int, rng: np.random.Generator) -> dict[str, list[Account]]:
    """About one account per three videos, two thirds of them in the Douyin crawl."""
    total = max(4, round(n_videos / 3))
    n_csv = max(2, round(total / 3))
    names = [ACCOUNT_NAMES[int(i)] for i in rng.permutation(len(ACCOUNT_NAMES))]
    alphabet = string.ascii_letters + string.digits + "-_"
    out: dict[str, list[Account]] = {"douyin": [], "csv": []}
    for k in range(total):
        base = names[k % len(names)]
        nickname = base if k < len(names) else f"{base}{k // len(names) + 1}"
        source = "csv" if k < n_csv else "douyin"
        slug = "".join(c for c in base.lower().replace(" ", "_") if c.isascii())
        handle = f"{slug or 'user'}_{int(rng.integers(100, 1000))}"
        favourited = int(rng.lognormal(13, 1.5))
        out[source].append(
            Account(
                uid=handle if source == "csv" else str(int(rng.integers(10**10, 10**11))),
                nickname=nickname,
                unique_id="" if rng.random() < 0.3 else handle,
                short_id=str(int(rng.integers(10**6, 10**9))),
                sec_uid="MS4wLjABAAAA" + "".join(_pick(rng, alphabet) for _ in range(43)),
                followers=int(favourited * rng.uniform(0.02, 0.2)),
                total_favorited=favourited,
            )
        )
    return out


def _hard_traits(n_videos: int, rng: np.random.Generator) -> list[tuple[str, ...]]:
    """Each hard trait on ``max(1, round(n/16))`` good clips, one trait per clip."""
    per_trait = max(1, round(n_videos / 16))
    chosen = rng.permutation(n_videos)[: per_trait * len(HARD_TRAITS)]
    hard: list[tuple[str, ...]] = [() for _ in range(n_videos)]
    for k, index in enumerate(chosen):
        hard[int(index)] = (HARD_TRAITS[k % len(HARD_TRAITS)],)
    return hard


def _title(
    emotion: str, lang: str, source: str, rng: np.random.Generator
) -> tuple[str, str, tuple[str, ...], bool]:
    """(headline, title as crawled, hashtags, whether it fits the emotion). Douyin titles carry
    hashtags, as ``desc`` does on the real platform."""
    u = rng.random()
    if u < TITLE_FITS:
        headline, tag_key, fits = _pick(rng, TITLES[emotion][lang]), emotion, True
    elif u < TITLE_FITS + 0.15:
        headline, tag_key, fits = _pick(rng, NEUTRAL_TITLES[lang]), "neutral", False
    else:
        other = _pick(rng, [e for e in wheel().names if e != emotion])
        headline, tag_key, fits = _pick(rng, TITLES[other][lang]), other, False
    if lang == "zh" and rng.random() < 0.3:
        headline = f"【{_pick(rng, PLACES)}】{headline}"
    tags: tuple[str, ...] = ()
    if source == "douyin" and rng.random() < 0.7:
        pool = HASHTAGS[tag_key]
        count = 1 + int(rng.random() < 0.4)
        tags = tuple(pool[int(i)] for i in sorted(rng.choice(len(pool), count, replace=False)))
    title = headline + "".join(f" #{tag}" for tag in tags)
    return headline, title, tags, fits


def _scenes(
    emotion: str, duration: float, nobody: bool, rng: np.random.Generator
) -> tuple[SceneSpec, ...]:
    """3-5 shots (2-4 cuts) of at least 1.2 s, mostly of people unless the clip has nobody."""
    n = min(int(rng.integers(3, 6)), max(1, int(duration / (MIN_SCENE_SECONDS + 0.4))))
    lengths = MIN_SCENE_SECONDS + (duration - MIN_SCENE_SECONDS * n) * rng.dirichlet([4.0] * n)
    bounds = [0.0, *(round(float(b) * FPS) / FPS for b in np.cumsum(lengths)[:-1]), duration]
    pool = [p for p in PHOTOS if not (nobody and p.people)]
    weights = np.array(
        [(3.0 if emotion in p.suits else 1.0) * (PEOPLE_WEIGHT if p.people else 1.0) for p in pool]
    )
    photos: list[Photo] = []
    for _ in range(n):
        photo = pool[int(rng.choice(len(pool), p=weights / weights.sum()))]
        while photos and photo == photos[-1]:
            photo = pool[int(rng.choice(len(pool), p=weights / weights.sum()))]
        photos.append(photo)
    if not nobody and not any(p.people for p in photos):
        j = int(rng.integers(n))
        people = [p for p in pool if p.people and p not in photos[max(j - 1, 0) : j + 2]]
        photos[j] = people[int(rng.integers(len(people)))]
    scenes = []
    for k, photo in enumerate(photos):
        motion_style = _style_for(emotion, STYLE_FITS, rng)
        motion = motion_style.motion
        lo = motion.zoom[0] + float(rng.uniform(0.0, 0.05))
        hi = motion.zoom[1] - float(rng.uniform(0.0, 0.05))
        zoom = (round(lo, 3), round(hi, 3)) if rng.random() < 0.6 else (round(hi, 3), round(lo, 3))
        fx, fy = photo.focus
        centre = tuple(
            (
                round(fx + float(rng.uniform(-0.08, 0.08)), 3),
                round(fy + float(rng.uniform(-0.08, 0.08)), 3),
            )
            for _ in range(2)
        )
        grade, grade_style = _grade(emotion, rng)
        scenes.append(
            SceneSpec(
                photo=photo.name,
                start=bounds[k],
                end=bounds[k + 1],
                grade=grade,
                zoom=zoom,
                centre=(centre[0], centre[1]),
                shake=round(motion.shake * float(rng.uniform(0.7, 1.3)), 3),
                styles=(grade_style, style_name(motion_style)),
            )
        )
    return tuple(scenes)


def _prosody(emotion: str, rng: np.random.Generator) -> Prosody:
    p = STYLES[emotion].prosody if rng.random() < 0.85 else NEUTRAL_STYLE.prosody
    return replace(
        p,
        pitch=int(np.clip(p.pitch + rng.integers(-6, 7), 0, 99)),
        speed=int(p.speed + rng.integers(-12, 13)),
    )


def _lines(emotion: str, lang: str, rng: np.random.Generator) -> tuple[LineSpec, ...]:
    """Eight candidate subtitle lines (more than any clip needs), mostly in the clip's language
    and mostly fitting its emotion, spoken by one voice."""
    variant = _pick(rng, VOICE_VARIANTS)
    english = _pick(rng, ("en", "en-us"))
    used: set[str] = set()
    lines = []
    while len(lines) < 8:
        line_lang = lang if rng.random() < 0.85 else ("en" if lang == "zh" else "zh")
        u = rng.random()
        if u < PHRASE_FITS[0]:
            text = _pick(rng, PHRASES[emotion][line_lang])
        elif u < PHRASE_FITS[0] + PHRASE_FITS[1]:
            text = _pick(rng, NEUTRAL_PHRASES[line_lang])
        else:
            text = _pick(rng, PHRASES[_pick(rng, neighbours(emotion))][line_lang])
        if text in used:
            continue
        used.add(text)
        voice = f"{'cmn' if line_lang == 'zh' else english}+{variant}"
        gap = round(float(rng.uniform(0.2, 0.8)), 2)
        lines.append(LineSpec(text, line_lang, voice, _prosody(emotion, rng), gap))
    return tuple(lines)


def _music(emotion: str, rng: np.random.Generator) -> MusicStyle:
    m = _style_for(emotion, STYLE_FITS, rng).music
    return replace(m, tempo=_jitter(rng, m.tempo, 0.06), root=m.root + int(rng.integers(-2, 3)))


def _clip(
    name: str,
    emotion: str,
    lang: str,
    hard: tuple[str, ...],
    seconds: tuple[float, float],
    rng: np.random.Generator,
) -> ClipSpec:
    frames = int(rng.integers(round(seconds[0] * FPS), round(seconds[1] * FPS) + 1))
    duration = frames / FPS
    width, height = (360, 640) if "portrait" in hard else (640, 360)
    return ClipSpec(
        name=name,
        emotion=emotion,
        seed=int(rng.integers(2**31)),
        width=width,
        height=height,
        duration_s=duration,
        scenes=_scenes(emotion, duration, "nobody" in hard, rng),
        lines=_lines(emotion, lang, rng),
        lead_in=round(float(rng.uniform(0.2, 1.0)), 2),
        music=_music(emotion, rng),
        audio="no_audio" not in hard,
        subtitles="no_text" not in hard,
        vfr="vfr" in hard,
    )


def _counts(rng: np.random.Generator) -> Counts:
    likes = int(rng.lognormal(8.0, 1.6))
    return Counts(
        views=int(likes * rng.uniform(12, 80)),
        likes=likes,
        comments=int(likes * rng.uniform(0.01, 0.12)),
        shares=int(likes * rng.uniform(0.005, 0.06)),
    )


def _as_wan(rng: np.random.Generator) -> tuple[int, str]:
    """A count Douyin abbreviates with 万 ("w"): a whole number of thousands, shown exactly."""
    thousands = int(rng.integers(10, 1000))
    return thousands * 1000, f"{thousands / 10:.1f}w"


@dataclass
class _Draft:
    """An item before its id and media are decided: what kind it is and where it goes."""

    source: str
    expected: str
    emotion: str
    hard: tuple[str, ...] = ()


def _drafts(n_videos: int, rng: np.random.Generator) -> dict[str, list[_Draft]]:
    emotions = [wheel().names[i % 8] for i in range(n_videos)]
    emotions = [emotions[int(i)] for i in rng.permutation(n_videos)]
    hard = _hard_traits(n_videos, rng)
    n_douyin = round(2 * n_videos / 3)
    drafts: dict[str, list[_Draft]] = {"douyin": [], "csv": []}
    for i, emotion in enumerate(emotions):
        source = "douyin" if i < n_douyin else "csv"
        drafts[source].append(_Draft(source, KEPT, emotion, hard[i]))
    for reason, source in PLANTED:
        bad = _Draft(source, reason.value, _pick(rng, wheel().names))
        drafts[source].insert(int(rng.integers(len(drafts[source]) + 1)), bad)
    return drafts


def plan_sample(n_videos: int, seed: int) -> SamplePlan:
    """The full plan of a sample crawl of ``n_videos`` good videos (evenly over the 8 primaries)
    plus one planted item per rejection reason."""
    if n_videos < MIN_VIDEOS:
        raise ValueError(
            f"n_videos must be at least {MIN_VIDEOS} (one per primary emotion, and room for the "
            f"{len(HARD_TRAITS)} hard clips), got {n_videos}"
        )
    rng = np.random.default_rng(seed)
    drafts = _drafts(n_videos, rng)
    accounts = _accounts(n_videos, rng)
    ids = _Ids(rng)
    items: list[Item] = []
    for source in ("douyin", "csv"):
        pool = accounts[source]
        order = rng.permutation(len(drafts[source]))
        owner = {
            int(i): pool[k] if k < len(pool) else pool[int(rng.integers(len(pool)))]
            for k, i in enumerate(order)
        }
        for k, draft in enumerate(drafts[source]):
            items.append(_item(draft, owner[k], ids, items, rng))
    _add_count_noise(items, n_videos, rng)
    items += _reuploads(items, n_videos, ids, np.random.default_rng([seed, 5]))
    crawled_at = max(item.create_time for item in items) + int(rng.integers(3600, 86400))
    logid = "".join(_pick(rng, "0123456789ABCDEF") for _ in range(34))
    return SamplePlan(seed, n_videos, tuple(items), crawled_at, logid)


def _reuploads(items: list[Item], n_videos: int, ids: _Ids, rng: np.random.Generator) -> list[Item]:
    """An aggregator account's re-uploads of good Douyin clips, one per kind (fewer in small
    samples), at the end of the CSV export: after their originals in the clean stage's order,
    so the original is the copy a near-duplicate group keeps. Each has its own id and title;
    the annotators label it like its original (they see the same footage)."""
    originals = [i for i in items if i.expected == KEPT and i.source == "douyin" and not i.hard]
    kinds = REUPLOAD_KINDS[: min(len(REUPLOAD_KINDS), n_videos // 4, len(originals))]
    chosen = rng.choice(len(originals), size=len(kinds), replace=False)
    csv_accounts = sorted({i.account for i in items if i.source == "csv"}, key=lambda a: a.uid)
    # one aggregator account re-posts them (in a real crawl, a few such accounts do most of it)
    aggregator = replace(csv_accounts[0], uid="newsrepost_daily", nickname="每日新闻转发")
    out = []
    for kind, k in zip(kinds, chosen, strict=True):
        original = originals[int(k)]
        item_id = ids.flat()
        headline, title, tags, fits = _title(original.media_emotion, original.lang, "csv", rng)
        counts = _counts(rng)
        out.append(
            replace(
                original,
                id=item_id,
                source="csv",
                account=aggregator,
                headline=headline,
                title=title,
                hashtags=tags,
                title_fits=fits,
                expected=REUPLOAD,
                media="reupload",
                video_file=f"{item_id}.mp4",
                listed_file=f"{item_id}.mp4",
                clip=None,
                copy_of=original.video_file,
                create_time=int(rng.integers(original.create_time, LAST_UNIX)),
                counts=counts,
                sent=_sent(counts),
                reupload=kind,
            )
        )
    return out


# What lands in videos/ for each planted reason that does not render a clip.
_MEDIA = {
    Reason.UNSAFE_ID: "none",
    Reason.MISSING_VIDEO: "none",
    Reason.UNDECODABLE_VIDEO: "garbage",
    Reason.EMPTY_VIDEO: "empty",
    Reason.DUPLICATE_CONTENT: "copy",
}


def _original(earlier: list[Item], rng: np.random.Generator) -> Item:
    """A good Douyin item for a planted duplicate to repeat: preferably a plain one that no
    other duplicate repeats already."""
    repeated = {i.id for i in earlier if i.expected == Reason.DUPLICATE_ID}
    repeated |= {i.id for i in earlier for j in earlier if j.copy_of == i.video_file}
    originals = [i for i in earlier if i.expected == KEPT and i.source == "douyin"]
    plain = [i for i in originals if not i.hard and i.id not in repeated]
    pool = plain or originals
    return pool[int(rng.integers(len(pool)))]


def _item(
    draft: _Draft, account: Account, ids: _Ids, earlier: list[Item], rng: np.random.Generator
) -> Item:
    """Turn a draft into an item; planted duplicates repeat an earlier good Douyin item."""
    expected, source, emotion = draft.expected, draft.source, draft.emotion
    lang = "zh" if rng.random() < 0.6 else "en"
    headline, title, tags, fits = _title(emotion, lang, source, rng)
    if expected == Reason.UNSAFE_ID:
        item_id = UNSAFE_ID
    else:
        item_id = ids.douyin() if source == "douyin" else ids.flat()
    label: str | None = emotion
    labels = "wheel"
    media = _MEDIA.get(Reason(expected), "render") if expected != KEPT else "render"
    copy_of = None
    seconds = GOOD_SECONDS if expected == KEPT else BAD_SECONDS
    if expected == Reason.TOO_SHORT:
        seconds = (TOO_SHORT_SECONDS, TOO_SHORT_SECONDS)
    elif expected == Reason.EMPTY_TITLE:
        headline, title, tags, fits = "", "   ", (), False
    elif expected == Reason.UNKNOWN_LABEL:
        label, labels = None, "off_wheel"
    elif expected in (Reason.DUPLICATE_ID, Reason.DUPLICATE_CONTENT):
        original = _original(earlier, rng)
        emotion, label, lang = original.media_emotion, original.emotion, original.lang
        fits = original.title_fits
        tags = ()
        if expected == Reason.DUPLICATE_ID:
            item_id, labels = original.id, "none"
            headline = original.headline
        else:
            copy_of = original.video_file
            headline = ("{}（转）" if lang == "zh" else "[repost] {}").format(original.headline)
        title = headline
    video_file = None
    if media != "none":
        video_file = f"{item_id}.mp4"
        if expected == Reason.DUPLICATE_ID:
            video_file = f"{item_id}_v2.mp4"
        elif source == "csv" and media == "render" and rng.random() < 0.25:
            video_file = f"{item_id}_720p.mp4"
    clip = None
    if media == "render" and video_file is not None:
        clip = _clip(video_file, emotion, lang, draft.hard, seconds, rng)
        duration = clip.duration_s
    elif copy_of is not None:
        duration = next(i.duration_s for i in earlier if i.video_file == copy_of)
    else:
        duration = round(float(rng.uniform(*GOOD_SECONDS)), 2)
    counts = _counts(rng)
    return Item(
        id=item_id,
        source=source,
        account=account,
        headline=headline,
        title=title,
        hashtags=tags,
        title_fits=fits,
        lang=lang,
        emotion=label,
        media_emotion=emotion,
        expected=expected,
        hard=draft.hard,
        media=media,
        video_file=video_file,
        listed_file=video_file if source == "csv" else None,
        clip=clip,
        copy_of=copy_of,
        duration_s=duration,
        create_time=int(rng.integers(FIRST_UNIX, LAST_UNIX)),
        counts=counts,
        sent=_sent(counts),
        labels=labels,
    )


def _sent(counts: Counts) -> dict[str, int | str | None]:
    """The counts as the crawl file spells them before any noise: plain numbers."""
    return {
        "views": counts.views,
        "likes": counts.likes,
        "comments": counts.comments,
        "shares": counts.shares,
    }


def _add_count_noise(items: list[Item], n_videos: int, rng: np.random.Generator) -> None:
    """Counts as crawlers really send them now and then: Douyin abbreviating with "w" (万) or
    sending digits as a string, and a CSV export with an empty cell."""
    douyin = [k for k, i in enumerate(items) if i.source == "douyin"]
    csv_rows = [k for k, i in enumerate(items) if i.source == "csv"]
    chosen = rng.choice(len(douyin), size=max(2, n_videos // 12), replace=False)
    for j, pick in enumerate(sorted(int(c) for c in chosen)):
        k = douyin[pick]
        item = items[k]
        if j % 2 == 0:
            likes, shown = _as_wan(rng)
            counts = replace(item.counts, likes=likes)
            sent = item.sent | {"likes": shown}
        else:
            counts = item.counts
            sent = item.sent | {"comments": str(item.counts.comments)}
        items[k] = replace(item, counts=counts, sent=sent)
    k = csv_rows[int(rng.integers(len(csv_rows)))]
    items[k] = replace(
        items[k],
        counts=replace(items[k].counts, views=None),
        sent=items[k].sent | {"views": None},
    )
