"""Render ``results.json`` as the Markdown report ``benchmarks/README.md``.

Verdicts are computed from the figures; the prose around them (method, causes, fixes) is
written here once and only refers to figures the run produced.
"""

from __future__ import annotations

import shlex
from typing import Any

DEMO_BUDGET_S = 2.5
KEYSTROKE_BUDGET_MS = 50.0
INSTALL_BUDGET_S = 30.0


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def _s(seconds: float) -> str:
    return f"{seconds:.2f} s"


def _verdict(met: bool) -> str:
    return "**met**" if met else "**missed**"


def render(results: dict[str, Any]) -> str:
    out: list[str] = []
    add = out.append
    add("# amitui benchmarks\n")
    add(
        "Measured by one command, from the repository root with the venv active "
        "(a few minutes on 2 cores; `--quick` about one):\n"
    )
    add("```sh\npython -m benchmarks.run          # or: python -m benchmarks.run --quick\n```\n")
    add(
        "It writes `benchmarks/results.json` (every run's figures) and this file. "
        "Nothing here is a timed test: `tests/test_benchmarks_smoke.py` only checks that the "
        "harness runs at a tiny size.\n"
    )
    add(f"These figures: `{results['command']}`.\n")
    add(_machine(results["machine"]))
    add(_history(results))
    add(_budgets(results))
    if "ls" in results:
        add(_ls(results))
    if "ls_sizes" in results:
        add(_ls_sizes(results["ls_sizes"]))
    if "install" in results:
        add(_install(results["install"]))
    if "tui" in results:
        add(_tui(results["tui"]))
    if "demo" in results:
        add(_demo(results["demo"]))
    if "table" in results:
        add(_table(results["table"]))
    if "org" in results:
        add(_org(results["org"]))
    add(ANALYSIS)
    add(_method(results))
    add(FIXES)
    return "\n".join(out)


def _machine(m: dict[str, Any]) -> str:
    packages = ", ".join(f"{k} {v}" for k, v in m["packages"].items() if v)
    load = ", ".join(f"{x:.2f}" for x in m["loadavg_at_start"])
    free = "\n".join("    " + line for line in m["free_h"].splitlines())
    return (
        "## Machine\n\n"
        f"- date: {m['date']}\n"
        f"- `nproc`: {m['nproc']} ({m['cpu']})\n"
        f"- load average when the run started: {load} (the machine was shared with other "
        "work; alternating contenders and taking medians is what keeps comparisons fair)\n"
        f"- Python {m['python']} on {m['platform']}\n"
        f"- {packages}\n"
        f"- `free -h`:\n\n{free}\n"
    )


def _history(results: dict[str, Any]) -> str:
    history = results.get("history", [])
    if len(history) < 2:
        return ""
    lines = ["These figures come from several invocations (`--only PART --merge`):\n"]
    for entry in history:
        load = ", ".join(f"{x:.2f}" for x in entry["loadavg"])
        lines.append(f"- {entry['date']}: {', '.join(entry['parts'])} (load average {load})")
    return "\n".join(lines) + "\n"


