"""ProgressScreen: results and follow-up notes as they come, cancel, failures never lost."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from textual.app import App
from textual.widgets import Static

from amitui.model import AwsError, Plan, RegionStatus, Step, StepOutcome, StepResult
from amitui.widgets.progress_screen import ProgressScreen, StepNote

STEPS = (
    Step("a", "eu-west-1", "CopyImage", "ami-1 → eu-west-1", {}, "copy"),
    Step("b", "us-east-2", "CopyImage", "ami-1 → us-east-2", {}, "copy"),
)
PLAN = Plan("copy", "Copy [red]1[/] image", STEPS)


class Host(App[None]):
    def __init__(self, screen: ProgressScreen) -> None:
        super().__init__()
        self.progress = screen
        self.answers: list[list[StepResult] | None] = []

    def on_mount(self) -> None:
        self.push_screen(self.progress, self.answers.append)


def lines(screen: ProgressScreen) -> str:
    return "\n".join(str(w.render()) for w in screen.query(Static))


async def test_results_notes_and_summary() -> None:
    release = asyncio.Event()

    async def events(cancel: asyncio.Event) -> AsyncIterator[StepResult | StepNote]:
        yield StepResult(STEPS[0], StepOutcome.OK, {"ImageId": "ami-2"})
        yield StepNote("a", "ami-2 pending 40% (3 s)")
        await release.wait()
        error = AwsError(RegionStatus.FAILED, "InvalidAMIID.NotFound", "gone")
        yield StepResult(STEPS[1], StepOutcome.FAILED, error=error)
        yield StepNote("a", "ami-2 available (9 s)", final=True)

    screen = ProgressScreen(PLAN, events)
    app = Host(screen)
    async with app.run_test(size=(150, 30)) as pilot:
        await pilot.pause()
        shown = lines(screen)
        assert "Copy [red]1[/] image" in shown  # remote-looking text is not parsed as markup
        assert "ami-2 pending 40%" in shown and "running" in shown
        await pilot.press("enter")  # not finished: Enter does not close
        assert app.screen is screen
        release.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        shown = lines(screen)
        assert "InvalidAMIID.NotFound: gone" in shown
        assert "ami-2 available" in shown
        assert "1 done, 1 failed, 0 skipped" in shown
        await pilot.press("enter")
    assert [r.step.step_id for r in app.answers[0] or []] == ["a", "b"]


async def test_escape_cancels_then_closes() -> None:
    async def events(cancel: asyncio.Event) -> AsyncIterator[StepResult | StepNote]:
        yield StepResult(STEPS[0], StepOutcome.OK)
        await cancel.wait()
        yield StepResult(STEPS[1], StepOutcome.SKIPPED, detail="cancelled before it was sent")

    screen = ProgressScreen(PLAN, events)
    app = Host(screen)
    async with app.run_test(size=(150, 30)) as pilot:
        await pilot.pause()
        await pilot.press("escape")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.cancel.is_set() and screen.finished
        assert "(cancelled)" in lines(screen)
        await pilot.press("escape")
    assert len(app.answers[0] or []) == 2


async def test_a_crash_in_the_run_is_shown() -> None:
    async def events(cancel: asyncio.Event) -> AsyncIterator[StepResult | StepNote]:
        yield StepResult(STEPS[0], StepOutcome.OK)
        raise RuntimeError("boom")

    screen = ProgressScreen(PLAN, events)
    app = Host(screen)
    async with app.run_test(size=(150, 30)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        shown = lines(screen)
        assert "The run stopped: RuntimeError: boom" in shown
        assert "1 not reported" in shown
