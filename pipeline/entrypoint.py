"""How stage entry points report errors a user can fix: one clear message, no traceback."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import typer
from rich.console import Console

from pipeline.featurestore import StoreError
from pipeline.params import ParamsError
from pipeline.runner import StageFailed
from pipeline.video_stage import ManifestError
from pipeline.weights import MissingWeights

T = TypeVar("T")
USER_ERRORS: tuple[type[Exception], ...] = (
    ParamsError,
    StageFailed,
    ManifestError,
    MissingWeights,
    StoreError,
)
_console = Console(stderr=True)


def run_stage(fn: Callable[[], T]) -> T:
    """Run ``fn``; an error the user can fix (params, missing inputs or weights, a damaged
    store, a stage over its failure budget) is one message and exit status 1."""
    try:
        return fn()
    except USER_ERRORS as e:
        _console.print(f"[bold red]error:[/bold red] {e}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