def _budgets(results: dict[str, Any]) -> str:
    rows = ["## Budgets\n", "| budget (DESIGN.md) | figure | verdict |", "|---|---|---|"]
    if "ls" in results:
        ls = results["ls"]
        ours, threaded = ls["amitui ls"]["median_s"], ls["boto3 threaded"]["median_s"]
        ours_cpu = ls["amitui ls"].get("cpu_median_s")
        threaded_cpu = ls["boto3 threaded"].get("cpu_median_s")
        cpu = (
            f"; CPU {_s(ours_cpu)} vs {_s(threaded_cpu)}"
            if ours_cpu is not None and threaded_cpu is not None
            else ""
        )
        met = ours <= threaded
        rows.append(
            f"| `amitui ls` at least as fast as boto3 with a thread per region "
            f"({results['fleet']['images']:,} images, {results['fleet']['regions']} regions) | "
            f"amitui {_s(ours)} vs threaded {_s(threaded)} wall (medians){cpu} | {_verdict(met)}"
            + ("" if met else f" by {_s(ours - threaded)}")
            + " |"
        )
    for case in results.get("ls_sizes", []):
        ours = case["contenders"]["amitui ls"]
        threaded = case["contenders"]["boto3 threaded"]
        met = ours["median_s"] <= threaded["median_s"]
        rows.append(
            f"| `amitui ls` at or below boto3 with a thread per region (issue 17): "
            f"{case['case']} | amitui {_s(ours['median_s'])} vs threaded "
            f"{_s(threaded['median_s'])} wall; CPU {_s(ours['cpu_median_s'])} vs "
            f"{_s(threaded['cpu_median_s'])} (medians) | {_verdict(met)}"
            + ("" if met else f" by {_s(ours['median_s'] - threaded['median_s'])}")
            + " |"
        )
    if "install" in results:
        demo = results["install"]["demo"]
        met = demo["pip_median_s"] <= INSTALL_BUDGET_S and not demo["backtracked"]
        rows.append(
            f"| README command 1 resolves with no backtracking within "
            f"{INSTALL_BUDGET_S:.0f} s, warm package cache (issue 17) | "
            f"{demo['what']} {_s(demo['pip_median_s'])} (CPU {_s(demo['cpu_median_s'])}), "
            f"{'backtracked' if demo['backtracked'] else 'no backtracking'}, "
            f"{demo['site_packages_mb']:.0f} MB | {_verdict(met)}"
            + (
                ""
                if met or demo["backtracked"]
                else f" by {_s(demo['pip_median_s'] - INSTALL_BUDGET_S)}"
            )
            + " |"
        )
    if "tui" in results:
        tui = results["tui"]
        paint, first_reply = tui["first_paint_s"]["median"], tui["first_aws_reply_s"]["median"]
        verdict = _verdict(paint < first_reply)
        rows.append(
            f"| first paint before any AWS call returns | paint {_s(paint)} after process "
            f"start, first AWS reply {_s(first_reply)} (medians) | {verdict} |"
        )
        slowest = tui["slowest_region_alone_s"]
        # Older results have no all_listed: every region loaded is then the listing time.
        listed = tui.get("all_listed_s", tui["all_loaded_s"])["median"] - first_reply
        loading = tui["all_loaded_s"]["median"] - first_reply
        met = listed <= 2 * slowest + 0.5
        rows.append(
            f"| all regions listed in about the time of the slowest region's round trips | "
            f"{tui['images']:,} images: every region's images listed {_s(listed)} after the "
            f"first AWS reply (their snapshots too: {_s(loading)}); the slowest region alone "
            f"takes {_s(slowest)} | {_verdict(met)}"
            + ("" if met else f" by {_s(listed - slowest)}: CPU-bound at this size (see below)")
            + " |"
        )
    if "demo" in results:
        demo = results["demo"]
        first, every = demo["first_rows_s"]["median"], demo["all_loaded_s"]["median"]
        met = first <= DEMO_BUDGET_S
        rows.append(
            f"| `amitui --demo` shows images of several regions within a couple of seconds "
            f"(issue 3; taken as {DEMO_BUDGET_S:.1f} s) | first rows {_s(first)}, all "
            f"{demo['images']} images of {demo['regions']} regions {_s(every)} after launch "
            f"(medians) | {_verdict(met)}"
            + ("" if met else f" by {_s(first - DEMO_BUDGET_S)}")
            + " |"
        )
    if "table" in results:
        table = results["table"]
        for key in ("filter", "sort", "scroll"):
            stat = table["keystrokes"][key]
            cpu_p95 = stat["cpu_p95_ms"]
            met = cpu_p95 < KEYSTROKE_BUDGET_MS
            rows.append(
                f"| {key} under {KEYSTROKE_BUDGET_MS:.0f} ms per keystroke at "
                f"{table['rows']:,} images | App CPU p95 {cpu_p95:.0f} ms (median "
                f"{stat['cpu_median_ms']:.0f}); wall p95 {stat['p95_ms']:.0f} ms | "
                f"{_verdict(met)}"
                + ("" if met else f" by {cpu_p95 - KEYSTROKE_BUDGET_MS:.0f} ms (see below)")
                + " |"
            )
        memory = table["memory"]
        rows.append(
            f"| memory bounded at {table['rows']:,} images | peak RSS "
            f"{memory['peak_rss_mb']:.0f} MB ({memory['kb_per_image']:.1f} KB per image over "
            f"the {memory['baseline_rss_mb']:.0f} MB of an empty App) | reported |"
        )
    return "\n".join(rows) + "\n"


def _ls(results: dict[str, Any]) -> str:
    fleet = results["fleet"]
    lines = [
        "## `amitui ls` against boto3\n",
        f"{fleet['images']:,} images (each with its own snapshot) over "
        f"{fleet['regions']} regions; round trips added by the proxy from "
        f"{min(fleet['latency_ms'].values()):.0f} ms to "
        f"{max(fleet['latency_ms'].values()):.0f} ms. Each contender does DescribeRegions, "
        "then per region DescribeImages (Owners=self, paginated, 1,000 a page), and prints "
        "the images as JSON (no contender lists snapshots: the output does not need them). "
        "Wall time of the whole "
        "process (Python start-up and imports included), alternated, "
        f"{len(results['ls']['amitui ls']['runs_s'])} runs each.\n",
        "| contender | wall median | min | max | CPU median (user+sys) | requests per run |",
        "|---|---|---|---|---|---|",
    ]
    for name, r in results["ls"].items():
        cpu = _s(r["cpu_median_s"]) if "cpu_median_s" in r else "-"
        lines.append(
            f"| {name} | {_s(r['median_s'])} | {_s(r['min_s'])} | {_s(r['max_s'])} | {cpu} | "
            f"{r['requests_per_run']} |"
        )
    lines.append(
        "\nWhere the time goes (py-spy on `amitui ls` at 5,000 images, after the fixes below): "
        "about half is botocore turning XML into dicts, which every contender pays alike; "
        "the rest is Python start-up and imports (aiobotocore and aiohttp: ~0.7 s, twice "
        "boto3's), creating 17 clients, and writing the JSON. The network itself is the "
        "smallest part: the slowest region's round trip is 250 ms. amitui wins by sending each "
        "region's two listings at once and by doing less CPU work per response (see Fixes).\n"
    )
    return "\n".join(lines)


