"""The ``chfen`` command line."""

from __future__ import annotations

from pathlib import Path

import typer

from pipeline.entrypoint import run_stage
from pipeline.params import DEFAULT_PARAMS, load_params

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)
params_app = typer.Typer(no_args_is_help=True, help="Inspect and validate params.yaml.")
app.add_typer(params_app, name="params")
models_app = typer.Typer(
    no_args_is_help=True, help="Model weights (fetching needs network; building does not)."
)
app.add_typer(models_app, name="models")


@params_app.command("check")
def params_check(
    file: Path = typer.Argument(DEFAULT_PARAMS, help="The params file to validate."),
) -> None:
    """Validate every section of the params file; print each problem with its key path."""
    params = run_stage(lambda: load_params(file))
    sections = ", ".join(name for name in type(params).model_fields)
    typer.echo(f"{file}: ok (sections: {sections})")


@app.command()
def sample(
    out: Path = typer.Option(Path("data/raw"), help="Folder for crawl/, videos/, annotations/."),
    videos: int = typer.Option(48, min=8, help="Good videos to generate (evenly over 8 emotions)."),
    seed: int = typer.Option(0, help="Random seed: the same seed gives the same dataset."),
    workers: int = typer.Option(2, min=1, help="Parallel video renderers."),
) -> None:
    """Generate a deterministic synthetic raw dataset standing in for a real crawl."""
    from pipeline.sample import generate_sample

    try:
        summary = generate_sample(out, n_videos=videos, seed=seed, workers=workers)
    except FileExistsError as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"sample: {summary}")


@app.command("import")
def import_(
    fmt: str = typer.Argument(..., metavar="FORMAT", help="ravdess, crema-d, meld or folder."),
    source: Path = typer.Argument(..., help="The dataset's folder (or one MELD table)."),
    out: Path = typer.Option(..., help="The raw folder to write, e.g. data/raw-ravdess."),
    actors: str | None = typer.Option(None, help="RAVDESS/CREMA-D actors to take: 1-8, 1001,1002"),
    calm: str = typer.Option("serenity", help="RAVDESS calm: serenity (low joy) or drop."),
    label_set: str | None = typer.Option(
        None, help="folder: the CSV's label set (ekman6, meld7, ...); default wheel words."
    ),
) -> None:
    """Import a public emotion dataset into the raw layout a crawl produces (labels mapped onto
    Plutchik's wheel, originals kept); then set labels.min_annotations: 1 (the dataset is its
    one annotator)."""
    from pipeline.importers import import_dataset
    from pipeline.importers.selection import Selection, parse_ranges

    if calm not in ("serenity", "drop"):
        raise typer.BadParameter("choose serenity or drop", param_hint="--calm")
    try:
        selection = Selection(actors=parse_ranges(actors) if actors else None, calm=calm)
        summary = import_dataset(fmt, source, out, selection, label_set)
    except (ValueError, FileExistsError) as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(1) from None
    for problem in summary.problems:
        typer.echo(f"skipped: {problem}", err=True)
    typer.echo(f"import: {summary}")


@app.command()
def evaluate(
    model: Path = typer.Option(Path("models"), help="Folder with chfen.json + chfen.safetensors."),
    manifest: Path = typer.Option(..., help="Any manifest, e.g. another dataset's."),
    labels: Path | None = typer.Option(
        None, help="The labels stage's labels.jsonl for that manifest (else the manifest's own)."
    ),
    features: Path = typer.Option(Path("data/features"), help="That manifest's feature stores."),
    split: str = typer.Option("all", help="all, train, val or test."),
    out: Path | None = typer.Option(None, help="Write metrics.json and evaluation.md here."),
) -> None:
    """Score a trained model on any manifest, at the finest label space both share and every
    coarser view of the wheel."""
    from stages.evaluate.stage import evaluate as score
    from stages.evaluate.stage import render, write_reports

    if split not in ("all", "train", "val", "test"):
        raise typer.BadParameter("choose all, train, val or test", param_hint="--split")
    result = run_stage(
        lambda: score(
            model, manifest, features, None if split == "all" else split, True, labels=labels
        )
    )
    if out is not None:
        write_reports(dict(result), out)
    typer.echo(render(result), nl=False)


