"""``python -m stages.track``: the track stage as DVC runs it."""

from pathlib import Path

import typer

from pipeline import paths
from pipeline.entrypoint import run_stage
from stages.track import stage


def main(
    manifest: Path = typer.Option(paths.MANIFEST, help="The clean stage's manifest."),
    out: Path = typer.Option(paths.TRACKS, help="Folder for <id>.csv, <id>.json, index."),
    params: Path = typer.Option(paths.PARAMS, help="The params file."),
) -> None:
    """Detect and track people, count them per second, and find faces once a second."""
    typer.echo(run_stage(lambda: stage.run(manifest, out, params)).summary())


if __name__ == "__main__":
    typer.run(main)