def _ls_sizes(cases: list[dict[str, Any]]) -> str:
    runs = len(cases[0]["contenders"]["amitui ls"]["runs_s"]) if cases else 0
    lines = [
        "## `amitui ls` against boto3 at every size (`--only ls-sizes`)\n",
        "The same three contenders, one fleet per case (the proxy's round trips as above; "
        "one region alone is us-east-1, 20 ms, named with `--region` on every command line, "
        f"so nobody asks DescribeRegions); alternated, {runs} runs each; wall and CPU "
        "(user+sys) medians; the ratio is amitui's wall time over the threaded peer's.\n",
        "| case | amitui ls | boto3 threaded | boto3 sequential | amitui / threaded | "
        "CPU amitui / threaded |",
        "|---|---|---|---|---|---|",
    ]
    for case in cases:
        c = case["contenders"]
        ours, threaded = c["amitui ls"], c["boto3 threaded"]
        lines.append(
            f"| {case['case']} | {_s(ours['median_s'])} | {_s(threaded['median_s'])} | "
            f"{_s(c['boto3 sequential']['median_s'])} | "
            f"{ours['median_s'] / threaded['median_s']:.2f}x | "
            f"{_s(ours['cpu_median_s'])} / {_s(threaded['cpu_median_s'])} |"
        )
    lines.append(LS_FIXED_COSTS)
    return "\n".join(lines) + "\n"


def _install(install: dict[str, Any]) -> str:
    runs = len(next(iter(install.values()))["runs"])
    lines = [
        "## Installing amitui (`--only install`)\n",
        f"Each variant in a fresh venv, {runs} time(s), alternated, the package caches as "
        "they were (warm); the install's wall and CPU time (the venv itself is made before), "
        "the venv's site-packages, the distributions pip installed, and whether pip "
        "backtracked or ignored an extra.\n",
        "| variant | commands | wall median | CPU median | site-packages | distributions "
        "| backtracked |",
        "|---|---|---|---|---|---|---|",
    ]
    for entry in install.values():
        commands = " && ".join(shlex.join(c) for c in entry.get("commands", []))
        lines.append(
            f"| {entry['what']} | `{commands}` | {_s(entry['pip_median_s'])} | "
            f"{_s(entry.get('cpu_median_s', 0.0))} | "
            f"{entry['site_packages_mb']:.0f} MB | {entry.get('distributions') or '-'} | "
            f"{'yes' if entry['backtracked'] else 'no'} |"
        )
    lines.append(INSTALL_NOTE)
    return "\n".join(lines) + "\n"


def _org(org: dict[str, Any]) -> str:
    fleet = org["fleet"]
    lines = [
        "## Many accounts: `amitui ls --org` against a boto3 organization fan-out\n",
        f"{fleet['accounts']} accounts (an organization: the management account and "
        f"{fleet['accounts'] - 1} members) x {fleet['regions']} regions x "
        f"{fleet['images_per_region']} images = {fleet['images']:,} images, "
        f"{fleet['accounts'] * fleet['regions']:,} account-regions (seeded in "
        f"{fleet['seed_s']} s). The proxy adds each region's round trip and throttles EC2 "
        "calls with EC2's token buckets (100 per bucket, 20 a second, per credentials, "
        "region and API). Each contender lists the organization's accounts, assumes "
        "OrganizationAccountAccessRole in every member, lists every account-region's images "
        "and prints them as JSON with Account and Region. The peer "
        "(`benchmarks/peers/boto3_org_threaded.py`) fans out over account x region in one "
        "pool of 32 threads, as c7n-org-style tools do. Whole processes, alternated, "
        f"{len(next(iter(org['contenders'].values()))['runs_s'])} runs each.\n",
        "| contender | wall median | runs | CPU median | peak memory | requests throttled |",
        "|---|---|---|---|---|---|",
    ]
    for name, r in org["contenders"].items():
        runs = ", ".join(_s(s) for s in r["runs_s"])
        throttled = ", ".join(str(t) for t in r["throttled_per_run"])
        lines.append(
            f"| {name} | {_s(r['median_s'])} | {runs} | {_s(r['cpu_median_s'])} | "
            f"{r['peak_rss_mb']:.0f} MB | {throttled} |"
        )
    tui = org.get("tui")
    if tui and "failed" in tui:
        lines += ["", f"The App opening the same organization did not finish: {tui['failed']}"]
    elif tui:
        lines += [
            "",
            "The App opening the same organization (`amitui --org`, headless, 160x45, one run; "
            "times from process start):\n",
            "| moment | seconds |",
            "|---|---|",
            f"| first DescribeImages answer | {_s(tui['first_images_reply_s'])} |",
            f"| first rows on screen | {_s(tui['first_rows_s'])} |",
            f"| first rows after the first answer | {_s(tui['first_rows_after_first_answer_s'])} |",
            f"| every account-region's images listed | {_s(tui['all_listed_s'])} |",
            f"| every load in (snapshots too) | {_s(tui['all_loaded_s'])} |",
            "",
            f"{tui['images']:,} images in {tui['account_regions']:,} account-regions; "
            f"{tui['throttled']} requests throttled.",
        ]
    return "\n".join(lines) + "\n"


