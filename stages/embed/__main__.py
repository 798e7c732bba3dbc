"""``python -m stages.embed text|visual|audio``: one embed stage as DVC runs it."""

from pathlib import Path

import typer

from pipeline.entrypoint import run_stage
from stages.embed import stage
from stages.embed.job import Upstream


def main(
    modality: str = typer.Argument(..., help="text, visual or audio"),
    manifest: Path = typer.Option(Path("data/interim/manifest.jsonl")),
    subtitles: Path = typer.Option(Path("data/interim/subtitles")),
    tracks: Path = typer.Option(Path("data/interim/tracks")),
    audio: Path = typer.Option(Path("data/interim/audio")),
    features: Path = typer.Option(
        Path("data/features"), help="Stores go to <features>/<modality>."
    ),
    params: Path = typer.Option(Path("params.yaml")),
) -> None:
    """Encode one modality of every manifest video into its HDF5 feature store."""
    upstream = Upstream(subtitles=subtitles, tracks=tracks, audio=audio)
    result = run_stage(lambda: stage.run(modality, manifest, upstream, features, params))
    typer.echo(result.summary())


if __name__ == "__main__":
    typer.run(main)
