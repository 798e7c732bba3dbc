"""``reports/duplicates.{md,json}`` and a frame strip per large group (``reports/duplicates/``).

The JSON is the machine-readable list (every group, its members, how each is linked) and a DVC
metric (how many videos were compared, grouped, rejected); the Markdown is the same for people,
with the strips of the largest groups: one frame of each member side by side, so a reviewer
sees at a glance whether a group is one piece of footage.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any

import ffmpeg
from PIL import Image, ImageDraw

from pipeline import atomic
from stages.clean.near_duplicates import DuplicateGroup
from stages.clean.params import NearDuplicateParams

STRIPS = 3  # frame strips for this many of the largest groups
STRIP_MEMBERS = 6  # at most this many frames per strip
STRIP_HEIGHT = 144
STRIP_AT = 0.4  # each member's frame is taken this far into the video


@dataclass
class NearDuplicates:
    """What the near-duplicate check found among the kept videos."""

    compared: int
    groups: list[DuplicateGroup] = field(default_factory=list)
    not_fingerprinted: dict[str, str] = field(default_factory=dict)  # id -> error
    paths: dict[str, Path] = field(default_factory=dict)  # id -> video file

    @property
    def group_of(self) -> dict[str, str]:
        """Each grouped video's group key: the id of the group's kept (first) video."""
        return {m: g.kept for g in self.groups for m in g.members}


def summary(found: NearDuplicates, params: NearDuplicateParams) -> dict[str, Any]:
    return {
        "mode": params.mode,
        "compared": found.compared,
        "groups": len(found.groups),
        "videos_in_groups": sum(len(g.members) for g in found.groups),
        "copies": sum(len(g.members) - 1 for g in found.groups),
        "not_fingerprinted": len(found.not_fingerprinted),
        "params": params.model_dump(mode="json"),
        "group_list": [
            {
                "kept": g.kept,
                "members": [
                    {"id": m, **_link(g, m)} if m != g.kept else {"id": m} for m in g.members
                ],
            }
            for g in found.groups
        ],
        "not_fingerprinted_list": found.not_fingerprinted,
    }


def _link(g: DuplicateGroup, member: str) -> dict[str, Any]:
    m = g.match_of(member)
    return {
        "linked_to": m.b if m.a == member else m.a,
        "shared_frames": round(m.shared, 3),
        "mean_distance_bits": round(m.distance, 2),
        "view": m.view,
        "mirrored": m.mirrored,
    }


def write_duplicates_report(
    reports: Path, found: NearDuplicates, params: NearDuplicateParams
) -> dict[str, Any]:
    data = summary(found, params)
    reports = Path(reports)
    largest = sorted(found.groups, key=lambda g: -len(g.members))[:STRIPS]
    with atomic.directory(reports / "duplicates") as strips:
        written = {
            g.kept: name
            for k, g in enumerate(largest, start=1)
            if (name := _strip(g, found.paths, strips / f"group-{k:02d}.jpg")) is not None
        }
    atomic.write_json(reports / "duplicates.json", data)
    atomic.write_text(reports / "duplicates.md", render_markdown(data, written))
    return data


def _strip(g: DuplicateGroup, paths: dict[str, Path], out: Path) -> str | None:
    frames = [(m, _frame(paths[m])) for m in g.members[:STRIP_MEMBERS] if m in paths]
    frames = [(m, f) for m, f in frames if f is not None]
    if not frames:
        return None
    strip = Image.new("RGB", (sum(f.width for _, f in frames), STRIP_HEIGHT + 18), "white")
    draw = ImageDraw.Draw(strip)
    x = 0
    for member, frame in frames:
        strip.paste(frame, (x, 18))
        draw.text((x + 4, 3), member[:24], fill="black")
        x += frame.width
    strip.save(out, quality=85)
    return out.name


def _frame(path: Path) -> Image.Image | None:
    """One RGB frame of ``path``, ``STRIP_AT`` into it, STRIP_HEIGHT pixels high."""
    try:
        duration = float(ffmpeg.probe(str(path))["format"]["duration"])
        raw, _ = (
            ffmpeg.input(str(path), ss=duration * STRIP_AT)
            .video.filter("scale", -2, STRIP_HEIGHT)
            .output("pipe:", format="image2", vcodec="png", vframes=1)
            .global_args("-hide_banner", "-nostdin", "-loglevel", "error")
            .run(capture_stdout=True, capture_stderr=True)
        )
    except (ffmpeg.Error, KeyError, ValueError):
        return None
    if not raw:
        return None
    return Image.open(BytesIO(raw)).convert("RGB")


def render_markdown(data: dict[str, Any], strips: dict[str, str]) -> str:
    lines = [
        "# Near-duplicate footage",
        "",
        f"{data['compared']} videos compared by perceptual fingerprint; **{data['groups']} "
        f"groups** holding {data['videos_in_groups']} videos ({data['copies']} copies beyond the "
        f"first of each). Mode `{data['mode']}`: "
        + (
            "the copies are rejected (reason `near_duplicate`, see the data card)."
            if data["mode"] == "reject"
            else "every member is kept with its group, and the split keeps a group in one split."
        ),
        "",
    ]
    if data["not_fingerprinted"]:
        lines += [
            f"{data['not_fingerprinted']} videos could not be fingerprinted and were not compared:",
            "",
            *(f"- `{vid}`: {err}" for vid, err in data["not_fingerprinted_list"].items()),
            "",
        ]
    for k, g in enumerate(data["group_list"], start=1):
        lines += [
            f"## Group {k}: `{g['kept']}` ({len(g['members'])} videos)",
            "",
            "| video | linked to | shared frames | mean distance (bits) | view |",
            "|---|---|---:|---:|---|",
        ]
        for m in g["members"]:
            if "linked_to" not in m:
                lines.append(f"| `{m['id']}` (kept) | | | | |")
                continue
            view = m["view"] + (", mirrored" if m["mirrored"] else "")
            lines.append(
                f"| `{m['id']}` | `{m['linked_to']}` | {m['shared_frames']:.0%} | "
                f"{m['mean_distance_bits']:.1f} | {view} |"
            )
        if g["kept"] in strips:
            lines += ["", f"![group {k}](duplicates/{strips[g['kept']]})"]
        lines.append("")
    return "\n".join(lines)
