"""The region pane: every region with its state (spinner, image count, or error) and a choice
of which regions the image table shows (one, several, or all merged).

Enter on a region shows only it; space adds or removes it from the view; Enter on "All
regions" shows every region. Below the list, the highlighted region's status in full: how
long it took, or the AWS error: what to do about it first, then AWS's code and message.

With several accounts (:meth:`RegionPane.set_accounts`) the list is accounts → regions:
"All accounts" merges everything, Enter on an account shows all its regions, Enter on one of
its regions only that one; counts and errors are per account-region. A plain launch's one
account has no account level: the list looks as it always did.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.timer import Timer
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from amitui.model import AwsError, RegionKey, RegionLoad, RegionStatus
from amitui.text import inert
from amitui.widgets.lists import KeyedOptionList

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
#: A list longer than this is redrawn by the spinner's next turn (every 0.1 s while
#: anything loads) rather than on each arrival: an organization's thousands of
#: account-regions would otherwise rebuild the whole list thousands of times.
REDRAW_EACH_CHANGE_UP_TO = 100
ALL = "*all*"
#: An account's option id is this prefix and the account's label.
ACCOUNT_PREFIX = "account:"

_STATUS_TEXT = {
    RegionStatus.DENIED: "denied",
    RegionStatus.THROTTLED: "throttled",
    RegionStatus.EXPIRED_CREDENTIALS: "expired",
    RegionStatus.FAILED: "failed",
}


@dataclass(slots=True)
class RegionState:
    region: str
    status: RegionStatus = RegionStatus.LOADING
    count: int = 0
    error: AwsError | None = None
    seconds: float = 0.0
    #: Images shown, snapshots still being listed.
    snapshots_pending: bool = False
    #: The account the region belongs to (its label, "" for a plain launch).
    account: str = ""

    @property
    def key(self) -> RegionKey:
        return RegionKey(self.account, self.region)

    @property
    def loading(self) -> bool:
        return self.status in (RegionStatus.LOADING, RegionStatus.PENDING)


def _key(item: str | RegionKey) -> RegionKey:
    return item if isinstance(item, RegionKey) else RegionKey("", item)


class RegionList(KeyedOptionList):
    """The list itself; :class:`RegionPane` owns the state."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "space",
            "toggle_region",
            "Add/remove",
            tooltip="Add this region (or account) to the shown regions, or remove it",
            id="regions.toggle",
        ),
    ]

    class Toggled(Message):
        def __init__(self, region: str) -> None:
            super().__init__()
            #: The option's id (a region, an account's, or ALL).
            self.region = region

    def action_toggle_region(self) -> None:
        option = self.highlighted_option
        if option is not None and option.id is not None:
            self.post_message(self.Toggled(option.id))


