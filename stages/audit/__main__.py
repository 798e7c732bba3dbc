"""``python -m stages.audit``: likely label errors from out-of-fold predictions."""

from pathlib import Path

import typer

from pipeline import paths
from pipeline.entrypoint import run_stage
from stages.audit import stage


def main(
    manifest: Path = typer.Option(paths.MANIFEST, help="The media manifest."),
    labels: Path = typer.Option(
        paths.LABELS, help="The labels stage's labels, joined on the manifest."
    ),
    features: Path = typer.Option(paths.FEATURES, help="The feature stores."),
    reports: Path = typer.Option(paths.REPORTS, help="Where the label-issue reports go."),
    params: Path = typer.Option(paths.PARAMS),
) -> None:
    """Write reports/label_issues.csv, .md and .json: the labels most likely wrong."""
    typer.echo(run_stage(lambda: stage.run(manifest, labels, features, reports, params)).summary())


if __name__ == "__main__":
    typer.run(main)
