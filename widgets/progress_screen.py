"""Per-step progress of a confirmed plan, with follow-up progress (e.g. a copy going from
pending to available), then a final report.

Contract::

    results = await host.push_screen_wait(ProgressScreen(plan, events))

- ``events(cancel)`` is an async iterator the flow builds (the screen never imports the
  engine): it yields :class:`~amitui.model.StepResult` (one per runnable step, from
  ``execute``) and :class:`StepNote` (free progress text for a step, e.g. "ami-… pending 40%";
  ``final=True`` when that follow-up is over, ``ok=False`` if it ended badly). It starts when
  the screen mounts.
- Escape while running sets ``cancel`` (no new step starts; steps in flight finish and are
  shown). Once everything is reported, Enter or Escape closes the screen, which returns every
  StepResult. An exception escaping ``events`` is shown as the run's last line, never lost.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, ProgressBar, Static

from amitui.model import Plan, Step, StepOutcome, StepResult
from amitui.text import inert


@dataclass(frozen=True, slots=True)
class StepNote:
    """Progress text for one step after (or while) it runs."""

    step_id: str
    text: str
    final: bool = False
    ok: bool = True


RunEvents = Callable[[asyncio.Event], AsyncIterator[StepResult | StepNote]]

_MARKS = {
    StepOutcome.OK: ("✓", "green"),
    StepOutcome.FAILED: ("✗", "red"),
    StepOutcome.SKIPPED: ("·", "yellow"),
}


def step_status(step: Step, result: StepResult | None, note: StepNote | None) -> Text:
    if result is None:
        mark, style = "…", "dim"
    else:
        mark, style = _MARKS[result.outcome]
        if note is not None and not note.final:
            mark, style = "◐", "cyan"
        elif note is not None and not note.ok:
            mark, style = "✗", "red"
    line = Text()
    line.append(f"{mark} ", style=f"bold {style}")
    line.append(f"{inert(step.region):<15} ")
    line.append(f"{inert(step.operation):<24} ", style="cyan")
    line.append(inert(step.target))
    if result is None:
        line.append("  running", style="dim")
    else:
        if result.error is not None:
            line.append(f"  {inert(result.error.describe())}", style="red")
        if result.detail:
            line.append(f"  ({inert(result.detail)})", style="dim")
    if note is not None:
        line.append(f"  {inert(note.text)}", style="red" if not note.ok else "")
    return line


class ProgressScreen(ModalScreen[list[StepResult]]):
    """Runs ``events`` and shows each step's state as it changes."""

    DEFAULT_CSS = """
    ProgressScreen { align: center middle; }
    ProgressScreen > #progress-box {
        width: 90%; max-width: 150; height: auto; max-height: 90%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    ProgressScreen #progress-title { text-style: bold; }
    ProgressScreen #progress-steps { height: auto; max-height: 60vh; }
    ProgressScreen #progress-summary { margin-top: 1; }
    ProgressScreen #progress-help { color: $text-muted; }
    """

    BINDINGS = [
        Binding("escape", "escape", "Cancel / close", id="progress.escape",
                tooltip="While running: start no new step. When done: close."),
        Binding("enter", "close", "Close", id="progress.close", tooltip="Close when done"),
    ]  # fmt: skip

    def __init__(self, plan: Plan, events: RunEvents) -> None:
        super().__init__()
        self.plan = plan
        self.events = events
        self.cancel = asyncio.Event()
        self.results: dict[str, StepResult] = {}
        self.notes: dict[str, StepNote] = {}
        self.finished = False
        self.failure: str | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="progress-box"):
            yield Label(Text(inert(self.plan.title)), id="progress-title")
            yield ProgressBar(total=len(self.plan.runnable) or 1, show_eta=False, id="progress-bar")
            with VerticalScroll(id="progress-steps"):
                for index, step in enumerate(self.plan.runnable):
                    yield Static(step_status(step, None, None), id=f"step-{index}", classes="step")
            yield Static("", id="progress-summary")
            yield Static(Text("Escape: start no new step"), id="progress-help")

    def on_mount(self) -> None:
        self._index = {step.step_id: i for i, step in enumerate(self.plan.runnable)}
        self.run_worker(self._consume(), group="progress", exit_on_error=False)

    async def _consume(self) -> None:
        try:
            async for event in self.events(self.cancel):
                if isinstance(event, StepNote):
                    self.notes[event.step_id] = event
                    self._refresh_step(event.step_id)
                else:
                    self.results[event.step.step_id] = event
                    self.query_one(ProgressBar).advance(1)
                    self._refresh_step(event.step.step_id)
        except Exception as exc:  # shown as the run's last line: a flow bug must not vanish
            self.failure = f"The run stopped: {type(exc).__name__}: {exc}"
        self.finished = True
        self._show_summary()

    def _refresh_step(self, step_id: str) -> None:
        index = self._index.get(step_id)
        if index is None:
            return
        step = self.plan.runnable[index]
        self.query_one(f"#step-{index}", Static).update(
            step_status(step, self.results.get(step_id), self.notes.get(step_id))
        )

    def summary(self) -> Text:
        counts = {outcome: 0 for outcome in StepOutcome}
        for result in self.results.values():
            counts[result.outcome] += 1
        missing = len(self.plan.runnable) - len(self.results)
        text = Text()
        text.append(f"{counts[StepOutcome.OK]} done", style="green")
        text.append(", ")
        text.append(
            f"{counts[StepOutcome.FAILED]} failed",
            style="red" if counts[StepOutcome.FAILED] else "",
        )
        text.append(", ")
        text.append(
            f"{counts[StepOutcome.SKIPPED]} skipped",
            style="yellow" if counts[StepOutcome.SKIPPED] else "",
        )
        followups_bad = sum(1 for n in self.notes.values() if n.final and not n.ok)
        if followups_bad:
            text.append(f", {followups_bad} did not complete", style="red")
        if missing:
            text.append(f", {missing} not reported", style="red")
        if self.cancel.is_set():
            text.append(" (cancelled)", style="yellow")
        if self.failure:
            text.append(f"\n{inert(self.failure)}", style="bold red")
        return text

    def _show_summary(self) -> None:
        self.query_one("#progress-summary", Static).update(self.summary())
        self.query_one("#progress-help", Static).update(Text("Enter or Escape: close"))

    def action_escape(self) -> None:
        if self.finished:
            self.dismiss(list(self.results.values()))
        elif not self.cancel.is_set():
            self.cancel.set()
            self.query_one("#progress-help", Static).update(
                Text("Cancelling: steps already sent will finish and be shown…")
            )

    def action_close(self) -> None:
        if self.finished:
            self.dismiss(list(self.results.values()))
