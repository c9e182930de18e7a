"""One run of the App as a fresh process, timestamping what the user sees.

Run by :mod:`benchmarks.tui_bench` with the fleet's environment and
``AMITUI_BENCH_SPAWNED_AT`` (``time.monotonic()`` in the parent just before it spawned this
process; Linux's monotonic clock is system-wide). Prints one JSON object, seconds since
spawn, and for each mark ``cpu_<mark>``, the process's CPU seconds by then:

- ``imported``: ``amitui.app`` imported (everything the first screen needs);
- ``first_paint``: Textual's ``Ready`` ("the first frame has been displayed");
- ``first_aws_reply``: the first AWS call answered (recorded by wrapping ``AwsSession``
  in this process only);
- ``first_images_reply``: the first DescribeImages page answered;
- ``first_rows``: the image table first has rows;
- ``all_listed``: every region's images are in the table (their snapshots may still come);
- ``all_loaded``: every region's load has arrived and none is loading.

With ``AMITUI_BENCH_DEMO=1`` it runs ``amitui --demo`` instead (the embedded sandbox spawned
before the App is imported, as the command line does); ``python -m benchmarks.tui_probe``
alone then times what a new user sees after typing ``amitui --demo``.
With ``AMITUI_BENCH_ORG=1`` it opens the organization (``amitui --org``): a region is then
an account-region, and ``AMITUI_BENCH_REGIONS`` counts those.
"""

from __future__ import annotations

import os
import sys
import time

SPAWNED_AT = float(os.environ.get("AMITUI_BENCH_SPAWNED_AT", time.monotonic()))


def since_spawn() -> float:
    return time.monotonic() - SPAWNED_AT


def main() -> int:
    import asyncio
    import json

    demo = os.environ.get("AMITUI_BENCH_DEMO") == "1"
    org = os.environ.get("AMITUI_BENCH_ORG") == "1"
    if demo:
        from amitui.backend import launch_demo_early
        from amitui.sandbox.demo import DEMO_REGIONS

        launch_demo_early()
        os.environ.setdefault("AMITUI_BENCH_REGIONS", str(len(DEMO_REGIONS)))
    from amitui.app import make_app

    imported = since_spawn()
    from textual import events
    from textual.message import Message

    from amitui.accounts import AccountSpec
    from amitui.aws import AwsSession
    from amitui.backend import LaunchOptions
    from amitui.model import RegionStatus

    marks: dict[str, float] = {"imported": imported, "cpu_imported": time.process_time()}

    def mark(name: str) -> None:
        if name not in marks:
            marks[name] = since_spawn()
            # This process's CPU time so far: on a busy machine wall time also holds other
            # processes' turns on the CPU.
            marks[f"cpu_{name}"] = time.process_time()

    original_call = AwsSession.call
    original_paginate = AwsSession.paginate

    async def call(self: AwsSession, *args: object, **kwargs: object) -> object:
        response = await original_call(self, *args, **kwargs)  # type: ignore[arg-type]
        mark("first_aws_reply")
        return response

    async def paginate(self: AwsSession, *args: object, **kwargs: object) -> object:
        async for page in original_paginate(self, *args, **kwargs):  # type: ignore[arg-type]
            mark("first_aws_reply")
            if args[1:2] == ("DescribeImages",):
                mark("first_images_reply")
            yield page

    AwsSession.call = call  # type: ignore[method-assign,assignment]
    AwsSession.paginate = paginate  # type: ignore[method-assign,assignment]

    def hook(message: Message) -> None:
        if isinstance(message, events.Ready):
            mark("first_paint")

    expected = int(os.environ.get("AMITUI_BENCH_REGIONS", "17"))
    timeout = float(os.environ.get("AMITUI_BENCH_TIMEOUT", "120"))

    async def run() -> None:
        app = make_app(LaunchOptions(demo=demo, accounts=AccountSpec(org=org)))
        async with app.run_test(headless=True, size=(160, 45), message_hook=hook) as pilot:
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if app.table.total_count:
                    mark("first_rows")
                pane = app.region_pane
                keys = pane.keys  # account-regions (with one account, its regions)
                if len(keys) >= expected and all(
                    state is not None and state.status is RegionStatus.LOADED
                    for state in map(pane.state, keys)
                ):
                    mark("all_listed")  # every region's images on screen (snapshots may follow)
                if len(keys) >= expected and not pane.busy:
                    mark("all_listed")
                    mark("all_loaded")
                    break
                await asyncio.sleep(0.005)
            marks["images"] = app.table.total_count
            marks["regions_loaded"] = len(app.inventory.loads)
            await pilot.press("q")

    asyncio.run(run())
    print(json.dumps(marks))
    return 0


if __name__ == "__main__":
    sys.exit(main())
