"""The ``chfen`` command line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import typer

from pipeline import paths
from pipeline.entrypoint import run_stage
from pipeline.params import load_params

T = TypeVar("T")
app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)
params_app = typer.Typer(no_args_is_help=True, help="Inspect and validate params.yaml.")
app.add_typer(params_app, name="params")
models_app = typer.Typer(
    no_args_is_help=True, help="Model weights (fetching needs network; building does not)."
)
app.add_typer(models_app, name="models")
annotate_app = typer.Typer(
    no_args_is_help=True, help="The annotation loop: next round's sheets, Label Studio round trip."
)
app.add_typer(annotate_app, name="annotate")
ocr_app = typer.Typer(no_args_is_help=True, help="The ocr stage: why a line is or is not read.")
app.add_typer(ocr_app, name="ocr")


@params_app.command("check")
def params_check(
    file: Path = typer.Argument(paths.PARAMS, help="The params file to validate."),
) -> None:
    """Validate every section of the params file; print each problem with its key path."""
    params = run_stage(lambda: load_params(file))
    sections = ", ".join(name for name in type(params).model_fields)
    typer.echo(f"{file}: ok (sections: {sections})")


@app.command()
def dvc(
    file: Path = typer.Argument(Path("dvc.yaml"), help="The pipeline file to update."),
    check: bool = typer.Option(False, help="Only report whether it is up to date (exit 1 if not)."),
) -> None:
    """Write each stage's code dependencies into dvc.yaml from the imports of its command."""
    from chfen.dvcfile import with_code_deps
    from pipeline.code_version import ROOT

    text = file.read_text(encoding="utf-8")
    updated = with_code_deps(text, ROOT)
    if updated == text:
        typer.echo(f"{file}: code dependencies up to date")
    elif check:
        typer.echo(f"{file}: code dependencies are stale; run `chfen dvc`", err=True)
        raise typer.Exit(1)
    else:
        file.write_text(updated, encoding="utf-8")
        typer.echo(f"{file}: code dependencies written")


@app.command()
def sample(
    out: Path = typer.Option(paths.RAW, help="Folder for crawl/, videos/, annotations/."),
    videos: int = typer.Option(48, min=8, help="Good videos to generate (evenly over 8 emotions)."),
    seed: int = typer.Option(0, help="Random seed: the same seed gives the same dataset."),
    workers: int = typer.Option(2, min=1, help="Parallel video renderers."),
) -> None:
    """Generate a deterministic synthetic raw dataset standing in for a real crawl."""
    from chfen.sample import generate_sample

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
    split: str | None = typer.Option(
        None,
        help="Declare the items' split (train, val, test, or official: MELD's tables); "
        "clean keeps it. Default: clean draws the split.",
    ),
    levels: str = typer.Option(
        "keep", help="RAVDESS/CREMA-D intensity levels: keep, or basic (the dataset's classes)."
    ),
) -> None:
    """Import a public emotion dataset into the raw layout a crawl produces (labels mapped onto
    Plutchik's wheel, originals kept); then set labels.min_annotations: 1 (the dataset is its
    one annotator)."""
    from pipeline.importers import import_dataset
    from pipeline.importers.selection import Selection, parse_ranges

    if calm not in ("serenity", "drop"):
        raise typer.BadParameter("choose serenity or drop", param_hint="--calm")
    if levels not in ("keep", "basic"):
        raise typer.BadParameter("choose keep or basic", param_hint="--levels")
    if split not in (None, "train", "val", "test", "official"):
        raise typer.BadParameter("choose train, val, test or official", param_hint="--split")
    try:
        selection = Selection(
            actors=parse_ranges(actors) if actors else None, calm=calm, split=split, levels=levels
        )
        summary = import_dataset(fmt, source, out, selection, label_set)
    except (ValueError, FileExistsError) as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(1) from None
    for problem in summary.problems:
        typer.echo(f"skipped: {problem}", err=True)
    typer.echo(f"import: {summary}")


@app.command()
def evaluate(
    model: Path = typer.Option(paths.MODELS, help="Folder with chfen.json + chfen.safetensors."),
    manifest: Path = typer.Option(..., help="Any manifest, e.g. another dataset's."),
    labels: Path | None = typer.Option(
        None, help="Its labels stage output (labels.jsonl); default: labels in the manifest."
    ),
    features: Path = typer.Option(paths.FEATURES, help="That manifest's feature stores."),
    split: str = typer.Option("all", help="all, train, val or test."),
    out: Path | None = typer.Option(None, help="Write metrics.json and evaluation.md here."),
    train_manifest: Path | None = typer.Option(
        None, help="The baselines' train/val splits (default: --manifest's own)."
    ),
    train_features: Path = typer.Option(
        paths.FEATURES, help="The feature stores of --train-manifest."
    ),
    train_labels: Path | None = typer.Option(None, help="The labels of --train-manifest."),
) -> None:
    """Score a trained model on any manifest, at the finest label space both share and every
    coarser view of the wheel, beside the majority class and a linear probe fitted on the train
    split."""
    from stages.evaluate.stage import evaluate as score
    from stages.evaluate.stage import render, write_reports

    if split not in ("all", "train", "val", "test"):
        raise typer.BadParameter("choose all, train, val or test", param_hint="--split")
    train_data = (
        (train_manifest, train_features, train_labels) if train_manifest is not None else None
    )
    result = run_stage(
        lambda: score(
            model, manifest, features, None if split == "all" else split, True, labels, train_data
        )
    )
    for warning in result["warnings"]:
        typer.echo(f"warning: {warning}", err=True)
    if out is not None:
        write_reports(dict(result), out)
    typer.echo(render(result), nl=False)


