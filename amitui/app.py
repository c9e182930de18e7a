"""The explorer App: composes the widgets, binds the keys, runs engine calls in workers and
routes results and messages. Features live in ``amitui.widgets`` and ``amitui.flows``.

Workers (all async on Textual's loop, ``exit_on_error=False``):

- ``session``: opens the :class:`~amitui.aws.AwsSession` (for ``--demo`` this starts the
  sandbox subprocess) and resolves the regions; the first paint happens before it returns.
- ``regions``: streams every region's load; exclusive, and each result carries a per-region
  token, so a refresh or a scope change discards whatever an older load still delivers.
- ``extras``: launch permissions etc. of the image under the cursor, lazily, cached.
- ``actions``: the flows behind c/s/d/x (see :mod:`amitui.flows`).

:meth:`AmituiApp.on_worker_state_changed` is the one place a worker failure becomes a message.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from datetime import UTC, datetime
from functools import partial
from typing import Any, ClassVar
from urllib.parse import urlsplit

from textual import events, on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.command import Provider
from textual.containers import Horizontal, Vertical
from textual.notifications import SeverityLevel
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Footer, Input, Static, TabbedContent
from textual.worker import Worker, WorkerState

from amitui.aws import AwsSession
from amitui.aws_errors import classify_error
from amitui.backend import LaunchOptions, open_session
from amitui.config import config_path
from amitui.flows import ACTIONS, CLEANUP, FlowUnavailable, get_flow
from amitui.loader import ImageQuery, load_region, resolve_regions, stream_regions
from amitui.model import Image, ImageKey, Inventory, RegionLoad
from amitui.text import inert
from amitui.widgets.cleanup_run import RunScreen
from amitui.widgets.cleanup_view import CleanupScreen
from amitui.widgets.commands import AmituiCommands, PaletteEntry
from amitui.widgets.details import ImageExtras
from amitui.widgets.filter_bar import FilterBar
from amitui.widgets.form_dialog import FormDialog
from amitui.widgets.help_screen import HelpEntry, HelpScreen
from amitui.widgets.image_table import COLUMNS, ImageRow, ImageTable, make_row
from amitui.widgets.inspector import Inspector
from amitui.widgets.messages import JumpToImage
from amitui.widgets.orphans_view import OrphansScreen
from amitui.widgets.owner_scope import PRESETS, OwnerScope, OwnerScopeScreen
from amitui.widgets.plan_screen import PlanScreen
from amitui.widgets.progress_screen import ProgressScreen
from amitui.widgets.region_pane import RegionList, RegionPane

SessionFactory = Callable[[LaunchOptions], AbstractAsyncContextManager[AwsSession]]

#: On quit, how long to let a session that is still opening finish (so it is closed properly).
SESSION_CLOSE_TIMEOUT = 15.0
#: With this many images loaded, each load freezes the GC's view of them (see _apply_load).
LARGE_INVENTORY = 10_000
#: Wait this long on one image before fetching its extras (scrolling fetches nothing).
EXTRAS_DELAY = 0.25
#: Redraw the inspector once the cursor has rested this long: a held-down key moves the
#: cursor every ~30 ms, and drawing the details grid costs about a keystroke's budget.
INSPECT_DELAY = 0.08
#: While regions are still loading, rebuild the table at most this often: each rebuild sorts
#: and filters every row loaded so far, and regions tend to answer in bursts.
TABLE_REFRESH_INTERVAL = 0.1

_ACTION_LABELS = {
    "copy": ("Copy", "Copy the marked images (else the one under the cursor) to other regions"),
    "share": ("Share", "Add or remove launch permissions (accounts, organizations, public)"),
    "deprecate": ("Deprecate", "Set or cancel the deprecation time"),
    "deregister": ("Deregister", "Deregister with cleanup: plan, confirm, free the snapshots"),
    "unprotect": (
        "Lift deregistration protection",
        "Turn off deregistration protection (typed confirmation; deregister separately)",
    ),
    "cleanup": ("Guided cleanup", "Find images nobody launches and retire them, plan first"),
}


class AmituiApp(App[int]):
    """The AMI explorer. Build it with :func:`make_app`."""

    CSS_PATH = "app.tcss"
    TITLE = "amitui"
    # One provider, so amitui's entries lead the palette; Textual's own follow (palette_entries).
    COMMANDS: ClassVar[set[type[Provider] | Callable[[], type[Provider]]]] = {AmituiCommands}
    ENABLE_COMMAND_PALETTE = True
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="quit", priority=True, tooltip="Quit amitui"),
        Binding("question_mark", "help", "Help", id="help", tooltip="Every key, explained"),
        # Priority (checked before keys are routed to the focused widget), so keys typed right
        # after "/" reach the filter; check_action turns it off inside inputs and dialogs.
        Binding(
            "slash", "filter", "Filter", id="filter", priority=True,
            tooltip="Filter by id/name/desc/tags",
        ),
        Binding("c", "flow('copy')", "Copy", id="copy", tooltip=_ACTION_LABELS["copy"][1]),
        Binding("s", "flow('share')", "Share", id="share", tooltip=_ACTION_LABELS["share"][1]),
        Binding(
            "d", "flow('deprecate')", "Deprecate", id="deprecate",
            tooltip=_ACTION_LABELS["deprecate"][1],
        ),
        Binding(
            "x", "flow('deregister')", "Deregister", id="deregister",
            tooltip=_ACTION_LABELS["deregister"][1],
        ),
        Binding(
            "P", "flow('unprotect')", "Unprotect", id="unprotect", show=False,
            tooltip=_ACTION_LABELS["unprotect"][1],
        ),
        Binding("r", "refresh", "Refresh", id="refresh", tooltip="Reload every region"),
        Binding("w", "owner_scope", "Owner", id="owner", tooltip="Whose images: self, shared…"),
        Binding("o", "sort(1)", "Sort", id="sort", tooltip="Sort by the next column"),
        Binding(
            "O", "reverse_sort", "Reverse", id="reverse_sort", show=False,
            tooltip="Reverse the sort order",
        ),
        Binding(
            "D", "toggle_deprecated", "Deprecated", id="toggle_deprecated", show=False,
            tooltip="Include or hide deprecated images",
        ),
        Binding(
            "I", "toggle_disabled", "Disabled", id="toggle_disabled", show=False,
            tooltip="Include or hide disabled images",
        ),
        Binding("i", "tab('details')", "Details", id="tab.details", show=False,
                tooltip="Show the launch attributes of the image"),
        Binding("t", "tab('snapshots')", "Snapshots", id="tab.snapshots", show=False,
                tooltip="Show the image's snapshot tree"),
        Binding("l", "tab('lineage')", "Lineage", id="tab.lineage", show=False,
                tooltip="Show the image's copies in other regions"),
        Binding("n", "tab('orphans')", "Orphans", id="tab.orphans", show=False,
                tooltip="Show snapshots whose image is gone"),
        Binding("g", "focus_regions", "Regions", id="regions", show=False,
                tooltip="Go to the region list (Enter: only that region, space: add/remove)"),
        Binding("u", "clear_marks", "Unmark all", id="clear_marks", show=False,
                tooltip="Unmark every image"),
        Binding("escape", "focus_table", "Back", id="back", show=False,
                tooltip="Back to the image table; in the table, clear the filter"),
    ]  # fmt: skip
    #: Bindings of mutating actions: hidden and refused under --read-only.
    MUTATING: ClassVar[frozenset[str]] = frozenset({"flow"})

    def __init__(
        self,
        options: LaunchOptions,
        *,
        session_factory: SessionFactory = open_session,
        now: datetime | None = None,
    ) -> None:
        super().__init__()
        self.options = options
        self.inventory = Inventory()
        self._aws: AwsSession | None = None  # set by the session worker
        self.account_id: str | None = None
        self.account_alias: str | None = None
        self.scope = OwnerScope(owners=options.owners)
        self._session_factory = session_factory
        self._fixed_now = now
        self._stack = AsyncExitStack()
        self._session_task: asyncio.Task[AwsSession] | None = None
        self._rows: dict[str, list[ImageRow]] = {}
        self._tokens: dict[str, int] = {}
        self._extras: dict[ImageKey, ImageExtras] = {}
        self._connected = asyncio.Event()
        #: Seconds on one image before its extras are fetched (tests set 0).
        self.extras_delay = EXTRAS_DELAY
        #: Seconds the cursor rests before the inspector shows its image (0: at once).
        self.inspect_delay = INSPECT_DELAY
        self._inspect_timer: Timer | None = None
        self._table_timer: Timer | None = None
        self._table_refreshed = 0.0  # time.monotonic() of the last rebuild
        self._scope_text = ""
        if options.key_overrides:
            self.set_keymap(dict(options.key_overrides))

    # ---- the FlowHost contract (see amitui.flows) ----------------------------------------

    @property
    def aws(self) -> AwsSession:
        if self._aws is None:
            raise RuntimeError("not connected yet")
        return self._aws

    @property
    def connected(self) -> bool:
        return self._aws is not None

    @property
    def read_only(self) -> bool:
        return self.options.read_only

    def now(self) -> datetime:
        return self._fixed_now or datetime.now(UTC)

    def selected_images(self) -> list[Image]:
        table = self.table
        marked: list[Image] = table.marked_images()
        if marked:
            return marked
        return [table.cursor_image] if table.cursor_image is not None else []

    def clear_marks(self) -> None:
        self.table.clear_marks()

    async def reload_regions(self, regions: Iterable[str]) -> None:
        await self._connected.wait()
        regions = list(dict.fromkeys(regions))
        self._forget_extras(regions)  # an action changed them: ask EC2 again
        self.region_pane.add_regions(regions)
        tokens = self._begin_loading(regions)
        loads = await asyncio.gather(*(load_region(self.aws, r, self.image_query) for r in regions))
        for load in loads:
            self._apply_load(load, tokens[load.region])

    # ---- composition ---------------------------------------------------------------------

    # The main screen's widgets, found from any screen: a timer or worker may finish while a
    # dialog is on top, where a query would find nothing.
    @property
    def table(self) -> ImageTable:
        return self.screen_stack[0].query_one(ImageTable)

    @property
    def region_pane(self) -> RegionPane:
        return self.screen_stack[0].query_one(RegionPane)

    @property
    def inspector(self) -> Inspector:
        return self.screen_stack[0].query_one(Inspector)

    @property
    def image_query(self) -> ImageQuery:
        return ImageQuery(
            owners=self.scope.owners,
            include_deprecated=self.scope.include_deprecated,
            include_disabled=self.scope.include_disabled,
        )

    def compose(self) -> ComposeResult:
        yield Static(id="scope-bar")
        with Horizontal(id="main"):
            yield RegionPane(id="regions")
            with Vertical(id="right"):
                with Vertical(id="table-box"):
                    yield FilterBar(id="filter")
                    yield ImageTable(id="images")
                yield Inspector(id="inspector")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(FilterBar).return_focus = self.table
        self.table.empty_text = "Connecting…" if not self.options.demo else "Starting the demo…"
        self.table.focus()
        self._update_titles()
        self.open_session()

    async def on_unmount(self) -> None:
        # The session may still be opening (the demo sandbox starting in a thread): let it
        # finish, so its subprocess is stopped by the exit stack rather than left behind.
        if self._session_task is not None and not self._session_task.done():
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(self._session_task, SESSION_CLOSE_TIMEOUT)
        await self._stack.aclose()

    # ---- workers -------------------------------------------------------------------------

    async def _enter_session(self) -> AwsSession:
        return await self._stack.enter_async_context(self._session_factory(self.options))

    @work(group="session", exclusive=True, exit_on_error=False)
    async def open_session(self) -> None:
        if self.options.regions:
            self.region_pane.set_regions(self.options.regions)
        else:
            self.region_pane.set_resolving()
        self._session_task = asyncio.ensure_future(self._enter_session())
        # Shielded: cancelling this worker (quit) must not abandon a half-started sandbox.
        self._aws = await asyncio.shield(self._session_task)
        self._connected.set()
        self.table.empty_text = "Loading regions…"
        self.find_account()
        try:
            regions = await resolve_regions(
                self.aws,
                self.options.regions,
                all_regions=self.options.all_regions,
                configured=self.options.configured_regions,
            )
        except Exception as exc:  # a failed DescribeRegions is shown, with the fix
            error = classify_error(exc, profile=self.options.profile)
            self.region_pane.set_regions([])
            self.table.empty_text = f"Cannot list regions: {error.describe()}"
            self.notify(error.describe(), title="Cannot list regions", severity="error",
                        markup=False, timeout=30)  # fmt: skip
            return
        self.region_pane.set_regions(regions)
        self.load_regions(regions)

    @work(group="account", exclusive=True, exit_on_error=False)
    async def find_account(self) -> None:
        """Who "self" is, to tell images shared with us from our own; optional."""
        try:
            self.account_id = await self.aws.account_id()
        except Exception:  # not fatal: access then says private/public only
            self.account_id = None
            return
        self._update_titles()
        self.account_alias = await self.aws.account_alias()
        self._update_titles()
        for region in list(self._rows):
            load = self.inventory.regions.get(region)
            if load is not None:
                self._rows[region] = self._make_rows(load.images)
        self._refresh_table()

    def _begin_loading(self, regions: Sequence[str]) -> dict[str, int]:
        tokens = {}
        for region in regions:
            self._tokens[region] = tokens[region] = self._tokens.get(region, 0) + 1
        self.region_pane.mark_loading(regions)
        self._update_titles()
        return tokens

    def start_loading(self, regions: Sequence[str]) -> None:
        self.load_regions(list(regions))

    @work(group="regions", exclusive=True, exit_on_error=False)
    async def load_regions(self, regions: list[str]) -> None:
        tokens = self._begin_loading(regions)
        async for load in stream_regions(self.aws, regions, self.image_query, images_first=True):
            self._apply_load(load, tokens[load.region])

    def _apply_load(self, load: RegionLoad, token: int) -> None:
        if self._tokens.get(load.region) != token:
            return  # a newer load of this region (refresh, scope change) superseded this one
        if load.error is None:
            previous = self.inventory.regions.get(load.region)
            self.inventory.add(load)
            # The complete load after an images-first one has the same images: same rows.
            if previous is None or previous.images is not load.images:
                self._rows[load.region] = self._make_rows(load.images)
            if sum(map(len, self._rows.values())) >= LARGE_INVENTORY:
                # Move the loaded records out of the cyclic GC's reach: with 100k images
                # (in one region or many), each full collection walks ~1.4M objects and
                # stalls loading and keystrokes by 100-900 ms. (Dropped later, they are
                # still freed: they hold no reference cycles.)
                gc.freeze()
        else:
            self.inventory.remove_region(load.region)
            self._rows.pop(load.region, None)
        self.region_pane.set_result(load)
        self._refresh_table_soon()
        self._refresh_orphans()
        image = self.table.cursor_image
        if image is not None and image.region == load.region:
            self._inspect(self.inventory.image(image.key) or image)

    def _make_rows(self, images: Iterable[Image]) -> list[ImageRow]:
        now = self.now()
        extras = self._extras
        if not self.scope.shows_everything:
            # EC2 lists an owner's deprecated images whatever IncludeDeprecated says: the
            # scope's hide toggles are applied here too, so they always change the view.
            images = [image for image in images if self.scope.shows(image, now)]
        return [
            make_row(image, now, account_id=self.account_id, shared=_shared(extras.get(image.key)))
            for image in images
        ]

    def _forget_extras(self, regions: Iterable[str]) -> None:
        wanted = set(regions)
        for key in [k for k in self._extras if k.region in wanted]:
            del self._extras[key]

    @work(group="extras", exclusive=True, exit_on_error=False)
    async def load_extras(self, image: Image) -> None:
        # The inspector already waited inspect_delay for the cursor to rest.
        await asyncio.sleep(max(0.0, self.extras_delay - self.inspect_delay))
        extras = await self._fetch_extras(image)
        self._extras[image.key] = extras
        self.inspector.show_extras(image, extras, self.now())
        if _shared(extras) and not image.public:
            shared = make_row(image, self.now(), account_id=self.account_id, shared=True)
            self.table.replace_row(shared)
            rows = self._rows.get(image.region, [])
            for index, row in enumerate(rows):
                if row.key == image.key:
                    rows[index] = shared  # so a rebuilt table still says so

    async def _fetch_extras(self, image: Image) -> ImageExtras:
        if self.account_id is not None and image.owner_id != self.account_id:
            return ImageExtras(error="only the owner sees them")

        async def attribute(name: str) -> dict[str, Any]:
            return await self.aws.call(
                image.region, "DescribeImageAttribute", ImageId=image.image_id, Attribute=name
            )

        answers = await asyncio.gather(
            attribute("launchPermission"),
            attribute("lastLaunchedTime"),
            attribute("deregistrationProtection"),
            return_exceptions=True,
        )
        permissions, launched, protection = answers
        if isinstance(permissions, BaseException):
            error = classify_error(permissions, region=image.region)
            return ImageExtras(error=error.code or error.message)
        grantees = tuple(
            str(p.get("UserId") or p.get("Group") or p.get("OrganizationArn")
                or p.get("OrganizationalUnitArn") or "?")
            for p in permissions.get("LaunchPermissions", [])
        )  # fmt: skip
        last: datetime | None = None
        if not isinstance(launched, BaseException):
            raw = (launched.get("LastLaunchedTime") or {}).get("Value")
            if raw:
                with contextlib.suppress(ValueError):
                    last = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
        protected = None
        if not isinstance(protection, BaseException):
            protected = (protection.get("DeregistrationProtection") or {}).get("Value")
        return ImageExtras(grantees, last, protected)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place a failed worker becomes a message for the user."""
        if event.state is not WorkerState.ERROR:
            return
        error = event.worker.error
        if error is None:
            return
        described = classify_error(error, profile=self.options.profile)
        what = {
            "session": "Cannot connect",
            "regions": "Loading regions failed",
            "extras": "Loading image details failed",
            "actions": "Action failed",
        }.get(event.worker.group, "Failed")
        if event.worker.group == "session":
            self.table.empty_text = f"{what}: {described.describe()}"
            self.region_pane.set_regions([])
        self.notify(described.describe(), title=what, severity="error", markup=False, timeout=20)

    # ---- table, regions, inspector -----------------------------------------------------

    def _view_regions(self) -> list[str]:
        view = self.region_pane.view
        return [r for r in self.region_pane.regions if not view or r in view]

    def _refresh_table_soon(self) -> None:
        """Rebuild the table now, or, while other regions are still loading and it was
        rebuilt less than TABLE_REFRESH_INTERVAL ago, once that interval is over."""
        if not self.region_pane.busy:
            self._refresh_table()  # the last region: at once
            return
        if self._table_timer is not None:
            return  # already due
        wait = self._table_refreshed + TABLE_REFRESH_INTERVAL - time.monotonic()
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
        regions = self._view_regions()
        rows: list[ImageRow] = []
        for region in regions:
            rows.extend(self._rows.get(region, ()))
        table = self.table
        table.show_region = len(regions) != 1
        table.set_rows(rows)
        if len(rows) >= LARGE_INVENTORY:
            gc.freeze()  # the table's lists of every row too (see _apply_load)
        if not self.region_pane.busy:
            table.presort()  # the rows have settled: every column's order, in idle turns
        self._update_empty_text()
        self._update_titles()

    def _update_empty_text(self) -> None:
        table = self.table
        if self.region_pane.busy:
            table.empty_text = "Loading…"
        elif table.filter_text:
            hidden = table.total_count
            table.empty_text = (
                f"No image matches the filter {table.filter_text!r}: it hides all {hidden} "
                f"image{'' if hidden == 1 else 's'} (Escape clears it)"
            )
        else:
            table.empty_text = f"No images owned by {self.scope.describe()} in these regions"

    def _refresh_orphans(self) -> None:
        # A region whose snapshots are still being listed has no orphans to show yet.
        regions = [r for r in self._view_regions() if not self.inventory.snapshots_pending(r)]
        orphans = [o for r in regions for o in self.inventory.orphaned_snapshots(r)]
        self.inspector.show_orphans(orphans, [r for r in regions if r in self.inventory.regions])

    def _update_titles(self) -> None:
        table = self.table
        title = f"Images {table.row_count}"
        if table.filter_text:
            title += f" of {table.total_count} · filter: {table.filter_text}"
        marks = len(table.marked_keys)
        if marks:
            title += f" · ● {marks} marked"
        box = self.query_one("#table-box")
        box.border_title = title
        column = next(c.label for c in COLUMNS if c.key == table.sort_column)
        box.border_subtitle = f"sorted by {column} {'▼' if table.sort_reverse else '▲'}"
        bits = ["amitui"]
        if self.account_id:
            alias = f" ({self.account_alias})" if self.account_alias else ""
            bits.append(f"account {self.account_id}{alias}")
        bits.append(f"profile {self.options.profile or 'default'}")
        endpoint = self._aws.ec2_endpoint if self._aws is not None else None
        # The host says enough (and a sandbox's random port would change every launch).
        host = urlsplit(endpoint).hostname if endpoint else None
        if self.options.demo:
            bits.append("DEMO SANDBOX")
        elif endpoint:
            bits.append(f"endpoint {host or endpoint} (not AWS)")
        bits.append(f"owner: {self.scope.describe()}")
        if self.read_only:
            bits.append("READ-ONLY")
        scope_text = " · ".join(bits)
        if scope_text != self._scope_text:
            # Only on change, and one line high: an update with layout reflows the screen.
            self._scope_text = scope_text
            self.query_one("#scope-bar", Static).update(scope_text, layout=False)

    def _inspect(self, image: Image | None) -> None:
        self._cancel_inspection()
        extras = self._extras.get(image.key) if image is not None else None
        self.inspector.show_image(image, self.inventory, extras, self.now())
        if image is not None and extras is None and self._aws is not None:
            self.load_extras(image)

    @property
    def inspection_pending(self) -> bool:
        """The cursor moved and the inspector has not caught up yet (see INSPECT_DELAY)."""
        return self._inspect_timer is not None

    def flush_inspection(self) -> None:
        """Show the cursor's image in the inspector now if it is still waiting to."""
        if self._inspect_timer is not None:
            self._inspect(self.table.cursor_image)

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
        self._refresh_orphans()
        if not event.toggled:
            self.table.focus()

    @on(JumpToImage)
    def _jump(self, event: JumpToImage) -> None:
        self.jump_to(event.key)

    def jump_to(self, key: ImageKey) -> bool:
        """Show ``key`` in the table (widening the region view, clearing the filter)."""
        if self.inventory.image(key) is None:
            self.notify(f"{key} is not loaded", severity="warning", markup=False)
            return False
        view = self.region_pane.view
        if view and key.region not in view:
            self.region_pane.show_regions([*view, key.region])
            self._refresh_table()
        if not self.table.move_cursor_to(key):
            self.query_one(FilterBar).action_clear()
            self.table.set_filter("")
            self.table.move_cursor_to(key)
        self.table.focus()
        return True

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.table.set_filter(event.value)
        self._update_empty_text()
        self._update_titles()

    @on(FilterBar.Done)
    def _filter_done(self, event: FilterBar.Done) -> None:
        # No focus change here: the bar handed focus back as the key arrived, and by now a
        # new "/" may have focused the bar again (refocusing the table would send the keys
        # typed for the filter to the table as commands).
        if event.cleared:
            self.table.set_filter("")
        self._update_empty_text()
        self._update_titles()

    @on(TabbedContent.TabActivated)
    def _tab_activated(self) -> None:
        self.flush_inspection()
        self.inspector.refresh_active()

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """As :meth:`App.notify`; with ``markup=False`` the text is untrusted (AWS messages,
        image names), so control characters are made inert line by line (Rich leaves ESC, C1
        and bidi controls in plain text)."""
        if not markup:
            message = "\n".join(inert(line) for line in message.split("\n"))
            title = "\n".join(inert(line) for line in title.split("\n"))
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    # ---- actions -------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "flow" and self.read_only:
            return False  # hidden from the footer and refused
        if action in ("quit", "filter"):
            # q and / must type into inputs and reach dialogs, not act from under them.
            return not isinstance(self.screen, ModalScreen) and not isinstance(self.focused, Input)
        return True

    def on_key(self, event: events.Key) -> None:
        # Under --read-only the mutating bindings are off (not offered, never run); a key
        # that would have run one still says why nothing happens.
        if not self.read_only or isinstance(self.screen, ModalScreen):
            return
        if isinstance(self.focused, Input):
            return
        label = self._read_only_keys().get(event.key)
        if label is not None:
            event.stop()
            self.notify(
                f"{label}: not offered, amitui runs read-only (--read-only). Start it "
                "without --read-only to change images.",
                severity="warning",
                timeout=4,
            )

    def _read_only_keys(self) -> dict[str, str]:
        """key -> action label, for the mutating bindings (keymap overrides included)."""
        keys: dict[str, str] = {}
        for binding in self.BINDINGS:
            if isinstance(binding, Binding) and binding.action.startswith("flow("):
                for key in self._keys_of(binding):
                    keys[key] = binding.description
        return keys

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.help_entries(), config_file=config_path()))

    def action_filter(self) -> None:
        bar = self.query_one(FilterBar)
        bar.open()

    def action_focus_table(self) -> None:
        """Escape: back to the table; in the table, clear an applied filter."""
        if self.focused is self.table and self.table.filter_text:
            self.query_one(FilterBar).action_clear()
            return
        self.table.focus()

    def action_refresh(self) -> None:
        if self._aws is None:
            self.notify("Still connecting…")
            return
        self._extras.clear()
        self.start_loading(self.region_pane.regions)

    def action_sort(self, step: int) -> None:
        self.table.cycle_sort(step)
        self._update_titles()

    def action_reverse_sort(self) -> None:
        self.table.sort_by(self.table.sort_column, reverse=not self.table.sort_reverse)
        self._update_titles()

    def action_sort_by(self, column: str) -> None:
        self.table.sort_by(column, reverse=False)
        self._update_titles()

    def action_tab(self, tab: str) -> None:
        self.flush_inspection()  # asked for the image's tab: show it now, not after a rest
        self.inspector.active = tab

    def action_focus_regions(self) -> None:
        self.query_one(RegionList).focus()

    def action_show_region(self, region: str) -> None:
        self.region_pane.show_regions([] if region == "*" else [region])

    def action_clear_marks(self) -> None:
        self.table.clear_marks()

    def action_owner_scope(self) -> None:
        self.push_screen(OwnerScopeScreen(self.scope), self.set_scope)

    def action_toggle_deprecated(self) -> None:
        scope = self.scope
        self.set_scope(
            OwnerScope(scope.owners, not scope.include_deprecated, scope.include_disabled)
        )

    def action_toggle_disabled(self) -> None:
        scope = self.scope
        self.set_scope(
            OwnerScope(scope.owners, scope.include_deprecated, not scope.include_disabled)
        )

    def set_owner(self, owner: str) -> None:
        scope = self.scope
        self.set_scope(OwnerScope((owner,), scope.include_deprecated, scope.include_disabled))

    def set_scope(self, scope: OwnerScope | None) -> None:
        """Change whose images are listed; supersedes any load in flight."""
        if scope is None or scope == self.scope:
            return
        self.scope = scope
        self.notify(f"Listing: {scope.describe()}", markup=False, timeout=3)
        self._rows.clear()
        self._extras.clear()
        for region in list(self.inventory.regions):
            self.inventory.remove_region(region)
        self._refresh_table()
        if self._aws is not None:
            self.start_loading(self.region_pane.regions)

    def action_flow(self, action: str) -> None:
        if self.read_only and action != CLEANUP:  # guided cleanup is a review read-only
            self.notify("amitui is read-only: no changes are offered", severity="warning")
            return
        if self._aws is None:
            self.notify("Still connecting…", severity="warning")
            return
        images = self.selected_images()
        if not images and action != CLEANUP:
            self.notify("No image to act on", severity="warning")
            return
        try:
            flow = get_flow(action)
        except FlowUnavailable as exc:
            self.notify(str(exc), severity="warning", markup=False)
            return
        self.run_worker(
            flow(self, images), name=f"flow:{action}", group="actions", exit_on_error=False
        )

    # ---- help and palette ----------------------------------------------------------------

    def _keys_of(self, binding: Binding) -> list[str]:
        keys = self.options.key_overrides.get(binding.id or "", binding.key)
        return [k.strip() for k in keys.split(",")]

    def _keys(self, binding: Binding) -> str:
        return ", ".join(self.get_key_display(Binding(k, "")) for k in self._keys_of(binding))

    def help_entries(self) -> list[HelpEntry]:
        """Every key of every screen, grouped so that each heading appears once."""
        sections: list[tuple[str, Sequence[BindingType]]] = [
            ("Explorer", self.BINDINGS),
            ("Image table", ImageTable.BINDINGS),
            ("Regions", RegionList.BINDINGS),
            ("Filter", FilterBar.BINDINGS),
            ("Dialogs (copy, share, deprecate)", FormDialog.BINDINGS),
            ("Owner scope", OwnerScopeScreen.BINDINGS),
            ("Plan review", PlanScreen.BINDINGS),
            ("Progress", ProgressScreen.BINDINGS),
            ("Cleanup progress", RunScreen.BINDINGS),
            ("Guided cleanup", CleanupScreen.BINDINGS),
            ("Orphaned snapshots", OrphansScreen.BINDINGS),
        ]
        extra = {
            "Explorer": [
                HelpEntry("Explorer", "tab", "Next pane", "Regions, table, details"),
                HelpEntry("Explorer", "ctrl+p", "Commands", "Regions, owners, actions"),
            ],
            "Regions": [HelpEntry("Regions", "enter", "Only this region", "Show just this one")],
            "Filter": [HelpEntry("Filter", "enter", "Done", "Back to the table, keep the filter")],
            "Plan review": [
                HelpEntry(
                    "Plan review", "type + enter", "Confirm a destructive plan",
                    "Type the image id (one image) or the number of images, then Enter",
                )
            ],
        }  # fmt: skip
        entries: list[HelpEntry] = []
        for section, bindings in sections:
            for item in bindings:
                if not isinstance(item, Binding) or not item.description:
                    continue
                if self.read_only and item.action.startswith("flow("):
                    continue
                entries.append(HelpEntry(section, self._keys(item), item.description, item.tooltip))
            entries.extend(extra.get(section, ()))
        return entries

    def palette_entries(self) -> Iterable[PaletteEntry]:
        yield PaletteEntry(
            "Show all regions", "Merge every region", lambda: self.action_show_region("*")
        )
        for region in self.region_pane.regions:
            yield PaletteEntry(
                f"Show region {region}",
                "Only this region",
                partial(self.action_show_region, region),
            )
        for owner, label in PRESETS:
            yield PaletteEntry(
                f"Owner: {label}",
                "Whose images to list",
                partial(self.set_owner, owner),
            )
        yield PaletteEntry(
            "Owner: an account id…", "List another account's images", self.action_owner_scope
        )
        yield PaletteEntry(
            "Toggle deprecated images",
            "Include or hide deprecated images",
            self.action_toggle_deprecated,
        )
        yield PaletteEntry(
            "Toggle disabled images", "Include or hide disabled images", self.action_toggle_disabled
        )
        for column in COLUMNS:
            yield PaletteEntry(
                f"Sort by {column.label}",
                "Sort the image table",
                partial(self.action_sort_by, column.key),
            )
        yield PaletteEntry("Refresh", "Reload every region", self.action_refresh)
        yield PaletteEntry("Help", "Every key", self.action_help)
        # Read-only, guided cleanup stays: its review changes nothing.
        for action in (CLEANUP,) if self.read_only else ACTIONS:
            label, detail = _ACTION_LABELS[action]
            yield PaletteEntry(
                f"{label}…", detail,
                partial(self.action_flow, action),
            )  # fmt: skip
        for command in self.get_system_commands(self.screen):
            # Textual's screenshot saves to the working directory without saying so;
            # scripts/screenshots.py is amitui's way to take them.
            if command.title != "Screenshot":
                yield PaletteEntry(command.title, command.help, command.callback)


def _shared(extras: ImageExtras | None) -> bool:
    """The image's launch permissions (when known) name someone besides the owner."""
    return extras is not None and any(g != "all" for g in extras.launch_permissions or ())


def make_app(
    options: LaunchOptions,
    *,
    session_factory: SessionFactory | None = None,
    now: datetime | None = None,
) -> AmituiApp:
    """The one way to build the explorer: the CLI, the tests and the screenshot script."""
    return AmituiApp(options, session_factory=session_factory or open_session, now=now)


def run_tui(options: LaunchOptions) -> int:
    app = make_app(options)
    app.run()
    return app.return_code or 0


__all__ = ["AmituiApp", "SessionFactory", "make_app", "run_tui"]
