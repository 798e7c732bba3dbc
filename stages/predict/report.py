"""``--report``: a prediction as a picture (PNG), or as an HTML page holding it.

The figure shows the distribution on Plutchik's wheel (one petal per primary, in the wheel's
places and colours, its length growing with the probability), where the model looked over time
(CHFEN's cross-attention per step for its two coupled pairs, with the subtitle cues under it),
what each modality contributed, and the recognised subtitles.
"""

from __future__ import annotations

import base64
import html
import io
import logging
import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, never a window

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Polygon

from pipeline import atomic
from pipeline.plutchik import wheel
from stages.predict.prediction import Prediction

# Plutchik's colours, one per primary in the wheel's order.
COLOURS = {
    "joy": "#f5c400",
    "trust": "#7cc242",
    "fear": "#1e8a3c",
    "surprise": "#1fa3c9",
    "sadness": "#3d5fc4",
    "disgust": "#9b4fb0",
    "anger": "#d8312b",
    "anticipation": "#f08a1c",
}
PAIR_STYLE = {
    "tv": ("subtitles + visual", "#3d5fc4"),
    "va": ("visual + audio", "#d8312b"),
}
# CJK subtitles need a CJK font; the first installed one is used as a fallback.
CJK_FONTS = ("WenQuanYi Micro Hei", "Noto Sans CJK SC", "Noto Sans CJK JP", "Source Han Sans SC")
SUFFIXES = (".png", ".html", ".htm")
MAX_SUBTITLES = 10
DPI = 110


class ReportError(ValueError):
    """The report path has a suffix this module cannot write."""


def write(p: Prediction, path: Path) -> Path:
    """Write ``path`` (``.png`` or ``.html``) atomically."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise ReportError(f"{path}: --report must end in .png or .html")
    png = render_png(p)
    if suffix == ".png":
        atomic.write_bytes(path, png)
    else:
        atomic.write_text(path, render_html(p, png))
    return path


def render_png(p: Prediction) -> bytes:
    # a CJK fallback font may lack a bold face: matplotlib logs that for every bold string
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    with plt.rc_context({"font.family": ["DejaVu Sans", *_installed(CJK_FONTS)]}):
        fig = figure(p)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=DPI)
        plt.close(fig)
    return buf.getvalue()


def render_html(p: Prediction, png: bytes) -> str:
    image = base64.b64encode(png).decode("ascii")
    esc = html.escape
    rows = "".join(
        f"<tr><td>{s.start:.1f}</td><td>{s.end:.1f}</td><td>{esc(s.text)}</td></tr>"
        for s in p.subtitles
    )
    mods = "".join(
        f"<tr><td>{esc(m.name)}</td><td>"
        + ("available" if m.available else f"unavailable ({esc(m.reason or '')}), masked")
        + "</td><td>"
        + ("" if m.contribution is None else f"{m.contribution:+.3f}")
        + "</td><td>"
        + ("" if m.emotion is None else f"{esc(m.emotion)} {m.emotion_probability or 0:.2f}")
        + "</td></tr>"
        for m in p.modalities
    )
    dist = "".join(
        f"<tr><td>{esc(k)}</td><td>{v:.3f}</td></tr>"
        for k, v in sorted(p.distribution.items(), key=lambda kv: -kv[1])
    )
    notes = "".join(f"<li>{esc(n)}</li>" for n in p.notes)
    subtitles = (
        f"<table><tr><th>from (s)</th><th>to (s)</th><th>text</th></tr>{rows}</table>"
        if rows
        else "<p>No subtitles recognised.</p>"
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>chfen predict: {esc(Path(p.video).name)}</title>
<style>body{{font-family:sans-serif;max-width:1500px;margin:1em auto}}
table{{border-collapse:collapse;margin:.5em 0}}td,th{{border:1px solid #ccc;padding:2px 8px}}
img{{max-width:100%}}</style></head><body>
<h1>{esc(Path(p.video).name)}</h1>
<p>{esc(p.title)}</p>
<img alt="emotion wheel, attention timeline and modality contributions"
 src="data:image/png;base64,{image}">
<h2>Distribution ({esc(p.labels)})</h2><table>{dist}</table>
<h2>Modalities</h2>
<table><tr><th>modality</th><th>status</th><th>contribution</th><th>its own reading</th></tr>
{mods}</table>
<p>Contribution: drop of the top class's probability when the modality is masked.</p>
<h2>Subtitles</h2>{subtitles}
{f"<h2>Notes</h2><ul>{notes}</ul>" if notes else ""}
</body></html>
"""


