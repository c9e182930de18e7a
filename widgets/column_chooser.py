"""``:cols`` alone: a checkbox list of the table's columns. It returns the user's choice
(column key -> shown) for the columns whose box differs from what the table's own rule
shows, so a column left alone keeps following the view (e.g. Owner appears when the view
holds other owners' images)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, SelectionList
from textual.widgets.selection_list import Selection

from amitui.columns import Column

#: The choice for each column: shown (True), hidden (False); absent: the table's rule.
Choice = dict[str, bool]


class ColumnChooser(ModalScreen[Choice | None]):
    DEFAULT_CSS = """
    ColumnChooser { align: center middle; }
    ColumnChooser > Vertical {
        width: 50; height: auto; max-height: 90%; border: round $accent; padding: 0 1;
        background: $panel;
    }
    ColumnChooser SelectionList { height: auto; max-height: 20; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        # Priority: the list would take Enter as a toggle (space toggles).
        Binding("enter", "apply", "Apply", id="columns.apply", priority=True,
                tooltip="Keep these columns (also in the config file)"),
        Binding("escape", "cancel", "Cancel", id="columns.cancel",
                tooltip="Close, changing nothing"),
    ]  # fmt: skip

    def __init__(
        self,
        columns: Sequence[Column],
        shown: Mapping[str, bool],
        default: Mapping[str, bool],
        fixed: str,
    ) -> None:
        """``shown``: whether each column is shown now; ``default``: whether the table's own
        rule would show it; ``fixed``: the column that is always shown (the name)."""
        super().__init__()
        self._columns = [c for c in columns if c.key != fixed]
        self._shown = dict(shown)
        self._default = dict(default)

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Columns"
            yield Label("space: show or hide · Enter: keep · Escape: cancel")
            yield SelectionList[str](
                *(Selection(c.label, c.key, self._shown[c.key]) for c in self._columns),
                id="columns",
            )

    def on_mount(self) -> None:
        self.query_one(SelectionList).focus()

    def action_apply(self) -> None:
        selected = set(self.query_one(SelectionList).selected)
        choice = {
            c.key: c.key in selected
            for c in self._columns
            if (c.key in selected) != self._default[c.key]
        }
        self.dismiss(choice)

    def action_cancel(self) -> None:
        self.dismiss(None)


__all__ = ["Choice", "ColumnChooser"]
