"""Where the pipeline's files are by default, in one place: each stage's ``run`` and its
command line take these defaults, so ``dvc.yaml`` runs the stages without path arguments and
names the same paths only as its dependencies and outputs (``tests/test_dvc_deps.py`` checks
that every data path there is one of these or inside one)."""

from pathlib import Path

PARAMS = Path("params.yaml")
RAW = Path("data/raw")
ANNOTATIONS = RAW / "annotations"
INTERIM = Path("data/interim")
MANIFEST = INTERIM / "manifest.jsonl"
LABELS = INTERIM / "labels.jsonl"
UNLABELLED = INTERIM / "unlabelled.jsonl"
AUDIO = INTERIM / "audio"
SUBTITLES = INTERIM / "subtitles"
TRACKS = INTERIM / "tracks"
FEATURES = Path("data/features")
MODELS = Path("models")  # the trained model, and weights the full profile reads (models/<family>)
LIVE = Path("dvclive")
REPORTS = Path("reports")
