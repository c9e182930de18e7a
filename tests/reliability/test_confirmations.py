"""Public sharing and bulk cleanup cannot happen from one stray key press.

- The plans: making an image public, and deregister-with-cleanup, are ``destructive`` with
  a ``confirm_text`` (the image id for one image, the count for several); a private share
  is not.
- The plan screen of a destructive plan: no single key (y, Enter, space, digits, letters,
  ctrl+d, tab) runs it, a wrong text + Enter says what to type, only the exact text + Enter
  runs it, Escape cancels.
- In the explorer: ``x`` on an image reaches the plan screen; stray keys there send nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from textual.widgets import Static

from amitui.actions.share import ACCOUNT, PUBLIC, Grantee, ShareContext, ShareRequest, plan_share
from amitui.app import AmituiApp
from amitui.model import Image, ImageKey, Plan
from amitui.sandbox.proxy import FaultProxy
from amitui.widgets.plan_screen import PlanScreen

from .conftest import ReliabilityFleet
from .test_tui import explorer, idle, settle  # noqa: F401  (fixture and helpers)
from .test_untrusted_text import Host, hostile_image

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
#: Keys a user might hit by accident on a plan screen; none of them alone may run it.
STRAY_KEYS = ["y", "enter", "space", "1", "3", "a", "Y", "ctrl+d", "tab", "ctrl+s", "x"]


def images(count: int) -> list[Image]:
    made = []
    for i in range(count):
        image = hostile_image(f"web-{i}")
        made.append(
            Image.from_aws("us-east-1", {**image.record, "ImageId": f"ami-0123456789abcdef{i}"})
        )
    return made


def public_plan(count: int) -> Plan:
    return plan_share(images(count), ShareRequest(add=(Grantee(PUBLIC),)), ShareContext())


def test_making_one_image_public_needs_its_id_typed() -> None:
    plan = public_plan(1)
    assert plan.destructive and plan.confirm_text == "ami-0123456789abcdef0"


def test_making_several_images_public_needs_their_count_typed() -> None:
    plan = public_plan(3)
    assert plan.destructive and plan.confirm_text == "3"


def test_a_private_share_is_a_plain_yes_no() -> None:
    plan = plan_share(
        images(2), ShareRequest(add=(Grantee(ACCOUNT, "111122223333"),)), ShareContext()
    )
    assert not plan.destructive


@pytest.mark.parametrize("count", [1, 3], ids=["one image", "bulk"])
async def test_no_single_key_runs_a_destructive_plan(count: int) -> None:
    plan = public_plan(count)
    app = Host()
    async with app.run_test(size=(200, 50)) as pilot:
        for key in STRAY_KEYS:
            answers: list[bool | None] = []
            app.push_screen(PlanScreen(plan), answers.append)
            await pilot.pause()
            await pilot.press(key)
            await pilot.pause()
            assert True not in answers, f"{key!r} alone ran the plan"
            if not answers:
                await pilot.press("escape")
                await pilot.pause()
            assert answers in ([False], [None]), f"{key!r}: {answers}"

        answers = []
        app.push_screen(PlanScreen(plan), answers.append)
        await pilot.pause()
        await pilot.press(*"ami-wrong", "enter")
        await pilot.pause()
        assert answers == []
        error = str(app.screen.query_one("#plan-error", Static).render())
        assert f"Type {plan.confirm_text} exactly to run" in error
        await pilot.press(*["backspace"] * 9, *plan.confirm_text, "enter")
        await pilot.pause()
        assert answers == [True], "the exact text and Enter run it"


async def test_in_the_explorer_stray_keys_on_the_cleanup_plan_send_nothing(
    explorer: Callable[..., AmituiApp],  # noqa: F811
    fault_proxy: FaultProxy,
    reliability_fleet: ReliabilityFleet,
) -> None:
    app = explorer(fault_proxy.url, regions=("ap-southeast-2",))
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        assert app.table.move_cursor_to(
            ImageKey("ap-southeast-2", reliability_fleet.images["ap-southeast-2"])
        )
        await pilot.press("x")
        for _ in range(200):  # the flow gathers facts, then shows the plan
            await pilot.pause(0.05)
            if isinstance(app.screen, PlanScreen):
                break
        assert isinstance(app.screen, PlanScreen), "the cleanup plan is shown"
        assert app.screen.plan.destructive
        for key in STRAY_KEYS:
            await pilot.press(key)
        await pilot.pause(0.2)
        assert isinstance(app.screen, PlanScreen), "still waiting for the typed confirmation"
        await pilot.press("escape")
        await pilot.pause(0.2)
        await idle(pilot)
    mutating = [
        a for a in fault_proxy.actions() if a and not a.startswith(("Describe", "Get", "List"))
    ]
    assert mutating == [], f"sent without confirmation: {mutating}"
