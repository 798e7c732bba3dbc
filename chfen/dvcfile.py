"""``chfen dvc``: the code dependencies of every stage in ``dvc.yaml``, written from the import
closure of the module its command runs (``pipeline.code_version.dvc_code_deps``), so nobody
pastes them. The data dependencies, outputs, params and comments of ``dvc.yaml`` are kept as
they are; only the entries naming project code (``pipeline``, ``stages``, ``model``, ``chfen``)
are replaced, after the stage's data dependencies."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from pipeline.code_version import PACKAGES, dvc_code_deps

STAGE_LINE = re.compile(r"^  (\w+):\s*$")
DEPS_LINE = re.compile(r"^    deps:\s*$")
ITEM_LINE = re.compile(r"^      - (\S+)\s*$")
COMMAND = re.compile(r"python -m (\S+)")


def stage_modules(text: str) -> dict[str, str]:
    """Each stage's name -> the module its command runs (``python -m <module>``)."""
    stages = (yaml.safe_load(text) or {}).get("stages", {})
    out = {}
    for name, stage in stages.items():
        found = COMMAND.match(str(stage.get("cmd", "")))
        if found is None:
            raise ValueError(f"dvc.yaml stage {name}: its cmd does not run `python -m <module>`")
        out[name] = found.group(1)
    return out


def is_code(path: str) -> bool:
    return path.split("/")[0] in PACKAGES


def with_code_deps(text: str, root: Path) -> str:
    """``text`` (a dvc.yaml) with every stage's code dependencies as the closure says."""
    modules = stage_modules(text)
    out: list[str] = []
    stage: str | None = None
    in_deps = False

    def close_deps() -> None:
        nonlocal in_deps
        if in_deps and stage is not None:
            out.extend(f"      - {dep}" for dep in dvc_code_deps(modules[stage], root))
        in_deps = False

    for line in text.splitlines():
        if in_deps:
            item = ITEM_LINE.match(line)
            if item:
                if not is_code(item.group(1)):
                    out.append(line)
                continue
            close_deps()
        if found := STAGE_LINE.match(line):
            stage = found.group(1)
        elif DEPS_LINE.match(line):
            in_deps = True
        out.append(line)
    close_deps()
    return "\n".join(out) + "\n"
