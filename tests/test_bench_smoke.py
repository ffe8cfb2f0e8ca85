"""Smoke test of `timebank bench`: it runs, exits 0 and writes a complete JSON report.

Asserts nothing about speed: only that every figure is a positive number.
"""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys

REPOSITORY_ROOT = pathlib.Path(__file__).resolve().parent.parent
TIMEOUT_SECONDS = 120


def test_quick_bench_writes_positive_medians(tmp_path: pathlib.Path) -> None:
    out_path = tmp_path / "bench.json"
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "timebank.cli",
            "bench",
            "--quick",
            "--repetitions",
            "1",
            "--out",
            str(out_path),
        ],
        cwd=REPOSITORY_ROOT,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
    )
    assert completed.returncode == 0, completed.stderr
    report = json.loads(out_path.read_text(encoding="utf-8"))
    assert report["machine"]["backend"] == "sqlite"
    for group in ("baselines", "system", "ratios"):
        assert report[group], f"{group}: empty"
        for key, figure in report[group].items():
            median = figure["median"]
            assert isinstance(median, (int, float)) and median > 0, f"{group}.{key}: {median!r}"
    for group in ("baselines", "system"):
        for key, figure in report[group].items():
            assert len(figure["runs"]) == 1, f"{group}.{key}: {figure['runs']!r}"