def _stat_row(label: str, stat: dict[str, float], tui: dict[str, Any], mark: str) -> str:
    cpu = tui.get(f"cpu_{mark}_s")
    cpu_text = _s(cpu["median"]) if cpu else "-"
    return (
        f"| {label} | {_s(stat['median'])} | {_s(stat['min'])} | {_s(stat['max'])} | {cpu_text} |"
    )


def _tui(tui: dict[str, Any]) -> str:
    lines = [
        "## The App: first paint and loading\n",
        "The App (`make_app`, headless, 160x45) as its own process against the same proxied "
        f"fleet, {tui['runs']} runs; times from process start.\n",
        "| moment | median | min | max | the App's CPU by then (median) |",
        "|---|---|---|---|---|",
        _stat_row("imports done (`amitui.app`)", tui["imported_s"], tui, "imported"),
        _stat_row("first paint", tui["first_paint_s"], tui, "first_paint"),
        _stat_row("first AWS reply received", tui["first_aws_reply_s"], tui, "first_aws_reply"),
        _stat_row("first region's rows on screen", tui["first_rows_s"], tui, "first_rows"),
        *(
            [_stat_row("every region's images listed", tui["all_listed_s"], tui, "all_listed")]
            if "all_listed_s" in tui
            else []
        ),
        _stat_row("every region loaded, snapshots too", tui["all_loaded_s"], tui, "all_loaded"),
        "",
        f"The slowest region alone (DescribeImages and DescribeSnapshots at once, "
        f"{max(tui['latency_ms'].values()):.0f} ms round trip, client already made) takes "
        f"{_s(tui['slowest_region_alone_s'])}.\n",
    ]
    if tui.get("notes"):
        lines.append(tui["notes"] + "\n")
    return "\n".join(lines)


def _demo(demo: dict[str, Any]) -> str:
    return "\n".join(
        [
            "## `amitui --demo`: what a new user waits for\n",
            "The probe in demo mode (`AMITUI_BENCH_DEMO=1 python -m benchmarks.tui_probe`): the "
            "embedded sandbox is spawned before the App is imported, as `amitui --demo` does, "
            "and seeds the demo fleet while the App starts; headless, 160x45, an empty HOME, "
            f"{demo['runs']} runs after one untimed launch; times from process start.\n",
            "| moment | median | min | max | the App's CPU by then (median) |",
            "|---|---|---|---|---|",
            _stat_row("first paint", demo["first_paint_s"], demo, "first_paint"),
            _stat_row(
                "first AWS reply (DescribeRegions)",
                demo["first_aws_reply_s"],
                demo,
                "first_aws_reply",
            ),
            _stat_row("first region's rows on screen", demo["first_rows_s"], demo, "first_rows"),
            _stat_row(
                f"all {demo['images']} images on screen", demo["all_loaded_s"], demo, "all_loaded"
            ),
            "",
            "What it took to get here (from 5.1 s to the first rows): the App parses EC2's "
            "model in a thread while the sandbox starts, all sessions share one botocore data "
            "loader (`amitui/botocore_tuning.py`); the sandbox shares endpoint data between "
            "moto's sessions and parses botocore's JSON into plain dicts "
            "(`amitui/sandbox/server.py`), answers one request at a time and looks up a "
            "resource's tags instead of scanning every tag "
            "(`amitui/sandbox/extensions/one_at_a_time.py`, `tag_lookup.py`). The rest is "
            "Python start-up and imports: moto (~1 s) in the sandbox, Textual and aiobotocore "
            "in the App, on two cores.\n",
        ]
    )


