"""``python -m stages.ocr``: the ocr stage as DVC runs it."""

from pathlib import Path

import typer

from pipeline import paths
from pipeline.entrypoint import run_stage
from stages.ocr import stage


def main(
    manifest: Path = typer.Option(paths.MANIFEST, help="The clean manifest."),
    out: Path = typer.Option(paths.SUBTITLES, help="Where <id>.srt, <id>.json go."),
    params: Path = typer.Option(paths.PARAMS, help="The params file."),
) -> None:
    """Hard subtitles and on-screen text of every manifest video, as .srt and .json."""
    typer.echo(run_stage(lambda: stage.run(manifest, out, params)).summary())


if __name__ == "__main__":
    typer.run(main)
