"""The live filter: ``/`` opens it, every keystroke filters, Enter returns to the table keeping
the filter, Escape clears it."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Input


class FilterBar(Input):
    DEFAULT_CSS = """
    FilterBar { display: none; height: 1; border: none; padding: 0 1; background: $boost; }
    FilterBar.-active { display: block; }
    FilterBar:focus { border: none; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "clear", "Clear filter", id="filter.clear", tooltip="Clear the filter"),
    ]

    class Done(Message):
        """Return to the table (the filter stays unless it was cleared)."""

        def __init__(self, cleared: bool) -> None:
            super().__init__()
            self.cleared = cleared

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(placeholder="filter: id, name, description, tag values", id=id)

    def open(self) -> None:
        self.add_class("-active")
        self.focus()

    def action_clear(self) -> None:
        self.value = ""
        self.remove_class("-active")
        self.post_message(self.Done(cleared=True))

    async def action_submit(self) -> None:
        if not self.value:
            self.remove_class("-active")
        self.post_message(self.Done(cleared=False))
