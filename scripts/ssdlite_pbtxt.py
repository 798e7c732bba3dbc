"""Regenerates ``stages/track/ssdlite_pedestrian.pbtxt`` from the installed wheel's frozen graph.

    .venv/bin/python scripts/ssdlite_pbtxt.py [--out PATH]

OpenCV imports a TensorFlow Object Detection API SSD with a text description of the layers it
keeps. This is the procedure of OpenCV's ``samples/dnn/tf_text_graph_ssd.py`` and
``tf_text_graph_common.py`` (Copyright (C) 2018, Intel Corporation; Apache-2.0, the OpenCV
licence) cut down to the steps this one graph needs, with its configuration written in:

1. ``cv2.dnn.writeTextGraph`` writes the graph as text without the weights;
2. Identity nodes are bypassed, then constants, every op OpenCV does not run here and the
   anchor generator and post-processor are dropped, with the attributes the import ignores;
3. the input placeholder gets the training size and feeds the first layer directly;
4. an SSD head is appended: predictions flattened and concatenated, one PriorBox per anchor
   layer (1 class, 300x300, 6 layers, scales 0.2-0.95, aspect ratios 1, 2, 0.5, 3, 0.3333, the
   lowest layer with 3 boxes; variances from the box coder 10, 10, 5, 5), a sigmoid over the
   class scores and a DetectionOutput (NMS 0.6, score >= 0.01, at most 100 boxes);
5. nodes nothing downstream reads are dropped, and the rest written in the sample's text form.

The graph's node fields OpenCV reads (``name``, ``op``, ``input``, ``attr``) are kept; field
values stay the strings the text form held, so unchanged numbers are written back as they were.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from math import sqrt
from pathlib import Path

import cv2

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from stages.track.ssdlite import LAYERS, graph_path  # noqa: E402

NUM_CLASSES = 1
IMAGE_SIDE = 300
NUM_LAYERS = 6
MIN_SCALE, MAX_SCALE = 0.2, 0.95
ASPECT_RATIOS = (1.0, 2.0, 0.5, 3.0, 0.3333)  # the config file's 1/3
BOX_CODER_SCALES = (10.0, 10.0, 5.0, 5.0)  # x, y, width, height
KEEP_OPS = {
    "Conv2D",
    "BiasAdd",
    "Add",
    "AddV2",
    "Relu",
    "Relu6",
    "Placeholder",
    "FusedBatchNorm",
    "DepthwiseConv2dNative",
    "ConcatV2",
    "Mul",
    "MaxPool",
    "AvgPool",
    "Identity",
    "Sub",
    "ResizeNearestNeighbor",
    "Pad",
    "FusedBatchNormV3",
    "Mean",
}
DROPPED_PREFIXES = (
    "MultipleGridAnchorGenerator/",
    "Concatenate/",
    "Postprocessor/",
    "Preprocessor/map",
)
UNUSED_ATTRS = (
    "T",
    "Tshape",
    "N",
    "Tidx",
    "Tdim",
    "use_cudnn_on_gpu",
    "Index",
    "Tperm",
    "is_training",
)
UNUSED_ATTRS += ("Tpaddings",)
BOX_ENCODING = re.compile(r"BoxPredictor_\d/BoxEncodingPredictor/(convolution|Conv2D)")

# A text-form message: each field's values in order, a value a string or a nested message.
Message = dict[str, list]
TOKEN = re.compile(r'"([^"]*)"|([{}])|([^\s:{}"]+)')


def parse(text: str) -> Message:
    """A protobuf text-form message as nested dicts (no escapes, lists or comments: the form
    ``writeTextGraph`` writes)."""
    stack: list[Message] = [{}]
    field = None
    for quoted, brace, word in TOKEN.findall(text):
        if brace == "}":
            stack.pop()
        elif field is None:
            field = word
        elif brace == "{":
            stack.append({})
            stack[-2].setdefault(field, []).append(stack[-1])
            field = None
        else:
            stack[-1].setdefault(field, []).append(word or quoted)
            field = None
    return stack[0]


class Node:
    """A graph node: the fields OpenCV's import reads."""

    def __init__(self, name: str, op: str, inputs=(), attr: Message | None = None) -> None:
        self.name, self.op, self.input, self.attr = name, op, list(inputs), attr or {}

    def add(self, key: str, value) -> Node:
        """Adds an attribute: a bool, int, float or str scalar, or a list as a 1-D tensor."""
        if isinstance(value, list):
            dtype, field = (
                ("DT_FLOAT", "float_val")
                if isinstance(value[0], float)
                else ("DT_INT32", "int_val")
            )
            value = {
                "tensor": {
                    "dtype": dtype,
                    "tensor_shape": {"dim": {"size": len(value)}},
                    field: value,
                }
            }
        else:
            kind = {bool: "b", int: "i", float: "f", str: "s"}[type(value)]
            value = {kind: value}
        self.attr[key] = value
        return self


