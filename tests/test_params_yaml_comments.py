"""``params.yaml``'s comments say what ``auto`` becomes under each profile, in one form:
``auto (offline: <backend>, full: <backend>)``; each such claim is checked against the schema's
``resolved_*`` method, and every key whose value is ``auto`` with a profile-dependent choice has
one, so the comments cannot drift from the code."""

import re
from pathlib import Path

from pipeline.params import Params, Section

PARAMS = Path(__file__).resolve().parents[1] / "params.yaml"
KEY = re.compile(r"^(?P<indent> *)(?P<key>\w+):(?P<value>[^#]*)(?:#(?P<comment>.*))?$")
CLAIM = re.compile(r"auto \(offline: (?P<offline>\w+), full: (?P<full>\w+)\)")


def _auto_keys() -> list[tuple[str, str | None]]:
    """(dotted key path, comment) of every key whose value is ``auto``."""
    path: list[str] = []
    found = []
    for line in PARAMS.read_text(encoding="utf-8").splitlines():
        match = KEY.match(line)
        if not match:
            continue
        depth = len(match["indent"]) // 2
        path[depth:] = [match["key"]]
        if match["value"].strip() == "auto":
            found.append((".".join(path), match["comment"]))
    return found


def _resolver(dotted: str):
    *sections, key = dotted.split(".")
    node = Params()
    for name in sections:
        node = getattr(node, name)
    assert isinstance(node, Section)
    return getattr(node, f"resolved_{key}", None)


def test_every_profile_dependent_auto_states_its_choices_and_they_hold():
    checked = []
    for dotted, comment in _auto_keys():
        resolve = _resolver(dotted)
        if resolve is None:
            continue  # an auto that does not depend on the profile (e.g. a device)
        claim = CLAIM.search(comment or "")
        assert claim, f"params.yaml {dotted}: say `auto (offline: X, full: Y)` in its comment"
        for profile in ("offline", "full"):
            assert resolve(profile) == claim[profile], (dotted, profile, claim[profile])
        checked.append(dotted)
    assert {"separate.backend", "ocr.backend", "track.detector", "embed.text.backend"} <= set(
        checked
    )