def figure(p: Prediction) -> Figure:
    fig = plt.figure(figsize=(14, 7.6), layout="constrained")
    grid = fig.add_gridspec(3, 2, width_ratios=(1.0, 1.25), height_ratios=(1.1, 0.9, 1.0))
    top = max(p.top, key=lambda e: e.probability)
    name = Path(p.video).name
    reading = top.primary if top.intensity == top.primary else f"{top.intensity} ({top.primary})"
    heading = f"{name}: {reading}, p = {top.probability:.2f}"
    if p.dyads:
        heading += "   dyads: " + ", ".join(d.name for d in p.dyads)
    fig.suptitle(heading, fontsize=15, fontweight="bold")
    draw_wheel(fig.add_subplot(grid[:, 0]), p)
    draw_timeline(fig.add_subplot(grid[0, 1]), p)
    draw_contributions(fig.add_subplot(grid[1, 1]), p)
    draw_subtitles(fig.add_subplot(grid[2, 1]), p)
    return fig


def draw_wheel(ax: Axes, p: Prediction) -> None:
    """Eight petals, joy at the top and clockwise as on Plutchik's wheel. A petal's area grows
    with its probability (its length is the square root of its share of the largest one); the
    faint outline is the size it would have at probability 1."""
    w = wheel()
    largest = max(p.primaries.values()) or 1.0
    top = {e.primary: e for e in p.top}
    for i, name in enumerate(w.names):
        angle = math.pi / 2 - i * 2 * math.pi / 8
        share = p.primaries[name]
        colour = COLOURS[name]
        ax.add_patch(_petal(angle, 1.0, fc=colour, alpha=0.10, ec=colour, lw=1))
        length = 0.08 + 0.92 * math.sqrt(share / largest)
        ax.add_patch(_petal(angle, length, fc=colour, alpha=0.9, ec="white", lw=1.5))
        label = f"{name}\n{share:.0%}"
        if name in top and top[name].intensity != name:
            label = f"{top[name].intensity}\n{label}"
        ax.text(
            1.2 * math.cos(angle),
            1.2 * math.sin(angle),
            label,
            ha="center",
            va="center",
            fontsize=12,
            fontweight="bold" if name in top else "normal",
            color=colour,
        )
    for d in p.dyads:
        a, b = (w.names.index(n) for n in d.primaries)
        i = a + 0.5 if (b - a) % 8 == 1 else b + 0.5
        angle = math.pi / 2 - i * 2 * math.pi / 8
        ax.text(
            0.82 * math.cos(angle),
            0.82 * math.sin(angle),
            d.name,
            ha="center",
            va="center",
            fontsize=11,
            style="italic",
            bbox={"boxstyle": "round", "fc": "white", "ec": "#888"},
        )
    if "neutral" in p.distribution:
        ax.text(
            0,
            0,
            f"neutral\n{p.neutral:.0%}",
            ha="center",
            va="center",
            fontsize=12,
            fontweight="bold" if p.neutral >= max(p.primaries.values()) else "normal",
            bbox={"boxstyle": "circle", "fc": "white", "ec": "#888"},
        )
    ax.set_xlim(-1.45, 1.45)
    ax.set_ylim(-1.45, 1.45)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(f"Distribution on Plutchik's wheel ({p.labels} model)", fontsize=12)


def _petal(angle: float, length: float, **style) -> Polygon:
    """A petal from the centre outwards: widest at 40 % of its length, pointed at the tip."""
    s = np.linspace(0, 1, 60)
    half = 0.2 * length * np.sin(np.pi * s**0.75) * (1 - 0.3 * s)
    along = length * s
    xs = np.concatenate([along, along[::-1]])
    ys = np.concatenate([half, -half[::-1]])
    c, n = math.cos(angle), math.sin(angle)
    points = np.column_stack([xs * c - ys * n, xs * n + ys * c])
    return Polygon(points, closed=True, **style)