class RegionPane(Vertical):
    DEFAULT_CSS = """
    RegionPane {
        width: 24;
        border: round $primary 50%;
        border-title-color: $text;
        &:focus-within { border: round $primary; }
        &.-accounts { width: 27; }  /* a region is indented under its account */
        RegionList {
            height: 1fr; border: none; padding: 0; background: transparent;
            scrollbar-size-vertical: 1;
            &:focus { border: none; }
        }
        #region-info {
            height: auto; max-height: 50%; padding: 0 1;
            border-top: solid $primary 30%; color: $text-muted;
        }
    }
    """

    class ViewChanged(Message):
        """The account-regions the table should show; empty means every one."""

        def __init__(self, keys: frozenset[RegionKey], *, toggled: bool = False) -> None:
            super().__init__()
            self.keys = keys
            #: Their regions' names.
            self.regions = frozenset(key.region for key in keys)
            #: The one account they belong to, if they do (None: several, or all).
            accounts = {key.account for key in keys}
            self.account = next(iter(accounts)) if len(accounts) == 1 else None
            #: From space in the list (the user is still choosing), not Enter.
            self.toggled = toggled

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._states: dict[RegionKey, RegionState] = {}
        self._view: frozenset[RegionKey] = frozenset()
        #: label -> name shown, in order; empty for a plain launch (no account level).
        self._accounts: dict[str, str] = {}
        self._frame = 0
        self._spinner: Timer | None = None
        self._resolving = True
        self._ids: dict[str, frozenset[RegionKey]] = {}

    def compose(self) -> ComposeResult:
        yield RegionList(id="region-list")
        yield Static(id="region-info")

    def on_mount(self) -> None:
        self.border_title = "Regions"
        self._spinner = self.set_interval(0.1, self._spin, pause=True)
        self._rebuild()

    # ---- state from the App ------------------------------------------------------------

    @property
    def keys(self) -> list[RegionKey]:
        """Every account-region, in the list's order."""
        return list(self._states)

    @property
    def key_view(self) -> frozenset[RegionKey]:
        """The account-regions shown; empty: every one."""
        return self._view

    @property
    def view(self) -> frozenset[str]:
        """The regions shown (their names); empty: every region."""
        return frozenset(key.region for key in self._view)

    @property
    def regions(self) -> list[str]:
        """Every region's name, once (in every account)."""
        return list(dict.fromkeys(key.region for key in self._states))

    @property
    def accounts(self) -> dict[str, str]:
        """The account level's accounts: label -> name shown (empty: no account level)."""
        return dict(self._accounts)

    def state(self, region: str | RegionKey) -> RegionState | None:
        """A region's state: by key, or by name (the first account that has it)."""
        if isinstance(region, RegionKey):
            return self._states.get(region)
        return next((s for k, s in self._states.items() if k.region == region), None)

    def set_accounts(self, names: dict[str, str]) -> None:
        """Show the account level: label -> the name to show (the alias, else the id)."""
        self._accounts = dict(names)
        self.set_class(bool(names), "-accounts")
        self._order()
        self._rebuild()

    def set_regions(self, regions: Iterable[str | RegionKey]) -> None:
        """The regions to load, all now loading (names: the plain launch's one account)."""
        self._resolving = False
        self._states = {}
        for key in map(_key, regions):
            self._states[key] = RegionState(key.region, account=key.account)
        self._view = frozenset(k for k in self._view if k in self._states)
        self._order()
        self._rebuild()

    def add_regions(self, regions: Iterable[str | RegionKey]) -> None:
        """Add regions (e.g. a copy's destination) without touching the others' state."""
        for key in map(_key, regions):
            self._states.setdefault(key, RegionState(key.region, account=key.account))
        self._resolving = False
        self._order()
        self._rebuild()

    def set_resolving(self) -> None:
        """Before the region list is known (e.g. DescribeRegions in flight)."""
        self._resolving = True
        self._states = {}
        self._rebuild()

    def mark_loading(self, regions: Iterable[str | RegionKey]) -> None:
        for key in map(_key, regions):
            state = self._states.setdefault(key, RegionState(key.region, account=key.account))
            state.status = RegionStatus.LOADING
            state.snapshots_pending = False
        self._rebuild()

    def set_result(self, load: RegionLoad) -> None:
        key = load.key
        state = self._states.get(key)
        if state is None:
            state = self._states[key] = RegionState(load.region, account=load.account)
            self._order()
        state.status = load.status
        state.count = len(load.images)
        state.error = load.error
        state.seconds = load.seconds
        state.snapshots_pending = load.snapshots_pending
        self._changed()

    def set_count(self, region: str | RegionKey, count: int) -> None:
        state = self._states.get(_key(region))
        if state is not None and state.count != count:
            state.count = count
            self._changed()

    def _changed(self) -> None:
        if len(self._states) > REDRAW_EACH_CHANGE_UP_TO and self.busy:
            return  # the spinner redraws it (see REDRAW_EACH_CHANGE_UP_TO)
        self._rebuild()

    def show_regions(self, regions: Iterable[str | RegionKey], *, toggled: bool = False) -> None:
        """Set the view (empty: all regions; a name: that region in every account) and say
        so."""
        wanted: set[RegionKey] = set()
        for item in regions:
            if isinstance(item, RegionKey):
                wanted.add(item)
            else:
                wanted.update(k for k in self._states if k.region == item)
        self._view = frozenset(k for k in wanted if k in self._states)
        if self._view == frozenset(self._states):
            self._view = frozenset()
        self._rebuild()
        self.post_message(self.ViewChanged(self._view, toggled=toggled))

    def show_account(self, label: str) -> None:
        """Show every region of one account."""
        self.show_regions([k for k in self._states if k.account == label])

    @property
    def busy(self) -> bool:
        return self._resolving or any(
            s.loading or s.snapshots_pending for s in self._states.values()
        )

    def _order(self) -> None:
        """With an account level, each account's regions together, accounts in their order."""
        if not self._accounts:
            return
        rank = {label: i for i, label in enumerate(self._accounts)}
        self._states = dict(
            sorted(self._states.items(), key=lambda item: rank.get(item[0].account, len(rank)))
        )

    # ---- events ------------------------------------------------------------------------

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        chosen = self._ids.get(event.option.id or ALL, frozenset())
        self.show_regions(chosen)

    def on_region_list_toggled(self, event: RegionList.Toggled) -> None:
        event.stop()
        chosen = self._ids.get(event.region, frozenset())
        if not chosen:
            self.show_regions(())
            return
        current = set(self._view or self._states)
        if chosen <= current:
            current -= chosen
        else:
            current |= chosen
        self.show_regions(current or chosen, toggled=True)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        self._show_info()

    # ---- rendering ---------------------------------------------------------------------

    def _spin(self) -> None:
        self._frame = (self._frame + 1) % len(SPINNER)
        self._rebuild()

    def _entries(self) -> list[tuple[str, frozenset[RegionKey], Content]]:
        """(option id, the keys it stands for, prompt), in the list's order."""
        every = frozenset(self._states)
        entries = [(ALL, every, self._all_prompt())]
        if not self._accounts:
            return entries + [(k.region, frozenset({k}), self._prompt(s)) for k, s in self._items()]
        by_account: dict[str, list[tuple[RegionKey, RegionState]]] = {}
        for key, state in self._items():
            by_account.setdefault(key.account, []).append((key, state))
        for label, name in self._accounts.items():
            own = by_account.get(label, [])
            keys = frozenset(k for k, _ in own)
            entries.append((ACCOUNT_PREFIX + label, keys, self._account_prompt(name, own)))
            entries += [(f"{label}/{k.region}", frozenset({k}), self._prompt(s)) for k, s in own]
        return entries

    def _items(self) -> list[tuple[RegionKey, RegionState]]:
        return list(self._states.items())

    def _rebuild(self) -> None:
        if not self.is_mounted:
            return
        options = self.query_one(RegionList)
        entries = self._entries()
        self._ids = {option_id: keys for option_id, keys, _ in entries}
        ids = [option_id for option_id, _, _ in entries]
        if [o.id for o in options.options] == ids:
            for index, (_, _, prompt) in enumerate(entries):
                options.replace_option_prompt_at_index(index, prompt)
        else:
            highlighted = options.highlighted_option
            keep = highlighted.id if highlighted else None
            options.set_options(Option(prompt, id=i) for i, _, prompt in entries)
            if keep in ids:
                options.highlighted = ids.index(keep)
            elif options.has_focus:
                options.ensure_highlight()
        states = self._states.values()
        loaded = sum(1 for s in states if s.status is RegionStatus.LOADED)
        failed = sum(1 for s in states if s.status.is_error)
        title = f"Regions {loaded}/{len(self._states)}"
        if self._accounts:
            title = f"Accounts {len(self._accounts)} · {loaded}/{len(self._states)}"
        if failed:
            title += f" · {failed} failed"
        self.border_title = title
        if self._spinner is not None:
            if self.busy:
                self._spinner.resume()
            else:
                self._spinner.pause()
        self._show_info()

    def _width(self) -> int:
        """The name's width in a prompt."""
        return 15 if self._accounts else 14

    def _all_prompt(self) -> Content:
        mark = ("● " if not self._view else "  ", "bold")
        if self._resolving:
            return Content.assemble(mark, (f"{SPINNER[self._frame]} finding regions…", "italic"))
        total = sum(s.count for s in self._states.values())
        label = "All accounts" if self._accounts else "All regions"
        return Content.assemble(mark, label.ljust(self._width()), (f"{total:>6}", "bold"))

    def _account_prompt(self, name: str, own: list[tuple[RegionKey, RegionState]]) -> Content:
        keys = {k for k, _ in own}
        shown = bool(self._view) and keys <= self._view
        mark = ("● " if shown else "  ", "bold")
        states = [s for _, s in own]
        if any(s.loading for s in states) or not states:
            status = (f"{SPINNER[self._frame]:>6}", "bold $accent")
        elif all(s.status.is_error for s in states):
            status = (f"{_STATUS_TEXT[states[0].status]:>6}"[:6], "bold $error")
        else:
            total = sum(s.count for s in states)
            failing = any(s.status.is_error for s in states)
            # Right-aligned with the regions' counts; a failing account's ends in "!".
            status = (f"{total:>5}!", "bold $error") if failing else (f"{total:>6}", "bold")
        return Content.assemble(mark, (name.ljust(self._width())[: self._width()], "bold"), status)

    def _prompt(self, state: RegionState) -> Content:
        mark = ("● " if state.key in self._view else "  ", "bold")
        if state.loading:
            status = (f"{SPINNER[self._frame]:>6}", "bold $accent")
        elif state.status.is_error:
            status = (f"{_STATUS_TEXT[state.status]:>6}"[:6], "bold $error")
        elif state.snapshots_pending:  # the count is in; a spinner for the snapshots
            status = (f"{state.count:>5}{SPINNER[self._frame]}", "")
        else:
            status = (f"{state.count:>6}", "")
        indent = " " if self._accounts else ""
        return Content.assemble(mark, indent + state.region.ljust(14)[:14], status)

    def _show_info(self) -> None:
        info = self.query_one("#region-info", Static)
        option = self.query_one(RegionList).highlighted_option
        option_id = option.id or "" if option is not None else ""
        if option_id.startswith(ACCOUNT_PREFIX):
            label = option_id[len(ACCOUNT_PREFIX) :]
            states = [s for k, s in self._states.items() if k.account == label]
            info.update(describe_account(self._accounts.get(label, label), label, states))
            return
        keys = self._ids.get(option_id, frozenset()) if option_id != ALL else frozenset()
        state = self._states.get(next(iter(keys))) if len(keys) == 1 else None
        view = frozenset(self._key_name(k) for k in self._view)
        account = self._accounts.get(state.account) if state is not None else None
        info.update(describe_state(state, view, len(self._states), account=account))

    def _key_name(self, key: RegionKey) -> str:
        if not self._accounts:
            return key.region
        return f"{self._accounts.get(key.account, key.account)} {key.region}"


