"""Orphaned snapshots: snapshots made for an image that no longer exists. Review, unmark,
then send the rest into a delete plan (reviewed and confirmed like any destructive plan).

Contract::

    chosen = await app.push_screen_wait(OrphansScreen(rows))

- ``rows`` are :class:`OrphanRow`; all start marked. ``space`` toggles the row under the
  cursor and moves down, ``a`` marks all, ``n`` unmarks all; j/k move as the arrows do.
- ``x`` returns the marked rows' ``(region, snapshot id)`` pairs; Escape returns None.
  With ``read_only`` the list is a review: ``x`` is refused and says why.
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

from amitui.text import inert
from amitui.widgets.cleanup_view import READ_ONLY_REFUSAL
from amitui.widgets.lists import KeyedDataTable

SnapshotRef = tuple[str, str]  # (region, snapshot id)


@dataclass(frozen=True, slots=True)
class OrphanRow:
    region: str
    snapshot_id: str
    size_gib: int
    storage_tier: str
    started: datetime | None
    former_image_id: str
    description: str

    @property
    def ref(self) -> SnapshotRef:
        return (self.region, self.snapshot_id)


class OrphansScreen(ModalScreen[tuple[SnapshotRef, ...] | None]):
    """The separate list of orphaned snapshots, with marks."""

    DEFAULT_CSS = """
    OrphansScreen { align: center middle; }
    OrphansScreen > #orphans-box {
        width: 96%; height: 85%; border: thick $primary; background: $surface; padding: 0 1;
    }
    OrphansScreen #orphans-title { text-style: bold; }
    OrphansScreen #orphans-table { height: 1fr; }
    OrphansScreen #orphans-help { color: $text-muted; }
    """

    BINDINGS = [
        Binding("escape", "cancel", "Close", id="orphans.close", tooltip="Close, change nothing"),
        Binding("space", "toggle_mark", "Mark", id="orphans.toggle", tooltip="(Un)mark it"),
        Binding("a", "mark_all", "All", id="orphans.all", tooltip="Mark every snapshot"),
        Binding("n", "mark_none", "None", id="orphans.none", tooltip="Unmark every snapshot"),
        Binding(
            "x", "delete", "Delete…", id="orphans.delete",
            tooltip="Plan deleting the marked snapshots (reviewed and confirmed next)",
        ),
    ]  # fmt: skip

    def __init__(self, rows: Sequence[OrphanRow], *, read_only: bool = False) -> None:
        super().__init__()
        self.read_only = read_only
        self.rows = tuple(rows)
        self.marked: set[SnapshotRef] = {r.ref for r in self.rows}

    def compose(self) -> ComposeResult:
        with Vertical(id="orphans-box"):
            yield Label("Orphaned snapshots (their image is gone)", id="orphans-title")
            yield Static("", id="orphans-summary")
            table: DataTable[Text | str] = KeyedDataTable(id="orphans-table", cursor_type="row")
            yield table
            delete = "x: refused (read-only)" if self.read_only else "x: delete marked…"
            yield Static(
                Text(f"space: (un)mark, next · a: all · n: none · {delete} · Escape: close"),
                id="orphans-help",
            )

    def on_mount(self) -> None:
        table = self.query_one("#orphans-table", DataTable)
        for label in ("", "Region", "Snapshot", "GiB", "Tier", "Started", "Image", "Description"):
            table.add_column(label, key=label or "mark")
        for row in self.rows:
            table.add_row(
                self._mark(row.ref),
                row.region,
                row.snapshot_id,
                str(row.size_gib),
                row.storage_tier,
                f"{row.started:%Y-%m-%d}" if row.started else "",
                row.former_image_id,
                Text(inert(row.description)),
                key=f"{row.region}/{row.snapshot_id}",
            )
        self._summarize()
        table.focus()

    def _mark(self, ref: SnapshotRef) -> Text:
        return Text("✓", style="bold green") if ref in self.marked else Text(" ")

    def _summarize(self) -> None:
        chosen = [r for r in self.rows if r.ref in self.marked]
        text = Text(
            f"{len(chosen)} of {len(self.rows)} marked, {sum(r.size_gib for r in chosen)} GiB"
        )
        if not self.rows:
            text = Text("No orphaned snapshots in the loaded regions.")
        self.query_one("#orphans-summary", Static).update(text)

    def _refresh(self) -> None:
        table = self.query_one("#orphans-table", DataTable)
        for row in self.rows:
            table.update_cell(f"{row.region}/{row.snapshot_id}", "mark", self._mark(row.ref))
        self._summarize()

    def action_toggle_mark(self) -> None:
        table = self.query_one("#orphans-table", DataTable)
        if not self.rows or table.cursor_row < 0:
            return
        self.marked ^= {self.rows[table.cursor_row].ref}
        self._refresh()
        table.action_cursor_down()

    def action_mark_all(self) -> None:
        self.marked = {r.ref for r in self.rows}
        self._refresh()

    def action_mark_none(self) -> None:
        self.marked = set()
        self._refresh()

    def action_delete(self) -> None:
        if self.read_only:
            self.query_one("#orphans-summary", Static).update(Text(READ_ONLY_REFUSAL))
            return
        chosen = tuple(r.ref for r in self.rows if r.ref in self.marked)
        if not chosen:
            self.notify("Mark at least one snapshot first.", severity="warning")
            return
        self.dismiss(chosen)

    def action_cancel(self) -> None:
        self.dismiss(None)
