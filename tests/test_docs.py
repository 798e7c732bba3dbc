"""The docs cannot drift: README.md stays short, no measured figure is typed by hand, and every
macro the pages use renders against the current ``benchmarks/results/*.json`` and params schema.

What counts as a hand-typed measured figure (``hand_typed_figures``): in the prose of
``README.md`` and ``docs/*.md`` (what is left after removing fenced code blocks, inline code
spans, link targets and the Jinja of the macros: ``{{ ... }}``, ``{% ... %}``, ``{# ... #}``),

- a decimal number (``0.49``, ``4.4``): measured values are decimals far more often than not;
- a percentage (``54%``, ``3.6 %``);
- a plus-minus sign (``±``): a spread over seeds or runs;
- a number with a unit of time (``12 min``, ``3.5 s``, ``6.5 ms``, ``2 hours``);
- a speed-up factor (``5x``, ``3.6x``).

Integers without a unit (counts of classes, columns, folds) are allowed: the rule cannot tell a
count a benchmark measured from one the design fixes, so those must go through a macro by
review. Commands, file names, settings and example output belong in code spans or code blocks,
which are not prose; a version number in prose must be written as code too (``dvc==3.67.1``).
"""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
import typing
from pathlib import Path

import pytest

from pipeline.params import Params, Section

ROOT = Path(__file__).resolve().parent.parent
README_MAX_LINES = 200

_NOT_PROSE = re.compile(
    r"^(```|~~~).*?^\1[^\n]*$"  # fenced code blocks
    r"|\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}"  # Jinja: macros, statements, comments
    r"|`[^`\n]*`"  # inline code spans
    r"|\]\([^)\s]*\)"  # link targets
    r"|<!--.*?-->",  # HTML comments
    re.DOTALL | re.MULTILINE,
)
_FIGURE = re.compile(
    r"\b\d+(?:\.\d+)?\s?(?:ms|µs|s|sec|secs|seconds?|min|mins|minutes?|h|hours?)\b"  # durations
    r"|\b\d+(?:\.\d+)?x\b"  # speed-up factors
    r"|\b\d+(?:\.\d+)?\s?%"  # percentages
    r"|±"  # spreads
    r"|\b\d+\.\d+\b",  # decimals
)


def prose(markdown: str) -> str:
    """``markdown`` with code, links' targets and macros blanked out (line numbers kept)."""
    return _NOT_PROSE.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), markdown)


def hand_typed_figures(markdown: str) -> list[tuple[int, str]]:
    """(line number, text) of every hand-typed measured figure in ``markdown``'s prose."""
    text = prose(markdown)
    return [(text.count("\n", 0, m.start()) + 1, m.group(0)) for m in _FIGURE.finditer(text)]


def doc_files() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def test_readme_is_short():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES, f"README.md has {len(lines)} lines"


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("CHFEN scores 0.49 on RAVDESS", ["0.49"]),
        ("it flags 54% of them", ["54%"]),
        ("0 ± 1", ["±"]),
        ("a crawl takes 12 min", ["12 min"]),
        ("about 3.5 s per clip", ["3.5 s"]),
        ("a 5x speed-up", ["5x"]),
        ("`--seed 0.5` and `12 min` in code", []),
        ("{{ results.model.speed | fmt(1) }} s per clip", []),
        ("```bash\ndvc exp run -S train.dropout=0.3\n```\n", []),
        ("[the docs](https://example.org/1.6/) at 1920x800, 8 primaries, 5-fold", []),
    ],
)
def test_figure_rule(text, found):
    assert [figure for _, figure in hand_typed_figures(text)] == found


def test_no_figure_typed_by_hand():
    offenders = [
        f"{path.relative_to(ROOT)}:{line}: {figure}"
        for path in doc_files()
        for line, figure in hand_typed_figures(path.read_text(encoding="utf-8"))
    ]
    assert not offenders, "figures typed by hand (use a macro over the JSON):\n" + "\n".join(
        offenders
    )


def _leaf_keys(model: type[Section], prefix: str = "") -> list[str]:
    keys = []
    for name, field in model.model_fields.items():
        path = f"{prefix}{name}"
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, Section):
            keys += _leaf_keys(annotation, f"{path}.")
        else:
            keys.append(path)
            value = typing.get_args(annotation)[-1] if typing.get_args(annotation) else None
            if isinstance(value, type) and issubclass(value, Section):
                keys += _leaf_keys(value, f"{path}.<name>.")
    return keys


def test_docs_build_strict_and_render_every_macro(tmp_path):
    site = tmp_path / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    pages = {p.relative_to(site): p.read_text(encoding="utf-8") for p in site.rglob("*.html")}
    for name, page in pages.items():
        assert "{{" not in page and "{%" not in page, f"{name}: a macro was left unrendered"
    assert not (site / "macros.py").exists(), "the macros module was published"
    reference = pages[Path("parameters/index.html")]
    missing = [k for k in _leaf_keys(Params) if f"<code>{html.escape(k)}</code>" not in reference]
    assert not missing, f"keys missing from the params reference: {missing}"