def describe_account(name: str, label: str, states: Sequence[RegionState]) -> Content:
    """An account's regions in short: images, and which regions failed."""
    title = name if name == label else f"{name} ({label})"
    total = sum(s.count for s in states)
    failed = [s for s in states if s.status.is_error]
    parts: list[str | tuple[str, str]] = [
        (inert(title) + "\n", "bold"),
        f"{total} images in {len(states)} regions",
    ]
    if failed:
        parts.append(("\n" + f"{len(failed)} failed: ", "bold $error"))
        parts.append(", ".join(f"{s.region} {_STATUS_TEXT[s.status]}" for s in failed))
    return Content.assemble(*parts)


def describe_state(
    state: RegionState | None, view: frozenset[str], total: int, *, account: str | None = None
) -> Content:
    """The highlighted region (of ``account``, named so with several) in full; AWS text goes
    in as plain strings, never markup."""
    if state is None:
        shown = ", ".join(sorted(view)) if view else f"all {total} regions"
        return Content.assemble(("Showing ", "dim"), inert(shown))
    where = inert(f"{account} {state.region}" if account else state.region)
    if state.loading:
        return Content(f"{where}: loading…")
    if state.snapshots_pending:
        return Content(f"{where}: {state.count} images; listing its snapshots…")
    if state.error is None:
        return Content(f"{where}: {state.count} images in {state.seconds:.1f} s")
    error = state.error
    parts: list[str | tuple[str, str]] = [
        (f"{where}: {_STATUS_TEXT.get(state.status, 'failed')}\n", "bold $error"),
    ]
    # The fix before AWS's message: a long message would push it out of the box.
    if error.hint:
        parts += [("Fix: ", "bold $success"), inert(error.hint) + "\n"]
    parts += [(inert(error.code) + "\n", "bold"), inert(error.message)]
    return Content.assemble(*parts)
