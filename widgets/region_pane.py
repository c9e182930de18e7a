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
from functools import lru_cache
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.css.styles import RulesMap
from textual.message import Message
from textual.strip import Strip
from textual.style import Style
from textual.timer import Timer
from textual.visual import RenderOptions, Visual
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
        #: Each account's regions, in order.
        self._own: dict[str, list[RegionKey]] = {}
        self._entries: list[tuple[str, frozenset[RegionKey], RegionKey | str | None]] | None = None
        #: The entries the list's options were made from (the same object while unchanged).
        self._listed: object = None
        #: Entry index of each account-region (its key) and each account (its label).
        self._index: dict[RegionKey | str, int] = {}
        #: Account-regions whose state changed since the last rebuild (None: every entry
        #: may have, e.g. the view changed).
        self._dirty: set[RegionKey] | None = None
        #: What the info box shows (its text and styles), so an unchanged one is not redrawn.
        self._info: tuple[str, object] | None = None

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
        self._relayout()
        self._rebuild()

    def set_regions(self, regions: Iterable[str | RegionKey]) -> None:
        """The regions to load, all now loading (names: the plain launch's one account)."""
        self._resolving = False
        self._states = {}
        for key in map(_key, regions):
            self._states[key] = RegionState(key.region, account=key.account)
        self._view = frozenset(k for k in self._view if k in self._states)
        self._order()
        self._relayout()
        self._rebuild()

    def add_regions(self, regions: Iterable[str | RegionKey]) -> None:
        """Add regions (e.g. a copy's destination) without touching the others' state."""
        known = len(self._states)
        for key in map(_key, regions):
            self._states.setdefault(key, RegionState(key.region, account=key.account))
        self._resolving = False
        if len(self._states) != known:
            self._order()
            self._relayout()
        self._rebuild()

    def set_resolving(self) -> None:
        """Before the region list is known (e.g. DescribeRegions in flight)."""
        self._resolving = True
        self._states = {}
        self._relayout()
        self._rebuild()

    def mark_loading(self, regions: Iterable[str | RegionKey]) -> None:
        known = len(self._states)
        for key in map(_key, regions):
            state = self._states.setdefault(key, RegionState(key.region, account=key.account))
            state.status = RegionStatus.LOADING
            state.snapshots_pending = False
            self._touch((key,))
        if len(self._states) != known:
            self._relayout()
        self._rebuild()

    def set_result(self, load: RegionLoad) -> None:
        key = load.key
        state = self._states.get(key)
        if state is None:
            state = self._states[key] = RegionState(load.region, account=load.account)
            self._order()
            self._relayout()
        state.status = load.status
        state.count = len(load.images)
        state.error = load.error
        state.seconds = load.seconds
        state.snapshots_pending = load.snapshots_pending
        self._touch((key,))
        self._changed()

    def set_count(self, region: str | RegionKey, count: int) -> None:
        state = self._states.get(_key(region))
        if state is not None and state.count != count:
            state.count = count
            self._touch((state.key,))
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
        self._dirty = None  # every entry's mark
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

    def _layout(self) -> list[tuple[str, frozenset[RegionKey], RegionKey | str | None]]:
        """(option id, the keys it stands for, what it shows: a region's key, an account's
        label, or None for "All"), in the list's order; made again only when the entries
        change, not their states (see :meth:`_relayout`)."""
        if self._entries is not None:
            return self._entries
        entries: list[tuple[str, frozenset[RegionKey], RegionKey | str | None]] = [
            (ALL, frozenset(self._states), None)
        ]
        if not self._accounts:
            entries += [(k.region, frozenset({k}), k) for k in self._states]
        else:
            by_account: dict[str, list[RegionKey]] = {}
            for key in self._states:
                by_account.setdefault(key.account, []).append(key)
            for label in self._accounts:
                own = by_account.get(label, [])
                entries.append((ACCOUNT_PREFIX + label, frozenset(own), label))
                entries += [(f"{label}/{k.region}", frozenset({k}), k) for k in own]
            self._own = by_account
        self._entries = entries
        self._ids = {option_id: keys for option_id, keys, _ in entries}
        # Where each account-region's entry is, and each account's (by its label).
        self._index = {
            shows: index for index, (_, _, shows) in enumerate(entries) if shows is not None
        }
        return entries

    def _relayout(self) -> None:
        """The entries changed (regions or accounts added, removed or reordered)."""
        self._entries = None
        self._dirty = None

    def _touch(self, keys: Iterable[RegionKey]) -> None:
        """These account-regions' states changed: their entries are redrawn next time."""
        if self._dirty is not None:
            self._dirty.update(keys)

    def _rebuild(self) -> None:
        if not self.is_mounted:
            return
        options = self.query_one(RegionList)
        entries = self._layout()
        dirty, self._dirty = self._dirty, set()
        # A long list redraws only what changed, and animates the spinners on screen only:
        # its options are measured again on the next paint after any change, and an
        # organization's 3,400 account-regions, all redrawn on each spinner turn, took
        # about half a second a turn (most of the event loop's time while they load).
        # Its prompts are one line each, so the options on screen are these indices.
        everywhere = len(entries) <= REDRAW_EACH_CHANGE_UP_TO
        top = options.scroll_offset.y
        on_screen = range(top, min(top + max(options.size.height, 1), len(entries)))

        def prompt(index: int) -> Line:
            frame = self._frame if everywhere or index in on_screen else 0
            return self._entry_prompt(entries[index][2], frame)

        if self._listed is entries:
            if dirty is None or everywhere:
                wanted: Iterable[int] = range(len(entries))
            else:
                wanted = {0, *on_screen, *(self._index[k] for k in dirty if k in self._index)}
                # An account's entry sums its regions.
                wanted |= {self._index[k.account] for k in dirty if k.account in self._index}
            current = options.options
            for index in wanted:
                # Prompts are cached by what they show: an unchanged one is the same object.
                if current[index].prompt is not (new := prompt(index)):
                    options.replace_option_prompt_at_index(index, new)
        else:
            ids = [option_id for option_id, _, _ in entries]
            highlighted = options.highlighted_option
            keep = highlighted.id if highlighted else None
            options.set_options(
                Option(prompt(index), id=option_id) for index, option_id in enumerate(ids)
            )
            self._listed = entries
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

    def _entry_prompt(self, shows: RegionKey | str | None, frame: int) -> Line:
        if shows is None:
            return self._all_prompt(frame)
        if isinstance(shows, str):
            return self._account_prompt(shows, frame)
        state = self._states[shows]
        return _region_prompt(
            shows in self._view,
            bool(self._accounts),
            state.region,
            state.status,
            state.count,
            state.snapshots_pending,
            frame,
        )

    def _all_prompt(self, frame: int) -> Line:
        total = None if self._resolving else sum(s.count for s in self._states.values())
        label = "All accounts" if self._accounts else "All regions"
        return _all_prompt(not self._view, label.ljust(self._width()), total, frame)

    def _account_prompt(self, label: str, frame: int) -> Line:
        name = self._accounts[label]
        own = self._own.get(label, [])
        shown = bool(self._view) and self._ids[ACCOUNT_PREFIX + label] <= self._view
        states = [self._states[k] for k in own]
        status: tuple[str, str]
        if any(s.loading for s in states) or not states:
            status = (f"{SPINNER[frame]:>6}", "bold $accent")
        elif all(s.status.is_error for s in states):
            status = (f"{_STATUS_TEXT[states[0].status]:>6}"[:6], "bold $error")
        else:
            total = sum(s.count for s in states)
            failing = any(s.status.is_error for s in states)
            # Right-aligned with the regions' counts; a failing account's ends in "!".
            status = (f"{total:>5}!", "bold $error") if failing else (f"{total:>6}", "bold")
        return _account_prompt(shown, name.ljust(self._width())[: self._width()], status)

    def _show_info(self) -> None:
        option = self.query_one(RegionList).highlighted_option
        option_id = option.id or "" if option is not None else ""
        if option_id.startswith(ACCOUNT_PREFIX):
            label = option_id[len(ACCOUNT_PREFIX) :]
            states = [s for k, s in self._states.items() if k.account == label]
            text = describe_account(self._accounts.get(label, label), label, states)
        else:
            keys = self._ids.get(option_id, frozenset()) if option_id != ALL else frozenset()
            state = self._states.get(next(iter(keys))) if len(keys) == 1 else None
            view = frozenset(self._key_name(k) for k in self._view)
            account = self._accounts.get(state.account) if state is not None else None
            text = describe_state(state, view, len(self._states), account=account)
        shown = (text.plain, text.spans)
        if shown != self._info:  # an update lays the screen out again
            self._info = shown
            self.query_one("#region-info", Static).update(text)

    def _key_name(self, key: RegionKey) -> str:
        if not self._accounts:
            return key.region
        return f"{self._accounts.get(key.account, key.account)} {key.region}"


