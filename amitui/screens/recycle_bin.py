"""The Recycle Bin view: the images and snapshots the bin keeps, per account and region, with
when each entered, when it is gone for good, and the rule that holds it; restore from here.

Contract::

    chosen = await app.push_screen_wait(RecycleBinScreen(rows, problems, now=now))

- ``rows`` are :class:`BinRow`; ``problems`` are lines about regions whose bin or rules could
  not be read (shown above the table). Nothing starts marked.
- ``space`` (un)marks the row under the cursor and moves down; ``R`` returns the marked rows'
  ``(region, id)`` pairs (else the row under the cursor) for a restore plan; Escape returns
  None. With ``read_only`` the view is a review: ``R`` is refused and says why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label, Static

from amitui.text import counted, inert
from amitui.widgets.lists import KeyedDataTable

#: (region, image or snapshot id)
BinRef = tuple[str, str]

READ_ONLY_RESTORE = (
    "Read-only: this is a review; nothing is restored (amitui was started with --read-only)."
)


@dataclass(frozen=True, slots=True)
class BinRow:
    kind: str  # "image" or "snapshot"
    account: str
    region: str
    resource_id: str
    name: str  # an image's name, a snapshot's description
    entered: datetime | None
    leaves: datetime | None
    rule: str  # the rule that holds it, as the view says it
    note: str = ""  # e.g. which snapshots an image maps

    @property
    def ref(self) -> BinRef:
        return (self.region, self.resource_id)


def _when(value: datetime | None) -> str:
    return f"{value:%Y-%m-%d %H:%M}" if value else "?"


def _left(leaves: datetime | None, now: datetime) -> Text:
    """The day it is gone for good, and how soon (red within two days)."""
    if leaves is None:
        return Text("?")
    days = (leaves - now).total_seconds() / 86400
    label = f"{leaves:%Y-%m-%d} (in {days:.0f} d)" if days >= 1 else f"{leaves:%Y-%m-%d} (today)"
    return Text(label, style="bold red" if days < 2 else "")


class RecycleBinScreen(ModalScreen[tuple[BinRef, ...] | None]):
    """The Recycle Bin of every loaded region, with marks and a restore key."""

    DEFAULT_CSS = """
    RecycleBinScreen { align: center middle; }
    RecycleBinScreen > #bin-box {
        width: 98%; height: 90%; border: thick $primary; background: $surface; padding: 0 1;
    }
    RecycleBinScreen #bin-title { text-style: bold; }
    RecycleBinScreen #bin-table { height: 1fr; }
    RecycleBinScreen #bin-problems { color: $warning; }
    RecycleBinScreen #bin-detail { height: 4; border-top: solid $primary-darken-2; }
    RecycleBinScreen #bin-help { color: $text-muted; }
    """

    BINDINGS = [
        Binding("escape", "cancel", "Close", id="bin.close", tooltip="Close, change nothing"),
        Binding("space", "toggle_mark", "Mark", id="bin.toggle", tooltip="(Un)mark it"),
        Binding(
            "R", "restore", "Restore…", id="bin.restore",
            tooltip="Plan restoring the marked items, else the one under the cursor",
        ),
    ]  # fmt: skip

    def __init__(
        self,
        rows: Sequence[BinRow],
        problems: Sequence[str] = (),
        *,
        now: datetime,
        read_only: bool = False,
    ) -> None:
        super().__init__()
        self.rows = tuple(rows)
        self.problems = tuple(problems)
        self.now = now
        self.read_only = read_only
        self.marked: set[BinRef] = set()

    def compose(self) -> ComposeResult:
        with Vertical(id="bin-box"):
            yield Label("Recycle Bin", id="bin-title")
            yield Static(Text("\n".join(inert(p) for p in self.problems)), id="bin-problems")
            yield Static("", id="bin-summary")
            table: DataTable[Text | str] = KeyedDataTable(id="bin-table", cursor_type="row")
            yield table
            yield Static("", id="bin-detail")
            restore = "R: refused (read-only)" if self.read_only else "R: restore marked…"
            yield Static(Text(f"space: (un)mark, next · {restore} · Escape: close"), id="bin-help")

    def on_mount(self) -> None:
        self.query_one("#bin-problems", Static).display = bool(self.problems)
        table = self.query_one("#bin-table", DataTable)
        # Free text gets a fixed width (cut; the detail line below has it whole): a long
        # description must not push the times and the rule off the screen.
        columns: tuple[tuple[str, int | None], ...] = (
            ("", None), ("Kind", None), ("Account", None), ("Region", None), ("Id", None),
            ("Name", 24), ("Entered", None), ("Gone for good", None), ("Held by", 22),
        )  # fmt: skip
        for label, width in columns:
            table.add_column(label, key=label or "mark", width=width)
        for row in self.rows:
            table.add_row(
                self._mark(row.ref),
                row.kind,
                row.account,
                row.region,
                row.resource_id,
                Text(inert(row.name)),
                f"{row.entered:%Y-%m-%d}" if row.entered else "?",
                _left(row.leaves, self.now),
                Text(inert(row.rule)),
                key=f"{row.region}/{row.resource_id}",
            )
        self._summarize()
        self._show_detail(0)
        table.focus()

    def _show_detail(self, index: int) -> None:
        text = Text()
        if 0 <= index < len(self.rows):
            row = self.rows[index]
            text.append(f"{row.resource_id}", style="bold")
            text.append(f"  {inert(row.name)}\n")
            text.append(
                f"entered {_when(row.entered)} UTC, gone for good {_when(row.leaves)} UTC; "
                f"held by {inert(row.rule)}"
            )
            if row.note:
                text.append(f"\n{inert(row.note)}")
        self.query_one("#bin-detail", Static).update(text)

    @on(DataTable.RowHighlighted, "#bin-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail(event.cursor_row)

    def _mark(self, ref: BinRef) -> Text:
        return Text("✓", style="bold green") if ref in self.marked else Text(" ")

    def _summarize(self, message: str = "") -> None:
        images = sum(1 for r in self.rows if r.kind == "image")
        text = Text(
            f"{counted(images, 'image')} and {counted(len(self.rows) - images, 'snapshot')} "
            f"in the bin; {len(self.marked)} marked"
        )
        if not self.rows:
            text = Text("The Recycle Bin of the loaded regions is empty.")
        if message:
            text = Text(message, style="bold yellow")
        self.query_one("#bin-summary", Static).update(text)

    def action_toggle_mark(self) -> None:
        table = self.query_one("#bin-table", DataTable)
        if not self.rows or table.cursor_row < 0:
            return
        row = self.rows[table.cursor_row]
        self.marked ^= {row.ref}
        table.update_cell(f"{row.region}/{row.resource_id}", "mark", self._mark(row.ref))
        self._summarize()
        table.action_cursor_down()

    def action_restore(self) -> None:
        if self.read_only:
            self._summarize(READ_ONLY_RESTORE)
            return
        table = self.query_one("#bin-table", DataTable)
        chosen = tuple(r.ref for r in self.rows if r.ref in self.marked)
        if not chosen and self.rows and table.cursor_row >= 0:
            chosen = (self.rows[table.cursor_row].ref,)
        if not chosen:
            self._summarize("Nothing to restore: the bin is empty.")
            return
        self.dismiss(chosen)

    def action_cancel(self) -> None:
        self.dismiss(None)
