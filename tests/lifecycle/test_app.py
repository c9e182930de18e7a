"""The lifecycle actions from the keyboard, in the demo: the real App on the demo fleet in
the sandbox, driven with Pilot, with EC2's state checked afterwards.

One demo sandbox serves the module; each test acts on its own images (all in us-west-2).
Destructive plans (disable) are checked against stray keys (Enter, y, space, digits): only
the typed confirmation sends them.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.message import Message
from textual.widgets import Input

from amitui.app import AmituiApp, make_app
from amitui.aws import AwsSession
from amitui.backend import LaunchOptions, demo_sandbox, sandbox_session
from amitui.sandbox import Sandbox
from amitui.screens.retirement import RetirementScreen
from amitui.widgets.form_dialog import FormDialog
from amitui.widgets.plan_screen import PlanScreen
from amitui.widgets.progress_screen import ProgressScreen

from ..cleanup.test_cleanup_app import (
    find,
    journal_entries,
    loaded,
    type_text,
    wait_for,
    workers_done,
)
from ..fleet import ec2_client
from ..ui.helpers import notified

REGION = "us-west-2"
SIZE = (180, 50)
#: Keys a user may hit by accident; none may send a destructive plan.
STRAY = ["enter", "y", "space", "1", "2", "enter", "y", "enter"]


@pytest.fixture(scope="module")
def demo() -> Iterator[Sandbox]:
    sandbox = demo_sandbox()
    sandbox.startup_timeout = 180
    with sandbox:
        yield sandbox


def app_for(demo: Sandbox, *, now: datetime | None = None, read_only: bool = False) -> AmituiApp:
    @asynccontextmanager
    async def session(options: LaunchOptions) -> AsyncIterator[AwsSession]:
        async with sandbox_session(demo.endpoint_url) as aws:
            yield aws

    return make_app(
        LaunchOptions(regions=(REGION,), demo=True, read_only=read_only),
        session_factory=session,
        now=now,
    )


def described(demo: Sandbox, image_id: str) -> dict[str, Any]:
    (image,) = ec2_client(demo.endpoint_url, REGION).describe_images(ImageIds=[image_id])["Images"]
    return dict(image)


async def open_on(pilot: Any, app: AmituiApp, name: str, key: str) -> str:
    """Load the region, put the cursor on ``name``, press ``key``; the image's id."""
    await loaded(pilot, app, REGION)
    image = find(app, REGION, name)
    app.table.move_cursor_to(image.key)
    await pilot.press(key)
    await wait_for(pilot, lambda: isinstance(app.screen, FormDialog))
    return image.image_id


async def to_plan(pilot: Any, app: AmituiApp) -> PlanScreen:
    await wait_for(pilot, lambda: isinstance(app.screen, PlanScreen))
    assert isinstance(app.screen, PlanScreen)
    return app.screen


async def run_through(pilot: Any, app: AmituiApp) -> None:
    await wait_for(pilot, lambda: isinstance(app.screen, ProgressScreen))
    await wait_for(pilot, lambda: app.screen.finished)  # type: ignore[attr-defined]
    await pilot.press("enter")
    await workers_done(app)


async def test_disable_is_typed_and_stray_keys_send_nothing(demo: Sandbox, tmp_path: Path) -> None:
    app = app_for(demo)
    name = "batch-worker-20261103-c6e5ff4"  # shared with another account
    async with app.run_test(size=SIZE) as pilot:
        image_id = await open_on(pilot, app, name, "e")
        shared = ec2_client(demo.endpoint_url, REGION).describe_image_attribute(
            ImageId=image_id, Attribute="launchPermission"
        )["LaunchPermissions"]
        assert shared
        await pilot.press("enter")  # the dialog's focus starts on its Plan button
        screen = await to_plan(pilot, app)
        assert screen.plan.action == "disable" and screen.plan.destructive
        assert screen.plan.confirm_text == image_id
        for key in STRAY:
            await pilot.press(key)
            await pilot.pause()
        assert app.screen is screen, "a stray key closed or ran the disable plan"
        assert described(demo, image_id)["State"] == "available"
        screen.query_one("#plan-confirm", Input).value = ""
        await type_text(pilot, image_id)
        await pilot.press("enter")
        await run_through(pilot, app)

    assert described(demo, image_id)["State"] == "disabled"
    sent = [
        e for e in journal_entries(tmp_path) if e["phase"] == "sent" and e["target"] == image_id
    ]
    assert [e["operation"] for e in sent] == ["DisableImage"]
    assert sent[0]["before"] == {"LaunchPermissions": shared}


async def test_enable_a_disabled_image(demo: Sandbox) -> None:
    app = app_for(demo)
    async with app.run_test(size=SIZE) as pilot:
        image_id = await open_on(pilot, app, "batch-worker-20260303-8a624ac", "e")
        await pilot.press("enter")  # "Enable instead" is ticked: every image is disabled
        screen = await to_plan(pilot, app)
        assert screen.plan.action == "enable" and not screen.plan.destructive
        await pilot.press("y")
        await run_through(pilot, app)
    assert described(demo, image_id)["State"] == "available"


