"""The image table's column choice: which optional columns show (the chooser behind
``:cols`` and the palette's "Columns…", ``:cols +key -key``, the palette's "Show/Hide the …
column"), kept in the config file's ``[columns]`` table (read when the screen mounts,
written on each change), and the Used by sweep that a newly shown Used by column asks for.

The choice itself is the table's (``ImageTable.column_choice``: column key -> shown, a key
left out follows its column's own rule); this room is what changes it and keeps it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from amitui.columns import column
from amitui.config import ConfigError, load_config, save_columns
from amitui.screens.messages import UseCountsWanted
from amitui.widgets.column_chooser import Choice, ColumnChooser

if TYPE_CHECKING:
    from amitui.screens.explorer import ExplorerScreen


class ColumnChoice:
    """The column choice of ``screen``'s table, kept in its config file (None: not kept)."""

    def __init__(self, screen: ExplorerScreen) -> None:
        self.screen = screen

    @property
    def config_file(self) -> Path | None:
        return self.screen.config_file

    def restore(self) -> None:
        """The choice the config file keeps (columns it names that no longer exist are
        left out); a broken file is said, and the columns follow their rules."""
        if self.config_file is None:
            return
        try:
            choice = load_config(self.config_file).columns
        except ConfigError as exc:
            self.screen.notify(str(exc), title="Config file", severity="error", markup=False)
            return
        table = self.screen.table
        known = {c.key for c in table.columns}
        table.set_column_choice({k: v for k, v in choice.items() if k in known})

    def open_chooser(self) -> None:
        table = self.screen.table
        shown = {c.key: table.column_shown(c) for c in table.columns}
        default = {c.key: table.column_shown(c, chosen=False) for c in table.columns}
        fixed = next(c.key for c in table.columns if not c.width)
        chooser = ColumnChooser(table.columns, shown, default, fixed)
        self.screen.app.push_screen(chooser, self._chosen)

    def _chosen(self, choice: Choice | None) -> None:
        if choice is not None:
            self.choose(choice)

    def choose(self, choice: Choice) -> None:
        """Show and hide columns as ``choice`` says, and keep it in the config file."""
        screen, table = self.screen, self.screen.table
        used_by = column("used_by")
        counted = table.column_shown(used_by)
        table.set_column_choice(choice)
        if table.column_shown(used_by) and not counted:
            # Its counts are swept per region when it is shown (see show_use_counts).
            screen.notify("Counting what uses each image…", timeout=3)
            screen.post_message(UseCountsWanted(screen.view_keys()))
        try:
            save_columns(table.column_choice, self.config_file)
        except ConfigError as exc:
            screen.notify(f"Columns changed, not kept: {exc}", severity="warning", markup=False)

    def choose_one(self, key: str, shown: bool | None) -> None:
        """Show or hide one column whatever its own rule says (None: back to its rule), as
        :meth:`choose` does for several. The name column cannot be hidden."""
        if not column(key).width:
            raise ValueError(f"the {column(key).label} column is always shown")
        choice = self.screen.table.column_choice
        if shown is None:
            choice.pop(key, None)
        else:
            choice[key] = shown
        self.choose(choice)

    def toggle(self, key: str) -> None:
        self.choose_one(key, not self.screen.table.column_shown(column(key)))
