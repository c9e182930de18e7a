"""The benchmark harness runs end to end at a tiny size. Not a timed test: no figure is judged.

The full benchmarks (``python -m benchmarks.run``) take minutes; this checks in seconds that
every part still works against the current code: the bulk-seeded, proxied fleet, the three
``ls`` contenders listing the same images, the App probe reaching every region, the table
benchmark driving the App, the organization fan-out, and the report rendering from the
results.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from .head_start import head_start, started

ROOT = Path(__file__).resolve().parent.parent
#: ``python -m benchmarks.run`` at the niceness in argv[1] (see head_start.py); its argv follows.
RUN_NICELY = (
    "import os, runpy, sys; "
    "os.nice(int(sys.argv.pop(1))); "
    "runpy.run_module('benchmarks.run', run_name='__main__', alter_sys=True)"
)


@dataclass(frozen=True)
class HarnessRun:
    process: subprocess.Popen[bytes]
    results: Path
    report: Path
    log: Path  # its stderr (a file: nobody reads a pipe while the tests before this one run)


@head_start("harness_run")
@contextmanager
def harness_run_process(niceness: int) -> Iterator[HarnessRun]:
    """The harness at a tiny size, in the background from the start of the session: its ~35 s
    (about ten processes, one after another) overlap the tests that run before this one."""
    with tempfile.TemporaryDirectory(prefix="amitui-bench-smoke-") as tmp:
        results = Path(tmp) / "results.json"
        report = Path(tmp) / "README.md"
        log = Path(tmp) / "stderr.log"
        with log.open("wb") as stderr:
            process = subprocess.Popen(
                [
                    sys.executable, "-c", RUN_NICELY, str(niceness),
                    "--ls-images", "30", "--regions", "3", "--runs", "1", "--rows", "340",
                    "--accounts", "2", "--org-images", "2",
                    "--output", str(results), "--report", str(report),
                ],
                cwd=ROOT,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )  # fmt: skip
        try:
            yield HarnessRun(process, results, report, log)
        finally:
            if process.poll() is None:
                process.terminate()  # the harness stops its sandbox and proxy on SIGTERM
            process.wait(timeout=30)


@pytest.fixture
def harness_run() -> HarnessRun:
    return started("harness_run")  # type: ignore[no-any-return]


def test_the_harness_runs_at_a_tiny_size(harness_run: HarnessRun) -> None:
    returncode = harness_run.process.wait(timeout=300)
    assert returncode == 0, harness_run.log.read_text(errors="replace")[-3000:]

    figures = json.loads(harness_run.results.read_text())
    assert set(figures["ls"]) == {"amitui ls", "boto3 threaded", "boto3 sequential"}
    # DescribeRegions + DescribeImages per region; amitui also asks whose account it lists
    # (GetCallerIdentity and ListAccountAliases, side by side: each record's "Account").
    requests = {"amitui ls": 1 + 3 + 2, "boto3 threaded": 1 + 3, "boto3 sequential": 1 + 3}
    for name, contender in figures["ls"].items():
        assert len(contender["runs_s"]) == 1
        assert contender["requests_per_run"] == requests[name]
    assert figures["tui"]["images"] == 30
    assert figures["demo"]["images"] == 170  # amitui --demo launched and saw the whole fleet
    assert figures["table"]["rows"] == 340
    assert set(figures["table"]["keystrokes"]) >= {"filter", "sort", "scroll"}
    org = figures["org"]
    assert org["fleet"]["images"] == 2 * 3 * 2  # accounts x regions x images, all listed
    assert set(org["contenders"]) == {"amitui ls --org", "boto3 org threaded"}
    assert all(len(c["runs_s"]) == 1 for c in org["contenders"].values())
    # the App opened the organization too, and saw every account-region
    assert org["tui"]["images"] == 2 * 3 * 2 and org["tui"]["account_regions"] == 2 * 3
    assert 0 <= org["tui"]["first_rows_after_first_answer_s"] <= org["tui"]["all_listed_s"]

    text = harness_run.report.read_text()
    assert "## Budgets" in text
    assert "boto3 with a thread per region" in text
    assert "per keystroke" in text
    assert "Many accounts" in text
    assert "first rows after the first answer" in text


def test_the_ls_sizes_part_runs_each_size_and_one_region_alone(tmp_path: Path) -> None:
    """``--only ls-sizes``: a fleet per size, then one region named with ``--region`` (no
    DescribeRegions by anyone), each contender listing the same images; the report says
    each case's verdict."""
    results, report = tmp_path / "results.json", tmp_path / "README.md"
    run = subprocess.run(
        [
            sys.executable, "-m", "benchmarks.run", "--only", "ls-sizes",
            "--ls-sizes", "1", "--ls-one-region", "2", "--regions", "2", "--runs", "1",
            "--output", str(results), "--report", str(report),
        ],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    cases = json.loads(results.read_text())["ls_sizes"]
    assert [(c["images_per_region"], c["regions"], c["images"]) for c in cases] == [
        (1, 2, 2),
        (2, 1, 2),
    ]
    assert cases[1]["named_regions"] == ["us-east-1"]
    for case in cases:
        assert set(case["contenders"]) == {"amitui ls", "boto3 threaded", "boto3 sequential"}
    # amitui asks who the account is (GetCallerIdentity, ListAccountAliases); DescribeRegions
    # only when no region is named.
    requests = {name: c["requests_per_run"] for name, c in cases[1]["contenders"].items()}
    assert requests == {"amitui ls": 1 + 2, "boto3 threaded": 1, "boto3 sequential": 1}
    text = report.read_text()
    assert "at every size" in text
    assert "2 images in us-east-1 alone" in text
    assert "1 image per region x 2 regions" in text
