"""``python -m stages.clean``: the clean stage as DVC runs it."""

from pathlib import Path

import typer

from pipeline import paths
from pipeline.entrypoint import run_stage
from stages.clean import stage


def main(
    raw: Path = typer.Option(paths.RAW, help="Raw crawl/, videos/ and annotations/."),
    interim: Path = typer.Option(paths.INTERIM, help="Where manifest.jsonl goes."),
    reports: Path = typer.Option(paths.REPORTS, help="Where the data card goes."),
    params: Path = typer.Option(paths.PARAMS, help="The params file."),
) -> None:
    """Clean the crawl: adapters, probing, de-duplication, labels, splits, data card."""
    typer.echo(run_stage(lambda: stage.run(raw, interim, reports, params)).summary())


if __name__ == "__main__":
    typer.run(main)
