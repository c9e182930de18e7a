"""Deregister with cleanup and guided cleanup, end to end: the real App, the demo fleet in the
sandbox, driven from the keyboard with Pilot.

One demo sandbox serves the module; each test touches different images (and the tests
that change the account run last in their region), so they stay independent.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.message import Message
from textual.notifications import Notify
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import DataTable, Input, OptionList, Static
from textual.worker import WorkerCancelled

from amitui.actions.cleanup import gather_facts, plan_deregister
from amitui.app import AmituiApp, make_app
from amitui.aws import AwsSession
from amitui.backend import LaunchOptions, sandbox_session
from amitui.journal import read_entries
from amitui.model import Image, StepOutcome
from amitui.sandbox import SANDBOX_ACCOUNT_ID, Sandbox
from amitui.sandbox.proxy import AwsError as ProxyAwsError
from amitui.sandbox.proxy import FaultProxy
from amitui.widgets.cleanup_run import RunScreen
from amitui.widgets.cleanup_view import CleanupScreen
from amitui.widgets.orphans_view import OrphansScreen
from amitui.widgets.plan_screen import PlanScreen

from ..sandbox_api import client, demo_sandbox_fixture
from ..ui.helpers import wait_for as wait_until

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
SIZE = (180, 50)


demo = demo_sandbox_fixture("module", startup_timeout=180)


def app_for(demo: Sandbox, *regions: str, read_only: bool = False) -> AmituiApp:
    @asynccontextmanager
    async def session(options: LaunchOptions) -> AsyncIterator[AwsSession]:
        async with sandbox_session(demo.endpoint_url) as aws:
            yield aws

    return make_app(
        LaunchOptions(regions=regions, demo=True, read_only=read_only),
        session_factory=session,
        now=NOW,
    )


async def wait_for(pilot: Pilot[Any], ready: Callable[[], object], seconds: float = 120) -> None:
    """Generous, as it only matters when something is stuck (a loaded CI machine ran the
    orphan cleanup past 60 s)."""
    await wait_until(pilot, ready, seconds)


async def loaded(pilot: Pilot[Any], app: AmituiApp, *regions: str) -> None:
    """The regions' images are listed and no region is still loading anything (a cleanup
    refuses to plan while a region's snapshots are still being listed)."""
    await wait_for(
        pilot,
        lambda: all(r in app.inventory.regions for r in regions) and not app.region_pane.busy,
    )
    await pilot.pause()


async def workers_done(app: AmituiApp) -> None:
    """Every worker finished; a reload superseded by a newer one ends cancelled (with images
    first, a region's snapshots reload after its images), which is fine here."""
    for _ in range(20):
        try:
            await app.workers.wait_for_complete()
            return
        except WorkerCancelled:
            continue
    await app.workers.wait_for_complete()


def find(app: AmituiApp, region: str, name: str) -> Image:
    found = [i for i in app.inventory.images() if i.region == region and i.name == name]
    assert len(found) == 1, (region, name, found)
    return found[0]


async def type_text(pilot: Pilot[Any], text: str) -> None:
    await pilot.press(*text)


def ec2_of(demo: Sandbox, region: str) -> Any:
    return client(demo.endpoint_url, region)


def journal_entries(tmp_path: Path) -> list[dict[str, Any]]:
    return list(read_entries(tmp_path / "state" / "demo" / "journal.jsonl"))  # the demo's own


