"""Lists that move with j/k as well as the arrows (k9s and vim habits), and show their
cursor as soon as they have focus.

Every list in the widgets (regions, lineage, owner presets, guided cleanup, orphans) is one
of these; the image table has its own key table.
"""

from __future__ import annotations

from typing import ClassVar, TypeVar

from textual.binding import Binding, BindingType
from textual.widgets import DataTable, OptionList

#: Both OptionList and DataTable name their cursor moves cursor_down / cursor_up.
JK_BINDINGS: list[BindingType] = [
    Binding("j", "cursor_down", "Down", show=False, tooltip="Move down (as ↓)"),
    Binding("k", "cursor_up", "Up", show=False, tooltip="Move up (as ↑)"),
]


class KeyedOptionList(OptionList):
    """An OptionList with j/k whose cursor is on an option whenever it has focus (a list
    rebuilt with set_options loses its highlight, and a focused list without one shows no
    cursor at all)."""

    BINDINGS: ClassVar[list[BindingType]] = JK_BINDINGS

    def on_focus(self) -> None:
        self.ensure_highlight()

    def ensure_highlight(self) -> None:
        if self.highlighted is None and self.option_count:
            self.highlighted = 0


CellType = TypeVar("CellType")


class KeyedDataTable(DataTable[CellType]):
    """A DataTable with j/k."""

    BINDINGS: ClassVar[list[BindingType]] = JK_BINDINGS
