"""``python -m stages.labels``: the labels stage as DVC runs it."""

from pathlib import Path

import typer

from pipeline import paths
from pipeline.entrypoint import run_stage
from stages.labels import stage


def main(
    manifest: Path = typer.Option(paths.MANIFEST, help="The media manifest."),
    annotations: Path = typer.Option(paths.ANNOTATIONS, help="Annotation sheets."),
    interim: Path = typer.Option(paths.INTERIM, help="Where labels.jsonl goes."),
    reports: Path = typer.Option(paths.REPORTS, help="Where the label and QC reports go."),
    params: Path = typer.Option(paths.PARAMS, help="The params file."),
    extraction: Path | None = typer.Option(
        None,
        help="Folder of the extraction outputs (audio/, subtitles/, tracks/) to describe "
        "the unlabelled videos with.",
    ),
) -> None:
    """Aggregate the annotation sheets: labels, per-modality soft labels, splits, QC reports."""
    result = run_stage(
        lambda: stage.run(manifest, annotations, interim, reports, params, extraction)
    )
    typer.echo(result.summary())


if __name__ == "__main__":
    typer.run(main)
