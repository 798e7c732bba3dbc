"""Which sampled frames the person detector runs on, and with which of its passes.

Detection is most of the track stage's CPU: SSDLite's two passes took 0.26 s on a 640-px frame
(0.21 s of it the 960-px fine pass; the tiles that replaced it take about 0.45 s), against
0.07 s for a face search and 0.03 s per person embedded. The detector runs on every
``track.detect_every``-th sampled frame, the first included, and the tracker's Kalman filter
carries people over the frames between (``PersonTracker.carry``).
SSDLite's fine pass, for people shorter than ``split_height`` of the frame, runs on every
``track.ssdlite.fine_every``-th of those runs; the others run the 300x300 pass alone, and the
tracks of people too short for it are neither matched nor missed there.
"""

from __future__ import annotations

from enum import Enum


class DetectorRun(Enum):
    SKIP = "skip"  # no detection: tracks carried by their prediction
    TALL = "tall"  # SSDLite's 300x300 pass only: people at least split_height tall
    ALL = "all"  # every pass: people of any height


def detector_run(index: int, detect_every: int, fine_every: int = 1) -> DetectorRun:
    """What runs on the sampled frame at ``index`` (0 for the first)."""
    if detect_every < 1 or fine_every < 1:
        raise ValueError(f"detect_every and fine_every must be >= 1: {detect_every}, {fine_every}")
    if index % detect_every:
        return DetectorRun.SKIP
    if (index // detect_every) % fine_every:
        return DetectorRun.TALL
    return DetectorRun.ALL
