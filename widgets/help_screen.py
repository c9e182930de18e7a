"""``?``: every key with what it does, from the live bindings (so overrides show)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from amitui.text import inert


@dataclass(frozen=True, slots=True)
class HelpEntry:
    section: str
    keys: str
    description: str
    detail: str = ""


def help_table(entries: Sequence[HelpEntry]) -> Table:
    table = Table(box=None, expand=True, show_header=False, padding=(0, 2))
    table.add_column("Key", style="bold cyan", no_wrap=True, width=14)
    table.add_column("Action", style="bold", no_wrap=True, width=22)
    table.add_column("Detail", ratio=1)
    section = None
    for entry in entries:
        if entry.section != section:
            if section is not None:
                table.add_row()
            section = entry.section
            table.add_row(Text(inert(section), style="bold underline"), "", "")
        # Keys can come from the user's config file: shown as text, controls made visible.
        table.add_row(
            Text(inert(entry.keys)),
            Text(inert(entry.description)),
            Text(inert(entry.detail), "dim"),
        )
    return table


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 100; max-width: 95%; height: auto; max-height: 90%;
        border: thick $primary; background: $surface; padding: 1 2;
    }
    HelpScreen #help-footer { color: $text-muted; margin-top: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "close", "Close", id="help.close", priority=True),
    ]

    def __init__(self, entries: Sequence[HelpEntry], *, config_file: Path | None = None) -> None:
        super().__init__()
        self._entries = entries
        self._config_file = config_file

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            scroll.border_title = "amitui — keys"
            yield Static(help_table(self._entries), id="help-table")
            where = f" ({self._config_file})" if self._config_file else ""
            yield Static(
                Text(
                    f"Keys can be changed in the [keys] table of the config file{where}: "
                    "binding id = keys. Escape closes this screen."
                ),
                id="help-footer",
            )

    def action_close(self) -> None:
        self.dismiss(None)
