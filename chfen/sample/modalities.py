"""What each modality of a sample clip carries on its own: the truth that per-modality labels
are checked against.

- title: the emotion whose headlines the title was drawn from (``neutral`` for a plain one);
- text: the emotion most of the spoken/subtitled lines were drawn from;
- visual: the emotion most of the screen time's grades and camera motions were styled after;
- audio: the emotion the music bed was styled after (``neutral`` for a clip without audio).

A modality drawn from another emotion than the clip's is a planted conflict.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from chfen.sample.clip import ClipResult, ClipSpec
from chfen.sample.content import NEUTRAL_STYLE, NEUTRAL_TITLES, PHRASES, STYLES, TITLES
from chfen.sample.plan import Item
from pipeline.plutchik import wheel

NEUTRAL = "neutral"
MODALITIES = ("title", "text", "visual", "audio")


def _majority(weights: Counter[str], emotion: str) -> str:
    """The heaviest name; ties go to the clip's own emotion, then to the wheel's order."""
    if not weights:
        return NEUTRAL
    top = max(weights.values())
    tied = [k for k, v in weights.items() if v == top]
    if emotion in tied:
        return emotion
    order = (*wheel().names, NEUTRAL)
    return min(tied, key=order.index)


def title_emotion(headline: str) -> str:
    text = headline.split("】")[-1]
    for emotion, by_lang in TITLES.items():
        if any(text in options for options in by_lang.values()):
            return emotion
    if any(text in options for options in NEUTRAL_TITLES.values()):
        return NEUTRAL
    return NEUTRAL


def line_emotion(text: str) -> str:
    for emotion, by_lang in PHRASES.items():
        if any(text in options for options in by_lang.values()):
            return emotion
    return NEUTRAL


def music_emotion(clip: ClipSpec) -> str:
    if not clip.audio:
        return NEUTRAL
    plain = replace(clip.music, tempo=0.0, root=0)
    for name, style in [*STYLES.items(), (NEUTRAL, NEUTRAL_STYLE)]:
        if replace(style.music, tempo=0.0, root=0) == plain:
            return name
    return NEUTRAL


def planted(item: Item, clip: ClipSpec | None, result: ClipResult | None) -> dict[str, str]:
    """The emotion (or neutral) each modality of ``item`` carries."""
    emotion = item.media_emotion
    out = {"title": title_emotion(item.headline)}
    if clip is None:
        return {**out, "text": NEUTRAL, "visual": NEUTRAL, "audio": NEUTRAL}
    texts = [line.text for line in result.lines] if result else [s.text for s in clip.lines]
    out["text"] = _majority(Counter(line_emotion(t) for t in texts), emotion)
    visual: Counter[str] = Counter()
    for scene in clip.scenes:
        for style in scene.styles:
            visual[style] += scene.end - scene.start
    out["visual"] = _majority(visual, emotion)
    out["audio"] = music_emotion(clip)
    return out
