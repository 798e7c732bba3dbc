"""Each DVC stage declares the code it runs: the project folders and files its command's module
reaches by imports (``pipeline.code_version.dvc_code_deps``), written by ``chfen dvc``. No less
(an edit to an undeclared module would leave ``dvc repro`` serving stale outputs) and no more
(a sample generator it never imports would re-run it for nothing)."""

from pathlib import Path

import pytest

from chfen.dvcfile import is_code, stage_modules, with_code_deps
from pipeline.code_version import ROOT, dvc_code_deps

PROJECT = Path(__file__).resolve().parents[1]
TEXT = (PROJECT / "dvc.yaml").read_text(encoding="utf-8")


def test_dvc_yaml_code_deps_are_up_to_date():
    assert with_code_deps(TEXT, ROOT) == TEXT, "dvc.yaml code deps are stale: run `chfen dvc`"


@pytest.mark.parametrize("name", sorted(stage_modules(TEXT)))
def test_every_module_a_stage_imports_is_inside_a_declared_dep(name):
    import yaml

    from pipeline.code_version import closure, module_file

    stage = yaml.safe_load(TEXT)["stages"][name]
    declared = [d for d in stage["deps"] if is_code(d)]
    modules, _ = closure((f"{stage_modules(TEXT)[name]}.__main__",))
    own = stage_modules(TEXT)[name]
    for module in modules:
        if module.endswith(".params") and not module.startswith(own):
            continue  # another stage's schema: it cannot change this stage's outputs
        path = module_file(module).relative_to(ROOT).as_posix()
        if module.split(".")[-1] == "params" or path.endswith("__init__.py"):
            if not any(path == d or path.startswith(f"{d}/") for d in declared):
                assert module.removesuffix(".params") != own, (name, path)
            continue
        assert any(path == d or path.startswith(f"{d}/") for d in declared), (name, path)
    assert declared == dvc_code_deps(own)


def test_the_writer_replaces_only_code_entries():
    text = (
        "stages:\n  ocr:\n    cmd: python -m stages.ocr\n    deps:\n"
        "      - data/interim/manifest.jsonl\n      - pipeline/runner.py\n"
        "    # a comment kept\n    outs:\n      - data/interim/subtitles\n"
    )
    updated = with_code_deps(text, ROOT)
    assert "      - data/interim/manifest.jsonl\n      - pipeline\n" in updated
    assert "pipeline/runner.py" not in updated
    assert "    # a comment kept\n    outs:\n      - data/interim/subtitles\n" in updated


def _data_paths(stage: dict) -> list[str]:
    entries = [*stage.get("deps", []), *stage.get("outs", [])]
    for key in ("metrics", "plots"):
        entries += [next(iter(e)) if isinstance(e, dict) else e for e in stage.get(key, [])]
    return [str(e) for e in entries if not is_code(str(e))]


@pytest.mark.parametrize("name", sorted(stage_modules(TEXT)))
def test_data_paths_are_the_stages_defaults(name):
    """The stages run without path arguments (``pipeline.paths`` holds the defaults), so every
    data path ``dvc.yaml`` names for a stage must be one of those paths or inside one."""
    import yaml

    from pipeline import paths

    known = [str(v) for k, v in vars(paths).items() if k.isupper()]
    stage = yaml.safe_load(TEXT)["stages"][name]
    for path in _data_paths(stage):
        assert any(path == k or path.startswith(f"{k}/") for k in known), (name, path)
