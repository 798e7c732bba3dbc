"""Two ``dvc repro`` runs of the whole pipeline with the same seed, each from scratch, give
byte-identical feature shards and metrics."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.sample_project import reproducible_digests, rerun_from_scratch

pytestmark = pytest.mark.slow


def test_a_second_run_from_scratch_gives_identical_features_and_metrics(
    sample_project: Path, tmp_path: Path
):
    rerun_from_scratch(sample_project, tmp_path / "second")
    first, second = reproducible_digests(sample_project), reproducible_digests(tmp_path / "second")
    shards = [p for p in first if p.endswith(".h5")]
    assert len(shards) >= 3 and "reports/metrics.json" in first  # one store per modality
    assert second == first