async def test_in_use_and_protected_images_are_excluded_and_explained(demo: Sandbox) -> None:
    app = app_for(demo, "us-east-1", "eu-central-1")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app, "us-east-1", "eu-central-1")
        in_use = find(app, "us-east-1", "web-golden-2026.11.10")
        protected = find(app, "eu-central-1", "legacy-db-2025.06.12-uefi")
        app.table.set_marks([in_use.key, protected.key])

        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, PlanScreen))

        plan = app.screen.plan  # type: ignore[attr-defined]
        assert plan.runnable == ()
        reasons = {s.target: s.reason for s in plan.excluded}
        assert reasons[in_use.image_id].startswith(f"{in_use.name}: left out, in use by ")
        assert "instance i-" in reasons[in_use.image_id]
        assert "Auto Scaling group web-prod-fleet" in reasons[in_use.image_id]
        assert "launch template web-prod" in reasons[in_use.image_id]
        assert "deregistration protection is on" in reasons[protected.image_id]
        assert "DisableImageDeregistrationProtection" in reasons[protected.image_id]
        await wait_for(pilot, lambda: app.screen.query(".excluded"))
        rendered = " ".join(str(w.content) for w in app.screen.query(".excluded").results(Static))
        assert "web-prod" in rendered and "DisableImageDeregistrationProtection" in rendered

        await pilot.press("enter")  # nothing runnable: Enter closes, and nothing follows
        await workers_done(app)
        assert not isinstance(app.screen, PlanScreen)
    assert protected.image_id in {
        i["ImageId"]
        for i in ec2_of(demo, "eu-central-1").describe_images(Owners=["self"])["Images"]
    }


async def test_wrong_confirmation_does_nothing_and_escape_cancels(
    demo: Sandbox, tmp_path: Path
) -> None:
    app = app_for(demo, "eu-central-1")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app, "eu-central-1")
        image = find(app, "eu-central-1", "legacy-db-2025.06.12")
        app.table.move_cursor_to(image.key)

        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, PlanScreen))
        await type_text(pilot, "ami-wrong")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, PlanScreen)  # still asking
        await pilot.press("escape")
        await workers_done(app)
        assert not isinstance(app.screen, PlanScreen)
    assert image.image_id in {
        i["ImageId"]
        for i in ec2_of(demo, "eu-central-1").describe_images(Owners=["self"])["Images"]
    }
    assert [e for e in journal_entries(tmp_path) if e["phase"] == "sent"] == []


async def test_deregister_deletes_own_snapshots_and_keeps_the_shared_one(
    demo: Sandbox, tmp_path: Path
) -> None:
    ec2 = ec2_of(demo, "eu-central-1")
    app = app_for(demo, "eu-central-1")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app, "eu-central-1")
        image = find(app, "eu-central-1", "legacy-db-2025.06.12")
        keeper = find(app, "eu-central-1", "legacy-db-2025.06.12-uefi")
        shared = set(image.snapshot_ids) & set(keeper.snapshot_ids)
        own = set(image.snapshot_ids) - shared
        assert shared and own
        app.table.move_cursor_to(image.key)

        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, PlanScreen))
        plan = app.screen.plan  # type: ignore[attr-defined]
        assert plan.confirm_text == image.image_id
        assert {s.target for s in plan.runnable} == {image.image_id, *own}
        (kept,) = [s for s in plan.excluded if s.target in shared]
        assert keeper.image_id in kept.reason
        assert any("GiB" in n and "month" in n for n in plan.notes)

        await type_text(pilot, image.image_id)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, RunScreen))
        await wait_for(pilot, lambda: app.screen.finished)  # type: ignore[attr-defined]
        run_screen = app.screen
        assert len(run_screen.results) == len(plan.runnable)  # type: ignore[attr-defined]
        await pilot.press("enter")
        await workers_done(app)
        await pilot.pause()
        assert image.key not in {i.key for i in app.inventory.images()}  # reloaded

    assert image.image_id not in {
        i["ImageId"] for i in ec2.describe_images(Owners=["self"])["Images"]
    }
    remaining = {s["SnapshotId"] for s in ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"]}
    assert shared <= remaining and not own & remaining
    entries = journal_entries(tmp_path)
    for step in plan.runnable:
        assert [e["phase"] for e in entries if e["step"] == step.step_id] == ["sent", "outcome"]
    assert {e["outcome"] for e in entries if e["phase"] == "outcome"} == {"ok"}


async def test_guided_cleanup_unmark_and_send_to_the_plan(demo: Sandbox, tmp_path: Path) -> None:
    app = app_for(demo, "us-west-2")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app, "us-west-2")
        app.action_flow("cleanup")
        await wait_for(pilot, lambda: isinstance(app.screen, CleanupScreen))
        screen = app.screen
        assert isinstance(screen, CleanupScreen)
        await wait_for(pilot, lambda: screen.rows.rules)  # mounted, rules applied
        candidates = screen.rows.candidates
        assert candidates, "the default rules offer something in the demo"
        never = {r.key.image_id: r.why for r in screen.rows.never}
        in_use = find(app, "us-west-2", "graviton-al2023-2026.11.19")
        assert "in use by instance" in never[in_use.image_id]
        assert in_use.key not in {c.key for c in candidates}

        # A typed rule narrows the list; a bad one says how to fix it.
        older = screen.query_one("#rule-older_than_days", Input)
        older.value = "ninety"
        older.focus()
        await pilot.press("enter")
        assert "whole number" in str(screen.query_one("#guided-error").render())
        older.value = "200"
        await pilot.press("enter")
        narrowed = screen.rows.candidates
        assert 0 < len(narrowed) <= len(candidates)
        assert all(NOW - c.created > timedelta(days=200) for c in narrowed if c.created)

        screen.query_one("#guided-table").focus()
        await pilot.press("ctrl+t")  # take the rules' candidates
        await pilot.press("space")  # unmark the first candidate
        assert len(screen.marked) == len(narrowed) - 1
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, PlanScreen))
        plan = app.screen.plan  # type: ignore[attr-defined]
        deregistered = {s.target for s in plan.steps if s.operation == "DeregisterImage"}
        assert narrowed[0].key.image_id not in deregistered
        assert deregistered == {c.key.image_id for c in narrowed[1:]}
        await pilot.press("escape")  # cancel: nothing runs
        await workers_done(app)
    assert [e for e in journal_entries(tmp_path) if e["phase"] == "sent"] == []


