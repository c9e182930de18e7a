"""The benchmark harness's peak memory is the contender's own (not a timed test)."""

from __future__ import annotations

import os
import sys
import types
from pathlib import Path

from benchmarks.ls_bench import run_measured

MB = 2**20


def test_a_contenders_peak_memory_is_its_own_not_the_harnesss(tmp_path: Path) -> None:
    """``ru_maxrss`` of a child forked from a large harness reports the harness's resident
    set; the child's own VmHWM does not."""
    ballast = bytearray(300 * MB)  # the harness, larger than the contender
    ballast[::4096] = b"x" * len(range(0, len(ballast), 4096))  # touched: resident
    contender = [sys.executable, "-c", f"import time; b = bytearray({64 * MB}); time.sleep(0.5)"]
    fleet = types.SimpleNamespace(env=dict(os.environ))
    measured = run_measured(fleet, contender, tmp_path / "out")  # type: ignore[arg-type]
    assert 64 <= measured.peak_rss_mb < 200, measured
    assert measured.seconds >= 0.5 and measured.cpu_seconds > 0
    del ballast
