"""``amitui ls --org`` against a boto3 organization fan-out: whole processes, alternated.

Every contender lists every account's images in every region through the latency proxy,
which throttles EC2 calls as EC2 does (see :mod:`benchmarks.org_fleet`). A first untimed run
of each checks that both print the same (account, region, image) records and fills the
sandbox's read cache; then ``runs`` rounds run each contender once, the order alternating.
Reported per contender: wall time to every image listed, CPU time, peak memory (the
process's own VmHWM, polled while it runs), and how many requests the proxy throttled. Then the App
opens the organization (``amitui --org``, :mod:`benchmarks.tui_probe`): how soon after the
first DescribeImages answer its first rows are on screen, and when every account-region is in.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.ls_bench import PEERS, ContenderFailed, run_measured
from benchmarks.org_fleet import OrgFleet
from benchmarks.tui_bench import ProbeFailed, run_probe

CONTENDERS: dict[str, list[str]] = {
    "amitui ls --org": [sys.executable, "-m", "amitui", "ls", "--org", "--format", "json"],
    "boto3 org threaded": [sys.executable, str(PEERS / "boto3_org_threaded.py")],
}


def listed(path: Path) -> set[tuple[str, str, str]]:
    with path.open() as f:
        return {(r["Account"], r["Region"], r["ImageId"]) for r in json.load(f)}


def bench_org(fleet: OrgFleet, runs: int, log: Any = print) -> dict[str, Any]:
    assert fleet.proxy is not None and fleet.throttle is not None
    names = list(CONTENDERS)
    figures: dict[str, dict[str, list[float]]] = {
        n: {"wall": [], "cpu": [], "rss_mb": [], "throttled": []} for n in names
    }
    with tempfile.TemporaryDirectory(prefix="amitui-bench-org-") as tmp:
        out = Path(tmp) / "out.json"
        seen: dict[str, set[tuple[str, str, str]]] = {}
        for name in names:
            seconds = run_measured(fleet, CONTENDERS[name], out).seconds
            seen[name] = listed(out)
            log(f"  org warm-up {name}: {seconds:.2f} s, {len(seen[name])} images")
        for name, records in seen.items():
            if records != seen[names[0]] or len(records) != fleet.images:
                differ = sorted(records ^ seen[names[0]])[:3]
                raise ContenderFailed(
                    f"{name} listed {len(records)} images, {names[0]} {len(seen[names[0]])}, "
                    f"seeded {fleet.images}: the contenders do not do the same work "
                    f"(e.g. {differ})"
                )
        for round_ in range(runs):
            order = names if round_ % 2 == 0 else names[::-1]
            for name in order:
                before = fleet.throttle.throttled
                measured = run_measured(fleet, CONTENDERS[name], out)
                figure = figures[name]
                figure["wall"].append(measured.seconds)
                figure["cpu"].append(measured.cpu_seconds)
                figure["rss_mb"].append(measured.peak_rss_mb)
                figure["throttled"].append(fleet.throttle.throttled - before)
            log(
                f"  org round {round_ + 1}/{runs}: "
                + ", ".join(f"{n} {figures[n]['wall'][-1]:.2f} s" for n in names)
            )
    return {
        "tui": tui_org(fleet, log),
        "fleet": {
            "accounts": fleet.accounts,
            "regions": len(fleet.regions),
            "images_per_region": fleet.images_per_region,
            "images": fleet.images,
            "seed_s": round(fleet.seed_seconds, 1),
        },
        "contenders": {
            name: {
                "median_s": round(statistics.median(f["wall"]), 2),
                "runs_s": [round(s, 2) for s in f["wall"]],
                "cpu_median_s": round(statistics.median(f["cpu"]), 2),
                "peak_rss_mb": round(max(f["rss_mb"]), 1),
                "throttled_per_run": [int(t) for t in f["throttled"]],
            }
            for name, f in figures.items()
        },
    }


def tui_org(fleet: OrgFleet, log: Any = print) -> dict[str, Any]:
    """One run of the App opening the organization: its marks (seconds since spawn)."""
    assert fleet.throttle is not None
    account_regions = fleet.accounts * len(fleet.regions)
    env = {**fleet.env, "AMITUI_BENCH_ORG": "1", "AMITUI_BENCH_REGIONS": str(account_regions)}
    before = fleet.throttle.throttled
    try:
        marks = run_probe(env, timeout=900.0, regions=account_regions)
    except (ProbeFailed, subprocess.TimeoutExpired) as exc:  # the ls figures still count
        log(f"  org tui: failed: {exc}")
        return {"failed": str(exc)[-500:]}
    result = {
        "first_images_reply_s": round(marks["first_images_reply"], 3),
        "first_rows_s": round(marks["first_rows"], 3),
        "first_rows_after_first_answer_s": round(
            marks["first_rows"] - marks["first_images_reply"], 3
        ),
        "all_listed_s": round(marks["all_listed"], 3),
        "all_loaded_s": round(marks["all_loaded"], 3),
        "images": int(marks["images"]),
        "account_regions": int(marks["regions_loaded"]),
        "throttled": fleet.throttle.throttled - before,
    }
    log(
        "  org tui: first rows {first_rows_after_first_answer_s} s after the first "
        "DescribeImages answer, every account-region listed at {all_listed_s} s".format(**result)
    )
    return result
