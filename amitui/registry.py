"""Every explorer action, once: its key, label, tooltip, and the flow it starts.

The explorer screen's key bindings, the help screen's "Explorer" section, the command
palette's action entries, read-only mode and where each flow's function lives all follow
from :data:`ACTIONS`: adding an action is a planner and a flow (:mod:`amitui.flows`) and
one entry here.

This module knows neither Textual nor AWS (it is inside the engine's import-linter
contract): entries are data, the screen turns them into ``Binding`` objects.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The flows (see :mod:`amitui.flows`), by name.
COPY = "copy"
SHARE = "share"
DEPRECATE = "deprecate"
DEREGISTER = "deregister"
UNPROTECT = "unprotect"
CLEANUP = "cleanup"
DISABLE = "disable"
PROTECT = "protect"
TAGS = "tags"
RETIRE = "retire"
RETIREMENT = "retirement"
RECYCLE_BIN = "recycle_bin"
JOURNAL = "journal"


#: Shift+letter sorts, k9s' way: (key, column key, label). The other capitals are taken
#: (D, I, O, P, T, R, B, J, L; Y is the raw record): the rest sort with ``:sort COLUMN``.
SORT_KEYS: tuple[tuple[str, str, str], ...] = (
    ("N", "name", "Name"),
    ("A", "age", "Age"),
    ("C", "created", "Created"),
    ("S", "size", "Size"),
    ("G", "region", "Region"),
    ("E", "state", "State"),
    ("H", "arch", "Arch"),
    ("W", "owner", "Owner"),
)


@dataclass(frozen=True, slots=True)
class Action:
    """One thing the user can do in the explorer."""

    #: The binding id: what a key override in the config names (``[keys] share = "S"``).
    id: str
    #: Default key(s), Textual's names, comma-separated; ``None``: offered in the palette only.
    key: str | None
    #: The screen's action to run, e.g. ``"sort(1)"`` (see ``ExplorerScreen.action_…``).
    action: str
    label: str
    tooltip: str
    #: The command palette's text, if not the label (an action's palette entry ends in "…").
    title: str = ""
    #: Listed in the footer.
    show: bool = True
    #: Checked before the focused widget sees the key (so it works from any pane).
    priority: bool = False
    #: The flow the action starts; every flow changes AWS state: under ``--read-only`` the
    #: action is not offered (hidden, refused, left out of help and palette).
    flow: str | None = None
    #: A flow that is a review until it plans (guided cleanup): offered read-only too, and
    #: its own plan step refuses to run.
    reviews_read_only: bool = False
    #: The flow works on no image too (it is given ``[]`` when none is marked or under the
    #: cursor): guided cleanup, the Retirement view.
    images_optional: bool = False
    #: The flow plans across accounts itself (each step names its account); any other flow
    #: runs in the account of the images it acts on (:mod:`amitui.flows.one_account`).
    across_accounts: bool = False
    #: Where the flow's function is, ``"module:function"`` (imported on first use).
    runs: str = ""

    @property
    def mutating(self) -> bool:
        return self.flow is not None and not self.reviews_read_only

    @property
    def action_name(self) -> str:
        """``"flow"`` for ``"flow('copy')"``: what ``check_action`` is asked about."""
        return self.action.split("(", 1)[0]


def _flow(
    name: str,
    runs: str,
    key: str | None,
    label: str,
    tooltip: str,
    *,
    title: str = "",
    show: bool = True,
    reviews_read_only: bool = False,
    images_optional: bool = False,
    across_accounts: bool = False,
) -> Action:
    return Action(
        name, key, f"flow({name!r})", label, tooltip, title, show=show, flow=name,
        reviews_read_only=reviews_read_only, images_optional=images_optional,
        across_accounts=across_accounts, runs=runs,
    )  # fmt: skip


ACTIONS: tuple[Action, ...] = (
    Action("quit", "q", "quit", "Quit", "Quit amitui", priority=True),
    Action("help", "question_mark", "help", "Help", "Every key, explained"),
    # Priority, so keys typed right after "/" reach the filter; the screen's check_action
    # turns it off inside inputs.
    Action("filter", "slash", "filter", "Filter",
           "Filter: words (id, name, description, tags) and terms: tag:K=V, age>90d, !word…",
           priority=True),
    _flow(COPY, "amitui.flows.copy:run", "c", "Copy",
          "Copy the marked images (else the one under the cursor) to other regions",
          across_accounts=True),
    _flow(SHARE, "amitui.flows.share:run", "s", "Share",
          "Add or remove launch permissions (accounts, organizations, public)",
          across_accounts=True),
    _flow(DEPRECATE, "amitui.flows.deprecate:run", "d", "Deprecate",
          "Set or cancel the deprecation time"),
    _flow(DEREGISTER, "amitui.flows.cleanup:run_deregister", "x", "Deregister",
          "Deregister with cleanup: plan, confirm, free the snapshots", across_accounts=True),
    _flow(UNPROTECT, "amitui.flows.cleanup:run_lift_protection", "P", "Unprotect",
          "Turn off deregistration protection (typed confirmation; deregister separately)",
          title="Lift deregistration protection", show=False),
    Action("refresh", "r", "refresh", "Refresh", "Reload every region"),
    Action("owner", "w", "owner_scope", "Owner", "Whose images: self, shared…"),
    Action("sort", "o", "sort(1)", "Sort", "Sort by the next column"),
    Action("reverse_sort", "O", "reverse_sort", "Reverse", "Reverse the sort order", show=False),
    Action("toggle_deprecated", "D", "toggle_deprecated", "Deprecated",
           "Include or hide deprecated images", show=False),
    Action("toggle_disabled", "I", "toggle_disabled", "Disabled",
           "Include or hide disabled images", show=False),
    Action("tab.details", "i", "tab('details')", "Details",
           "Show the launch attributes of the image", show=False),
    Action("tab.snapshots", "t", "tab('snapshots')", "Snapshots",
           "Show the image's snapshot tree", show=False),
    Action("tab.lineage", "l", "tab('lineage')", "Lineage",
           "Show the image's copies in other regions", show=False),
    Action("tab.orphans", "n", "tab('orphans')", "Orphans",
           "Show snapshots whose image is gone", show=False),
    Action("regions", "g", "focus_regions", "Regions",
           "Go to the region list (Enter: only that region, space: add/remove)", show=False),
    Action("clear_marks", "u", "clear_marks", "Unmark all", "Unmark every image", show=False),
    Action("back", "escape", "focus_table", "Back",
           "Back to the image table; in the table, clear the filter", show=False),
    _flow(CLEANUP, "amitui.flows.cleanup:run_cleanup", None, "Guided cleanup",
          "Find images nobody launches and retire them, plan first", reviews_read_only=True,
          images_optional=True, across_accounts=True),
    _flow(DISABLE, "amitui.flows.lifecycle:run_disable", "e", "Disable",
          "Disable (removes every launch permission; typed confirmation) or enable again",
          title="Disable or enable images", show=False),
    _flow(PROTECT, "amitui.flows.lifecycle:run_protect", "p", "Protect",
          "Turn deregistration protection on, with or without the 24-hour cooldown (off: P)",
          title="Protect images from deregistration", show=False),
    _flow(TAGS, "amitui.flows.lifecycle:run_tags", "T", "Tags",
          "Add, change or remove tags on the images (and their snapshots)",
          title="Edit tags", show=False),
    _flow(RETIRE, "amitui.flows.retirement:run_retire", "R", "Retire",
          "Staged retirement: deprecate now or at a date, disable and deregister later",
          title="Retire in stages (deprecate, disable, deregister)", show=False),
    _flow(RETIREMENT, "amitui.flows.retirement:run_retirement_view", "ctrl+r", "Retirement",
          "Scheduled retirement stages, due first; run a due stage (planned afresh, confirmed)",
          title="Retirement schedule", show=False, images_optional=True),
    _flow(RECYCLE_BIN, "amitui.flows.recycle_bin:run", "B", "Recycle Bin",
          "Images and snapshots in the Recycle Bin, and the rules that keep them; restore",
          show=False, reviews_read_only=True, images_optional=True),
    _flow(JOURNAL, "amitui.flows.undo:run", "J", "Journal",
          "Past runs from the journal; undo one (a plan of inverse steps)",
          show=False, reviews_read_only=True, images_optional=True),
    # In the footer only while an account's SSO login has expired (the screen's check_action).
    Action("sso_login", "L", "sso_login", "SSO login",
           "Run `aws sso login` once per SSO session that needs it, then reload its accounts"),
    # Priority, as "/": keys typed right after ":" reach the command line.
    Action("command_line", "colon", "command_line", "Command",
           "The command line: region, account, owner, sort, cols, goto, export, theme, q",
           show=False, priority=True),
    *(
        Action(f"sort.{column}", key, f"sort_toggle({column!r})", f"Sort: {label}",
               f"Sort by {label.lower()}; again: the other way", show=False)
        for key, column, label in SORT_KEYS
    ),
    # Getting things out: the clipboard is the terminal's, through OSC 52 (works over ssh;
    # tmux passes it on with `set -g set-clipboard on`).
    Action("copy_id", "y", "copy_out('id')", "Copy id",
           "Copy the image id (the marked images' ids, a line each) to the clipboard",
           title="Copy image id", show=False),
    Action("copy_arn", "ctrl+y", "copy_out('arn')", "Copy ARN",
           "Copy the image's ARN (the marked images' ARNs, a line each) to the clipboard",
           title="Copy image ARN", show=False),
    Action("copy_url", "ctrl+u", "copy_out('url')", "Copy console URL",
           "Copy the image's EC2 console URL (shown in the details) to the clipboard",
           title="Copy EC2 console URL", show=False),
    Action("raw_record", "Y", "raw_record", "Raw record",
           "The image's DescribeImages record, fetched now, as JSON", show=False),
    Action("totals", "ctrl+s", "totals", "Totals",
           "Images, GiB in snapshots and estimated monthly cost per region and family; "
           "the view's ages", show=False),
    Action("tab.used_by", "U", "tab('used_by')", "Used by",
           "Show everything that uses the image (instances, templates, groups, parameters, "
           "other accounts) and who may launch it", show=False),
    Action("goto", "ctrl+g", "goto", "Go to",
           "Find an instance, launch template, Auto Scaling group, snapshot, image or SSM "
           "parameter in every loaded account and region, and show the image it runs",
           title="Go to an instance, template, group, snapshot or image", show=False),
)  # fmt: skip

#: The flows, in the order the palette offers them.
FLOWS: tuple[str, ...] = tuple(a.flow for a in ACTIONS if a.flow is not None)
#: flow -> (module, function name) of the function that runs it.
FLOW_FUNCTIONS: dict[str, tuple[str, str]] = {
    a.flow: (a.runs.partition(":")[0], a.runs.partition(":")[2])
    for a in ACTIONS
    if a.flow is not None
}
#: The flows started with no image when none is chosen.
IMAGES_OPTIONAL_FLOWS: frozenset[str] = frozenset(
    a.flow for a in ACTIONS if a.flow is not None and a.images_optional
)
#: The flows that plan across accounts themselves.
ACROSS_ACCOUNTS_FLOWS: frozenset[str] = frozenset(
    a.flow for a in ACTIONS if a.flow is not None and a.across_accounts
)
#: Screen actions that change AWS state: hidden and refused under ``--read-only``.
MUTATING: frozenset[str] = frozenset(a.action_name for a in ACTIONS if a.mutating)
#: The flows offered under ``--read-only`` (reviews that change nothing until they plan).
READ_ONLY_FLOWS: frozenset[str] = frozenset(
    a.flow for a in ACTIONS if a.flow is not None and a.reviews_read_only
)


def action(action_id: str) -> Action:
    """The entry with this id (``KeyError`` if none)."""
    for entry in ACTIONS:
        if entry.id == action_id:
            return entry
    raise KeyError(action_id)


__all__ = [
    "ACROSS_ACCOUNTS_FLOWS",
    "ACTIONS",
    "CLEANUP",
    "COPY",
    "DEPRECATE",
    "DEREGISTER",
    "DISABLE",
    "FLOWS",
    "FLOW_FUNCTIONS",
    "IMAGES_OPTIONAL_FLOWS",
    "JOURNAL",
    "MUTATING",
    "PROTECT",
    "READ_ONLY_FLOWS",
    "RECYCLE_BIN",
    "RETIRE",
    "RETIREMENT",
    "SHARE",
    "SORT_KEYS",
    "TAGS",
    "UNPROTECT",
    "Action",
    "action",
]
