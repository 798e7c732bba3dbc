"""Each DVC stage declares exactly the code it runs: the project files its command's module
reaches by imports (``pipeline.code_version``), no more (a sample generator it never imports
would re-run it for nothing) and no less (an edit to an undeclared module would leave
``dvc repro`` serving stale outputs)."""

import re
from pathlib import Path

import pytest
import yaml

from pipeline.code_version import PACKAGES, dvc_code_deps

PROJECT = Path(__file__).resolve().parents[1]
STAGES = yaml.safe_load((PROJECT / "dvc.yaml").read_text())["stages"]


def _module(cmd: str) -> str:
    found = re.match(r"python -m (\S+)", cmd)
    assert found, f"stage command {cmd!r} does not run a module"
    return found.group(1)


@pytest.mark.parametrize("name", sorted(STAGES))
def test_stage_declares_the_code_it_imports(name):
    stage = STAGES[name]
    declared = [d for d in stage["deps"] if d.split("/")[0] in PACKAGES]
    expected = dvc_code_deps(_module(stage["cmd"]))
    assert declared == expected, (
        f"dvc.yaml stage {name}: code deps should be exactly\n"
        + "\n".join(f"      - {d}" for d in expected)
    )