def draw_timeline(ax: Axes, p: Prediction) -> None:
    ax.set_title("Where the model looked: cross-attention per step", fontsize=12, loc="left")
    if p.timeline is None:
        ax.text(0.5, 0.5, _no_timeline(p), ha="center", va="center", transform=ax.transAxes)
        ax.axis("off")
        return
    step = p.timeline.step_s
    steps = max(len(v) for v in p.timeline.pairs.values())
    width = step / (len(p.timeline.pairs) + 1)
    for k, (pair, values) in enumerate(p.timeline.pairs.items()):
        label, colour = PAIR_STYLE.get(pair, (pair, "grey"))
        x = np.arange(len(values)) * step + (k + 1) * width
        ax.bar(x, values, width=width, color=colour, alpha=0.85, label=label, align="center")
    peak = max((max(v, default=0.0) for v in p.timeline.pairs.values()), default=0.0)
    ax.set_ylim(0, max(peak, 0.05) * 1.45)  # headroom for the subtitle ribbon and legend
    for n, s in enumerate(p.subtitles, start=1):
        ax.axvspan(s.start, s.end, ymin=0.86, ymax=0.95, color="#777", alpha=0.45, lw=0)
        ax.text(
            (s.start + s.end) / 2,
            0.905,
            str(n),
            transform=ax.get_xaxis_transform(),
            ha="center",
            va="center",
            fontsize=8,
            clip_on=True,
        )
    ax.set_xlim(0, steps * step)
    shown = steps * step
    xlabel = "seconds"
    if p.duration_s > shown + step:
        xlabel += f" (the first {shown:g} s of {p.duration_s:g} s: embed.max_steps)"
    if p.subtitles:
        xlabel += "; grey: subtitle n on screen"
    ax.set_xlabel(xlabel)
    ax.set_ylabel("share of attention")
    ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), fontsize=9, frameon=False, ncols=2)
    ax.grid(axis="y", alpha=0.3)


def _no_timeline(p: Prediction) -> str:
    if p.model.get("fusion") != "hybrid" or p.model.get("model") != "chfen":
        return f"no cross-attention in a {p.model.get('model')} ({p.model.get('fusion')}) model"
    return "no timeline: the video could not be read"


def draw_contributions(ax: Axes, p: Prediction) -> None:
    top = max(p.distribution, key=lambda k: p.distribution[k])
    ax.set_title(f"What each modality adds to p({top}) (drop when masked)", fontsize=12, loc="left")
    names = [m.name for m in p.modalities][::-1]
    values = [m.contribution or 0.0 for m in p.modalities][::-1]
    colours = [
        ("#2e7d32" if v >= 0 else "#c62828") if m.available else "#bbb"
        for m, v in zip(p.modalities[::-1], values, strict=True)
    ]
    ax.barh(names, values, color=colours)
    ax.axvline(0, color="#444", lw=0.8)
    span = max([abs(v) for v in values] + [0.02])
    ax.set_xlim(-1.15 * span, 2.6 * span)
    for y, m in enumerate(p.modalities[::-1]):
        if not m.available:
            text = f"unavailable: {m.reason}"
        elif m.contribution is None:
            text = "the only modality"
        else:
            text = f"{m.contribution:+.3f}"
        x = max(m.contribution or 0.0, 0.0) + 0.04 * span
        ax.text(x, y, _shorten(text, 70), va="center", fontsize=9, color="#333")
    ax.grid(axis="x", alpha=0.3)


def draw_subtitles(ax: Axes, p: Prediction) -> None:
    ax.axis("off")
    ax.set_title("Recognised subtitles", fontsize=12, loc="left")
    lines = [
        f"{n:2d}   {s.start:5.1f}–{s.end:5.1f} s   {s.text}"
        for n, s in enumerate(p.subtitles[:MAX_SUBTITLES], start=1)
    ]
    if len(p.subtitles) > MAX_SUBTITLES:
        lines.append(f"… and {len(p.subtitles) - MAX_SUBTITLES} more")
    if not lines:
        lines = ["(none recognised)"]
    if p.title:
        lines = [f"title: {p.title}", "", *lines]
    ax.text(
        0.0,
        1.0,
        "\n".join(_shorten(line, 95) for line in lines),
        va="top",
        ha="left",
        fontsize=10,
        transform=ax.transAxes,
        linespacing=1.5,
    )


def _shorten(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _installed(families: tuple[str, ...]) -> list[str]:
    known = {f.name for f in font_manager.fontManager.ttflist}
    return [f for f in families if f in known]