def _table(table: dict[str, Any]) -> str:
    lines = [
        f"## The image table at {table['rows']:,} images\n",
        "The full App (160x45, headless) with "
        f"{table['rows']:,} images in {table['regions']} regions delivered as region loads "
        "(the engine's `load_region` replaced by synthetic `RegionLoad`s; "
        "everything from there on is the product's code; the AWS extras, fetched after a "
        "0.25 s rest on one image, are switched off). Each key is sent as the terminal "
        "driver sends one (what Pilot `press` does, without Pilot's waits for the screen, "
        "which walk every widget: that is the test harness's cost, not a keystroke's), then "
        "the bench waits idle past the inspector's 80 ms rest. Each figure runs from the key "
        "to the last frame it caused: key dispatch, the App's and the table's work, the "
        "inspector's redraw when the cursor moved, and composing the changed lines "
        "(headless: nothing is written to a terminal).\n",
        "Two figures per keystroke: the App's main-thread CPU time until that frame (what the "
        "App itself costs; the budget is judged on its p95) and wall time (what a user waited "
        "on this shared machine, inflated by other processes' turns on the 2 cores; for a "
        "key that moves the cursor it runs to the inspector's redraw, which by design waits "
        "80 ms for the cursor to rest: the table itself moves in the key's first frame).\n",
        "| keystrokes | count | CPU median | CPU p95 | CPU max | wall median | wall p95 |",
        "|---|---|---|---|---|---|---|",
    ]
    for key, stat in table["keystrokes"].items():
        lines.append(
            f"| {key.replace('_', ' ')}: {stat['what']} | {stat['count']} | "
            f"{stat['cpu_median_ms']:.1f} ms | {stat['cpu_p95_ms']:.1f} ms | "
            f"{stat['cpu_max_ms']:.1f} ms | {stat['median_ms']:.1f} ms | {stat['p95_ms']:.1f} ms |"
        )
    memory = table["memory"]
    scroll = table["keystrokes"]["scroll"]
    harness = table.get("harness")
    if scroll.get("cpu_median_ms_with_inspector") is not None and harness:
        redrawn = sum(scroll["inspector_redrawn"])
        lines += [
            "",
            f"In {redrawn} of the {scroll['count']} scroll keys the inspector's redraw (the "
            "details of the image under the cursor, 80 ms after it rests) is in the key's "
            "window. Until 2026-11-27 ~01:00 the bench pressed keys with Pilot's `press` and "
            "`pause`, whose waits for the screen (each walks all "
            f"{harness['widgets']} widgets: {harness['pilot_wait_for_screen_cpu_ms']:.1f} ms of "
            "CPU here) ran inside those windows: the same code measured scroll CPU median/p95 "
            "41/51 ms that way (commit 898ac30's report), ~15/25 ms without them.",
        ]
    lines += [
        "",
        "Run to run on this machine (6 runs of `python -m benchmarks.table_bench --rows "
        "100000`, 2026-11-27 00:59-01:03, quiet): CPU p95 filter 40-51 ms, sort 17-32 ms, "
        "scroll 25-33 ms. Filter is the one at the edge of its budget: its first characters "
        "(`w`, `we`, `web` match almost every row) cost 40-60 ms, a narrower key ~30 ms, most "
        "of it Textual repainting the table's and the filter bar's lines.",
        "",
        "Every sample is in `results.json` (`cpu_samples_ms`, `inspector_redrawn`). The "
        "slowest filter keys are the first characters (`w` and `we` match almost every row: "
        "full passes over all 100,000 haystacks) and Escape (it hides the filter bar and moves "
        "the focus: Textual's Footer mounts its keys again and the screen is laid out several "
        "times; it is the filter's maximum, not its p95).\n",
        "`/` is the first key after the images arrive and a single sample: it also pays for "
        "work the App still had queued from loading (it varied from 0.16 s to 1.3 s of CPU "
        "between full runs); it is not part of any budget row.\n",
        f"Loading all {table['rows']:,} images into the App took "
        f"{_s(table['load_s'])}: `Image.from_aws` for every record (the engine's part, about "
        "half), then, for each of the 17 arriving regions, the App rebuilds and re-sorts the "
        "rows of every region so far (`_refresh_table` -> `set_rows`).\n",
        "| memory | MB |",
        "|---|---|",
        f"| RSS of the App with no images | {memory['baseline_rss_mb']:.0f} |",
        f"| RSS with {table['rows']:,} images loaded | {memory['loaded_rss_mb']:.0f} |",
        f"| peak RSS (VmHWM) over the whole run | {memory['peak_rss_mb']:.0f} |",
        "",
        f"That is {memory['kb_per_image']:.1f} KB per image: the AWS record kept for "
        "`ls`-style JSON and details (`Image.raw`), the parsed `Image`, and the table's "
        "pre-formatted row. Memory grows linearly with the fleet and nothing else: no "
        "per-keystroke allocation survives (the strip cache is capped at 2,048 lines).\n",
    ]
    return "\n".join(lines)


