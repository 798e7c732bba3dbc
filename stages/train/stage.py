"""The train stage: CHFEN (or a baseline) from the feature stores, logged with dvclive."""

from __future__ import annotations

from pathlib import Path

from dvclive import Live
from model import provenance
from model.data import FeatureDataset
from model.factory import save
from model.train import TrainResult, train
from pipeline.params import ParamsError, load_params
from pipeline.runner import progress_bar
from stages.labels.schema import read_labelled


def run(
    manifest: Path = Path("data/interim/manifest.jsonl"),
    features: Path = Path("data/features"),
    models: Path = Path("models"),
    live_dir: Path = Path("dvclive"),
    params_path: Path = Path("params.yaml"),
    labels: Path | None = None,
    show_progress: bool = True,
) -> TrainResult:
    """Train on ``manifest``'s labelled videos: joined with the labels stage's ``labels`` file
    when given, else the labels the manifest carries."""
    all_params = load_params(params_path, section=("train", *provenance.SECTIONS))
    params = all_params.train
    entries = read_labelled(manifest, labels)
    by_split = {s: [e for e in entries if e.split == s] for s in ("train", "val")}
    if not by_split["train"]:
        raise ParamsError(f"{manifest}: no videos in the train split")
    train_ds, val_ds = (
        FeatureDataset(by_split[s], features, params.task.modalities, params.task.labels)
        for s in ("train", "val")
    )
    with _live(live_dir) as live:

        def log(epoch: int, row: dict[str, float]) -> None:
            for name, value in row.items():
                live.log_metric(name, value)
            live.next_step()

        with progress_bar(show_progress, failures=False, unit="fits") as bar:
            task = bar.add_task("train: fits", total=None)

            def on_fit(done: int, planned: int) -> None:
                bar.update(task, completed=done, total=planned)

            result = train(train_ds, val_ds if len(val_ds) else None, params, log, on_fit)
        live.summary["best_epoch"] = result.best_epoch
        live.summary["best_val_macro_f1"] = result.best_val_macro_f1
        if result.search is not None:
            live.summary["search"] = result.search
        if result.members is not None:
            live.summary["members"] = result.members
    save(
        result.model,
        result.config,
        models,
        extra={
            "best_epoch": result.best_epoch,
            "best_val_macro_f1": result.best_val_macro_f1,
            "train_videos": len(train_ds),
            "val_videos": len(val_ds),
            "search": result.search,
            "members": result.members,
            "feature_stores": {
                name: store.index.fingerprint for name, store in train_ds.stores.items()
            },
            provenance.KEY: provenance.FeatureProvenance.of(
                all_params, {name: store.meta for name, store in train_ds.stores.items()}
            ).model_dump(mode="json"),
        },
    )
    return result


def _live(live_dir: Path) -> Live:
    from scmrepo.exceptions import SCMError

    try:
        return Live(str(live_dir), dvcyaml=False, save_dvc_exp=False)
    except SCMError as e:  # dvclive reads HEAD, which a git repo without commits lacks
        raise ParamsError(
            f"dvclive cannot log in this git repository ({e}): commit once "
            "(`git add -A && git commit -m init`) before `dvc repro` or `dvc exp run`"
        ) from None
