"""The App against the proxied fleet, and ``amitui --demo``: first paint, first rows, all loaded.

Each run is a fresh process (:mod:`benchmarks.tui_probe`), so Python start-up and every
import on the way to the first screen are counted, as a user would feel them.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from amitui.aws import AwsSession, Credentials
from amitui.loader import load_region
from amitui.sandbox import SANDBOX_CREDENTIALS
from benchmarks.fleet import BenchFleet

PROBE = Path(__file__).parent / "tui_probe.py"
MARKS = ("imported", "first_paint", "first_aws_reply", "first_rows", "all_listed", "all_loaded")


class ProbeFailed(RuntimeError):
    pass


def run_probe(env: dict[str, str], timeout: float, regions: int | None = None) -> dict[str, float]:
    """One probe process with ``env``; its marks, checked (``regions``: how many it must see)."""
    env = {
        **env,
        "AMITUI_BENCH_TIMEOUT": str(timeout - 10),
        "AMITUI_BENCH_SPAWNED_AT": repr(time.monotonic()),
    }
    finished = subprocess.run(
        [sys.executable, str(PROBE)],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if finished.returncode != 0 or not finished.stdout.strip():
        raise ProbeFailed(f"tui probe exited {finished.returncode}: {finished.stderr[-2000:]}")
    marks: dict[str, float] = json.loads(finished.stdout.strip().splitlines()[-1])
    missing = [m for m in MARKS if m not in marks]
    if missing or (regions is not None and marks.get("regions_loaded") != regions):
        raise ProbeFailed(f"tui probe did not see {missing or 'every region'}: {marks}")
    return marks


def probe_once(fleet: BenchFleet, timeout: float = 180.0) -> dict[str, float]:
    env = {**fleet.env, "AMITUI_BENCH_REGIONS": str(len(fleet.regions))}
    return run_probe(env, timeout, regions=len(fleet.regions))


def slowest_region_alone(fleet: BenchFleet) -> float:
    """One load of the slowest region through the proxy, its client already created."""
    slowest = max(fleet.latency_ms, key=lambda r: fleet.latency_ms[r])

    async def run() -> float:
        async with AwsSession(
            endpoint_url=fleet.url,
            credentials=Credentials(
                SANDBOX_CREDENTIALS["AWS_ACCESS_KEY_ID"],
                SANDBOX_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
                SANDBOX_CREDENTIALS["AWS_SESSION_TOKEN"],
            ),
        ) as aws:
            await aws.client(slowest)
            await load_region(aws, slowest)  # connections open, like mid-session
            times = []
            for _ in range(3):
                started = time.perf_counter()
                load = await load_region(aws, slowest)
                times.append(time.perf_counter() - started)
                if load.error is not None:
                    raise ProbeFailed(f"{slowest}: {load.error.describe()}")
            return min(times)

    return asyncio.run(run())


def demo_probe_once(home: str, timeout: float = 120.0) -> dict[str, float]:
    """``amitui --demo`` as a new user starts it: the probe in demo mode, no config at all."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "XDG_", "AMITUI_"))
    }
    env.update({"HOME": home, "AMITUI_BENCH_DEMO": "1"})
    return run_probe(env, timeout)


def bench_demo(runs: int, log: Any = print) -> dict[str, Any]:
    """What a new user waits for after typing ``amitui --demo``, ``runs`` fresh processes."""
    with tempfile.TemporaryDirectory(prefix="amitui-bench-demo-") as home:
        if runs > 1:
            demo_probe_once(home)  # untimed: warms the disk cache, as a second launch would
        samples = []
        for run in range(runs):
            marks = demo_probe_once(home)
            samples.append(marks)
            log(
                f"  demo run {run + 1}/{runs}: " + ", ".join(f"{m} {marks[m]:.2f} s" for m in MARKS)
            )
    result: dict[str, Any] = {f"{m}_s": _stat([s[m] for s in samples]) for m in MARKS}
    result.update({f"cpu_{m}_s": _stat([s[f"cpu_{m}"] for s in samples]) for m in MARKS})
    result["runs"] = runs
    result["images"] = int(samples[-1]["images"])
    result["regions"] = int(samples[-1]["regions_loaded"])
    return result


def _stat(values: list[float]) -> dict[str, float]:
    return {
        "median": round(statistics.median(values), 3),
        "min": round(min(values), 3),
        "max": round(max(values), 3),
    }


def bench_tui(fleet: BenchFleet, runs: int, log: Any = print) -> dict[str, Any]:
    if runs > 1:
        probe_once(fleet)  # untimed: fills any read the warm-up missed, warms the disk cache
    samples: list[dict[str, float]] = []
    for run in range(runs):
        marks = probe_once(fleet)
        samples.append(marks)
        log(f"  tui run {run + 1}/{runs}: " + ", ".join(f"{m} {marks[m]:.2f} s" for m in MARKS))
    result: dict[str, Any] = {f"{m}_s": _stat([s[m] for s in samples]) for m in MARKS}
    result.update({f"cpu_{m}_s": _stat([s[f"cpu_{m}"] for s in samples]) for m in MARKS})
    result["runs"] = runs
    result["images"] = int(samples[-1]["images"])
    result["latency_ms"] = fleet.latency_ms
    result["slowest_region_alone_s"] = round(slowest_region_alone(fleet), 3)
    return result