def _method(results: dict[str, Any]) -> str:
    return """## How it is measured

- **Sandbox**: the embedded moto server, 17 regions enabled, seeded through its bulk-seed
  endpoint (`amitui/sandbox/extensions/bulk_seed.py`: `POST /_amitui/bulk/{region}`), with
  `AMITUI_SANDBOX_CACHE_READS=1` (`read_cache.py`): after one warm-up pass every read is
  answered from a cache of its first answer. moto renders XML at about 2 ms per image on this
  machine under one interpreter lock; without the cache the sandbox, not the clients, would
  be what these numbers measure.
- **Network**: `amitui.sandbox.proxy.FaultProxy` in the harness process adds each region's
  round trip (`realistic_latency_table()`: us-east-1 20 ms ... ap-southeast-2 250 ms) before
  forwarding. Contenders reach it through the standard AWS chain (`AWS_ENDPOINT_URL`), with
  an empty HOME and no AWS or amitui config.
- **Contenders** (`benchmarks/peers/`): `boto3_sequential.py` loops over regions;
  `boto3_threaded.py` runs a thread per region with clients made up front from one session
  (the fast way to write it). Both do exactly what `amitui ls --format json` does; the
  harness checks all three print the same image ids before timing them.
- **Rounds**: one untimed run of each, then each round runs every contender once in an order
  that rotates, so none always runs right after another on a warmer or busier machine.
- **The App**: `benchmarks/tui_probe.py` runs `make_app(...)` with `run_test(headless=True)`
  in a fresh process and timestamps the first `Ready` (first paint), the first AWS reply, the
  first rows and the last region. `benchmarks/table_bench.py` drives the real App with Pilot.
"""


ANALYSIS = """## Why a budget is missed, and what would meet it

Found with py-spy and cProfile (`python -m benchmarks.table_bench --rows 100000 --profile
scroll` writes `table_bench.scroll.pstats`); details for the widget's owner in
`/work/notes/perf-for-T.md`.

- **Keystrokes at 100,000 images.** The table itself is virtualised and cheap: a scroll key
  that does not redraw the inspector costs 10-15 ms of CPU. Found by this analysis and fixed
  by the widget's owner (the figures above are after these fixes):
  1. *The inspector re-laid out the whole screen on every cursor move* (~50 ms CPU per key):
     `Static.update` defaults to `layout=True`, so Textual reflowed the screen and rendered the
     details grid twice (once to measure its height). Now the inspector is redrawn when the
     cursor has rested 80 ms (`INSPECT_DELAY`; a held-down key never redraws it), the grid is
     rendered once per update and laid out without an outer Rich grid (~7 -> ~5 ms), and the
     body is updated with `layout=False` unless its height changed.
  2. *`_update_titles` on every filter and sort key* rewrote the one-line scope bar (a second
     full reflow) although its text had not changed; now only on change, without layout.
  3. *A first sort by a column sorted 100,000 rows in Python* (26-128 ms per column, names the
     slowest). Every column's order is now computed once the rows settle, one column per
     event-loop turn (`ImageTable.presort`), so a sort key only reverses or copies an order.
  4. *The cursor was re-found after each filter/sort key by comparing `ImageKey` dataclasses
     in a Python loop* (~60 ms half-way down 100k rows), and *the filter scanned 100k
     haystacks in a Python loop* on the first character and on every backspace (~45 ms).
     Fixed by the widget's owner after this analysis (commit cd76725: identity search, a
     bool-mask filter over contiguous haystacks, styles cached per pass); the table figures
     above were measured after it.
  5. *The details pane was drawn with Rich tables* (~9 ms per redraw with its measurement):
     it is now a Line API widget built from each value's segments (0.3 ms, the same cells
     and styles), repainted without a screen layout.
  6. *The garbage collector*: each sort or filter key made new 100k-element lists of rows,
     which every collection walked while they were young (~10-25 ms per key); and with 17
     regions of ~5,900 images `gc.freeze()` never ran (it waited for one 10k region), so each
     full collection walked ~1.4M loaded objects (100-900 ms, once on a filter key). Orders
     and views are now arrays of row numbers, and the App freezes once 10k images are loaded
     in all (loading 100k also went from ~14 s to ~8 s).
  7. *Layouts per keystroke*: setting `virtual_size` (the table's row count, the filter bar's
     text width in Textual's Input) lays out the whole screen (~8-10 ms); both are now set
     without one (their size does not depend on it).
  8. *A rest that ended just after a key* drew the image the cursor had just left, then the
     new one; it now waits for the new rest, and another image repaints only the details'
     lines that differ. Rows are drawn with ~6 segments instead of 26; a needle already
     searched (backspace) is not searched again; full filter passes are rearranged into
     sort order in C; a first character is searched for in idle time after the presort.
  Before/after, 8 interleaved pairs of runs at 100k on this machine (CPU median/p95; the
  same code varies by a third between runs minutes apart): filter 39-68/57-155 -> 16-32/
  37-57 ms, sort 26-56/45-97 -> 13-23/16-29 ms, scroll 30-58/45-83 -> 23-39/30-54 ms.
  What is left near 50 ms, and why: most scroll keys hold the inspector's redraw (the bench
  presses a key every ~100 ms, more than the 80 ms rest); such a key is the table's repaint
  (~10 ms), the details and their repaint (~6 ms), timers and messages; with Pilot's two
  waits for the screen (4-8 ms each, not the App's) in the window, as the bench first
  measured, the scroll p95 was 30-54 ms with the machine's load; without them, 25 ms.
  Most of a repaint is Textual's per-line cost (~0.15 ms per line per
  widget: the scroll bar alone ~2.5 ms per scroll). The first filter characters match
  almost every row (`w`, `we`: ~13-25 ms in `set_filter`, mostly materialising ~50k-100k
  row numbers in sort order) and are the filter's slowest keys after Escape (35-58 ms).
- **Streaming while loading** (the one budget missed). Every response is parsed by botocore
  on the event loop (~0.2 ms per image, ~0.1 ms per snapshot on this machine), and creating
  a region's client costs ~30 ms of CPU (17 regions: ~0.5 s). The network part is concurrent
  (the sequential peer pays the sum of the round trips, amitui about the slowest), but at
  thousands of images listing is CPU-bound: ~3 s of parsing and rows for 5,000 images and
  their snapshots on one core. Done: a region's images are shown as soon as DescribeImages
  is parsed, without waiting for its snapshots (`stream_regions(images_first=True)`; for an
  account with many backups the snapshots are most of the bytes), and `amitui ls` sends no
  DescribeSnapshots at all. Tried, not kept: parsing large answers in a worker process
  (`ProcessPoolExecutor`, spawned on the first large answer, in-process while the workers
  are busy): on 2 cores, with the sandbox and the proxy on the same machine, there is no
  idle core to gain: `amitui ls` at 5,000 images took 6.5 s instead of 4.9 s (5 alternated
  runs). Parsing in a thread would keep the loop responsive but not shorten the listing
  (one interpreter lock). What would: a faster parser for DescribeImages (botocore's is
  generic, shape-driven Python) or more cores for a process pool.
- **First paint** is met, and no longer waits for the AWS stack: see Fixes, 4. What is left
  on the first screen's import path is Textual itself (~0.4 s) and the App's own modules.
- **Memory** is linear in the number of images and does not grow with use (RSS after all the
  keystrokes is in `results.json`). Per image (tracemalloc, 20,000 synthetic images): the AWS
  record kept as `Image.raw` ~2.3 KB, the parsed `Image` ~0.7 KB, the table's row ~0.9 KB;
  the rest of the RSS figure is allocator overhead. Keeping `raw` is what lets `ls --format
  json` print AWS's records unchanged; dropping it in the App would save about half.
"""