class Line(Visual):
    """A prompt of one line at any width (cut, never wrapped). The list measures every
    option again after any change; a Content measures itself by wrapping its text, which for
    an organization's 3,600 entries cost ~0.1 s a paint; this answers at once."""

    def __init__(self, content: Content) -> None:
        self.content = content

    def __str__(self) -> str:
        return self.content.plain

    def render_strips(
        self, width: int, height: int | None, style: Style, options: RenderOptions
    ) -> list[Strip]:
        return self.content.render_strips(width, 1, style, options)[:1]

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        return self.content.cell_length

    def get_height(self, rules: RulesMap, width: int) -> int:
        return 1


# Prompts are cached by what they show: a rebuild replaces only the prompts that changed
# (an unchanged one is the very same object), and makes each distinct one once.


@lru_cache(maxsize=8192)
def _all_prompt(shown: bool, label: str, total: int | None, frame: int) -> Line:
    mark = ("● " if shown else "  ", "bold")
    if total is None:  # the regions are still being found
        return Line(Content.assemble(mark, (f"{SPINNER[frame]} finding regions…", "italic")))
    return Line(Content.assemble(mark, label, (f"{total:>6}", "bold")))


@lru_cache(maxsize=8192)
def _account_prompt(shown: bool, name: str, status: tuple[str, str]) -> Line:
    return Line(Content.assemble(("● " if shown else "  ", "bold"), (name, "bold"), status))


@lru_cache(maxsize=8192)
def _region_prompt(
    shown: bool,
    indented: bool,
    region: str,
    status: RegionStatus,
    count: int,
    snapshots_pending: bool,
    frame: int,
) -> Line:
    mark = ("● " if shown else "  ", "bold")
    if status in (RegionStatus.LOADING, RegionStatus.PENDING):
        text = (f"{SPINNER[frame]:>6}", "bold $accent")
    elif status.is_error:
        text = (f"{_STATUS_TEXT[status]:>6}"[:6], "bold $error")
    elif snapshots_pending:  # the count is in; a spinner for the snapshots
        text = (f"{count:>5}{SPINNER[frame]}", "")
    else:
        text = (f"{count:>6}", "")
    indent = " " if indented else ""
    return Line(Content.assemble(mark, indent + region.ljust(14)[:14], text))


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
