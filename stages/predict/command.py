"""What ``chfen predict`` does once typer has parsed its arguments: predict, print, draw."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

import typer
from rich.console import Console

from pipeline.entrypoint import run_stage
from stages.predict import render, report
from stages.predict.prediction import PredictError, predict

_errors = Console(stderr=True)


def main(
    video: Path,
    title: str,
    model_dir: Path,
    as_json: bool,
    report_path: Path | None,
    mask: Sequence[str],
) -> None:
    if report_path is not None and report_path.suffix.lower() not in report.SUFFIXES:
        _fail(f"{report_path}: --report must end in .png or .html")
    try:
        prediction = run_stage(lambda: predict(video, title, model_dir, mask))
    except PredictError as e:
        _fail(str(e))
    if as_json:
        typer.echo(prediction.model_dump_json(indent=2))
    else:
        render.show(prediction)
    if report_path is not None:
        report.write(prediction, report_path)
        _errors.print(f"report: {report_path}")


def _fail(message: str) -> NoReturn:
    _errors.print(f"[bold red]error:[/bold red] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(1)
