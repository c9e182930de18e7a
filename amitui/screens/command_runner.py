"""Running the ``:`` command line's commands on the explorer screen.

The commands are parsed without Textual (:mod:`amitui.command_line`: a ``Spec`` in
``COMMANDS``, a typed dataclass each); the widget (:mod:`amitui.widgets.command_line`) only
edits the line and posts ``Submitted``. This room does what a parsed command says, through
the screen's own actions and rooms, and tells the completion what the arguments can be now.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from amitui import command_line as commands
from amitui.widgets.messages import GotoRequested

if TYPE_CHECKING:
    from amitui.screens.explorer import ExplorerScreen


def run_command(screen: ExplorerScreen, command: commands.Command) -> None:
    """Do what a command line (or its palette entry) says."""
    match command:
        case commands.ShowRegion(region):
            screen.action_show_region(region)
        case commands.ShowAccount(label):
            if label == commands.EVERY:
                screen.action_show_region(commands.EVERY)
            else:
                screen.action_show_account(label)
        case commands.SetOwner(owner):
            screen.set_owner(owner)
        case commands.SortBy(key, reverse):
            screen.action_sort_by(key, reverse)
        case commands.ChangeColumns(()):
            screen.action_choose_columns()
        case commands.ChangeColumns(changes):
            screen.choose_columns({**screen.table.column_choice, **dict(changes)})
        case commands.Goto(target):
            screen.post_message(GotoRequested(target))
        case commands.Export(fmt, path):
            screen.export_view(fmt, path)
        case commands.SetTheme(name):
            screen.app.theme = name
        case commands.Quit():
            screen.app.exit()


def vocabulary(screen: ExplorerScreen) -> commands.Vocabulary:
    """What the command line's arguments can be now."""
    accounts: dict[str, str] = {}
    for label, name in screen.account_names.items():
        accounts[label] = accounts[name] = label
    table = screen.table
    return commands.Vocabulary(
        regions=screen.region_pane.regions,
        accounts=accounts,
        columns=[c.key for c in table.columns],
        fixed_columns=[c.key for c in table.columns if not c.width],
        themes=sorted(screen.app.available_themes),
    )