def scalar(value) -> str:
    """A field value as the sample writes it: strings quoted unless a number, enum or bool."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if not isinstance(value, str) or value in ("true", "false") or value.startswith("DT_"):
        return str(value)
    try:
        float(value)
    except ValueError:
        return f'"{value}"'
    return value


def write_fields(message: Message, indent: int, out: list[str]) -> None:
    pad = " " * indent
    for key, values in sorted(message.items(), key=lambda item: item[0].lower()):
        for value in values if isinstance(values, list) else [values]:
            if isinstance(value, dict):
                out.append(f"{pad}{key} {{\n")
                write_fields(value, indent + 2, out)
                out.append(f"{pad}}}\n")
            else:
                out.append(f"{pad}{key}: {scalar(value)}\n")


def text(nodes: list[Node]) -> str:
    out: list[str] = []
    for node in nodes:
        out.append(f'node {{\n  name: "{node.name}"\n  op: "{node.op}"\n')
        out.extend(f'  input: "{name}"\n' for name in node.input)
        for key, value in sorted(node.attr.items(), key=lambda item: item[0].lower()):
            out.append(f'  attr {{\n    key: "{key}"\n    value {{\n')
            write_fields(value, 6, out)
            out.append("    }\n  }\n")
        out.append("}\n")
    return "".join(out)


def read_graph(graph: Path) -> list[Node]:
    """The frozen graph's nodes, weights left out, through ``cv2.dnn.writeTextGraph``."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "graph.pbtxt"
        cv2.dnn.writeTextGraph(str(graph), str(path))
        message = parse(path.read_text())
    return [
        Node(
            node["name"][0],
            node["op"][0],
            node.get("input", []),
            {attr["key"][0]: attr["value"][0] for attr in node.get("attr", [])},
        )
        for node in message["node"]
    ]


def layers(nodes: list[Node]) -> list[Node]:
    """The layers OpenCV runs: Identity nodes bypassed, the rest of step 2, then step 3."""
    identities = {node.name: node.input[0] for node in nodes if node.op == "Identity"}

    def source(name: str) -> str:
        while name in identities:
            name = identities[name]
        return name

    nodes = [node for node in nodes if node.op != "Identity"]
    for node in nodes:
        node.input = [source(name) for name in node.input]
    kept, removed = [], set()
    for node in nodes:
        if node.op == "Const" or node.op not in KEEP_OPS or node.name.startswith(DROPPED_PREFIXES):
            if node.op != "Const":
                removed.add(node.name)
            continue
        for key in UNUSED_ATTRS:
            node.attr.pop(key, None)
        kept.append(node)
    for node in kept:
        node.input = [name for name in node.input if name not in removed]
    placeholder, first = kept[0], kept[1]
    assert placeholder.op == "Placeholder"
    dims = placeholder.attr["shape"]["shape"][0]["dim"]
    dims[1]["size"], dims[2]["size"] = [IMAGE_SIDE], [IMAGE_SIDE]
    first.input = [placeholder.name, first.input[-1]]
    return kept