@models_app.command("fetch")
def models_fetch(
    family: str = typer.Argument(..., help="Which weights: demucs."),
    model: str = typer.Option("htdemucs", help="The model name within the family."),
    dest: Path = typer.Option(Path("models/demucs"), help="Where the files go."),
) -> None:
    """Download weights into models/ on a machine with network (then `dvc add models` and
    `dvc push`, so that offline machines get them with `dvc pull`)."""
    if family != "demucs":
        raise typer.BadParameter(f"unknown family {family!r}; known: demucs", param_hint="FAMILY")
    from stages.separate.demucs_backend import fetch_demucs

    for path in fetch_demucs(dest, model):
        typer.echo(path)


@models_app.command("build-paddleocr")
def models_build_paddleocr(
    dest: Path = typer.Argument(Path("models/paddleocr"), help="Where the two folders go."),
) -> None:
    """Build PaddleOCR's PP-OCRv6 model folders (ocr.backend: paddleocr) offline from the ONNX
    files in the rapidocr wheel; no network needed."""
    from stages.ocr.paddle_models import build_paddleocr_models

    for folder in run_stage(lambda: build_paddleocr_models(dest)):
        typer.echo(f"built {folder}")


@app.command()
def mirror(
    folders: list[Path] = typer.Argument(
        None, help="Folders to upload (default: data/raw data/interim)."
    ),
    url: str | None = typer.Option(None, help="Where to (default: runner.inputs_url)."),
    force: bool = typer.Option(False, help="Upload every file, not only missing or resized ones."),
    params_file: Path = typer.Option(DEFAULT_PARAMS, "--params", help="The params file."),
) -> None:
    """Upload the stages' inputs to runner.inputs_url, for workers that share no filesystem
    with the driver: every file the URL lacks or holds with another size."""
    from pipeline.remote_inputs import InputsError, check_url
    from pipeline.remote_inputs import mirror as upload
    from pipeline.runner import progress_bar

    runner = run_stage(lambda: load_params(params_file, section=())).runner
    root = url or runner.inputs_url
    if root is None:
        raise typer.BadParameter("give --url or set runner.inputs_url", param_hint="--url")
    try:
        check_url(root)
    except ValueError as e:
        raise typer.BadParameter(str(e), param_hint="--url") from None
    folders = folders or [Path("data/raw"), Path("data/interim")]
    total = sum(1 for f in folders for p in f.rglob("*") if p.is_file())
    with progress_bar(True, failures=False) as bar:
        task = bar.add_task("mirror", total=total)
        try:
            uploaded, present = upload(
                root, folders, runner.inputs_options, force, lambda _: bar.advance(task)
            )
        except (InputsError, OSError) as e:
            typer.echo(f"error: {e}", err=True)
            raise typer.Exit(1) from None
    typer.echo(f"mirror: {len(uploaded)} uploaded, {present} already at {root}")


@app.command()
def predict(
    video: Path = typer.Argument(..., help="The clip to read (any file ffmpeg decodes)."),
    title: str = typer.Option("", help="The post's title or caption (steers the model)."),
    model: Path = typer.Option(Path("models"), help="Folder with chfen.json + chfen.safetensors."),
    as_json: bool = typer.Option(False, "--json", help="Print the prediction as JSON."),
    report: Path | None = typer.Option(None, help="Also draw it: a .png, or an .html page."),
    mask: list[str] = typer.Option(
        [], help="Hide a modality (title, visual, text, vocals, music); repeatable."
    ),
) -> None:
    """Emotion of one clip outside the dataset: runs separate, ocr, track and embed on it as
    the model's training features were made, then the model; prints the distribution on
    Plutchik's wheel and what each modality contributed."""
    from stages.predict.command import main

    main(video, title, model, as_json, report, mask)


if __name__ == "__main__":
    app()