INSTALL_NOTE = """
**The decision: README command 1 installs with uv, and the budget (30 s) is met.** Why pip
alone cannot meet it here, measured with `python -m cProfile -m pip install '.[demo]'`: pip
spends most of its time in its resolver, fetching and evaluating the project pages of every
distribution from the index (pypi.org's `boto3` page alone is 1.7 MB; pip evaluated 57,106
links for the 51 distributions, ~40% of its CPU in `evaluate_link`), and it re-fetches them on
every run (index pages are revalidated: a warm cache does not help). Then it unpacks the
wheels and compiles ~3,100 modules to bytecode one by one. Its own CPU time (27-39 s) is
above the budget before any waiting. uv (a pip-compatible installer, one static binary in a
wheel; `pip install uv` is ~2 s of CPU) resolves from its cache and compiles in parallel:
17 s of CPU in all, the same 51 distributions and the same site-packages (`--compile-bytecode`
as pip does by default, so the first `amitui --demo` does not compile moto). `pip install
'.[demo]'` still works and is what the error for a missing demo extra names.

The sandbox (moto, flask) stays the `demo` extra, not a default dependency: with moto's
`server` extra as a default dependency (before this round), a plain install took 1m43s and 356
MB (`du -sh` of site-packages) at a load average of ~5; a plain install is now 86 MB. The
`demo` extra names the moto services the sandbox serves
(`moto[ec2,sts,iam,organizations,kms,autoscaling,ssm]`) plus flask and flask-cors instead of
moto's `server` extra, which also pulls every other service's dependencies (cfn-lint, sympy,
docker, aws-xray-sdk, ...). Neither installer backtracks: botocore's window sits next to
aiobotocore's pin, and boto3 (the extra's, for moto) has the same window.
"""


