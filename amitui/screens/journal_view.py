"""The Journal view: past runs (newest first) with their time, account, action, targets and
outcomes; the steps of the run under the cursor below; ``u`` offers to undo it.

Contract::

    run_id = await app.push_screen_wait(JournalScreen(rows))

- ``rows`` are :class:`RunRow`. ``u`` (or Enter) returns the run id under the cursor: the flow
  then plans its undo (reviewed and confirmed like any plan). Escape returns None.
- With ``read_only`` the view is a review: ``u`` is refused and says why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label, Static

from amitui.text import inert
from amitui.widgets.lists import KeyedDataTable

READ_ONLY_UNDO = (
    "Read-only: this is a review; nothing is undone (amitui was started with --read-only)."
)


@dataclass(frozen=True, slots=True)
class RunRow:
    run: str
    time: str  # "2026-12-01 22:51"
    account: str
    action: str
    targets: str  # e.g. "ami-1, ami-2 (+3)"
    outcomes: str  # e.g. "3 ok, 1 failed"
    #: "undone by run …" when an earlier undo did it, else "".
    undone: str
    #: One line per step: operation, target, outcome (shown for the run under the cursor).
    steps: tuple[str, ...] = ()


class JournalScreen(ModalScreen[str | None]):
    """Every run of the journal, and the key that undoes one."""

    DEFAULT_CSS = """
    JournalScreen { align: center middle; }
    JournalScreen > #journal-box {
        width: 98%; height: 90%; border: thick $primary; background: $surface; padding: 0 1;
    }
    JournalScreen #journal-title { text-style: bold; }
    JournalScreen #journal-table { height: 2fr; }
    JournalScreen #journal-steps { height: 1fr; border-top: solid $primary-darken-2; }
    JournalScreen #journal-help { color: $text-muted; }
    """

    BINDINGS = [
        Binding("escape", "cancel", "Close", id="journal.close", tooltip="Close, change nothing"),
        Binding(
            "u", "undo", "Undo…", id="journal.undo",
            tooltip="Plan undoing the run under the cursor (inverse steps, reviewed first)",
        ),
    ]  # fmt: skip

    def __init__(self, rows: Sequence[RunRow], *, read_only: bool = False) -> None:
        super().__init__()
        self.rows = tuple(rows)
        self.read_only = read_only

    def compose(self) -> ComposeResult:
        with Vertical(id="journal-box"):
            yield Label("Journal: past runs, newest first", id="journal-title")
            yield Static("", id="journal-summary")
            table: DataTable[Text | str] = KeyedDataTable(id="journal-table", cursor_type="row")
            yield table
            with VerticalScroll(id="journal-steps"):
                yield Static("", id="journal-step-lines")
            undo = "u: refused (read-only)" if self.read_only else "u: undo this run…"
            yield Static(Text(f"{undo} · Escape: close"), id="journal-help")

    def on_mount(self) -> None:
        table = self.query_one("#journal-table", DataTable)
        for label in ("Time (UTC)", "Run", "Account", "Action", "Targets", "Outcomes", "Undone"):
            table.add_column(label, key=label)
        for row in self.rows:
            table.add_row(
                row.time,
                row.run,
                row.account,
                Text(inert(row.action)),
                Text(inert(row.targets)),
                row.outcomes,
                Text(inert(row.undone), style="yellow"),
                key=row.run,
            )
        self._say(f"{len(self.rows)} runs" if self.rows else "The journal has no runs yet.")
        self._show_steps(0)
        table.focus()

    def _say(self, message: str, *, warn: bool = False) -> None:
        text = Text(message, style="bold yellow" if warn else "")
        self.query_one("#journal-summary", Static).update(text)

    def _show_steps(self, index: int) -> None:
        lines = self.rows[index].steps if 0 <= index < len(self.rows) else ()
        text = Text("\n".join(inert(line) for line in lines))
        self.query_one("#journal-step-lines", Static).update(text)

    @on(DataTable.RowHighlighted, "#journal-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_steps(event.cursor_row)

    @on(DataTable.RowSelected, "#journal-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        self.action_undo()

    def action_undo(self) -> None:
        if self.read_only:
            self._say(READ_ONLY_UNDO, warn=True)
            return
        table = self.query_one("#journal-table", DataTable)
        if not self.rows or table.cursor_row < 0:
            self._say("Nothing to undo: the journal has no runs.", warn=True)
            return
        self.dismiss(self.rows[table.cursor_row].run)

    def action_cancel(self) -> None:
        self.dismiss(None)
