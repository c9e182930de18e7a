"""The Recycle Bin view (B) and the Journal view (J), end to end: the real App on the sandbox,
driven from the keyboard with Pilot; restore and undo change the sandbox, read-only refuses.

The sandbox's Recycle Bin is pinned in tests/sandbox/test_recycle_bin.py (with the API
reference text it copies); what the rows show is EC2's ListImagesInRecycleBin /
ListSnapshotsInRecycleBin answer plus the rule inferred from the retention period.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from textual.message import Message
from textual.notifications import Notify
from textual.pilot import Pilot
from textual.widgets import Static

from amitui.actions.execute import execute
from amitui.actions.recycle_bin import IMAGES, SNAPSHOTS
from amitui.actions.share import ACCOUNT, Grantee, ShareContext, ShareRequest, plan_share
from amitui.app import AmituiApp, make_app
from amitui.aws import AwsSession
from amitui.backend import LaunchOptions, sandbox_session
from amitui.journal import Journal, default_path
from amitui.loader import load_region
from amitui.model import Inventory, StepOutcome
from amitui.sandbox import SANDBOX_ACCOUNT_ID, Sandbox
from amitui.screens.journal_view import JournalScreen
from amitui.screens.recycle_bin import RecycleBinScreen
from amitui.widgets.cleanup_run import RunScreen
from amitui.widgets.plan_screen import PlanScreen
from amitui.widgets.progress_screen import ProgressScreen

from ..fleet import make_snapshot, register_image
from ..sandbox_api import client as boto

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
SIZE = (180, 50)
GRANTEE = "111122223333"


def app_for(sandbox: Sandbox, region: str, *, read_only: bool = False) -> AmituiApp:
    @asynccontextmanager
    async def session(options: LaunchOptions) -> AsyncIterator[AwsSession]:
        async with sandbox_session(sandbox.endpoint_url, read_only=read_only) as aws:
            yield aws

    return make_app(
        LaunchOptions(regions=(region,), read_only=read_only), session_factory=session, now=NOW
    )


async def until(pilot: Pilot[Any], ready: Callable[[], object], seconds: float = 30) -> None:
    async with asyncio.timeout(seconds):
        while not ready():
            await pilot.pause(0.05)


async def loaded(pilot: Pilot[Any], app: AmituiApp, region: str) -> None:
    await until(pilot, lambda: region in app.inventory.regions and not app.region_pane.busy)
    await pilot.pause()


async def finish_progress(pilot: Pilot[Any], app: AmituiApp) -> None:
    await until(pilot, lambda: isinstance(app.screen, ProgressScreen))
    screen = app.screen
    assert isinstance(screen, ProgressScreen)
    await until(pilot, lambda: screen.finished)
    await pilot.press("enter")
    await until(pilot, lambda: not isinstance(app.screen, ProgressScreen))


def text_of(screen: Any, selector: str) -> str:
    return str(screen.query_one(selector, Static).content)


def rule(sandbox: Sandbox, region: str, kind: str, days: int, description: str) -> None:
    boto(sandbox.endpoint_url, region, "rbin").create_rule(
        ResourceType=kind,
        RetentionPeriod={"RetentionPeriodValue": days, "RetentionPeriodUnit": "DAYS"},
        Description=description,
    )


async def share_once(sandbox: Sandbox, region: str, image_id: str) -> None:
    """A share run journaled where the app reads its journal (as the share flow does)."""
    async with sandbox_session(sandbox.endpoint_url) as aws:
        inventory = Inventory()
        inventory.add(await load_region(aws, region))
        image = next(i for i in inventory.images() if i.image_id == image_id)
        plan = plan_share([image], ShareRequest(add=(Grantee(ACCOUNT, GRANTEE),)), ShareContext())
        journal = Journal(default_path(), account=SANDBOX_ACCOUNT_ID)
        try:
            assert {r.outcome async for r in execute(aws, plan, journal)} == {StepOutcome.OK}
        finally:
            journal.close()


def grantees(ec2: Any, image_id: str) -> list[dict[str, str]]:
    answer = ec2.describe_image_attribute(ImageId=image_id, Attribute="launchPermission")
    permissions: list[dict[str, str]] = answer["LaunchPermissions"]
    return permissions


async def test_the_bin_view_lists_what_the_bin_holds_and_restores_it(
    cleanup_sandbox: Sandbox, region: str, ec2: Any
) -> None:
    rule(cleanup_sandbox, region, IMAGES, 7, "keep a week")
    rule(cleanup_sandbox, region, SNAPSHOTS, 9, "snapshots nine days")
    snapshot_id = make_snapshot(ec2, 8)
    image_id = register_image(ec2, "binned-web", snapshot_id)
    app = app_for(cleanup_sandbox, region)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app, region)
        # Deregister with cleanup from the keyboard: the image and its snapshot go to the bin.
        app.jump_to(next(i.key for i in app.inventory.images() if i.image_id == image_id))
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, PlanScreen))
        await pilot.pause()
        await pilot.press(*image_id)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, RunScreen) and app.screen.finished)
        await pilot.press("enter")
        await until(pilot, lambda: image_id not in {i.image_id for i in app.inventory.images()})

        await pilot.press("B")
        await until(pilot, lambda: isinstance(app.screen, RecycleBinScreen))
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RecycleBinScreen)
        by_id = {r.resource_id: r for r in screen.rows}
        assert set(by_id) == {image_id, snapshot_id}
        assert by_id[image_id].rule == "keep a week (7 d)"
        assert by_id[snapshot_id].rule == "snapshots nine days (9 d)"
        assert by_id[image_id].note == f"maps {snapshot_id}; 1 in the bin"
        assert "1 image and 1 snapshot in the bin" in text_of(screen, "#bin-summary")

        await pilot.press("R")  # the cursor is on the image: its snapshot comes with it
        await until(pilot, lambda: isinstance(app.screen, PlanScreen))
        plan_screen = app.screen
        assert isinstance(plan_screen, PlanScreen)
        assert sorted(s.operation for s in plan_screen.plan.runnable) == [
            "RestoreImageFromRecycleBin",
            "RestoreSnapshotFromRecycleBin",
        ]
        await pilot.press("y")
        await finish_progress(pilot, app)
        # The restored image shows up in the table.
        await until(pilot, lambda: image_id in {i.image_id for i in app.inventory.images()})
    assert ec2.list_images_in_recycle_bin()["Images"] == []
    assert ec2.describe_snapshots(SnapshotIds=[snapshot_id])["Snapshots"]


async def test_the_journal_view_undoes_a_run_once_and_then_says_it_is_undone(
    cleanup_sandbox: Sandbox, region: str, ec2: Any
) -> None:
    image_id = register_image(ec2, "shared-web", make_snapshot(ec2, 8))
    await share_once(cleanup_sandbox, region, image_id)
    assert grantees(ec2, image_id) == [{"UserId": GRANTEE}]
    recorded: list[Message] = []
    app = app_for(cleanup_sandbox, region)
    async with app.run_test(size=SIZE, message_hook=recorded.append) as pilot:
        await loaded(pilot, app, region)
        await pilot.press("J")
        await until(pilot, lambda: isinstance(app.screen, JournalScreen))
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, JournalScreen)
        (row,) = screen.rows
        assert (row.action, row.targets, row.outcomes, row.undone) == (
            "share", image_id, "1 ok", ""
        )  # fmt: skip
        assert row.account == SANDBOX_ACCOUNT_ID

        await pilot.press("u")
        await until(pilot, lambda: isinstance(app.screen, PlanScreen))
        plan_screen = app.screen
        assert isinstance(plan_screen, PlanScreen)
        (step,) = plan_screen.plan.runnable
        assert step.params["LaunchPermission"] == {"Remove": [{"UserId": GRANTEE}]}
        await pilot.press("y")
        await finish_progress(pilot, app)
        assert grantees(ec2, image_id) == []

        await pilot.press("J")
        await until(pilot, lambda: isinstance(app.screen, JournalScreen))
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, JournalScreen)
        undo_row, share_row = screen.rows
        assert undo_row.action == "undo" and share_row.undone == f"undone by run {undo_row.run}"
        await pilot.press("down", "u")  # the share run, again
        await until(
            pilot,
            lambda: any(
                isinstance(m, Notify) and "already undone" in m.notification.message
                for m in recorded
            ),
        )
        assert not isinstance(app.screen, PlanScreen)  # nothing planned, nothing sent
    assert grantees(ec2, image_id) == []


async def test_read_only_the_views_open_and_restore_and_undo_are_refused(
    cleanup_sandbox: Sandbox, region: str, ec2: Any
) -> None:
    rule(cleanup_sandbox, region, SNAPSHOTS, 7, "week")
    snapshot_id = make_snapshot(ec2, 8)
    ec2.delete_snapshot(SnapshotId=snapshot_id)
    image_id = register_image(ec2, "read-only", make_snapshot(ec2, 8))
    await share_once(cleanup_sandbox, region, image_id)
    app = app_for(cleanup_sandbox, region, read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app, region)
        await pilot.press("B")
        await until(pilot, lambda: isinstance(app.screen, RecycleBinScreen))
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RecycleBinScreen)
        assert [r.resource_id for r in screen.rows] == [snapshot_id]
        await pilot.press("R")
        await pilot.pause(0.2)
        assert app.screen is screen and "Read-only" in text_of(screen, "#bin-summary")
        await pilot.press("escape")

        await pilot.press("J")
        await until(pilot, lambda: isinstance(app.screen, JournalScreen))
        await pilot.pause()
        journal = app.screen
        await pilot.press("u")
        await pilot.pause(0.2)
        assert app.screen is journal and "Read-only" in text_of(journal, "#journal-summary")
    assert ec2.list_snapshots_in_recycle_bin()["Snapshots"]
    assert grantees(ec2, image_id) == [{"UserId": GRANTEE}]


async def test_the_views_open_with_no_image_to_act_on(
    cleanup_sandbox: Sandbox, region: str
) -> None:
    """They work on the bin and the journal, not on the selected images: an empty region
    (no image under the cursor) still opens them."""
    app = app_for(cleanup_sandbox, region)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app, region)
        assert app.selected_images() == []
        await pilot.press("J")
        await until(pilot, lambda: isinstance(app.screen, JournalScreen))
        await pilot.pause()
        journal = app.screen
        assert "no runs yet" in text_of(journal, "#journal-summary")
        await pilot.press("u")
        await pilot.pause(0.2)
        assert app.screen is journal and "Nothing to undo" in text_of(journal, "#journal-summary")
        await pilot.press("escape")
        await pilot.press("B")
        await until(pilot, lambda: isinstance(app.screen, RecycleBinScreen))
        await pilot.pause()
        assert "empty" in text_of(app.screen, "#bin-summary")
