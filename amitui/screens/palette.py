"""The command palette's entries for the explorer (ctrl+p; the provider is
:class:`amitui.widgets.commands.AmituiCommands`): regions and accounts to show, owners,
the deprecated/disabled toggles, each column to show, hide or sort by, every ``:`` command,
the views and every action of :data:`amitui.registry.ACTIONS` that the launch offers.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING

from amitui import command_line as commands
from amitui.columns import COLUMNS
from amitui.model import OWNER_PRESETS
from amitui.registry import ACTIONS, READ_ONLY_FLOWS
from amitui.registry import action as registry_action
from amitui.widgets.commands import PaletteEntry

if TYPE_CHECKING:
    from amitui.screens.explorer import ExplorerScreen


def palette_entries(screen: ExplorerScreen) -> Iterable[PaletteEntry]:
    yield PaletteEntry(
        "Show all regions", "Merge every region", lambda: screen.action_show_region("*")
    )
    for label, name in screen.account_names.items():
        yield PaletteEntry(
            f"Show account {name}",
            "Every region of this account",
            partial(screen.action_show_account, label),
        )
    for region in screen.region_pane.regions:
        yield PaletteEntry(
            f"Show region {region}",
            "Only this region",
            partial(screen.action_show_region, region),
        )
    for owner, label in OWNER_PRESETS:
        yield PaletteEntry(
            f"Owner: {label}",
            "Whose images to list",
            partial(screen.set_owner, owner),
        )
    yield PaletteEntry(
        "Owner: an account id…", "List another account's images", screen.action_owner_scope
    )
    yield PaletteEntry(
        "Toggle deprecated images",
        "Include or hide deprecated images",
        screen.action_toggle_deprecated,
    )
    yield PaletteEntry(
        "Toggle disabled images", "Include or hide disabled images", screen.action_toggle_disabled
    )
    for table_column in COLUMNS:
        if table_column.shown_when is not None:
            shown = screen.table.column_shown(table_column)
            yield PaletteEntry(
                f"{'Hide' if shown else 'Show'} the {table_column.label} column",
                "Optional columns: shown when chosen (or when the view needs them)",
                partial(screen.action_toggle_column, table_column.key),
            )
        yield PaletteEntry(
            f"Sort by {table_column.label}",
            "Sort the image table",
            partial(screen.action_sort_by, table_column.key),
        )
    for spec in commands.COMMANDS:
        line = f"{spec.name} "
        yield PaletteEntry(
            f":{spec.name} {spec.usage}".rstrip(),
            spec.help,
            partial(screen.action_command_line, line) if spec.usage else screen.app.exit,
        )
    yield PaletteEntry("Columns…", "Choose the table's columns", screen.action_choose_columns)
    goto = registry_action("goto")
    yield PaletteEntry(f"{goto.title}…", goto.tooltip, screen.action_goto)
    yield PaletteEntry("Refresh", "Reload every region", screen.action_refresh)
    for entry_id, run in (
        ("copy_id", partial(screen.action_copy_out, "id")),
        ("copy_arn", partial(screen.action_copy_out, "arn")),
        ("copy_url", partial(screen.action_copy_out, "url")),
        ("raw_record", screen.action_raw_record),
        ("totals", screen.action_totals),
    ):
        entry = registry_action(entry_id)
        yield PaletteEntry(f"{entry.title or entry.label}…", entry.tooltip, run)
    yield PaletteEntry("Help", "Every key", screen.action_help)
    # Read-only, the reviews (guided cleanup) stay: they change nothing.
    for entry in ACTIONS:
        if entry.flow is not None and (not screen.read_only or entry.flow in READ_ONLY_FLOWS):
            yield PaletteEntry(
                f"{entry.title or entry.label}…",
                entry.tooltip,
                partial(screen.action_flow, entry.flow),
            )
