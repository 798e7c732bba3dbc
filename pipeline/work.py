"""One video's work for one stage, and running it: the types every executor shares.

The local pool (``pipeline.runner``) and Ray (``pipeline.ray_executor``) both call ``attempt``
on a ``WorkItem``; neither imports the other for it.
"""

from __future__ import annotations

import tempfile
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipeline.remote_inputs import RemoteInputs

Work = Callable[["WorkItem", Path], dict[str, Any]]
WORKER_DIED = "worker process died (killed or crashed) on this video"


@dataclass(frozen=True)
class WorkItem:
    """One video for one stage: its id, where it is, the hash of everything the work reads (the
    cache key: the video's content, plus upstream outputs for stages that read them), and any
    other inputs the work needs (``inputs``: e.g. the title; upstream files as ``Path`` values).
    ``remote`` is set by the runner when workers read the files through ``runner.inputs_url``."""

    id: str
    path: Path
    content_hash: str
    inputs: dict[str, Any] = field(default_factory=dict)
    remote: RemoteInputs | None = None


def attempt(work: Work, item: WorkItem, staging: Path) -> tuple[dict[str, Any] | None, str | None]:
    """Run one item, turning any exception into an error message (the stage goes on). An item
    whose files are read through ``runner.inputs_url`` runs on local copies of them, fetched into
    a scratch folder that is gone afterwards."""
    try:
        if item.remote is None:
            return work(item, staging), None
        from pipeline.remote_inputs import localize

        with tempfile.TemporaryDirectory(prefix="chfen-inputs-") as scratch:
            return work(localize(item, Path(scratch)), staging), None
    except Exception as e:
        where = traceback.extract_tb(e.__traceback__)[-1]
        return None, f"{type(e).__name__}: {e} (at {Path(where.filename).name}:{where.lineno})"
