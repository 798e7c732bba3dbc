"""``python -m stages.embed text|visual|audio``: one embed stage as DVC runs it."""

from pathlib import Path

import typer

from pipeline import paths
from pipeline.entrypoint import run_stage
from stages.embed import stage
from stages.embed.job import Upstream


def main(
    modality: str = typer.Argument(..., help="text, visual or audio"),
    manifest: Path = typer.Option(paths.MANIFEST),
    subtitles: Path = typer.Option(paths.SUBTITLES),
    tracks: Path = typer.Option(paths.TRACKS),
    audio: Path = typer.Option(paths.AUDIO),
    features: Path = typer.Option(paths.FEATURES, help="Stores go to <features>/<modality>."),
    params: Path = typer.Option(paths.PARAMS),
) -> None:
    """Encode one modality of every manifest video into its HDF5 feature store."""
    upstream = Upstream(subtitles=subtitles, tracks=tracks, audio=audio)
    result = run_stage(lambda: stage.run(modality, manifest, upstream, features, params))
    typer.echo(result.summary())


if __name__ == "__main__":
    typer.run(main)
