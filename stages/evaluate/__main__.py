"""``python -m stages.evaluate``: score the trained model on the held-out split."""

from pathlib import Path

import typer

from pipeline import paths
from pipeline.entrypoint import run_stage
from stages.evaluate import stage


def main(
    models: Path = typer.Option(paths.MODELS),
    manifest: Path = typer.Option(paths.MANIFEST),
    features: Path = typer.Option(paths.FEATURES),
    reports: Path = typer.Option(paths.REPORTS),
    params: Path = typer.Option(paths.PARAMS),
    labels: Path = typer.Option(
        paths.LABELS, help="The labels stage's labels, joined on the manifest."
    ),
) -> None:
    """Write reports/metrics.json, reports/evaluation.md and the confusion/ablation plots."""
    result = run_stage(lambda: stage.run(models, manifest, features, reports, params, labels))
    typer.echo(f"{result.summary()}; plots: dvc plots show")


if __name__ == "__main__":
    typer.run(main)
