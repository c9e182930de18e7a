"""``amitui ls`` against two boto3 peers: whole processes, alternated, medians.

Each contender lists every enabled region's images through the latency proxy and prints them
as JSON. A first untimed run of each checks that all three print the same images (and fills
any sandbox read cache entry the warm-up missed); then ``runs`` rounds run every contender
once, the order rotating each round so no contender always runs on a warmer machine.
"""

from __future__ import annotations

import compileall
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.fleet import REGIONS, BenchFleet

PEERS = Path(__file__).parent / "peers"


def contenders(regions: Sequence[str] = ()) -> dict[str, list[str]]:
    """The three commands. ``regions``: named on every command line (``--region``, as a user
    listing one region does: nobody asks DescribeRegions); none, every enabled region."""
    flags = [arg for region in regions for arg in ("--region", region)]
    return {
        "amitui ls": [sys.executable, "-m", "amitui", "ls", "--format", "json", *flags],
        "boto3 threaded": [sys.executable, str(PEERS / "boto3_threaded.py"), *regions],
        "boto3 sequential": [sys.executable, str(PEERS / "boto3_sequential.py"), *regions],
    }


CONTENDERS = contenders()


class ContenderFailed(RuntimeError):
    pass


@dataclass
class LsResult:
    name: str
    seconds: list[float] = field(default_factory=list)
    cpu_seconds: list[float] = field(default_factory=list)
    requests: int = 0

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    def as_json(self) -> dict[str, Any]:
        return {
            "median_s": round(self.median, 3),
            "min_s": round(min(self.seconds), 3),
            "max_s": round(max(self.seconds), 3),
            "runs_s": [round(s, 3) for s in self.seconds],
            "cpu_median_s": round(statistics.median(self.cpu_seconds), 3),
            "cpu_runs_s": [round(s, 3) for s in self.cpu_seconds],
            "requests_per_run": self.requests,
        }


def run_once(fleet: BenchFleet, command: list[str], out: Path) -> tuple[float, float]:
    """(wall, CPU) seconds of one whole process, from spawn to exit; stdout goes to ``out``.

    CPU is the process's user + system time: on a shared machine, wall time also contains
    other processes' turns on the CPU, CPU time does not.
    """
    measured = run_measured(fleet, command, out)
    return measured.seconds, measured.cpu_seconds


@dataclass(frozen=True, slots=True)
class Measured:
    """One whole process: wall and CPU seconds, and its peak resident set."""

    seconds: float
    cpu_seconds: float
    peak_rss_mb: float


#: How often a running contender's peak resident set is read.
PEAK_POLL_S = 0.02


def peak_rss_kb(pid: int) -> int | None:
    """``pid``'s peak resident set so far (``VmHWM``, KiB), None once it is gone.

    Not ``ru_maxrss``: a child forked from this harness starts with the harness's resident
    set, so that reports the harness's own size (~424 MB here) for every smaller contender."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def run_measured(fleet: BenchFleet, command: list[str], out: Path) -> Measured:
    """Wall seconds, CPU seconds and the peak resident set (polled) of one whole process."""
    with out.open("wb") as stdout, tempfile.TemporaryFile() as stderr:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=stdout, stderr=stderr, env=fleet.env)
        peak_kb = 0
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid != 0:
                break
            # VmHWM only grows: its last reading before the exit is the peak (to the poll).
            peak_kb = max(peak_kb, peak_rss_kb(process.pid) or 0)
            time.sleep(PEAK_POLL_S)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            stderr.seek(0)
            raise ContenderFailed(
                f"{' '.join(command)} exited {process.returncode}: "
                f"{stderr.read().decode(errors='replace')[-2000:]}"
            )
    return Measured(seconds, usage.ru_utime + usage.ru_stime, peak_kb / 1024)


def image_ids(path: Path) -> set[tuple[str, str]]:
    with path.open() as f:
        return {(record["Region"], record["ImageId"]) for record in json.load(f)}


def compile_amitui() -> None:
    """Write amitui's bytecode caches, as ``pip install`` does for an installed package (and
    for boto3 here): with PYTHONDONTWRITEBYTECODE set (as on the benchmark machine) an
    editable checkout would otherwise compile every module from source on every run, ~0.1 s
    of CPU that no user pays twice."""
    import amitui

    # amitui/widgets links to widgets/: compiled too.
    compileall.compile_dir(Path(amitui.__file__).parent, quiet=1)


def bench_ls(
    fleet: BenchFleet, runs: int, log: Any = print, regions: Sequence[str] = ()
) -> dict[str, LsResult]:
    compile_amitui()
    commands = contenders(regions)
    results = {name: LsResult(name) for name in commands}
    names = list(commands)
    assert fleet.proxy is not None
    with tempfile.TemporaryDirectory(prefix="amitui-bench-ls-") as tmp:
        seen: dict[str, set[tuple[str, str]]] = {}
        for name, command in commands.items():
            out = Path(tmp) / "out.json"
            fleet.proxy.clear_requests()
            seconds, _ = run_once(fleet, command, out)
            results[name].requests = len(fleet.proxy.requests)
            seen[name] = image_ids(out)
            log(f"  ls warm-up {name}: {seconds:.2f} s, {len(seen[name])} images")
        expected = seen["amitui ls"]
        for name, ids in seen.items():
            if ids != expected or len(ids) != fleet.images:
                raise ContenderFailed(
                    f"{name} listed {len(ids)} images, amitui ls {len(expected)}, "
                    f"seeded {fleet.images}: the contenders do not do the same work"
                )
        for round_ in range(runs):
            shift = round_ % len(names)
            for name in names[shift:] + names[:shift]:
                seconds, cpu = run_once(fleet, commands[name], Path(tmp) / "out.json")
                results[name].seconds.append(seconds)
                results[name].cpu_seconds.append(cpu)
            log(
                f"  ls round {round_ + 1}/{runs}: "
                + ", ".join(f"{n} {results[n].seconds[-1]:.2f} s" for n in names)
            )
    return results


def bench_ls_sizes(
    per_region: Sequence[int],
    one_region: int,
    runs: int,
    regions: int,
    log: Any = print,
) -> list[dict[str, Any]]:
    """The fixed costs and the per-image costs apart: one fleet per size (``per_region``
    images in each of ``regions`` regions), then ``one_region`` images in one region alone,
    named with ``--region`` (0: no such case). Each case as :func:`bench_ls` measures it."""
    cases: list[tuple[int, int, tuple[str, ...]]] = [(n, regions, ()) for n in per_region]
    if one_region:
        cases.append((one_region, 1, REGIONS[:1]))
    figures: list[dict[str, Any]] = []
    for images, count, named in cases:
        what = f"{images:,} image" + ("" if images == 1 else "s")
        label = f"{what} in {named[0]} alone" if named else f"{what} per region x {count} regions"
        log(f"ls-sizes: {label}: seeding {images * count:,} images...")
        with BenchFleet(images=images * count, regions=count) as fleet:
            fleet.warm()
            results = bench_ls(fleet, runs, log=log, regions=named)
            figures.append(
                {
                    "case": label,
                    "images_per_region": images,
                    "regions": count,
                    "named_regions": list(named),
                    "images": images * count,
                    "latency_ms": fleet.latency_ms,
                    "contenders": {name: r.as_json() for name, r in results.items()},
                }
            )
    return figures
