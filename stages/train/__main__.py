"""``python -m stages.train``: train the model named in params.yaml from the feature stores."""

from pathlib import Path

import typer

from pipeline.entrypoint import run_stage
from stages.train import stage


def main(
    manifest: Path = typer.Option(Path("data/interim/manifest.jsonl")),
    features: Path = typer.Option(Path("data/features")),
    models: Path = typer.Option(Path("models")),
    live: Path = typer.Option(Path("dvclive"), help="dvclive's folder (metrics and plots)."),
    params: Path = typer.Option(Path("params.yaml")),
    labels: Path = typer.Option(
        Path("data/interim/labels.jsonl"), help="The labels stage's labels, joined on the manifest."
    ),
) -> None:
    """Train on the train split, early-stop on val macro-F1, save models/chfen.*."""
    typer.echo(
        run_stage(lambda: stage.run(manifest, features, models, live, params, labels)).summary()
    )


if __name__ == "__main__":
    typer.run(main)
