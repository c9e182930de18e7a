"""Regenerate the README screenshots from the demo: ``python scripts/screenshots.py``.

Drives ``amitui --demo`` headlessly at 160x45 with :func:`amitui.app.make_app` and
``run_test``, with the clock fixed at the demo's reference date, and writes one SVG per
screen to ``screenshots/``: main, details, snapshot tree, lineage, Used by, Go to, the command
line, help, the Retirement
view (from a retirement planned in a throwaway state directory), and the Recycle Bin and
Journal views (after a deregistration and a share run by the engine in the demo).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from textual.pilot import Pilot
from textual.worker import WorkerState

from amitui.accounts import AccountSpec
from amitui.actions.cleanup import execute_cleanup, gather_facts, plan_deregister
from amitui.actions.execute import execute
from amitui.actions.retirement import Schedule, parse_retirement, plan_retirement, schedule_path
from amitui.actions.share import ACCOUNT, Grantee, ShareContext, ShareRequest, plan_share
from amitui.app import AmituiApp, make_app
from amitui.backend import LaunchOptions
from amitui.journal import Journal, default_path
from amitui.model import Image
from amitui.sandbox.demo import IN_USE_IMAGE, PINNED_IMAGES, REFERENCE_DATE
from amitui.screens.journal_view import JournalScreen
from amitui.screens.recycle_bin import RecycleBinScreen

SIZE = (160, 45)
OUT = Path(__file__).resolve().parent.parent / "screenshots"


async def settle(pilot: Pilot[int], limit: float = 300.0) -> None:
    app = pilot.app
    assert isinstance(app, AmituiApp)
    started = time.monotonic()
    while (
        not app.connected
        or app.region_pane.busy
        or any(w.state in (WorkerState.PENDING, WorkerState.RUNNING) for w in app.workers)
    ):
        if time.monotonic() - started > limit:
            raise TimeoutError("the demo did not load")
        await pilot.pause(0.1)
    await pilot.pause(0.3)


def pick(app: AmituiApp, want: str) -> Image:
    """An image that shows the feature off (found in the loaded fleet, not by id)."""
    images = sorted(app.inventory.images(), key=lambda i: (i.region, i.name))
    if want == "shared-snapshot":
        for image in images:
            for snapshot_id in image.snapshot_ids:
                if len(app.inventory.images_mapping(image.region, snapshot_id, image.account)) > 1:
                    return image
    if want == "family":
        return max(images, key=lambda i: (len(app.inventory.family(i)), i.name))
    name = next(iter(PINNED_IMAGES))
    region = PINNED_IMAGES[name][0]
    return next((i for i in images if i.name == name and i.region == region), images[0])


async def shoot(out: Path) -> list[Path]:
    os.environ.setdefault("AMITUI_CONFIG", str(out / "no-such-config.toml"))
    # The Retirement view's schedule and the demo's journal of this run only (the Journal
    # view is shot) are written here, never into the user's state directory.
    os.environ["AMITUI_STATE_DIR"] = tempfile.mkdtemp(prefix="amitui-screenshots-")
    # The demo's whole organization, as `amitui --demo` opens it.
    app = make_app(LaunchOptions(demo=True, accounts=AccountSpec(org=True)), now=REFERENCE_DATE)
    written: list[Path] = []

    def save(name: str) -> None:
        path = out / f"{name}.svg"
        app.save_screenshot(str(path))
        written.append(path)

    # Notifications shown (run_test hides them): the Go to shot is of the path it says.
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        save("main")
        for name, want, key in (
            ("details", "pinned", "i"),
            ("snapshot-tree", "shared-snapshot", "t"),
            ("lineage", "family", "l"),
        ):
            image = pick(app, want)
            app.jump_to(image.key)
            await pilot.press(key)
            await settle(pilot)
            save(name)
        # Triage: everything that uses the image the web fleet runs.
        in_use = next(i for i in app.inventory.images() if i.name == IN_USE_IMAGE)
        app.jump_to(in_use.key)
        await pilot.press("U")
        await settle(pilot)
        save("used-by")
        # Triage from an Auto Scaling group's name: where it lands, and the path it took.
        app.jump_to(pick(app, "pinned").key)
        await pilot.press("i", "ctrl+g", *"web-prod-fleet", "enter")
        await settle(pilot)
        await pilot.pause(0.5)  # the toast saying the path
        save("goto")
        # The command line, k9s' way: Tab lists what can follow.
        await pilot.press("colon", *"sort ", "tab")
        await pilot.pause(0.3)
        save("command-line")
        await pilot.press("escape")
        await pilot.pause(0.3)
        await pilot.press("i", "question_mark")
        await pilot.pause(0.3)
        save("help")
        await pilot.press("escape")
        await pilot.pause(0.3)
        for name, key in (("totals", "ctrl+s"), ("raw-record", "Y")):
            await pilot.press(key)
            await settle(pilot)  # the raw record is fetched now
            await pilot.pause(0.3)
            save(name)
            await pilot.press("escape")
            await pilot.pause(0.3)
        schedule_retirements(app)
        await pilot.press("ctrl+r")
        await pilot.pause(0.5)
        save("retirement")
        await pilot.press("escape")
        await fill_bin_and_journal(app)
        for name, key, view in (
            ("recycle-bin", "B", RecycleBinScreen),
            ("journal", "J", JournalScreen),
        ):
            await pilot.press(key)
            # Not settle(): the view's flow waits on the view while it is shown.
            started = time.monotonic()
            while not isinstance(app.screen, view):
                if time.monotonic() - started > 60:
                    raise TimeoutError(f"the {name} view did not open")
                await pilot.pause(0.1)
            await pilot.pause(0.5)
            save(name)
            await pilot.press("escape")
            await settle(pilot)
    return written


def schedule_retirements(app: AmituiApp) -> None:
    """Two retirements of old api-base images: one planned 20 days ago (its disable stage is
    due), one planned yesterday."""
    oldest = sorted(
        (i for i in app.inventory.images() if "api-base" in i.name), key=lambda i: i.name
    )
    schedule = Schedule.load(schedule_path(demo=True))
    for images, days_ago in ((oldest[:3], 20), (oldest[3:5], 1)):
        planned = REFERENCE_DATE - timedelta(days=days_ago)
        request = parse_retirement("now", "14", "30", now=planned)
        schedule.add(plan_retirement(app.inventory, images, request, now=planned).stages)


async def fill_bin_and_journal(app: AmituiApp) -> None:
    """Something for the Recycle Bin and Journal views to show: retention rules in one
    region, an unused image deregistered with cleanup there, and a share of another - each
    planned and run by the engine as the keys would, journaled in the demo's journal."""
    aws = app.aws
    account = await aws.account_id()
    journal = Journal(default_path(demo=True), account=account, endpoint=aws.ec2_endpoint)
    images = sorted(
        (i for i in app.inventory.images() if i.owner_id == account),
        key=lambda i: (i.region, i.name),
    )
    try:
        for image in images[:20]:
            facts = await gather_facts(aws, [image], account)
            plan = plan_deregister(app.inventory, [image], facts).plan
            if not plan.runnable:
                continue
            for kind, days, what in (
                ("EC2_IMAGE", 14, "images"),
                ("EBS_SNAPSHOT", 21, "snapshots"),
            ):
                await aws.call(
                    image.region, "CreateRule", service="rbin", ResourceType=kind,
                    RetentionPeriod={"RetentionPeriodValue": days, "RetentionPeriodUnit": "DAYS"},
                    Description=f"keep deregistered {what} {days} days",
                )  # fmt: skip
            facts = await gather_facts(aws, [image], account)  # the rules, now
            plan = plan_deregister(app.inventory, [image], facts).plan
            async for _ in execute_cleanup(aws, plan, journal):
                pass
            other = next(i for i in images if i.region == image.region and i != image)
            share = plan_share(
                [other], ShareRequest(add=(Grantee(ACCOUNT, "111122223333"),)), ShareContext()
            )
            async for _ in execute(aws, share, journal):
                pass
            await app.reload_regions([image.region])
            return
    finally:
        journal.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help="directory (default: screenshots/)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for path in asyncio.run(shoot(args.out)):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
