"""``python -m stages.track``: the track stage as DVC runs it."""

from pathlib import Path

import typer

from pipeline.entrypoint import run_stage
from pipeline.video_stage import DEFAULT_MANIFEST
from stages.track import stage


def main(
    manifest: Path = typer.Option(DEFAULT_MANIFEST, help="The clean stage's manifest."),
    out: Path = typer.Option(stage.DEFAULT_OUT, help="Folder for <id>.csv, <id>.json, index."),
    params: Path = typer.Option(Path("params.yaml"), help="The params file."),
) -> None:
    """Detect and track people, count them per second, and find faces once a second."""
    typer.echo(run_stage(lambda: stage.run(manifest, out, params)).summary())


if __name__ == "__main__":
    typer.run(main)