def anchor_sizes(layer: int) -> tuple[list[float], list[float]]:
    """Widths and heights in pixels of the anchors of one layer (ssd_anchor_generator)."""
    scales = [
        MIN_SCALE + (MAX_SCALE - MIN_SCALE) * i / (NUM_LAYERS - 1) for i in range(NUM_LAYERS)
    ] + [1.0]
    if layer == 0:
        widths = [0.1, MIN_SCALE * sqrt(2.0), MIN_SCALE * sqrt(0.5)]
        heights = [0.1, MIN_SCALE / sqrt(2.0), MIN_SCALE / sqrt(0.5)]
    else:
        between = sqrt(scales[layer] * scales[layer + 1])
        widths = [scales[layer] * sqrt(ar) for ar in ASPECT_RATIOS] + [between]
        heights = [scales[layer] / sqrt(ar) for ar in ASPECT_RATIOS] + [between]
    return [w * IMAGE_SIDE for w in widths], [h * IMAGE_SIDE for h in heights]


def ssd_head(nodes: list[Node]) -> list[Node]:
    """Step 4: the SSD head OpenCV's DetectionOutput layer decodes, after ``nodes``."""
    head = [Node("concat/axis_flatten", "Const").add("value", [-1])]
    for label in ("ClassPredictor", "BoxEncodingPredictor"):
        sources = [f"BoxPredictor_{i}/{label}/BiasAdd" for i in range(NUM_LAYERS)]
        head += [Node(f"{name}/Flatten", "Flatten", [name]) for name in sources]
        flat = [f"{name}/Flatten" for name in sources]
        head.append(Node(f"{label}/concat", "ConcatV2", [*flat, "concat/axis_flatten"]))
    encoders = [node for node in nodes if BOX_ENCODING.match(node.name)]
    assert len(encoders) == NUM_LAYERS
    for node in encoders:
        node.add("loc_pred_transposed", True)
    variance = [1.0 / scale for scale in BOX_CODER_SCALES]
    for i in range(NUM_LAYERS):
        widths, heights = anchor_sizes(i)
        source = f"BoxPredictor_{i}/BoxEncodingPredictor/BiasAdd"
        prior = Node(f"PriorBox_{i}", "PriorBox", [source, nodes[0].name])
        prior.add("flip", False).add("clip", False).add("width", widths).add("height", heights)
        head.append(prior.add("variance", variance))
    priors = [f"PriorBox_{i}" for i in range(NUM_LAYERS)]
    head += [
        Node("PriorBox/concat", "ConcatV2", [*priors, "concat/axis_flatten"]),
        Node("ClassPredictor/concat3d/shape", "Const").add("value", [0, -1, NUM_CLASSES + 1]),
        Node(
            "ClassPredictor/concat3d",
            "Reshape",
            ["ClassPredictor/concat", "ClassPredictor/concat3d/shape"],
        ),
        Node("ClassPredictor/concat/sigmoid", "Sigmoid", ["ClassPredictor/concat3d"]),
        Node("ClassPredictor/concat/sigmoid/Flatten", "Flatten", ["ClassPredictor/concat/sigmoid"]),
    ]
    detection = Node(
        "detection_out",
        "DetectionOutput",
        ["BoxEncodingPredictor/concat", "ClassPredictor/concat/sigmoid/Flatten", "PriorBox/concat"],
    )
    detection.add("num_classes", NUM_CLASSES + 1).add("share_location", True)
    detection.add("background_label_id", 0).add("nms_threshold", 0.6)
    detection.add("confidence_threshold", 0.01).add("top_k", 100).add("keep_top_k", 100)
    head.append(detection.add("code_type", "CENTER_SIZE"))
    return nodes + head


def connected(nodes: list[Node]) -> list[Node]:
    """Step 5: drops, until none is left, every node no later node reads (but the output)."""
    while True:
        unread: dict[str, None] = {}
        for node in nodes:
            unread[node.name] = None
            for name in node.input:
                unread.pop(name, None)
        unread.pop(nodes[-1].name)
        if not unread:
            return nodes
        nodes = [node for node in nodes if node.name not in unread]


def generate(graph: Path) -> str:
    return text(connected(ssd_head(layers(read_graph(graph)))))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=LAYERS, help=f"default: {LAYERS}")
    args = parser.parse_args()
    args.out.write_text(generate(graph_path()))


if __name__ == "__main__":
    main()
