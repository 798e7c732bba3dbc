"""``python -m stages.clean``: the clean stage as DVC runs it."""

from pathlib import Path

import typer

from pipeline.entrypoint import run_stage
from stages.clean import stage


def main(
    raw: Path = typer.Option(Path("data/raw"), help="Raw crawl/, videos/ and annotations/."),
    interim: Path = typer.Option(Path("data/interim"), help="Where manifest.jsonl goes."),
    reports: Path = typer.Option(Path("reports"), help="Where the data card goes."),
    params: Path = typer.Option(Path("params.yaml"), help="The params file."),
) -> None:
    """Clean the crawl: adapters, probing, de-duplication, labels, splits, data card."""
    typer.echo(run_stage(lambda: stage.run(raw, interim, reports, params)).summary())


if __name__ == "__main__":
    typer.run(main)