async def test_orphaned_snapshots_cleaned_through_the_same_flow(
    demo: Sandbox, tmp_path: Path
) -> None:
    ec2 = ec2_of(demo, "sa-east-1")
    app = app_for(demo, "sa-east-1")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app, "sa-east-1")
        orphans = {o.snapshot.snapshot_id for o in app.inventory.orphaned_snapshots()}
        assert orphans
        app.action_flow("cleanup")
        await wait_for(pilot, lambda: isinstance(app.screen, CleanupScreen))
        await wait_for(pilot, lambda: app.screen.rows.rules)  # type: ignore[attr-defined]
        app.screen.query_one("#guided-table").focus()
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, OrphansScreen))
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, PlanScreen))
        plan = app.screen.plan  # type: ignore[attr-defined]
        assert {s.target for s in plan.runnable} == orphans
        await type_text(pilot, plan.confirm_text)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, RunScreen) and app.screen.finished)
        await pilot.press("enter")
        await workers_done(app)
    remaining = {s["SnapshotId"] for s in ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"]}
    assert not orphans & remaining
    sent = [e for e in journal_entries(tmp_path) if e["phase"] == "sent"]
    assert {e["target"] for e in sent} == orphans


async def test_partial_failure_shown_and_rerun_from_the_progress_screen(
    demo: Sandbox, tmp_path: Path
) -> None:
    """A snapshot delete fails: it is listed as left behind; ``r`` reruns the same plan,
    which does only what was left (the deregistration is not sent again)."""
    region = "ap-northeast-1"
    with FaultProxy(demo.endpoint_url) as faults:

        @asynccontextmanager
        async def session(options: LaunchOptions) -> AsyncIterator[AwsSession]:
            async with sandbox_session(faults.url, max_attempts=0) as aws:
                yield aws

        app = make_app(
            LaunchOptions(regions=(region,), demo=True), session_factory=session, now=NOW
        )
        async with app.run_test(size=SIZE) as pilot:
            await loaded(pilot, app, region)
            images = list(app.inventory.images())
            facts = await gather_facts(app.aws, images, SANDBOX_ACCOUNT_ID)
            cleanup = plan_deregister(app.inventory, images, facts)
            image = next(
                v.image
                for v in cleanup.verdicts
                if v.deregister and any(f.delete for f in v.snapshots)
            )
            app.table.move_cursor_to(image.key)
            faults.add_fault(
                ProxyAwsError("InternalError", "We encountered an internal error."),
                region=region,
                action="DeleteSnapshot",
                count=1,
            )

            await pilot.press("x")
            await wait_for(pilot, lambda: isinstance(app.screen, PlanScreen))
            await type_text(pilot, image.image_id)
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, RunScreen) and app.screen.finished)
            first = app.screen
            assert [r.error.code for r in first.results if r.error] == ["InternalError"]  # type: ignore[attr-defined]
            left = str(first.query_one("#run-left", Static).content)
            assert "Left behind" in left and "InternalError" in left
            faults.clear_requests()

            await pilot.press("r")
            await wait_for(
                pilot,
                lambda: (
                    isinstance(app.screen, RunScreen)
                    and app.screen is not first
                    and app.screen.finished
                ),
            )
            second = app.screen
            assert {r.outcome for r in second.results} == {StepOutcome.OK}  # type: ignore[attr-defined]
            assert "Everything in the plan was done" in str(
                second.query_one("#run-left", Static).content
            )
            await pilot.press("enter")
            await workers_done(app)
        assert [a for a in faults.actions() if a in ("DeregisterImage", "DeleteSnapshot")] == [
            "DeleteSnapshot"
        ]
    remaining = {
        s["SnapshotId"]
        for s in ec2_of(demo, region).describe_snapshots(OwnerIds=["self"])["Snapshots"]
    }
    assert not set(image.snapshot_ids) & remaining


