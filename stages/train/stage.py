"""The train stage: CHFEN (or a baseline) from the feature stores, logged with dvclive."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from dvclive import Live
from model import provenance
from model.data import FeatureDataset
from model.factory import CONFIG_FILE, WEIGHTS_FILE, save
from model.train import TrainResult, train
from pipeline import paths
from pipeline.params import Params, ParamsError, load_params
from pipeline.records import ManifestEntry
from pipeline.runner import progress_bar
from pipeline.stage_result import StageResult
from stages.labels.schema import read_labelled


@dataclass
class TrainStageResult(StageResult):
    """The fit (``model.train.TrainResult``: the model, its config, what the search chose) and
    the saved model's files."""

    fit: TrainResult
    train_videos: int
    val_videos: int
    outputs: list[Path] = field(default_factory=list)
    stage: str = "train"

    @property
    def counts(self) -> dict[str, int | float]:
        return {
            "train videos": self.train_videos,
            "val videos": self.val_videos,
            "members": self.fit.config.members,
            "best epoch": self.fit.best_epoch,
            "val macro-F1": self.fit.best_val_macro_f1,
        }


def run(
    manifest: Path = paths.MANIFEST,
    features: Path = paths.FEATURES,
    models: Path = paths.MODELS,
    live_dir: Path = paths.LIVE,
    params_path: Path = paths.PARAMS,
    labels: Path | None = None,
    show_progress: bool = True,
) -> TrainStageResult:
    """The stage on files, as ``python -m stages.train`` runs it: ``process`` on the params file
    and ``manifest``'s labelled videos (joined with the labels stage's ``labels`` file when
    given, else the labels the manifest carries)."""
    all_params = load_params(params_path, section=("train", *provenance.SECTIONS))
    entries = read_labelled(manifest, labels)
    if not any(e.split == "train" for e in entries):
        raise ParamsError(f"{manifest}: no videos in the train split")
    return process(all_params, entries, features, models, live_dir, show_progress)


def process(
    all_params: Params,
    entries: list[ManifestEntry],
    features: Path,
    models: Path,
    live_dir: Path,
    show_progress: bool = True,
) -> TrainStageResult:
    """Train on the train split of ``entries`` (early stopping or the search on val), log with
    dvclive into ``live_dir`` and save the model under ``models``."""
    params = all_params.train
    by_split = {s: [e for e in entries if e.split == s] for s in ("train", "val")}
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
    outputs = [Path(models) / name for name in (WEIGHTS_FILE, CONFIG_FILE)]
    return TrainStageResult(result, len(train_ds), len(val_ds), outputs)


def _live(live_dir: Path) -> Live:
    from scmrepo.exceptions import SCMError

    try:
        return Live(str(live_dir), dvcyaml=False, save_dvc_exp=False)
    except SCMError as e:  # dvclive reads HEAD, which a git repo without commits lacks
        raise ParamsError(
            f"dvclive cannot log in this git repository ({e}): commit once "
            "(`git add -A && git commit -m init`) before `dvc repro` or `dvc exp run`"
        ) from None
