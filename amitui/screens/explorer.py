"""The explorer's main screen: the region list, the image table with its filter, the
inspector, the scope bar and the footer.

It composes the panes and routes between them; it binds the panes' keys (every entry of
:data:`amitui.registry.ACTIONS`), keeps the row cache (each region's images turned into
table rows once, with the Used by counts they read), throttles the table while regions are
loading and debounces the cursor → inspector. The App hands it results through the
``show_…`` methods; what needs the engine it asks for with a typed message
(:mod:`amitui.screens.messages`).

Each feature is a room of its own that the screen calls: :mod:`~amitui.screens.command_runner`
(the ``:`` commands), :mod:`~amitui.screens.column_choice`, :mod:`~amitui.screens.export`,
:mod:`~amitui.screens.clipboard`, :mod:`~amitui.screens.raw_view` (``Y``),
:mod:`~amitui.screens.totals`, :mod:`~amitui.screens.keys` (keymap, read-only, help),
:mod:`~amitui.screens.palette` and :mod:`~amitui.screens.titles`.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.timer import Timer
from textual.widgets import Input, Static, TabbedContent

from amitui import command_line as commands
from amitui.columns import ImageRow, make_row
from amitui.filters import FilterError
from amitui.model import (
    Image,
    ImageExtras,
    ImageKey,
    ImageQuery,
    Inventory,
    RegionKey,
    RegionLoad,
)
from amitui.registry import ACTIONS, READ_ONLY_FLOWS
from amitui.screens import clipboard, export, titles
from amitui.screens.column_choice import ColumnChoice
from amitui.screens.command_runner import run_command, vocabulary
from amitui.screens.keys import help_entries, read_only_keys, refused_read_only
from amitui.screens.messages import (
    ExtrasWanted,
    FlowRequested,
    QueryChosen,
    RefreshRequested,
    ScreenReady,
    SsoLoginRequested,
)
from amitui.screens.palette import palette_entries
from amitui.screens.raw_view import RawRecordScreen, ask_for_record
from amitui.screens.totals import totals_of_view
from amitui.text import inert
from amitui.widgets.column_chooser import Choice
from amitui.widgets.command_line import CommandLine
from amitui.widgets.commands import PaletteEntry
from amitui.widgets.filter_bar import FilterBar, FilterMessage
from amitui.widgets.footer import KeysFooter
from amitui.widgets.goto import GotoDialog
from amitui.widgets.help_screen import HelpEntry, HelpScreen
from amitui.widgets.image_table import ImageTable
from amitui.widgets.inspector import Inspector
from amitui.widgets.messages import GotoRequested, JumpToImage
from amitui.widgets.owner_scope import OwnerScopeScreen
from amitui.widgets.region_pane import RegionList, RegionPane

#: With this many images loaded, each load freezes the GC's view of them (see show_load).
LARGE_INVENTORY = 10_000
#: Redraw the inspector once the cursor has rested this long: a held-down key moves the
#: cursor every ~30 ms, and drawing the details grid costs about a keystroke's budget.
INSPECT_DELAY = 0.08
#: While regions are still loading, rebuild the table at most this often: each rebuild sorts
#: and filters every row loaded so far, and regions tend to answer in bursts.
TABLE_REFRESH_INTERVAL = 0.1
#: ...and at least this many times the last rebuild's cost apart, so that rebuilding stays a
#: small share of the loop while a large inventory streams in (at 100,000 rows a rebuild
#: takes ~0.1 s, and each is replaced by the next region's).
TABLE_REFRESH_COST_FACTOR = 4.0


class ExplorerScreen(Screen[None]):
    """The main screen (the App's default screen). Build it with what it shows: the
    inventory it reads (owned by the Explorer), the extras cache lookup and the clock."""

    DEFAULT_CSS = """
    #account-problems {
        display: none; height: auto; max-height: 4; padding: 0 1;
        background: $error 15%; color: $text;
        /* one line a problem (the tooltip has them in full) */
        text-wrap: nowrap; text-overflow: ellipsis;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            a.key, a.action, a.label, id=a.id, show=a.show, priority=a.priority, tooltip=a.tooltip
        )
        for a in ACTIONS
        if a.key is not None
    ]

    def __init__(
        self,
        inventory: Inventory,
        *,
        query: ImageQuery,
        cached_extras: Callable[[ImageKey], ImageExtras | None],
        now: Callable[[], datetime],
        read_only: bool = False,
        demo: bool = False,
        profile: str | None = None,
        key_overrides: dict[str, str] | None = None,
        config_file: Path | None = None,
        empty_text: str = "Connecting…",
        many_accounts: bool = False,
        snapshot_price: float | None = None,
    ) -> None:
        super().__init__()
        self.inventory = inventory
        self.query_shown = query
        self.read_only = read_only
        self._cached_extras = cached_extras
        self.now = now
        self._demo = demo
        self._profile = profile
        self.key_overrides = key_overrides or {}
        self.config_file = config_file
        self.column_choice = ColumnChoice(self)
        self._empty_text = empty_text
        #: Who "self" is, once known: an image it does not own was shared with it.
        self.account_id: str | None = None
        self.account_alias: str | None = None
        #: Account label -> what the Account column shows (alias, else id) in an account-set
        #: launch; empty: one account.
        self.account_names: dict[str, str] = {}
        #: Where EC2 calls go, when not to AWS (the sandbox, an AWS_ENDPOINT_URL).
        self._endpoint: str | None = None
        #: Each region's images and their rows (rows are made once per images tuple).
        self._rows: dict[RegionKey, tuple[tuple[Image, ...], list[ImageRow]]] = {}
        #: The Used by column's counts, this screen's alone: every row it makes reads them
        #: (by reference), so a sweep's answer shows without remaking the rows.
        self.use_counts: dict[ImageKey, int] = {}
        #: Seconds the cursor rests before the inspector shows its image (0: at once).
        self.inspect_delay = INSPECT_DELAY
        self._inspect_timer: Timer | None = None
        self._table_timer: Timer | None = None
        self._table_refreshed = 0.0  # time.monotonic() of the last rebuild
        self._table_refresh_cost = 0.0  # how long it took (seconds)
        self._scope_text = ""
        #: The sources that gave no account, one line each; an ``aws sso login`` cures some.
        self._problems: list[str] = []
        self._sso_needed = False
        #: An account set is being opened (the header says so, not "profile default").
        self._many_accounts = many_accounts
        #: USD per GiB-month of a standard snapshot, for the Totals view (None: the default).
        self.snapshot_price = snapshot_price

    # ---- composition ---------------------------------------------------------------------

    @property
    def table(self) -> ImageTable:
        return self.query_one(ImageTable)

    @property
    def region_pane(self) -> RegionPane:
        return self.query_one(RegionPane)

    @property
    def inspector(self) -> Inspector:
        return self.query_one(Inspector)

    def compose(self) -> ComposeResult:
        yield Static(id="scope-bar")
        yield Static(id="account-problems", markup=False)
        with Horizontal(id="main"):
            yield RegionPane(id="regions")
            with Vertical(id="right"):
                with Vertical(id="table-box"):
                    yield CommandLine(partial(vocabulary, self), id="command-line")
                    yield FilterBar(id="filter")
                    yield FilterMessage(id="filter-error")
                    yield ImageTable(id="images")
                yield Inspector(id="inspector")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one(FilterBar).return_focus = self.table
        self.query_one(CommandLine).return_focus = self.table
        self.column_choice.restore()
        self.table.empty_text = self._empty_text
        # After the screen's own first focus (its first focusable widget, the region list),
        # as when the App composed the panes itself.
        self.call_after_refresh(self.table.focus)
        self._update_titles()
        self.post_message(ScreenReady())

    # ---- what the App shows --------------------------------------------------------------

    def show_empty_text(self, text: str) -> None:
        self.table.empty_text = text

    def show_regions(self, regions: Sequence[str | RegionKey]) -> None:
        """The region list (before any load); names: the one account of a plain launch."""
        self.region_pane.set_regions(regions)

    def show_resolving(self) -> None:
        self.region_pane.set_resolving()

    def show_loading(self, regions: Sequence[str | RegionKey]) -> None:
        """These regions are (re)loading; regions not in the list yet are added."""
        self.region_pane.add_regions(regions)
        self.region_pane.mark_loading(regions)
        self._update_titles()

    def show_load(self, load: RegionLoad) -> None:
        """A region's load, already in the inventory (or its failure)."""
        if load.error is None:
            cached = self._rows.get(load.key)
            # The complete load after an images-first one has the same images: same rows.
            if cached is None or cached[0] is not load.images:
                self._rows[load.key] = (load.images, self._make_rows(load.images))
            if sum(len(rows) for _, rows in self._rows.values()) >= LARGE_INVENTORY:
                # Move the loaded records out of the cyclic GC's reach: with 100k images
                # (in one region or many), each full collection walks ~1.4M objects and
                # stalls loading and keystrokes by 100-900 ms. (Dropped later, they are
                # still freed: they hold no reference cycles.)
                gc.freeze()
        else:
            self._rows.pop(load.key, None)
        self.region_pane.set_result(load)
        self._refresh_table_soon()  # the orphans too: they walk every loaded snapshot
        image = self.table.cursor_image
        if image is not None and RegionKey(image.account, image.region) == load.key:
            self._inspect(self.inventory.image(image.key) or image)

    def show_endpoint(self, endpoint: str | None) -> None:
        """Where EC2 calls go (None: AWS's own endpoints), for the scope bar."""
        self._endpoint = endpoint
        self._update_titles()

    def show_account(self, account_id: str | None) -> None:
        """Who "self" is: the access column tells shared images from our own."""
        self.account_id = account_id
        self._update_titles()
        for key, (images, _) in list(self._rows.items()):
            self._rows[key] = (images, self._make_rows(images))
        self._refresh_table()

    def show_alias(self, alias: str | None) -> None:
        self.account_alias = alias
        self._update_titles()

    def show_account_names(self, names: Mapping[str, str]) -> None:
        """What the Account column shows (and the filter finds) for each account label, e.g.
        its alias where the label is an account id; a label not named shows as itself."""
        if dict(names) == self.account_names:
            return
        self.account_names = dict(names)
        for key, (images, _) in list(self._rows.items()):
            self._rows[key] = (images, self._make_rows(images))
        self._refresh_table()

    def show_accounts(
        self, names: dict[str, str], problems: Sequence[str], *, sso_needed: bool = False
    ) -> None:
        """An account-set launch's accounts (label -> alias, else id) and the sources that
        gave none (one line each: expired SSO is one line per login); ``sso_needed``: the
        SSO login key has something to do."""
        self._problems = list(problems)
        self._sso_needed = sso_needed
        self.region_pane.set_accounts(names)
        self.show_account_names(names)
        bar = self.query_one("#account-problems", Static)
        bar.update("\n".join(inert(line) for line in problems))
        bar.tooltip = "\n\n".join(inert(line) for line in problems) or None
        bar.display = bool(problems)
        self.refresh_bindings()
        self._update_titles()

    def show_extras(self, image: Image, extras: ImageExtras) -> None:
        self.inspector.show_extras(image, extras, self.now())
        if extras.shared and not image.public:
            account_id = image.account if self.account_names else self.account_id
            shared = make_row(
                image,
                self.now(),
                account_id=account_id,
                shared=True,
                account_names=self.account_names,
                use_counts=self.use_counts,
            )
            self.table.replace_row(shared)
            _, rows = self._rows.get(RegionKey(image.account, image.region), ((), []))
            for index, row in enumerate(rows):
                if row.key == image.key:
                    rows[index] = shared  # so a rebuilt table still says so

    def show_query(self, query: ImageQuery) -> None:
        """Another query is listed: what the table showed is gone."""
        self.query_shown = query
        self._rows.clear()
        self._refresh_table()

    def _make_rows(self, images: Iterable[Image]) -> list[ImageRow]:
        now = self.now()
        query = self.query_shown
        if not query.shows_everything:
            # EC2 lists an owner's deprecated images whatever IncludeDeprecated says: the
            # query's hide toggles are applied here too, so they always change the view.
            images = [image for image in images if query.shows(image, now)]
        extras = self._cached_extras
        account_id, names = self.account_id, self.account_names
        return [
            make_row(
                image,
                now,
                account_id=image.account if self.account_names else account_id,
                shared=_shared(extras(image.key)),
                account_names=names,
                use_counts=self.use_counts,
            )
            for image in images
        ]

    # ---- the selection -------------------------------------------------------------------

    def selected_images(self) -> list[Image]:
        """The marked images (in table order), else the image under the cursor, else []."""
        table = self.table
        marked: list[Image] = table.marked_images()
        if marked:
            return marked
        return [table.cursor_image] if table.cursor_image is not None else []

    def clear_marks(self) -> None:
        self.table.clear_marks()

    def jump_to(self, key: ImageKey) -> bool:
        """Show ``key`` in the table (widening the region view, clearing the filter)."""
        if self.inventory.image(key) is None:
            self.notify(f"{key} is not loaded", severity="warning", markup=False)
            return False
        view = self.region_pane.key_view
        where = RegionKey(key.account, key.region)
        if view and where not in view:
            self.region_pane.show_regions([*view, where])
            self._refresh_table()
        if not self.table.move_cursor_to(key):
            self.query_one(FilterBar).action_clear()
            self.table.set_filter("")
            self.table.move_cursor_to(key)
        self.table.focus()
        return True

    # ---- the table -----------------------------------------------------------------------

    def view_keys(self) -> list[RegionKey]:
        view = self.region_pane.key_view
        return [k for k in self.region_pane.keys if not view or k in view]

    def _refresh_table_soon(self) -> None:
        """Rebuild the table now, or, while other regions are still loading and it was
        rebuilt less than TABLE_REFRESH_INTERVAL ago, once that interval is over."""
        if not self.region_pane.busy:
            self._refresh_table()  # the last region: at once
            return
        if self._table_timer is not None:
            return  # already due
        interval = max(TABLE_REFRESH_INTERVAL, TABLE_REFRESH_COST_FACTOR * self._table_refresh_cost)
        wait = self._table_refreshed + interval - time.monotonic()
        if wait <= 0:
            self._refresh_table()
        else:
            # Owned by the table, so it dies with it when the App closes.
            self._table_timer = self.table.set_timer(wait, self._table_refresh_due)

    def _table_refresh_due(self) -> None:
        self._table_timer = None  # fired: nothing to cancel (it is running this callback)
        self._refresh_table()

    def _refresh_table(self) -> None:
        if self._table_timer is not None:
            self._table_timer.stop()
            self._table_timer = None
        self._table_refreshed = time.monotonic()
        keys = self.view_keys()
        rows: list[ImageRow] = []
        for key in keys:
            rows.extend(self._rows.get(key, ((), []))[1])
        table = self.table
        table.show_region = len({key.region for key in keys}) != 1
        owners = {row.image.owner_id for row in rows}
        # Shown once the view holds images of other owners (shared with me, amazon, …); in
        # an account set, an image is its own account's unless its owner is another.
        own = {k.account for k in keys} if self.account_names else {self.account_id}
        table.show_owner = bool(owners - own) if own != {None} else len(owners) > 1
        table.set_rows(rows)
        if len(rows) >= LARGE_INVENTORY:
            gc.freeze()  # the table's lists of every row too (see show_load)
        if not self.region_pane.busy:
            table.presort()  # the rows have settled: every column's order, in idle turns
        self._update_empty_text()
        self._update_titles()
        self._refresh_orphans()
        self._table_refresh_cost = time.monotonic() - self._table_refreshed

    def choose_column(self, key: str, shown: bool | None) -> None:
        """Show or hide one column whatever its rule says (None: back to its rule)."""
        self.column_choice.choose_one(key, shown)

    def action_toggle_column(self, key: str) -> None:
        self.column_choice.toggle(key)

    def _update_empty_text(self) -> None:
        busy, owner = self.region_pane.busy, self.query_shown.describe()
        self.table.empty_text = titles.empty_text(self.table, busy=busy, owner=owner)

    def _refresh_orphans(self) -> None:
        # A region whose snapshots are still being listed has no orphans to show yet.
        loads = self.inventory.loads
        keys = [k for k in self.view_keys() if k in loads and not loads[k].snapshots_pending]
        wanted = set(keys)
        orphans = [
            o
            for region in dict.fromkeys(k.region for k in keys)
            for o in self.inventory.orphaned_snapshots(region)
            if RegionKey(o.snapshot.account, region) in wanted
        ]
        self.inspector.show_orphans(orphans, list(dict.fromkeys(k.region for k in keys)))

    def _update_titles(self) -> None:
        table = self.table
        box = self.query_one("#table-box")
        box.border_title = titles.table_title(table)
        box.border_subtitle = titles.sort_subtitle(table)
        pane = self.region_pane
        failing = (
            frozenset(
                k.account
                for k in pane.keys
                if (s := pane.state(k)) is not None and s.status.is_error
            )
            if self.account_names
            else frozenset()
        )
        scope = titles.Scope(
            owner=self.query_shown.describe(),
            profile=self._profile,
            account_id=self.account_id,
            account_alias=self.account_alias,
            account_names=self.account_names,
            many_accounts=self._many_accounts,
            failing=failing,
            problems=len(self._problems),
            endpoint=self._endpoint,
            demo=self._demo,
            read_only=self.read_only,
        )
        scope_text = titles.scope_text(scope)
        if scope_text != self._scope_text:
            # Only on change, and one line high: an update with layout reflows the screen.
            self._scope_text = scope_text
            self.query_one("#scope-bar", Static).update(scope_text, layout=False)

    # ---- the inspector -------------------------------------------------------------------

    def _inspect(self, image: Image | None) -> None:
        self._cancel_inspection()
        extras = self._cached_extras(image.key) if image is not None else None
        self.inspector.show_image(image, self.inventory, extras, self.now())
        if image is not None and extras is None:
            self.post_message(ExtrasWanted(image))

    @property
    def inspection_pending(self) -> bool:
        """The inspector does not show the cursor's image yet: waiting for the cursor to rest
        (see INSPECT_DELAY), or the cursor's move still on its way as a message."""
        if self._inspect_timer is not None:
            return True
        cursor, shown = self.table.cursor_image, self.inspector.image
        return (cursor and cursor.key) != (shown and shown.key)

    def flush_inspection(self) -> None:
        """Show the cursor's image in the inspector now if it is not showing it yet (waiting
        for the cursor to rest, or the cursor's move still on its way as a message)."""
        cursor, shown = self.table.cursor_image, self.inspector.image
        if self._inspect_timer is not None or (cursor and cursor.key) != (shown and shown.key):
            self._inspect(cursor)

    def _cancel_inspection(self) -> None:
        if self._inspect_timer is not None:
            self._inspect_timer.stop()
            self._inspect_timer = None

    @on(ImageTable.CursorChanged)
    def _cursor_changed(self, event: ImageTable.CursorChanged) -> None:
        if self.inspect_delay <= 0:
            self._inspect(event.image)
            return
        # Debounced: each move restarts the wait, so scrolling never draws the details. The
        # table owns the timer, so it dies with the table when the App closes.
        self._cancel_inspection()
        self._inspect_timer = event.table.set_timer(
            self.inspect_delay, partial(self._cursor_rested, event.image)
        )

    def _cursor_rested(self, image: Image | None) -> None:
        self._inspect_timer = None  # fired: nothing to cancel (it is running this callback)
        current = self.table.cursor_image
        if (current and current.key) != (image and image.key):
            # The cursor has moved on since (a key pressed just before the rest ended: its
            # CursorChanged is still on the way): wait for it to rest again rather than draw
            # an image it has already left.
            self._inspect_timer = self.table.set_timer(
                self.inspect_delay, partial(self._cursor_rested, current)
            )
            return
        self._inspect(current)

    # ---- routing between the panes -------------------------------------------------------

    @on(ImageTable.MarksChanged)
    def _marks_changed(self) -> None:
        self._update_titles()

    @on(ImageTable.Selected)
    def _selected(self) -> None:
        self.flush_inspection()
        self.inspector.focus_active()

    @on(RegionPane.ViewChanged)
    def _view_changed(self, event: RegionPane.ViewChanged) -> None:
        self._refresh_table()
        if not event.toggled:
            self.table.focus()

    @on(JumpToImage)
    def _jump(self, event: JumpToImage) -> None:
        event.stop()
        self.jump_to(event.key)

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        try:
            self.table.set_filter(event.value)
        except FilterError as exc:
            self.query_one(FilterMessage).show_error(str(exc))
            return
        self.query_one(FilterMessage).show_error("")
        self._update_empty_text()
        self._update_titles()

    @on(FilterBar.Done)
    def _filter_done(self, event: FilterBar.Done) -> None:
        # No focus change here: the bar handed focus back as the key arrived, and by now a
        # new "/" may have focused the bar again (refocusing the table would send the keys
        # typed for the filter to the table as commands).
        if event.cleared:
            self.table.set_filter("")
            self.query_one(FilterMessage).show_error("")
        self._update_empty_text()
        self._update_titles()

    @on(TabbedContent.TabActivated)
    def _tab_activated(self) -> None:
        self.flush_inspection()
        self.inspector.refresh_active()

    # ---- actions (the keys: amitui.registry) ---------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.read_only and refused_read_only(action, parameters):
            return False  # hidden from the footer and refused
        if action == "sso_login":
            return self._sso_needed  # in the footer only when a login would help
        if action in ("quit", "filter", "command_line"):
            # q and / must type into inputs and reach dialogs, not act from under them.
            return not isinstance(self.app.screen, ModalScreen) and not isinstance(
                self.focused, Input
            )
        return True

    def on_key(self, event: events.Key) -> None:
        # Under --read-only the mutating bindings are off (not offered, never run); a key
        # that would have run one still says why nothing happens.
        if not self.read_only or isinstance(self.app.screen, ModalScreen):
            return
        if isinstance(self.focused, Input):
            return
        label = read_only_keys(self.BINDINGS, self.key_overrides).get(event.key)
        if label is not None:
            event.stop()
            self.notify(
                f"{label}: not offered, amitui runs read-only (--read-only). Start it "
                "without --read-only to change images.",
                severity="warning",
                timeout=4,
            )

    async def action_quit(self) -> None:
        self.app.exit()

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(self.help_entries(), config_file=self.config_file))

    def action_filter(self) -> None:
        self.query_one(FilterBar).open()

    def action_flow(self, action: str) -> None:
        if self.read_only and action not in READ_ONLY_FLOWS:
            self.notify("amitui is read-only: no changes are offered", severity="warning")
            return
        self.post_message(FlowRequested(action))

    def action_refresh(self) -> None:
        self.post_message(RefreshRequested())

    def action_sso_login(self) -> None:
        self.post_message(SsoLoginRequested())

    def action_owner_scope(self) -> None:
        self.app.push_screen(OwnerScopeScreen(self.query_shown), self._query_chosen)

    def _query_chosen(self, query: ImageQuery | None) -> None:
        if query is not None and query != self.query_shown:
            self.post_message(QueryChosen(query))

    def action_toggle_deprecated(self) -> None:
        self._query_chosen(self.query_shown.toggled_deprecated())

    def action_toggle_disabled(self) -> None:
        self._query_chosen(self.query_shown.toggled_disabled())

    def action_focus_table(self) -> None:
        """Escape: back to the table; in the table, clear an applied filter."""
        if self.focused is self.table and self.table.filter_text:
            self.query_one(FilterBar).action_clear()
            return
        self.table.focus()

    def action_sort(self, step: int) -> None:
        self.table.cycle_sort(step)
        self._update_titles()

    def action_reverse_sort(self) -> None:
        self.table.sort_by(self.table.sort_column, reverse=not self.table.sort_reverse)
        self._update_titles()

    def action_sort_by(self, column: str, reverse: bool = False) -> None:
        self.table.sort_by(column, reverse=reverse)
        self._update_titles()

    def action_sort_toggle(self, column: str) -> None:
        """Shift+letter: sort by ``column``; the same key again: the other way."""
        self.table.sort_by(column)
        self._update_titles()

    def action_tab(self, tab: str) -> None:
        self.flush_inspection()  # asked for the image's tab: show it now, not after a rest
        self.inspector.active = tab

    def action_focus_regions(self) -> None:
        self.query_one(RegionList).focus()

    def action_show_region(self, region: str) -> None:
        self.region_pane.show_regions([] if region == "*" else [region])

    def action_show_account(self, label: str) -> None:
        self.region_pane.show_account(label)

    def action_clear_marks(self) -> None:
        self.table.clear_marks()

    # ---- the command line and the columns ------------------------------------------------

    def action_command_line(self, text: str = "") -> None:
        self.query_one(CommandLine).open(text)

    @on(CommandLine.Submitted)
    def _command_submitted(self, event: CommandLine.Submitted) -> None:
        event.stop()
        self.run_command(event.command)

    def run_command(self, command: commands.Command) -> None:
        """Do what a command line (or its palette entry) says (see command_runner)."""
        run_command(self, command)

    def action_choose_columns(self) -> None:
        self.column_choice.open_chooser()

    def choose_columns(self, choice: Choice) -> None:
        """Show and hide columns as ``choice`` says, and keep it (see column_choice)."""
        self.column_choice.choose(choice)

    def export_view(self, fmt: str, path: Path) -> None:
        """``:export``: the view as `amitui ls --format FMT` writes it (see export)."""
        export.export_view(self, fmt, path)

    def show_exported(self, path: Path, count: int, error: str = "") -> None:
        export.show_exported(self, path, count, error)

    def action_copy_out(self, what: str) -> None:
        """Copy the selected images' ids, ARNs or console URLs (see clipboard)."""
        clipboard.copy_out(self, what)

    def action_raw_record(self) -> None:
        ask_for_record(self)

    def show_raw_record(
        self, image: Image, record: Mapping[str, object] | None, error: str
    ) -> None:
        """The raw view of ``image``: its record, or why there is none."""
        self.app.push_screen(RawRecordScreen(image, record, error))

    def action_totals(self) -> None:
        """The Totals view of what the table shows now (see totals_of_view)."""
        self.app.push_screen(totals_of_view(self))

    def show_use_counts(self, counts: Mapping[ImageKey, int]) -> None:
        """A sweep's Used by counts are in: keep them (the rows read them) and redraw."""
        self.use_counts.update(counts)
        self.table.show_used_by = not self.table.show_used_by
        self.table.show_used_by = True

    def forget_use_counts(self) -> None:
        """A refresh: the counts are stale; the column hides until it is turned on again
        (which sweeps again)."""
        self.use_counts.clear()
        self.table.show_used_by = False

    def action_goto(self) -> None:
        self.app.push_screen(GotoDialog(), self._goto_chosen)

    def _goto_chosen(self, target: str | None) -> None:
        if target:
            self.post_message(GotoRequested(target))

    # ---- help and palette ----------------------------------------------------------------

    def help_entries(self) -> list[HelpEntry]:
        """Every key of every screen, grouped by heading (see keys)."""
        return help_entries(self)

    def palette_entries(self) -> Iterable[PaletteEntry]:
        return palette_entries(self)

    def set_owner(self, owner: str) -> None:
        self._query_chosen(self.query_shown.with_owner(owner))


def _shared(extras: ImageExtras | None) -> bool:
    return extras is not None and extras.shared


__all__ = ["ExplorerScreen"]
