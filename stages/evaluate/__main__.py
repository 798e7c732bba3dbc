"""``python -m stages.evaluate``: score the trained model on the held-out split."""

from pathlib import Path

import typer

from pipeline.entrypoint import run_stage
from stages.evaluate import stage


def main(
    models: Path = typer.Option(Path("models")),
    manifest: Path = typer.Option(Path("data/interim/manifest.jsonl")),
    features: Path = typer.Option(Path("data/features")),
    reports: Path = typer.Option(Path("reports")),
    params: Path = typer.Option(Path("params.yaml")),
    labels: Path = typer.Option(
        Path("data/interim/labels.jsonl"), help="The labels stage's labels, joined on the manifest."
    ),
) -> None:
    """Write reports/metrics.json, reports/evaluation.md and the confusion/ablation plots."""
    result = run_stage(lambda: stage.run(models, manifest, features, reports, params, labels))
    typer.echo(f"{result.summary()}; plots: dvc plots show")


if __name__ == "__main__":
    typer.run(main)
