"""A ``Prediction`` as rich tables in the terminal (``--json`` prints the model instead)."""

from __future__ import annotations

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from stages.predict.prediction import ModalityReport, Prediction

BAR_WIDTH = 24


def tables(p: Prediction) -> Group:
    top = {e.primary: e for e in p.top}
    head = Text.assemble(
        ("Prediction ", "bold"),
        (p.video, "cyan"),
        f"  ({p.model['model']}, {p.model['fusion']} fusion, {p.labels})",
    )
    if p.title:
        head.append(f"\ntitle: {p.title}")
    dist = Table(title="Distribution", title_justify="left")
    dist.add_column("emotion")
    dist.add_column("p", justify="right")
    dist.add_column("")
    dist.add_column("intensity")
    for name, share in sorted(p.distribution.items(), key=lambda kv: -kv[1]):
        bar = "█" * round(share * BAR_WIDTH)
        reading = top.get(name)
        dist.add_row(
            name,
            f"{share:.3f}",
            Text(bar, "magenta"),
            f"{reading.intensity} ({reading.level})" if reading else "",
        )
    parts: list = [head, dist]
    if p.dyads:
        parts.append(
            Text(
                "dyads: "
                + ", ".join(f"{d.name} ({d.primaries[0]}+{d.primaries[1]})" for d in p.dyads)
            )
        )
    mods = Table(title="Modalities", title_justify="left")
    mods.add_column("modality")
    mods.add_column("status")
    mods.add_column("contribution", justify="right")
    mods.add_column("its own reading")
    for m in p.modalities:
        if m.available:
            status = Text("available", "green")
        else:
            status = Text(f"unavailable ({m.reason}), masked", "yellow")
        value = "" if m.contribution is None else f"{m.contribution:+.3f}"
        mods.add_row(m.name, status, value, _reading(m))
    parts += [mods, Text("contribution: drop of the top class's probability when masked", "dim")]
    if p.subtitles:
        subs = Table(title="Subtitles", title_justify="left")
        subs.add_column("from", justify="right")
        subs.add_column("to", justify="right")
        subs.add_column("text")
        for s in p.subtitles:
            subs.add_row(f"{s.start:.1f}", f"{s.end:.1f}", s.text)
        parts.append(subs)
    for note in p.notes:
        parts.append(Text(f"note: {note}", "yellow"))
    return Group(*parts)


def show(p: Prediction, console: Console | None = None) -> None:
    (console or Console()).print(tables(p))


def _reading(m: ModalityReport) -> str:
    """The modality head's own emotion, e.g. ``fear 0.62`` (empty without a head)."""
    if m.emotion is None or m.emotion_probability is None:
        return ""
    return f"{m.emotion} {m.emotion_probability:.2f}"
