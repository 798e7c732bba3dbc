"""A public dataset's label (and intensity level) as the one wheel word an annotation sheet holds.

The mapping tables live with the wheel (``pipeline/plutchik.yaml``: ``ravdess8``, ``cremad6``,
``meld7``, ``ekman6``, ``sentiment3``). The dataset's level sets the intensity when the table maps
to a plain primary: RAVDESS "strong" happy is ``ecstasy``, CREMA-D "LO" anger is ``annoyance``.
A table entry that names an intensity itself (calm -> ``serenity``) keeps it. A label with no
emotion (neutral) becomes ``neutral``, an abstention the clean stage reports. A target no single
wheel word says (``sentiment3: positive`` is joy + trust + anticipation) is written qualified,
``sentiment3:positive``, which the wheel resolves to the same masses.
"""

from __future__ import annotations

from pipeline.plutchik import UnknownLabel, wheel

BASIC = 1


def wheel_word(label: str, label_set: str | None, level: int | None = None) -> str:
    """The sheet label for ``label`` of ``label_set`` (None: wheel words) at ``level`` (0 low,
    1 basic, 2 high; None: the dataset does not say). Raises ``UnknownLabel``."""
    if not label.strip():
        raise UnknownLabel(label, label_set)
    w = wheel()
    res = w.resolve(label, label_set)
    if res.is_neutral:
        return "neutral"
    if len(res.weights) == 1:
        primary = w.primary(next(iter(res.weights)))
        named = res.intensity if res.intensity is not None else BASIC
        chosen = level if level is not None and named == BASIC else named
        return primary.intensities[chosen]
    pair = tuple(sorted(res.weights))
    for dyad, members in w.dyads.items():
        if tuple(sorted(members)) == pair:
            return dyad
    return f"{label_set}:{label.strip()}" if label_set else label.strip()
