"""``python -m stages.separate``: the separate stage as DVC runs it."""

from pathlib import Path

import typer

from pipeline import paths
from pipeline.entrypoint import run_stage
from stages.separate import stage


def main(
    manifest: Path = typer.Option(paths.MANIFEST, help="The clean stage's manifest."),
    out: Path = typer.Option(paths.AUDIO, help="Output folder (replaced as a whole)."),
    params: Path = typer.Option(paths.PARAMS, help="The params file."),
) -> None:
    """Extract each video's audio and separate vocals from music."""
    typer.echo(run_stage(lambda: stage.run(manifest, out, params)).summary())


if __name__ == "__main__":
    typer.run(main)
