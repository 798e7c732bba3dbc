"""``python -m stages.audit``: likely label errors from out-of-fold predictions."""

from pathlib import Path

import typer

from pipeline.entrypoint import run_stage
from stages.audit import stage


def main(
    manifest: Path = typer.Option(Path("data/interim/manifest.jsonl"), help="The media manifest."),
    labels: Path = typer.Option(
        Path("data/interim/labels.jsonl"), help="The labels stage's labels, joined on the manifest."
    ),
    features: Path = typer.Option(Path("data/features"), help="The feature stores."),
    reports: Path = typer.Option(Path("reports"), help="Where the label-issue reports go."),
    params: Path = typer.Option(Path("params.yaml")),
) -> None:
    """Write reports/label_issues.csv, .md and .json: the labels most likely wrong."""
    typer.echo(run_stage(lambda: stage.run(manifest, labels, features, reports, params)).summary())


if __name__ == "__main__":
    typer.run(main)
