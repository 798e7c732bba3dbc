"""``python -m stages.train``: train the model named in params.yaml from the feature stores."""

from pathlib import Path

import typer

from pipeline import paths
from pipeline.entrypoint import run_stage
from stages.train import stage


def main(
    manifest: Path = typer.Option(paths.MANIFEST),
    features: Path = typer.Option(paths.FEATURES),
    models: Path = typer.Option(paths.MODELS),
    live: Path = typer.Option(paths.LIVE, help="dvclive's folder (metrics and plots)."),
    params: Path = typer.Option(paths.PARAMS),
    labels: Path = typer.Option(
        paths.LABELS, help="The labels stage's labels, joined on the manifest."
    ),
) -> None:
    """Train on the train split, early-stop on val macro-F1, save models/chfen.*."""
    typer.echo(
        run_stage(lambda: stage.run(manifest, features, models, live, params, labels)).summary()
    )


if __name__ == "__main__":
    typer.run(main)
