"""The benchmark harness runs end to end at a tiny size. Not a timed test: no figure is judged.

The full benchmarks (``python -m benchmarks.run``) take minutes; this checks in seconds that
every part still works against the current code: the bulk-seeded, proxied fleet, the three
``ls`` contenders listing the same images, the App probe reaching every region, the table
benchmark driving the App, and the report rendering from the results.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_harness_runs_at_a_tiny_size(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    report = tmp_path / "README.md"
    finished = subprocess.run(
        [
            sys.executable, "-m", "benchmarks.run",
            "--ls-images", "30", "--regions", "3", "--runs", "1", "--rows", "340",
            "--output", str(results), "--report", str(report),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )  # fmt: skip
    assert finished.returncode == 0, finished.stderr[-3000:]

    figures = json.loads(results.read_text())
    assert set(figures["ls"]) == {"amitui ls", "boto3 threaded", "boto3 sequential"}
    for contender in figures["ls"].values():
        assert len(contender["runs_s"]) == 1
        assert contender["requests_per_run"] == 1 + 3  # DescribeRegions + DescribeImages per region
    assert figures["tui"]["images"] == 30
    assert figures["demo"]["images"] == 170  # amitui --demo launched and saw the whole fleet
    assert figures["table"]["rows"] == 340
    assert set(figures["table"]["keystrokes"]) >= {"filter", "sort", "scroll"}

    text = report.read_text()
    assert "## Budgets" in text
    assert "boto3 with a thread per region" in text
    assert "per keystroke" in text
