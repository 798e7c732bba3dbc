"""Record schemas shared by the stages: what a crawl item becomes, what the manifest holds, and
why an item was rejected."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, NonNegativeInt

from pipeline.safe_paths import check_id

Split = Literal["train", "val", "test"]
# What an item's media holds: a video (frames, maybe audio), audio only (imported speech corpora,
# no frames: ocr and track skip it, visual features are masked) or text only (an utterance with
# no media file at all: only text features).
MediaKind = Literal["video", "audio", "text"]
# A manifest id becomes file names in every per-video stage (``<id>.srt``, ``<id>/vocals.flac``):
# a hand-edited or foreign manifest cannot smuggle ``../x`` past the clean stage's check.
SafeId = Annotated[str, AfterValidator(check_id)]
# Longer "titles" are a crawler's mapping error (a whole page in the title field), not a title:
# platforms cap captions at a few thousand characters.
MAX_TITLE_CHARS = 10_000


class Engagement(BaseModel):
    """Engagement counts, as integers whatever the source sent (strings, "1.2w", floats)."""

    model_config = ConfigDict(extra="forbid")

    views: NonNegativeInt | None = None
    likes: NonNegativeInt | None = None
    comments: NonNegativeInt | None = None
    shares: NonNegativeInt | None = None


class VideoRecord(BaseModel):
    """One crawled video, whatever platform or export shape it came from.

    ``id`` is the platform's id as crawled (not yet checked as safe for paths: the clean stage
    does that and rejects hostile ids). ``video_file`` is the local file name relative to the raw
    videos folder when the source names one; otherwise the clean stage looks for ``<id>.mp4``.
    ``media_kind`` is what the source says its media is (importers of speech and text corpora
    declare ``audio`` or ``text``); a crawl's items are videos, and one without frames is broken.
    ``split`` is the split the source declares (an official one); None: clean draws it.
    """

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=512)
    platform: str
    account: str | None = None
    account_name: str | None = None
    title: str = Field(default="", max_length=MAX_TITLE_CHARS)
    published_at: datetime | None = None
    duration_s: float | None = Field(default=None, ge=0)
    engagement: Engagement = Field(default_factory=Engagement)
    video_file: str | None = None
    media_kind: MediaKind = "video"
    url: str | None = None
    split: Split | None = None
    source_file: str
    source_index: NonNegativeInt


class MediaInfo(BaseModel):
    """What ffprobe says about a media file."""

    model_config = ConfigDict(extra="forbid")

    duration_s: float
    has_video: bool
    has_audio: bool
    width: int | None = None  # as displayed (rotation metadata applied)
    height: int | None = None
    fps: float | None = None
    vfr: bool = False
    video_codec: str | None = None
    audio_codec: str | None = None
    audio_sample_rate: int | None = None
    audio_channels: int | None = None
    size_bytes: int


class LabelSummary(BaseModel):
    """The aggregated label of one video."""

    model_config = ConfigDict(extra="forbid")

    primary: str
    distribution: dict[str, float]
    intensity: int | None = Field(default=None, ge=0, le=2)
    agreement: float = Field(ge=0, le=1)
    n_votes: int
    votes: dict[str, str]


class ManifestEntry(BaseModel):
    """One kept video: the record, where its file is and what it holds. The clean stage writes
    no ``label`` or ``split`` (labels are the labels stage's output, joined on by train and
    evaluate with ``stages.labels.schema.join``); a manifest of another labelled dataset may
    carry them.

    ``kind`` says which modalities the item can have: ``video`` (frames, maybe audio), ``audio``
    (no frames) or ``text`` (no file: ``video`` is None, ``media`` is empty, and the content hash
    is a hash of the id and text).
    """

    model_config = ConfigDict(extra="forbid")

    id: SafeId
    platform: str
    account: str | None = None
    title: str
    published_at: datetime | None = None
    engagement: Engagement
    source_file: str
    video: str | None
    content_hash: str
    media: MediaInfo
    kind: MediaKind = "video"
    label: LabelSummary | None = None
    split: Split | None = None
    # the id of the first copy of this footage when near-duplicates are grouped (clean stage,
    # clean.near_duplicates.mode: group): the split keeps a group in one split
    duplicate_group: SafeId | None = None
    # what annotators said each modality carries (annotation dimension: title, text, visual,
    # audio -> soft label over the primaries and neutral); filled by the labels stage's join
    modality_labels: dict[str, dict[str, float]] = Field(default_factory=dict)


class Reason(StrEnum):
    """Why an input item is not in the manifest. Each rejected item carries exactly one."""

    MALFORMED_FILE = "malformed_file"
    UNKNOWN_SCHEMA = "unknown_schema"
    INVALID_RECORD = "invalid_record"
    UNSAFE_ID = "unsafe_id"
    EMPTY_TITLE = "empty_title"
    DUPLICATE_ID = "duplicate_id"
    MISSING_VIDEO = "missing_video"
    EMPTY_VIDEO = "empty_video"
    UNDECODABLE_VIDEO = "undecodable_video"
    NO_VIDEO_STREAM = "no_video_stream"
    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    DUPLICATE_CONTENT = "duplicate_content"
    NEAR_DUPLICATE = "near_duplicate"
    NO_ANNOTATIONS = "no_annotations"
    UNKNOWN_LABEL = "unknown_label"
    LOW_AGREEMENT = "low_agreement"
    PROCESSING_FAILED = "processing_failed"


class Rejection(BaseModel):
    """An input item (or a whole unreadable input file, with ``id`` None) that was left out."""

    model_config = ConfigDict(extra="forbid")

    id: str | None
    source_file: str
    source_index: int | None = None
    reason: Reason
    detail: str
