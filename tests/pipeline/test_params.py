import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.params import ParamsError, load_params

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path, text):
    p = tmp_path / "params.yaml"
    p.write_text(text)
    return p


def test_project_params_file_is_valid():
    params = load_params(ROOT / "params.yaml")
    assert (
        params.labels.split.train + params.labels.split.val + params.labels.split.test
        == pytest.approx(1)
    )


def test_unknown_key_names_path_file_and_suggestion(tmp_path):
    p = write(tmp_path, "clean:\n  min_duraton_s: 2\n")
    with pytest.raises(ParamsError) as e:
        load_params(p)
    msg = str(e.value)
    assert str(p) in msg
    assert "clean.min_duraton_s: unknown key (did you mean 'min_duration_s'?)" in msg


def test_wrong_type_names_nested_path_and_value(tmp_path):
    p = write(tmp_path, "labels:\n  split:\n    train: lots\n")
    with pytest.raises(ParamsError, match=r"labels\.split\.train: .*number.*'lots'"):
        load_params(p)


def test_split_must_sum_to_one(tmp_path):
    p = write(tmp_path, "labels:\n  split: {train: 0.5, val: 0.1, test: 0.1}\n")
    with pytest.raises(ParamsError, match="must be 1"):
        load_params(p)


def test_section_loading_ignores_other_sections(tmp_path):
    p = write(tmp_path, "runner: {workers: 1}\nclean: {min_duration_s: 1}\n")
    assert load_params(p, section="clean").clean.min_duration_s == 1
    p = write(tmp_path, "clean: {min_duration_s: 1}\nfuture_stage: {x: 1}\n")
    assert load_params(p, section="clean").clean.min_duration_s == 1
    with pytest.raises(ParamsError, match="future_stage: unknown key"):
        load_params(p)


def test_malformed_yaml_and_non_mapping(tmp_path):
    with pytest.raises(ParamsError, match="not valid YAML"):
        load_params(write(tmp_path, "clean: [unclosed\n"))
    with pytest.raises(ParamsError, match="top level must be a mapping"):
        load_params(write(tmp_path, "- a\n- b\n"))


def test_digest_changes_with_values_only():
    a = load_params(ROOT / "params.yaml").clean
    b = a.model_copy(update={"min_duration_s": a.min_duration_s + 1})
    assert a.digest() == load_params(ROOT / "params.yaml").clean.digest()
    assert a.digest() != b.digest()


@pytest.mark.slow
def test_cli_params_check_prints_the_problem(tmp_path):
    p = write(tmp_path, "runner:\n  max_failure_ratio: 2\n")
    run = subprocess.run(
        [sys.executable, "-m", "chfen.cli", "params", "check", str(p)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 1
    assert "runner.max_failure_ratio" in run.stderr
    assert "less than or equal to 1" in run.stderr
    ok = subprocess.run(
        [sys.executable, "-m", "chfen.cli", "params", "check", str(ROOT / "params.yaml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    assert "ok" in ok.stdout
