"""Run every benchmark and write ``benchmarks/results.json`` and ``benchmarks/README.md``.

    python -m benchmarks.run            # the full set, a few minutes on 2 cores
    python -m benchmarks.run --quick    # smaller fleet, fewer runs: about a minute

Parts (``--only ls,tui,demo,table,org``):

- ``ls``: ``amitui ls --format json`` against a boto3 script looping over regions and one with
  a thread per region, whole processes through the latency proxy, alternated, medians.
- ``tui``: the App as a process through the same proxy: time to first paint, to the first
  region's rows and to every region loaded.
- ``demo``: ``amitui --demo`` as a new user starts it (the embedded sandbox included): time to
  first paint, first rows and every demo image on screen.
- ``table``: the App with 100,000 images: milliseconds per keystroke for filter typing,
  sort and scrolling, and the process's memory.
- ``org``: ``amitui ls --org`` against a boto3 organization fan-out over 200 accounts x 17
  regions x 20 images, through the proxy with EC2's token-bucket throttling: wall time,
  peak memory and requests throttled (seeding 3,400 account-regions takes a few minutes).
- ``ls-sizes`` (only when named): the ``ls`` comparison at each of ``--ls-sizes`` images per
  region over ``--regions`` regions, then ``--ls-one-region`` images in one region alone,
  named with ``--region``; a fleet per case (5,000 per region seeds 85,000 images).

    python -m benchmarks.run --only ls-sizes --merge   # 1, 30, 300, 5000 per region; one region

- ``install`` (only when named): README command 1 (``pip install '.[demo]'``), a plain
  ``pip install .`` and command 2's ``pip install -e '.[test]'``, each in a fresh venv with
  pip's cache as it is: pip's time, site-packages' size, whether pip backtracked.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks import machine, report

HERE = Path(__file__).parent
PARTS = ("ls", "tui", "demo", "table", "org")
#: Parts run only when ``--only`` names them.
EXTRA_PARTS = ("ls-sizes", "install")


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller fleet and fewer runs")
    parser.add_argument("--ls-images", type=int, help="images in the ls fleet (default 5000)")
    parser.add_argument("--runs", type=int, help="timed runs per contender (default 5)")
    parser.add_argument("--rows", type=int, help="images in the table benchmark (default 100000)")
    parser.add_argument(
        "--regions", type=int, default=17, help="regions in the fleet (fewer: smoke tests only)"
    )
    parser.add_argument("--accounts", type=int, help="accounts in the org fleet (default 200)")
    parser.add_argument(
        "--org-images", type=int, default=20, help="images per account and region (org part)"
    )
    parser.add_argument(
        "--ls-sizes",
        default="1,30,300,5000",
        help="ls-sizes part: images per region, a comma list (default %(default)s)",
    )
    parser.add_argument(
        "--ls-one-region",
        type=int,
        default=30,
        help="ls-sizes part: images in the one-region case (0: none; default %(default)s)",
    )
    parser.add_argument(
        "--install-runs",
        type=int,
        default=1,
        help="install part: fresh venvs per variant (default %(default)s)",
    )
    parser.add_argument(
        "--only", default=",".join(PARTS), help=f"comma list of {PARTS + EXTRA_PARTS}"
    )
    parser.add_argument("--output", type=Path, default=HERE / "results.json")
    parser.add_argument(
        "--report", type=Path, default=HERE / "README.md", help="Markdown report to write"
    )
    parser.add_argument("--no-report", action="store_true", help="write results.json only")
    parser.add_argument(
        "--merge",
        action="store_true",
        help="keep the other parts' figures already in --output (re-run one part only)",
    )
    args = parser.parse_args(argv)
    # A terminated run still stops its sandbox and proxy (the with-blocks' exits run).
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    parts = [p for p in args.only.split(",") if p]
    unknown = set(parts) - set(PARTS + EXTRA_PARTS)
    if unknown:
        parser.error(f"unknown parts {sorted(unknown)}; choose from {PARTS + EXTRA_PARTS}")
    try:
        ls_sizes = [int(n) for n in args.ls_sizes.split(",") if n.strip()]
    except ValueError:
        ls_sizes = []
    if not ls_sizes or min(ls_sizes) < 1 or args.ls_one_region < 0:
        parser.error("--ls-sizes takes positive image counts (e.g. 1,30,300,5000)")

    ls_images = args.ls_images or (1000 if args.quick else 5000)
    runs = args.runs or (3 if args.quick else 5)
    rows = args.rows or (20_000 if args.quick else 100_000)

    results: dict[str, Any] = {}
    if args.merge and args.output.exists():
        results = json.loads(args.output.read_text(encoding="utf-8"))
    described = machine.describe()
    command = "python -m benchmarks.run" + (" --quick" if args.quick else "")
    results.update({"command": command, "quick": args.quick, "machine": described})
    # Which invocation measured which part (with --merge, parts can come from several).
    results.setdefault("history", []).append(
        {"parts": parts, "date": described["date"], "loadavg": described["loadavg_at_start"]}
    )
    started = time.perf_counter()

    if "ls" in parts or "tui" in parts:
        from benchmarks.fleet import BenchFleet

        _log(f"fleet: seeding {ls_images} images over {args.regions} regions…")
        with BenchFleet(images=ls_images, regions=args.regions) as fleet:
            warm = fleet.warm()
            _log(f"fleet: seeded in {fleet.seed_seconds:.1f} s, warmed in {warm:.1f} s")
            results["fleet"] = {
                "images": ls_images,
                "regions": len(fleet.latency_ms),
                "latency_ms": fleet.latency_ms,
                "seed_s": round(fleet.seed_seconds, 2),
                "warm_s": round(warm, 2),
            }
            if "ls" in parts:
                from benchmarks.ls_bench import bench_ls

                _log(f"ls: {runs} alternated runs of each contender…")
                ls = bench_ls(fleet, runs, log=_log)
                results["ls"] = {name: result.as_json() for name, result in ls.items()}
            if "tui" in parts:
                from benchmarks.tui_bench import bench_tui

                _log(f"tui: {runs} runs of the App against the fleet…")
                results["tui"] = bench_tui(fleet, runs, log=_log)

    if "ls-sizes" in parts:
        from benchmarks.ls_bench import bench_ls_sizes

        _log(f"ls-sizes: {ls_sizes} images per region, {runs} alternated runs per case…")
        results["ls_sizes"] = bench_ls_sizes(
            ls_sizes, args.ls_one_region, runs, args.regions, log=_log
        )

    if "install" in parts:
        from benchmarks.install_bench import bench_install

        _log(f"install: {args.install_runs} fresh venv(s) per variant…")
        results["install"] = bench_install(args.install_runs, log=_log)

    if "demo" in parts:
        from benchmarks.tui_bench import bench_demo

        _log(f"demo: {runs} launches of amitui --demo…")
        results["demo"] = bench_demo(runs, log=_log)

    if "table" in parts:
        from benchmarks.table_bench import bench_table_process

        _log(f"table: the App with {rows} images…")
        results["table"] = bench_table_process(rows, log=_log)

    if "org" in parts:
        from benchmarks.org_bench import bench_org
        from benchmarks.org_fleet import OrgFleet

        accounts = args.accounts or (20 if args.quick else 200)
        _log(f"org: seeding {accounts} accounts x {args.regions} regions…")
        with OrgFleet(accounts, images_per_region=args.org_images, regions=args.regions) as org:
            _log(f"org: seeded in {org.seed_seconds:.1f} s")
            results["org"] = bench_org(org, runs, log=_log)

    results["total_s"] = round(time.perf_counter() - started, 1)
    args.output.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    _log(f"wrote {args.output} in {results['total_s']} s")
    if not args.no_report:
        args.report.write_text(report.render(results), encoding="utf-8")
        _log(f"wrote {args.report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
