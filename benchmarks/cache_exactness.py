"""Exact work caches: which edits make the OCR stage recompute its videos.

In a scratch copy of the project's code, on a generated sample (``chfen sample``), the clean
stage writes a manifest and the ocr stage runs once from an empty work cache. Then, one step at
a time, the code is edited and the stage run again, counting the videos it serves from its
per-video cache (the runner's summary line):

1. unrelated edits: a comment appended to the emotion wheel (``pipeline/plutchik.yaml``), a
   constant appended to ``pipeline/params.py``, a comment appended to
   ``pipeline/ray_executor.py``, the training schema's docstring reworded (``model/params.py``),
   and a comment plus a reworded docstring in the OCR stage's own work code: every video cached;
2. an edit to the OCR stage's own work code (a constant appended to ``stages/ocr/cues.py``):
   every video recomputed.

    .venv/bin/python -m benchmarks.cache_exactness [--videos 10]

Writes ``benchmarks/results/cache_exactness.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
CODE = ("pipeline", "stages", "model", "chfen")
RESULTS = ROOT / "benchmarks" / "results" / "cache_exactness.json"


def _append(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8") as fh:
        fh.write(text)


def _reword_docstring(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    path.write_text(source.replace('"""', '"""Reworded. ', 1), encoding="utf-8")


UNRELATED = {
    "comment in pipeline/plutchik.yaml": lambda r: _append(
        r / "pipeline/plutchik.yaml", "\n# a note\n"
    ),
    "constant in pipeline/params.py": lambda r: _append(r / "pipeline/params.py", "\nNOTE = 1\n"),
    "comment in pipeline/ray_executor.py": lambda r: _append(
        r / "pipeline/ray_executor.py", "\n# a note\n"
    ),
    "docstring in model/params.py": lambda r: _reword_docstring(r / "model/params.py"),
    "comment and docstring in stages/ocr/work.py": lambda r: (
        _append(r / "stages/ocr/work.py", "\n# a note\n"),
        _reword_docstring(r / "stages/ocr/work.py"),
    ),
}


def _run(root: Path, *args: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(root), "COLUMNS": "200"}
    done = subprocess.run(
        [sys.executable, *args], cwd=root, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stderr + done.stdout


def _ocr(root: Path) -> dict[str, int]:
    out = _run(
        root,
        *("-m", "stages.ocr", "--manifest", "data/interim/manifest.jsonl"),
        *("--out", "data/interim/subtitles", "--params", "params.yaml"),
    )
    found = re.search(r"ocr: (\d+) videos, (\d+) cached, (\d+) computed", out)
    if found is None:
        raise RuntimeError(f"no summary line in the ocr stage's output:\n{out[-2000:]}")
    videos, cached, computed = map(int, found.groups())
    return {"videos": videos, "cached": cached, "computed": computed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--videos", type=int, default=10)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="chfen-cache-") as scratch:
        root = Path(scratch)
        for package in CODE:
            shutil.copytree(
                ROOT / package, root / package, ignore=shutil.ignore_patterns("__pycache__")
            )
        params = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
        params["runner"] = {**params.get("runner", {}), "cache_dir": str(root / "cache")}
        (root / "params.yaml").write_text(yaml.safe_dump(params), encoding="utf-8")
        _run(root, "-m", "chfen.cli", "sample", "--out", "data/raw", "--videos", str(args.videos))
        _run(
            root,
            *("-m", "stages.clean", "--raw", "data/raw", "--interim", "data/interim"),
            *("--reports", "reports"),
        )
        steps = {"first run": _ocr(root), "again, no edit": _ocr(root)}
        for edit in UNRELATED.values():
            edit(root)
        steps["after every unrelated edit"] = _ocr(root)
        _append(root / "stages/ocr/cues.py", "\nEDITED = True\n")
        steps["after an edit to stages/ocr/cues.py"] = _ocr(root)
    result = {
        "stage": "ocr",
        "videos": args.videos,
        "unrelated_edits": list(UNRELATED),
        "runs": steps,
        "unrelated_all_cached": steps["after every unrelated edit"]["computed"] == 0,
        "own_edit_all_recomputed": steps["after an edit to stages/ocr/cues.py"]["cached"] == 0,
    }
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
