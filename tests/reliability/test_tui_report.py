"""The explorer's report of a run in which one call fails midway: the progress screen names
the failed step with its AWS error, the others as done, the journal (in the state dir) says
the same, and the closing notification counts them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.message import Message
from textual.notifications import Notify
from textual.pilot import Pilot

from amitui.app import AmituiApp
from amitui.journal import read_entries
from amitui.model import ImageKey, StepOutcome
from amitui.sandbox.proxy import AwsError, FaultProxy
from amitui.widgets.form_dialog import FormDialog
from amitui.widgets.plan_screen import PlanScreen
from amitui.widgets.progress_screen import ProgressScreen

from ..sandbox_api import ec2_client, make_snapshot, register_image
from .conftest import ReliabilityFleet
from .test_tui import explorer, idle, screen_text, settle  # noqa: F401  (fixture and helpers)

REGION = "ap-northeast-1"


async def wait_for(pilot: Pilot[int], kind: type, seconds: float = 15.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if isinstance(pilot.app.screen, kind):
            return
        await pilot.pause(0.05)
    raise AssertionError(f"{kind.__name__} never showed (at {pilot.app.screen!r})")


async def test_a_deprecation_failing_for_one_of_three_images_is_reported_truly(
    explorer: Callable[..., AmituiApp],  # noqa: F811
    fault_proxy: FaultProxy,
    reliability_fleet: ReliabilityFleet,
    isolated_user_env: Path,
) -> None:
    ec2 = ec2_client(reliability_fleet.endpoint_url, REGION)
    ids = [register_image(ec2, f"report-{i}", make_snapshot(ec2, 8)) for i in range(3)]
    fault_proxy.add_fault(
        AwsError("UnauthorizedOperation", "You are not authorized to perform this operation."),
        action="EnableImageDeprecation",
        after=1,
        count=1,
    )
    app = explorer(fault_proxy.url, regions=(REGION,))
    recorded: list[Message] = []
    async with app.run_test(size=(200, 50), message_hook=recorded.append) as pilot:
        await settle(pilot)
        for image_id in ids:
            assert app.table.move_cursor_to(ImageKey(REGION, image_id))
            await pilot.press("space")
        await pilot.press("d")
        await wait_for(pilot, FormDialog)
        await pilot.press("ctrl+s")
        await wait_for(pilot, PlanScreen)
        await pilot.press("y")
        await wait_for(pilot, ProgressScreen)
        progress = app.screen
        assert isinstance(progress, ProgressScreen)
        for _ in range(300):
            if progress.finished:
                break
            await pilot.pause(0.05)
        assert progress.finished
        outcomes = sorted(r.outcome.value for r in progress.results.values())
        assert outcomes == ["failed", "ok", "ok"]
        shown = screen_text(app)
        assert "UnauthorizedOperation" in shown, "the failed step shows its AWS error"
        failed = next(r for r in progress.results.values() if r.outcome is StepOutcome.FAILED)
        await pilot.press("enter")
        summary = "deprecate: 2 done, 1 failed, 0 skipped"
        seen: set[str] = set()
        for _ in range(300):  # the flow reloads the region, then notifies
            await pilot.pause(0.05)
            seen.update(m.notification.message for m in recorded if isinstance(m, Notify))
            if summary in seen:
                break
        messages = sorted(seen)
        assert summary in messages, (app.screen, messages)

    journal = isolated_user_env / "state" / "journal.jsonl"
    last = {e["step"]: e for e in read_entries(journal) if e["phase"] == "outcome"}
    assert sorted(e["outcome"] for e in last.values()) == ["failed", "ok", "ok"]
    assert last[failed.step.step_id]["error"]["code"] == "UnauthorizedOperation"
