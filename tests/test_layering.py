"""The layers of the design card: ``pipeline`` (shared library) imports none of the others
(except ``pipeline.params``, which composes the sections defined beside each stage: it may
import ``stages.<name>.params`` and ``model.params``, and nothing else of theirs),
``model`` imports only ``pipeline``, ``stages`` never import ``chfen`` (the command line), and
only the train and evaluate stages (and predict, which runs a trained model, and audit, which
fits the probe out of fold on the features the model reads) import ``model``."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MAY_IMPORT_MODEL = ("stages/train", "stages/evaluate", "stages/predict", "stages/audit")


SECTION_MODULE = re.compile(r"^(stages\.\w+|model)\.params$")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    composes_sections = path == ROOT / "pipeline" / "params.py"
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name.split(".")[0] for a in node.names)
        elif (
            isinstance(node, ast.ImportFrom)
            and node.module
            and not node.level
            and not (composes_sections and SECTION_MODULE.match(node.module))
        ):
            out.add(node.module.split(".")[0])
    return out


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [("pipeline", {"stages", "model", "chfen"}), ("model", {"stages", "chfen"})],
)
def test_lower_layers_import_no_higher_one(package, forbidden):
    bad = {
        str(p.relative_to(ROOT)): sorted(_imports(p) & forbidden)
        for p in _modules(package)
        if _imports(p) & forbidden
    }
    assert bad == {}


def test_stages_never_import_the_cli_and_only_model_users_import_model():
    bad = {}
    for path in _modules("stages"):
        rel = path.relative_to(ROOT).as_posix()
        forbidden = {"chfen"} | (set() if rel.startswith(MAY_IMPORT_MODEL) else {"model"})
        if hit := _imports(path) & forbidden:
            bad[rel] = sorted(hit)
    assert bad == {}
