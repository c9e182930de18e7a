"""Live progress of a confirmed cleanup plan: every outcome as it arrives, then what was left
behind and why.

Contract::

    results = await app.push_screen_wait(
        RunScreen(plan, lambda cancel: execute_cleanup(aws, plan, journal, cancel=cancel))
    )

- ``run(cancel)`` is the engine's async iterator of :class:`~amitui.model.StepResult` (the
  screen never imports the engine; the flow injects it). It starts when the screen mounts.
- Escape while running sets ``cancel``: no new step starts, steps in flight finish and are
  shown. Once finished, Enter or Escape closes the screen, which returns every result.
- Failed and skipped steps are listed under "Left behind" with the AWS error or the reason.
  Then ``r`` closes the screen with :attr:`RunScreen.retry` set: the flow runs the same plan
  again (the journal makes done steps count as done, so only what was left is retried).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable
from contextlib import aclosing

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, ProgressBar, Static

from amitui.model import Plan, StepOutcome, StepResult
from amitui.text import counted, inert

RunResults = Callable[[asyncio.Event], AsyncGenerator[StepResult, None]]

_MARKS = {StepOutcome.OK: ("✓", "green"), StepOutcome.FAILED: ("✗", "red")}


def result_line(result: StepResult) -> Text:
    mark, style = _MARKS.get(result.outcome, ("·", "yellow"))
    step = result.step
    line = Text()
    line.append(f"{mark} ", style=f"bold {style}")
    line.append(f"{inert(step.region):<15} ")
    line.append(f"{inert(step.operation):<22} ", style="cyan")
    line.append(inert(step.target))
    if result.error is not None:
        line.append(f"  {inert(result.error.describe())}", style=style)
    if result.detail:
        line.append(f"  ({inert(result.detail)})", style="dim")
    return line


def left_behind_line(result: StepResult) -> Text:
    step = result.step
    reason = result.error.describe() if result.error is not None else result.detail
    line = Text()
    line.append(f"{inert(step.region)}  {inert(step.target)}", style="bold")
    line.append(f"  {inert(step.operation)} not done: ")
    line.append(inert(reason or result.outcome.value), style="yellow")
    return line


class RunScreen(ModalScreen[tuple[StepResult, ...]]):
    """Run a confirmed plan and show its progress."""

    DEFAULT_CSS = """
    RunScreen { align: center middle; }
    RunScreen > #run-box {
        width: 90%; max-width: 140; height: auto; max-height: 90%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    RunScreen #run-title { text-style: bold; }
    RunScreen #run-log { height: auto; max-height: 50vh; }
    RunScreen #run-left { color: $warning; height: auto; }
    RunScreen #run-help { color: $text-muted; margin-top: 1; }
    """

    BINDINGS = [
        Binding("escape", "stop_or_close", "Stop", id="run.stop", tooltip="Stop or close"),
        Binding("enter", "close", "Close", show=False, id="run.close", tooltip="Close"),
        Binding(
            "r", "retry", "Retry", show=False, id="run.retry",
            tooltip="Run the plan again: what is done stays done, the rest is retried",
        ),
    ]  # fmt: skip

    def __init__(self, plan: Plan, run: RunResults) -> None:
        super().__init__()
        self.plan = plan
        self._run = run
        self._cancel = asyncio.Event()
        self.results: list[StepResult] = []
        self.finished = False
        #: Set when the user asked to run the plan again (``r`` after a partial run).
        self.retry = False

    def compose(self) -> ComposeResult:
        with Vertical(id="run-box"):
            yield Label(Text(inert(self.plan.title)), id="run-title")
            yield ProgressBar(total=len(self.plan.runnable), show_eta=False, id="run-progress")
            yield Static("", id="run-counts")
            yield VerticalScroll(id="run-log")
            yield Static("", id="run-left")
            yield Static(Text("Running… Escape: stop starting new steps"), id="run-help")

    def on_mount(self) -> None:
        self.run_worker(self._consume(), group="cleanup-run", exit_on_error=False)

    async def _consume(self) -> None:
        try:
            async with aclosing(self._run(self._cancel)) as results:
                async for result in results:
                    self.add_result(result)
        finally:
            self.finish()

    def add_result(self, result: StepResult) -> None:
        self.results.append(result)
        self.query_one("#run-progress", ProgressBar).advance(1)
        self.query_one("#run-log", VerticalScroll).mount(Static(result_line(result)))
        self._show_counts()

    def _show_counts(self) -> None:
        counts = {o: sum(1 for r in self.results if r.outcome is o) for o in StepOutcome}
        text = Text(f"{len(self.results)} of {len(self.plan.runnable)} steps: ")
        text.append(f"{counts[StepOutcome.OK]} done", style="green")
        text.append(", ")
        text.append(f"{counts[StepOutcome.FAILED]} failed", style="red")
        text.append(", ")
        text.append(f"{counts[StepOutcome.SKIPPED]} skipped", style="yellow")
        self.query_one("#run-counts", Static).update(text)

    def finish(self) -> None:
        self.finished = True
        self._show_counts()
        left = [r for r in self.results if r.outcome is not StepOutcome.OK]
        missing = len(self.plan.runnable) - len(self.results)
        body = Text()
        if left or missing:
            body.append("Left behind\n", style="bold")
            for result in left:
                body.append_text(left_behind_line(result))
                body.append("\n")
            if missing:
                body.append(f"{counted(missing, 'step')} did not report (run stopped)\n")
        else:
            body.append("Everything in the plan was done.", style="green")
        self.query_one("#run-left", Static).update(body)
        help_text = "Finished. Enter or Escape: close"
        if left or missing:
            help_text += " · r: run the plan again (done steps are not repeated)"
        self.query_one("#run-help", Static).update(Text(help_text))

    def action_stop_or_close(self) -> None:
        if self.finished:
            self.dismiss(tuple(self.results))
        else:
            self._cancel.set()
            self.query_one("#run-help", Static).update(
                Text("Stopping: no new step starts; steps in flight finish…")
            )

    def action_close(self) -> None:
        if self.finished:
            self.dismiss(tuple(self.results))

    def action_retry(self) -> None:
        if self.finished and any(r.outcome is not StepOutcome.OK for r in self.results):
            self.retry = True
            self.dismiss(tuple(self.results))