LS_FIXED_COSTS = """
Measured with `python -m benchmarks.run --only ls-sizes --ls-sizes 1,30,300 --ls-one-region 30
--merge`; plain `--only ls-sizes` also runs 5,000 per region (85,000 images: on this machine,
loaded as it was, seeding and warming that fleet had not finished after 8 minutes, so that
size awaits a quieter run: `--only ls-sizes --ls-sizes 5000 --ls-one-region 0 --runs 3
--merge`; at 5,000 images in all, the `ls` section above, amitui is faster). The fixed costs
were found with `python -X importtime -m amitui ls ...` and `py-spy record -f raw -- python -m
amitui ls --format json` at 1 image per region and in one region alone, and cut:

1. **Region names without endpoint data** (`amitui/aws.py`, `known_regions`): `--region` was
   checked against a new botocore session's endpoints.json (1.2 MB parsed, ~0.3-0.6 s of CPU
   per run); now against botocore's partitions.json (7 KB, under 1 ms), the same 46 regions
   (`tests/test_ls_fixed_costs.py` compares the two). One region alone, CPU per run: 1.35 s
   before this branch, 0.67 s after (items 1-3 together, alternated on the same fleet).
2. **One `ServiceModel` per model** (`amitui/botocore_tuning.py`, `share_service_models`):
   botocore wraps the shared model description in a new `ServiceModel` for every client, and
   aiobotocore's endpoint-discovery check then built all ~760 EC2 operation models again for
   each one (~5-10 ms a client, 17 times).
3. **No cyclic collection over the AWS stack** (`preload_service_models`): the collector is
   paused while aiobotocore is imported and the models parsed (about a million objects that
   live as long as the process), then they are frozen: ~0.1 s of CPU, and no later full
   collection traverses them.
4. **`amitui ls` imports neither Textual, nor the sandbox, nor Rich** (Rich only for
   `--format table`); `tests/test_ls_fixed_costs.py` checks the modules a listing loads.
5. **The harness compiles amitui's bytecode first** (`benchmarks/ls_bench.py`): this
   machine sets `PYTHONDONTWRITEBYTECODE`, so every timed run compiled amitui from source
   (~0.1 s of CPU) while boto3, compiled by pip at install, never did; a user's installed
   amitui is compiled once too.

With 17 regions amitui is ahead at every size: the threaded peer costs ~45 ms of CPU per
region more than its one-region run (a client class and an endpoint-discovery walk per
client, timestamps through dateutil), amitui ~5 ms. One region alone is where the fixed
costs show: amitui still imports aiobotocore's HTTP stack (aiohttp, ~0.1 s of CPU more than
boto3's urllib3; it builds two SSL contexts at import) and asks who the account is before
listing (STS GetCallerIdentity and IAM ListAccountAliases for each record's `Account` and
`AccountAlias`: two more models and clients, and a round trip). The wall times above are
from a machine with a load average of 5-13 on 2 cores (see the history): CPU is the steadier
comparison.
"""


FIXES = """## Fixes made because of these measurements

Each was found with py-spy on `amitui ls` (`py-spy record -f raw -- python -m amitui ls ...`).
At 5,000 images, `amitui ls` went from ~7 s (slower than the threaded boto3 script) to the
figure above.

Engine (owner: the lead), found with py-spy on `amitui ls`:

1. **One TLS context for all regions** (`amitui/botocore_tuning.py`, `shared_tls_http_session`):
   aiobotocore builds a verifying SSL context per client, parsing the CA bundle each time
   (~40 ms of CPU holding the GIL), 17 times at start-up. Built once per process now.
2. **Fast timestamp parsing** (`amitui/botocore_tuning.py`, `parse_aws_timestamp`): botocore parses
   every timestamp with dateutil (~60 us); DescribeSnapshots has one per snapshot and it was
   a third of all response parsing. EC2's `...T12:00:00.000Z` now goes through
   `datetime.fromisoformat`, anything else through botocore's parser, with identical values.
3. **JSON through the C encoder** (`amitui/listing.py`): `json.dump(..., indent=2)` always
   uses the pure-Python encoder (~20% of `ls` at 5,000 images). Now one image a line, each
   line from the C encoder; still a JSON array of AWS Image records plus `Region`.
4. **The first screen does not wait for the AWS stack** (`amitui/aws.py`, `amitui/cli.py`,
   `amitui/backend.py`): aiobotocore and aiohttp (~0.6-0.9 s of CPU; aiohttp builds SSL
   contexts at import) are no longer imported by `amitui.aws` at module level, and
   `open_session` imports them in a thread, so the first frame is painted meanwhile (before,
   the session worker started in `on_mount` ran that import on the event loop ahead of the
   first paint). `botocore.session` is imported only where used. `import amitui.cli` went
   from ~1.1 s to ~0.5 s; first paint from ~1.6 s to ~0.9 s after start in a quiet probe.

Image table and App (owner: T): the measured causes are in `/work/notes/perf-for-T.md`; T
fixed the cursor search and the filter scan (cd76725), then items 1-3 above (inspector
redrawn when the cursor rests without a reflow, scope bar only on change, every column's
order presorted once the rows settle), then items 5-8 (details pane on the Line API,
views as arrays of row numbers and the GC frozen for large inventories, no layout per
filter key, no stale inspector redraw, cheaper rows and filter passes).

Sandbox (benchmarks only): `bulk_seed` (100,000 images in seconds) and `read_cache` (see
How it is measured).
"""
