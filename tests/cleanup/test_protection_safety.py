"""Lifting a guard is a destructive act: never chained after another screen, never one key.

- ``x`` on a protected image shows a plan with nothing to run; whatever keys follow (Enter,
  y, space, digits), nothing in EC2 changes: protection is only lifted by its own action.
- That action (``P``) is a destructive plan: the image id typed (or the count), journaled.
- ctrl+d (DryRun first) works on destructive plans too, whose confirmation is an Input
  (Input binds ctrl+d itself), and the preflight then runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from amitui.app import AmituiApp
from amitui.sandbox import SANDBOX_ACCOUNT_ID, Sandbox
from amitui.widgets.cleanup_run import RunScreen
from amitui.widgets.plan_screen import PlanScreen
from amitui.widgets.progress_screen import ProgressScreen

from .test_cleanup_app import (
    SIZE,
    app_for,
    demo,
    ec2_of,
    find,
    journal_entries,
    loaded,
    type_text,
    wait_for,
    workers_done,
)

REGION = "eu-central-1"
PROTECTED = "legacy-db-2025.06.12-uefi"
UNPROTECTED = "legacy-db-2025.06.12"
#: Keys a user may hit by accident; none may change anything in EC2 on this path.
STRAY = ["enter", "y", "space", "1", "2", "enter", "y", "enter"]


__all__ = ["demo"]  # the module's own demo sandbox (a module-scoped fixture)


async def plan_for(pilot: Pilot[Any], app: AmituiApp, name: str, key: str) -> PlanScreen:
    """Load REGION, put the cursor on image ``name``, press ``key``: its plan screen."""
    await loaded(pilot, app, REGION)
    app.table.move_cursor_to(find(app, REGION, name).key)
    await pilot.press(key)
    await wait_for(pilot, lambda: isinstance(app.screen, PlanScreen))
    screen = app.screen
    assert isinstance(screen, PlanScreen)
    return screen


def protection(demo: Sandbox, image_id: str) -> str:
    (image,) = ec2_of(demo, REGION).describe_images(ImageIds=[image_id])["Images"]
    return str(image.get("DeregistrationProtection", "disabled"))


def lift_calls(tmp_path: Path) -> list[dict[str, Any]]:
    return [
        e
        for e in journal_entries(tmp_path)
        if e.get("operation") == "DisableImageDeregistrationProtection"
    ]


async def test_stray_keys_after_a_protected_plan_lift_nothing(
    demo: Sandbox, tmp_path: Path
) -> None:
    app = app_for(demo, REGION)
    async with app.run_test(size=SIZE) as pilot:
        plan = (await plan_for(pilot, app, PROTECTED, "x")).plan
        image = find(app, REGION, PROTECTED)
        before = protection(demo, image.image_id)
        assert before.startswith("enabled")
        assert plan.runnable == ()
        shown = []
        for key in STRAY:
            await pilot.press(key)
            await pilot.pause()
            if isinstance(app.screen, PlanScreen):
                shown.append(app.screen.plan.action)
        await workers_done(app)

    assert protection(demo, image.image_id) == before
    assert lift_calls(tmp_path) == []
    assert set(shown) <= {"deregister"}, f"chained after the plan: {shown}"
    # The way out is named, as a separate action, not offered as the next screen.
    assert any("Lift deregistration protection" in n and "(P)" in n for n in plan.notes)


async def test_lift_protection_is_its_own_typed_confirmation(demo: Sandbox, tmp_path: Path) -> None:
    app = app_for(demo, REGION)
    async with app.run_test(size=SIZE) as pilot:
        screen = await plan_for(pilot, app, PROTECTED, "P")
        image = find(app, REGION, PROTECTED)
        plan = screen.plan
        assert plan.action == "lift-deregistration-protection"
        assert plan.destructive and plan.confirm_text == image.image_id
        assert [(s.operation, s.target) for s in plan.runnable] == [
            ("DisableImageDeregistrationProtection", image.image_id)
        ]
        for key in STRAY:
            await pilot.press(key)
            await pilot.pause()
        assert app.screen is screen, "a stray key closed or ran the plan"
        assert protection(demo, image.image_id).startswith("enabled")
        assert lift_calls(tmp_path) == []

        screen.query_one("#plan-confirm").value = ""  # type: ignore[attr-defined]
        await type_text(pilot, image.image_id)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ProgressScreen))
        await wait_for(pilot, lambda: app.screen.finished)  # type: ignore[attr-defined]
        await pilot.press("enter")
        await workers_done(app)

    after = protection(demo, image.image_id)
    assert after == "disabled" or after.startswith("disabled-until"), after
    assert [e["phase"] for e in lift_calls(tmp_path)] == ["sent", "outcome"]
    assert lift_calls(tmp_path)[-1]["outcome"] == "ok"
    # The demo journals apart from the user's real journal, each line naming where it went.
    assert not (tmp_path / "state" / "journal.jsonl").exists()
    for entry in lift_calls(tmp_path):
        assert entry["account"] == SANDBOX_ACCOUNT_ID
        assert entry["endpoint"] == demo.endpoint_url


async def test_dry_run_toggles_on_a_destructive_plan_and_runs_first(
    demo: Sandbox, tmp_path: Path
) -> None:
    app = app_for(demo, REGION)
    async with app.run_test(size=SIZE) as pilot:
        screen = await plan_for(pilot, app, UNPROTECTED, "x")
        image = find(app, REGION, UNPROTECTED)
        assert screen.plan.destructive
        await pilot.press("ctrl+d")
        assert screen.dry_run_first
        assert "(on)" in str(screen.query_one("#plan-help").content)  # type: ignore[attr-defined]
        await type_text(pilot, image.image_id)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, RunScreen))
        await wait_for(pilot, lambda: app.screen.finished)  # type: ignore[attr-defined]
        await pilot.press("enter")
        await workers_done(app)

    entries = [e for e in journal_entries(tmp_path) if e["step"].endswith(image.image_id)]
    assert next(e.get("dry_run") for e in entries if e["phase"] == "sent") is True
    assert any(e["phase"] == "sent" and not e.get("dry_run") for e in entries)