# --- the guided view as a new user meets it ----------------------------------------------


async def open_guided(pilot: Pilot[Any], app: AmituiApp, region: str) -> CleanupScreen:
    await loaded(pilot, app, region)
    app.action_flow("cleanup")
    await wait_for(pilot, lambda: isinstance(app.screen, CleanupScreen))
    screen = app.screen
    assert isinstance(screen, CleanupScreen)
    await wait_for(pilot, lambda: screen.rows.rules)
    await pilot.pause()
    return screen


def focused(app: AmituiApp) -> Widget | None:
    """What has focus now: read through a call, since a key press may have moved it since an
    earlier ``assert app.focused is …`` (which a type checker takes to still hold)."""
    return app.focused


async def test_guided_cleanup_opens_on_the_rules_with_nothing_marked(demo: Sandbox) -> None:
    app = app_for(demo, "us-west-2")
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await open_guided(pilot, app, "us-west-2")
        candidates = [c.key for c in screen.rows.candidates]
        assert len(candidates) >= 2
        # Focus on the first rule; a rule offers candidates, nobody has picked any yet.
        assert app.focused is screen.query_one("#rule-keep_newest", Input)
        assert screen.marked == set()
        # Letters typed into a rule are text, not list commands (x, a, n, o are bound).
        tag = screen.query_one("#rule-tag", Input)
        tag.focus()
        await type_text(pilot, "xano")
        assert tag.value == "xano" and isinstance(app.screen, CleanupScreen)
        tag.value = ""
        # Enter applies the rules and goes on to what they offer, still unmarked.
        await pilot.press("enter")
        table = screen.query_one("#guided-table", DataTable)
        assert focused(app) is table and screen.marked == set()
        await pilot.press("shift+tab")
        assert app.focused is tag
        # One key, from anywhere, takes them; the key line says which.
        assert "ctrl+t: take the candidates" in str(screen.query_one("#guided-help").render())
        await pilot.press("ctrl+t")
        assert screen.marked == set(candidates)
        # space unmarks and moves down; j and k move as the arrows do.
        table.focus()
        await pilot.press("space")
        assert screen.marked == set(candidates[1:]) and table.cursor_row == 1
        await pilot.press("k")
        assert table.cursor_row == 0
        await pilot.press("j")
        assert table.cursor_row == 1


