"""The explorer's keys as the user has them: the keymap's overrides (``[keys]`` in the config,
applied with ``App.set_keymap``), what ``--read-only`` refuses, and the help screen's
entries (every key of every screen, grouped by heading).

The keys themselves are one entry each in :data:`amitui.registry.ACTIONS`; the screen binds
them, and this room answers what each is called and whether read-only offers it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from textual.binding import Binding, BindingType

from amitui.filters import TERMS
from amitui.registry import MUTATING, READ_ONLY_FLOWS
from amitui.registry import action as registry_action
from amitui.screens.journal_view import JournalScreen
from amitui.screens.raw_view import RawRecordScreen
from amitui.screens.recycle_bin import RecycleBinScreen
from amitui.screens.totals import TotalsScreen
from amitui.widgets.cleanup_run import RunScreen
from amitui.widgets.cleanup_view import CleanupScreen
from amitui.widgets.column_chooser import ColumnChooser
from amitui.widgets.command_line import CommandInput
from amitui.widgets.filter_bar import FilterBar
from amitui.widgets.form_dialog import FormDialog
from amitui.widgets.help_screen import HelpEntry
from amitui.widgets.image_table import ImageTable
from amitui.widgets.orphans_view import OrphansScreen
from amitui.widgets.owner_scope import OwnerScopeScreen
from amitui.widgets.plan_screen import PlanScreen
from amitui.widgets.progress_screen import ProgressScreen
from amitui.widgets.region_pane import RegionList

if TYPE_CHECKING:
    from amitui.screens.explorer import ExplorerScreen


def keys_of(binding: Binding, overrides: Mapping[str, str]) -> list[str]:
    """The keys that run ``binding``: the keymap's, else its own."""
    keys = overrides.get(binding.id or "", binding.key)
    return [k.strip() for k in keys.split(",")]


def _action_name(binding: Binding) -> str:
    return binding.action.split("(", 1)[0]


def refused_read_only(action: str, parameters: tuple[object, ...]) -> bool:
    """Read-only refuses what changes AWS state; the reviews (READ_ONLY_FLOWS) stay."""
    return action in MUTATING and not (parameters and parameters[0] in READ_ONLY_FLOWS)


def binding_refused_read_only(binding: Binding) -> bool:
    try:
        return registry_action(binding.id or "").mutating
    except KeyError:  # not an explorer action (another screen's key)
        return _action_name(binding) in MUTATING


def read_only_keys(bindings: Sequence[BindingType], overrides: Mapping[str, str]) -> dict[str, str]:
    """key -> action label, for the mutating bindings (keymap overrides included)."""
    keys: dict[str, str] = {}
    for binding in bindings:
        if isinstance(binding, Binding) and binding_refused_read_only(binding):
            for key in keys_of(binding, overrides):
                keys[key] = binding.description
    return keys


def help_entries(screen: ExplorerScreen) -> list[HelpEntry]:
    """Every key of every screen, grouped so that each heading appears once."""
    sections: list[tuple[str, Sequence[BindingType]]] = [
        ("Explorer", screen.BINDINGS),
        ("Image table", ImageTable.BINDINGS),
        ("Regions", RegionList.BINDINGS),
        ("Filter", FilterBar.BINDINGS),
        ("Command line", CommandInput.BINDINGS),
        ("Column chooser", ColumnChooser.BINDINGS),
        ("Dialogs (copy, share, deprecate)", FormDialog.BINDINGS),
        ("Owner scope", OwnerScopeScreen.BINDINGS),
        ("Plan review", PlanScreen.BINDINGS),
        ("Progress", ProgressScreen.BINDINGS),
        ("Cleanup progress", RunScreen.BINDINGS),
        ("Guided cleanup", CleanupScreen.BINDINGS),
        ("Orphaned snapshots", OrphansScreen.BINDINGS),
        ("Recycle Bin", RecycleBinScreen.BINDINGS),
        ("Journal", JournalScreen.BINDINGS),
        ("Raw record", RawRecordScreen.BINDINGS),
        ("Totals", TotalsScreen.BINDINGS),
    ]
    extra = {
        "Explorer": [
            HelpEntry("Explorer", "tab", "Next pane", "Regions, table, details"),
            HelpEntry("Explorer", "ctrl+p", "Commands", "Regions, owners, actions"),
        ],
        "Regions": [HelpEntry("Regions", "enter", "Only this region", "Show just this one")],
        "Filter": [
            HelpEntry("Filter", "enter", "Done", "Back to the table, keep the filter"),
            *(HelpEntry("Filter", term, "Term", meaning) for term, meaning in TERMS),
        ],
        "Plan review": [
            HelpEntry(
                "Plan review", "type + enter", "Confirm a destructive plan",
                "Type the image id (one image) or the number of images, then Enter",
            )
        ],
    }  # fmt: skip
    display = screen.app.get_key_display
    entries: list[HelpEntry] = []
    for section, bindings in sections:
        for item in bindings:
            if not isinstance(item, Binding) or not item.description:
                continue
            if screen.read_only and binding_refused_read_only(item):
                continue
            keys = ", ".join(display(Binding(k, "")) for k in keys_of(item, screen.key_overrides))
            entries.append(HelpEntry(section, keys, item.description, item.tooltip))
        entries.extend(extra.get(section, ()))
    return entries