async def test_protect_from_the_keyboard(demo: Sandbox) -> None:
    app = app_for(demo)
    async with app.run_test(size=SIZE) as pilot:
        image_id = await open_on(pilot, app, "graviton-al2023-2026.02.19", "p")
        await pilot.press("enter")
        screen = await to_plan(pilot, app)
        assert [s.operation for s in screen.plan.runnable] == [
            "EnableImageDeregistrationProtection"
        ]
        await pilot.press("y")
        await run_through(pilot, app)
    assert described(demo, image_id)["DeregistrationProtection"] == "enabled-without-cooldown"


async def test_tags_refused_then_set(demo: Sandbox, tmp_path: Path) -> None:
    app = app_for(demo)
    async with app.run_test(size=SIZE) as pilot:
        image_id = await open_on(pilot, app, "graviton-al2023-2026.03.12", "T")
        dialog = app.screen
        await type_text(pilot, "aws:owner=me")
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is dialog
        assert "aws: prefix is reserved" in dialog.error  # type: ignore[attr-defined]
        dialog.query_one("#set", Input).value = ""
        await type_text(pilot, "review=2026-Q4")
        await pilot.press("enter")
        await to_plan(pilot, app)
        await pilot.press("y")
        await run_through(pilot, app)
    tags = {t["Key"]: t["Value"] for t in described(demo, image_id).get("Tags", [])}
    assert tags["review"] == "2026-Q4"
    assert not [e for e in journal_entries(tmp_path) if "aws:owner" in json.dumps(e)]


async def test_retirement_survives_a_restart_and_runs_only_when_confirmed(
    demo: Sandbox, tmp_path: Path
) -> None:
    name = "graviton-al2023-2026.04.02"
    app = app_for(demo)
    async with app.run_test(size=SIZE) as pilot:
        image_id = await open_on(pilot, app, name, "R")
        await pilot.press("enter")  # the defaults: deprecate now, disable after 14, deregister 30
        screen = await to_plan(pilot, app)
        assert screen.plan.action == "retire"
        assert sum("Scheduled:" in n for n in screen.plan.notes) == 2
        await pilot.press("y")
        await run_through(pilot, app)
    assert "DeprecationTime" in described(demo, image_id)
    schedule = json.loads((tmp_path / "state" / "demo" / "retirement.json").read_text())
    assert [s["kind"] for s in schedule["stages"]] == ["disable", "deregister"]

    # A new App, 15 days later: the disable stage is due, said at start-up, never run by itself.
    later = datetime.now(UTC) + timedelta(days=15)
    messages: list[Message] = []
    restarted = app_for(demo, now=later)
    async with restarted.run_test(size=SIZE, message_hook=messages.append) as pilot:
        await loaded(pilot, restarted, REGION)
        due = [n for n in notified(messages) if n.title == "Retirement due"]
        assert due and "disable 1 image" in due[0].message
        assert described(demo, image_id)["State"] == "available"

        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: isinstance(restarted.screen, RetirementScreen))
        view = restarted.screen
        assert isinstance(view, RetirementScreen)
        assert [r.label for r in view.rows] == [
            "disable 1 image",
            "deregister with cleanup 1 image",
        ]
        await pilot.press("enter")  # the first row: due
        plan_screen = await to_plan(pilot, restarted)
        assert plan_screen.plan.destructive
        assert [s.target for s in plan_screen.plan.runnable] == [image_id]
        for key in STRAY:
            await pilot.press(key)
            await pilot.pause()
        assert restarted.screen is plan_screen
        assert described(demo, image_id)["State"] == "available"
        plan_screen.query_one("#plan-confirm", Input).value = ""
        await type_text(pilot, image_id)
        await pilot.press("enter")
        await run_through(pilot, restarted)

    assert described(demo, image_id)["State"] == "disabled"
    stages = json.loads((tmp_path / "state" / "demo" / "retirement.json").read_text())["stages"]
    assert [(s["kind"], s["status"]) for s in stages] == [
        ("disable", "done"),
        ("deregister", "scheduled"),
    ]


async def test_read_only_hides_and_refuses_the_lifecycle_keys(demo: Sandbox) -> None:
    app = app_for(demo, read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot, app, REGION)
        image = find(app, REGION, "graviton-al2023-2026.04.23")
        before = described(demo, image.image_id)
        app.table.move_cursor_to(image.key)
        for key in ("e", "p", "T", "R", "ctrl+r"):
            await pilot.press(key)
            await pilot.pause()
            assert not isinstance(app.screen, (FormDialog, PlanScreen, RetirementScreen)), key
        offered = {key for key, b in app.screen.active_bindings.items() if b.enabled}
        assert not offered & {"e", "p", "T", "R", "ctrl+r"}
    assert described(demo, image.image_id) == before