@models_app.command("fetch")
def models_fetch(
    family: str = typer.Argument(..., help="Which weights: demucs."),
    model: str = typer.Option("htdemucs", help="The model name within the family."),
    dest: Path = typer.Option(paths.MODELS / "demucs", help="Where the files go."),
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
    dest: Path = typer.Argument(paths.MODELS / "paddleocr", help="Where the two folders go."),
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
    params_file: Path = typer.Option(paths.PARAMS, "--params", help="The params file."),
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
    folders = folders or [paths.RAW, paths.INTERIM]
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


@ocr_app.command("explain")
def ocr_explain(
    video: Path = typer.Argument(..., exists=True, dir_okay=False, help="The clip to read."),
    at: list[float] = typer.Option(..., help="Seconds into the clip; repeatable."),
    params_file: Path = typer.Option(paths.PARAMS, "--params", help="Its ocr section is used."),
) -> None:
    """What the band search, change check, detector, recogniser and cue assembly did on the
    sampled frame nearest each ``--at``: why a line is in the .srt or is missing."""
    from stages.ocr.engines import resolve_models
    from stages.ocr.explain import explain_at, trace_video

    params = run_stage(lambda: load_params(params_file, section="ocr"))
    cfg = params.ocr
    models = run_stage(
        lambda: resolve_models(
            cfg.resolved_backend(params.profile), cfg.det_model_dir, cfg.rec_model_dir
        )
    )
    explained = trace_video(video, cfg, models)
    for seconds in at:
        typer.echo("\n".join(explain_at(explained, seconds)))


@app.command()
def predict(
    video: Path = typer.Argument(..., help="The clip to read (any file ffmpeg decodes)."),
    title: str = typer.Option("", help="The post's title or caption (steers the model)."),
    model: Path = typer.Option(paths.MODELS, help="Folder with chfen.json + chfen.safetensors."),
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


def _annotate(fn: Callable[[], T]) -> T:
    """Run an annotate command; bad input (a missing file, a bad sheet or option) is one message
    and exit status 1."""
    try:
        return fn()
    except (ValueError, OSError) as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(1) from None


@annotate_app.command("tasks")
def annotate_tasks(
    round_: int = typer.Option(..., "--round", min=1, help="The round these sheets are for."),
    annotators: str = typer.Option(..., help="Annotator names, comma-separated."),
    out: Path = typer.Option(..., help="Folder for the sheets, vocabulary and round.json."),
    overlap: int = typer.Option(2, min=1, help="Annotators who see each item (agreement)."),
    items: int | None = typer.Option(None, min=1, help="At most this many items (most urgent)."),
    gold_per_annotator: int = typer.Option(2, min=0, help="Gold items mixed into each sheet."),
    manifest: Path = typer.Option(paths.MANIFEST, help="Media manifest."),
    labels: Path = typer.Option(paths.LABELS, help="labels stage output."),
    unlabelled: Path = typer.Option(paths.UNLABELLED, help="Its QC flags."),
    annotations: Path = typer.Option(paths.ANNOTATIONS, help="Sheets and gold.csv."),
    subtitles: Path = typer.Option(paths.SUBTITLES, help="ocr stage output."),
    label_issues: Path | None = typer.Option(None, help="A CSV of suspect labels (video_id)."),
    min_agreement: float = typer.Option(0.6, min=0, max=1, help="Re-label items under this."),
    seed: int = typer.Option(0, help="Seed for tie-breaks, dealing and row order."),
) -> None:
    """Choose the next round's items (label issues, QC flags, low agreement, modality conflicts,
    unlabelled) and write one sheet per annotator with overlap and gold items mixed in."""
    from chfen.annotate.round import RoundInputs, plan_round

    inputs = RoundInputs(
        manifest=manifest,
        labels=labels,
        unlabelled=unlabelled,
        annotations=annotations,
        subtitles=subtitles,
        label_issues=label_issues,
    )
    names = [a.strip() for a in annotators.split(",") if a.strip()]
    summary = _annotate(
        lambda: plan_round(
            inputs,
            out,
            round_,
            names,
            overlap=overlap,
            budget=items,
            gold_per_annotator=gold_per_annotator,
            min_agreement=min_agreement,
            seed=seed,
        )
    )
    typer.echo(summary)


@annotate_app.command("labelstudio-export")
def annotate_labelstudio_export(
    sheets: list[Path] = typer.Argument(..., help="Sheets written by `chfen annotate tasks`."),
    out: Path = typer.Option(..., help="Folder for config.xml and tasks.json."),
    video_url: str = typer.Option(
        "/data/local-files/?d=", help="Prefix of the video file in a task's video URL."
    ),
) -> None:
    """Write the Label Studio labeling config and the tasks of the given sheets' items."""
    from chfen.annotate.round import export_labelstudio

    config, tasks = _annotate(lambda: export_labelstudio(sheets, out, video_url))
    typer.echo(f"wrote {config} and {tasks}")


@annotate_app.command("labelstudio-import")
def annotate_labelstudio_import(
    export: Path = typer.Argument(..., help="A Label Studio JSON export."),
    round_: int = typer.Option(..., "--round", min=1, help="The round these labels belong to."),
    out: Path = typer.Option(..., help="The sheet to write, e.g. data/raw/annotations/r3.csv."),
    users: Path | None = typer.Option(
        None, help="Label Studio's /api/users JSON: user ids to e-mails (default: user<id>)."
    ),
) -> None:
    """Read a Label Studio JSON export back as sheet rows (annotator = the Label Studio user)."""
    from chfen.annotate.round import import_labelstudio

    written, problems = _annotate(lambda: import_labelstudio(export, round_, out, users))
    for problem in problems:
        typer.echo(f"skipped: {problem}", err=True)
    typer.echo(f"wrote {written} row(s) to {out}; {len(problems)} problem(s)")
