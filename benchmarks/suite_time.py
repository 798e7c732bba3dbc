"""Where the test suite's time goes: every test's duration (setup, call and teardown) from
pytest's JUnit XML, summed per file and per tier, every test listed, slowest first.

    .venv/bin/python -m benchmarks.suite_time [--tier all|fast] [-- extra pytest args]

``all`` is what ``make test`` runs (``-m "slow or not slow"``), ``fast`` a plain ``pytest``.
Writes ``benchmarks/results/suite_time.json`` with the wall time of the run, the machine's load
average before and after (the figures are only comparable on an otherwise idle machine) and the
per-file totals.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "suite_time.json"
MARKERS = {"all": "slow or not slow", "fast": "not slow and not real_data"}


def _durations(report: Path) -> list[dict[str, object]]:
    tree = ET.parse(report)  # noqa: S314
    rows = []
    for case in tree.iter("testcase"):
        outcome = "passed"
        for child in case:
            if child.tag in ("failure", "error", "skipped"):
                outcome = child.tag
        file = case.get("file") or case.get("classname", "").replace(".", "/") + ".py"
        rows.append(
            {
                "test": f"{file}::{case.get('name')}",
                "file": file,
                "seconds": float(case.get("time", 0.0)),
                "outcome": outcome,
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tier", choices=sorted(MARKERS), default="all")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("pytest_args", nargs="*")
    args = parser.parse_args()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "junit.xml"
        start = time.perf_counter()
        done = subprocess.run(
            [
                *(sys.executable, "-m", "pytest", "-q", "-m", MARKERS[args.tier]),
                *("-p", "no:cacheprovider", f"--junitxml={report}", "-o", "junit_family=xunit1"),
                *args.pytest_args,
            ],
            cwd=ROOT,
            check=False,
        )
        wall = time.perf_counter() - start
        rows = _durations(report)
    per_file: dict[str, float] = defaultdict(float)
    for row in rows:
        per_file[str(row["file"])] += float(row["seconds"])
    outcomes: dict[str, int] = defaultdict(int)
    for row in rows:
        outcomes[str(row["outcome"])] += 1
    result = {
        "tier": args.tier,
        "pytest_args": args.pytest_args,
        "exit_status": done.returncode,
        "wall_s": round(wall, 1),
        "tests": len(rows),
        "outcomes": dict(outcomes),
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "per_file_s": {f: round(s, 1) for f, s in sorted(per_file.items(), key=lambda kv: -kv[1])},
        "tests_by_duration": sorted(rows, key=lambda r: -float(r["seconds"])),
    }
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: result[k] for k in ("tier", "wall_s", "tests", "outcomes")}, indent=2))


if __name__ == "__main__":
    main()