async def test_guided_progress_is_in_the_screen_not_a_toast(demo: Sandbox) -> None:
    """Checking what uses every image takes a while; a toast would sit over the key line."""
    app = app_for(demo, "us-west-2")
    recorded: list[Message] = []
    async with app.run_test(size=(160, 45), message_hook=recorded.append) as pilot:
        await loaded(pilot, app, "us-west-2")
        app.action_flow("cleanup")
        await wait_for(pilot, lambda: isinstance(app.screen, CleanupScreen))
        screen = app.screen
        assert isinstance(screen, CleanupScreen)
        summary = str(screen.query_one("#guided-summary").render())
        assert screen.ready or "Checking what uses" in summary
        await wait_for(pilot, lambda: screen.rows.rules)
        toasts = [m.notification.message for m in recorded if isinstance(m, Notify)]
        assert not any("Checking" in text for text in toasts)


@pytest.mark.parametrize("size", [(100, 30), (160, 45)])
async def test_the_why_of_a_candidate_is_readable(demo: Sandbox, size: tuple[int, int]) -> None:
    app = app_for(demo, "us-west-2")
    async with app.run_test(size=size) as pilot:
        screen = await open_guided(pilot, app, "us-west-2")
        table = screen.query_one("#guided-table", DataTable)
        table.focus()
        await pilot.press("j")
        await pilot.pause()
        row = screen.rows.candidates[table.cursor_row]
        # In full under the list, whatever the width...
        shown = " ".join(str(screen.query_one("#guided-why").render()).split())
        assert " ".join(row.why.split()) in shown and row.key.image_id in shown
        # ...and at 160 columns the Why column itself has room (Name yields to it).
        if size[0] >= 160:
            others = sum(
                column.get_render_width(table)
                for key, column in table.columns.items()
                if key.value != "Why"
            )
            assert table.size.width - others >= 40


async def test_guided_review_works_read_only_and_refuses_to_deregister(
    demo: Sandbox, tmp_path: Path
) -> None:
    app = app_for(demo, "us-west-2", read_only=True)
    async with app.run_test(size=(160, 45)) as pilot:
        labels = [entry.text for entry in app.palette_entries()]
        assert "Guided cleanup…" in labels and "Copy…" not in labels
        screen = await open_guided(pilot, app, "us-west-2")
        assert screen.rows.candidates, "the review shows what the rules would offer"
        assert "review only" in str(screen.query_one("#guided-title").render())
        await pilot.press("ctrl+t")
        screen.query_one("#guided-table").focus()
        await pilot.press("x")
        await pilot.pause()
        assert app.screen is screen, "no plan is opened read-only"
        said = str(screen.query_one("#guided-error").render())
        assert "Read-only" in said and "--read-only" in said
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, OrphansScreen))
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, OrphansScreen)
        assert "Read-only" in str(app.screen.query_one("#orphans-summary").render())
        await pilot.press("escape")
        await workers_done(app)
    assert [e for e in journal_entries(tmp_path) if e["phase"] == "sent"] == []


async def test_the_region_list_shows_its_cursor_and_moves_with_j_and_k(demo: Sandbox) -> None:
    app = app_for(demo, "us-west-2", "sa-east-1")
    async with app.run_test(size=(160, 45)) as pilot:
        await loaded(pilot, app, "us-west-2", "sa-east-1")
        regions = app.query_one("#region-list", OptionList)
        regions.focus()
        await pilot.pause()
        assert regions.highlighted == 0, "a focused list shows where its cursor is"
        await pilot.press("j")
        assert regions.highlighted == 1
        await pilot.press("j", "k")
        assert regions.highlighted == 1
