"""The base of every ``params.yaml`` section and the types sections share.

Each stage's section lives beside the stage (``stages/<name>/params.py``; training's in
``model/params.py``) and imports only this module, so a stage's work code, and with it its
work-cache key, does not reach any other stage's schema.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def digest(self) -> str:
        """A stable hash of this section's values: part of every per-video cache key."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]

    def changed(self, changes: dict[str, Any]) -> Self:
        """A validated copy with ``changes`` applied, nested sections merged key by key (e.g.
        ``train.changed({"optim": {"epochs": 1}})``); a mapping that is a value (not a section)
        is replaced whole."""
        return self.model_validate(self._merge(changes))

    def _merge(self, changes: dict[str, Any]) -> dict[str, Any]:
        out = self.model_dump()
        for key, value in changes.items():
            current = getattr(self, key, None)
            out[key] = (
                current._merge(value)
                if isinstance(current, Section) and isinstance(value, dict)
                else value
            )
        return out


def merged(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``changes`` applied, nested mappings merged key by key."""
    out = dict(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value)
        else:
            out[key] = value
    return out


Device = Literal["auto", "cpu", "cuda"]


Profile = Literal["offline", "full"]


class ParamsError(ValueError):
    """params.yaml is unreadable or invalid; the message names the file and every bad key path."""
