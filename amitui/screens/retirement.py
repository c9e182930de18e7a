"""The Retirement view: every scheduled retirement stage, due first.

Contract::

    choice = await app.push_screen_wait(RetirementScreen(rows, now=now))

- ``rows`` are :class:`StageRow` (the flow makes them from the schedule), shown earliest due
  first; a due stage is marked "DUE".
- Enter on a due stage returns ``RetirementChoice(stage_id, "run")``: the flow then plans it
  afresh and asks for confirmation; nothing runs from this screen itself. Enter on a stage
  not yet due says when it is due and returns nothing.
- ``c`` returns ``RetirementChoice(stage_id, "cancel")`` (the stage is dropped from the
  schedule; nothing is sent to AWS). Escape returns None.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label, Static

from amitui.text import countdown, inert
from amitui.widgets.lists import KeyedDataTable

RUN = "run"
CANCEL = "cancel"


@dataclass(frozen=True, slots=True)
class StageRow:
    stage_id: str
    #: e.g. "disable 3 images"
    label: str
    due: datetime
    #: The images, as "region/ami-… name", for the row's last column.
    targets: str
    created: datetime


@dataclass(frozen=True, slots=True)
class RetirementChoice:
    stage_id: str
    action: str  # RUN or CANCEL


class RetirementScreen(ModalScreen[RetirementChoice | None]):
    DEFAULT_CSS = """
    RetirementScreen { align: center middle; }
    RetirementScreen > #retirement-box {
        width: 96%; height: 85%; border: thick $primary; background: $surface; padding: 0 1;
    }
    RetirementScreen #retirement-title { text-style: bold; }
    RetirementScreen #retirement-table { height: 1fr; }
    RetirementScreen #retirement-message { color: $warning; height: auto; }
    RetirementScreen #retirement-help { color: $text-muted; }
    """

    BINDINGS = [
        Binding("escape", "close", "Close", id="retirement.close", tooltip="Close, run nothing"),
        Binding("enter", "run", "Run…", id="retirement.run",
                tooltip="Plan the due stage under the cursor afresh (confirmed next)"),
        Binding("c", "cancel_stage", "Cancel stage", id="retirement.cancel",
                tooltip="Drop the stage under the cursor from the schedule (nothing is sent)"),
    ]  # fmt: skip

    def __init__(self, rows: Sequence[StageRow], *, now: datetime) -> None:
        super().__init__()
        self.rows = sorted(rows, key=lambda r: r.due)
        self.now = now

    def compose(self) -> ComposeResult:
        with Vertical(id="retirement-box"):
            yield Label("Retirement schedule", id="retirement-title")
            due = sum(1 for r in self.rows if r.due <= self.now)
            summary = (
                f"{len(self.rows)} scheduled stages, {due} due"
                if self.rows
                else "No retirement stage is scheduled (R on marked images plans one)."
            )
            yield Static(Text(summary), id="retirement-summary")
            table: DataTable[Text | str] = KeyedDataTable(id="retirement-table", cursor_type="row")
            yield table
            yield Static("", id="retirement-message")
            yield Static(
                Text(
                    "Enter: plan the due stage afresh (you confirm it next) · c: cancel the "
                    "stage · Escape: close. Nothing runs unattended."
                ),
                id="retirement-help",
            )

    def on_mount(self) -> None:
        table = self.query_one("#retirement-table", DataTable)
        for label in ("When", "Due", "Stage", "Images", "Planned"):
            table.add_column(label, key=label)
        for row in self.rows:
            if row.due <= self.now:
                when = Text("DUE", style="bold red")
            else:
                when = Text(f"in {countdown(row.due, self.now)}", style="dim")
            table.add_row(
                when,
                f"{row.due:%Y-%m-%d %H:%M}",
                row.label,
                Text(inert(row.targets)),
                f"{row.created:%Y-%m-%d}",
                key=row.stage_id,
            )
        table.focus()

    def _current(self) -> StageRow | None:
        table = self.query_one("#retirement-table", DataTable)
        if not self.rows or table.cursor_row is None or table.cursor_row >= len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def _say(self, message: str) -> None:
        self.query_one("#retirement-message", Static).update(Text(message))

    def action_close(self) -> None:
        self.dismiss(None)

    def action_run(self) -> None:
        row = self._current()
        if row is None:
            return
        if row.due > self.now:
            self._say(
                f"{row.label} is due {row.due:%Y-%m-%d %H:%M} UTC (in "
                f"{countdown(row.due, self.now)}); it is not run early."
            )
            return
        self.dismiss(RetirementChoice(row.stage_id, RUN))

    def action_cancel_stage(self) -> None:
        row = self._current()
        if row is not None:
            self.dismiss(RetirementChoice(row.stage_id, CANCEL))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        # The table takes Enter itself (select): it means the same as the screen's Enter.
        event.stop()
        self.action_run()
