"""The explorer App: it wires the headless :class:`~amitui.explorer.Explorer` to the
:class:`~amitui.screens.explorer.ExplorerScreen`. Features live in ``amitui.widgets``,
``amitui.flows`` and the engine; the screen composes the panes and owns their keys.

Workers (all async on Textual's loop, ``exit_on_error=False``):

- ``session``: opens the Explorer's session, or every account of an account set (for
  ``--demo`` this starts the sandbox subprocess), and resolves the regions; the first paint
  happens before it returns.
- ``regions``: streams every account-region's load; exclusive, and the Explorer drops
  whatever an older load (a refresh, a scope change) still delivers. ``accounts``: the
  accounts an ``aws sso login`` (``sso``) cured, loaded beside it.
- ``extras``: launch permissions etc. of the image under the cursor, lazily, cached;
  ``used_by``: what uses it, when the Used-by tab shows it, and ``ancestry``: where it
  came from, when the lineage tab shows it (both cached likewise).
- ``lookup``: a Go to (ctrl+g, ``:goto``) searching every loaded account-region;
  ``use_counts``: the Used by column's per-region sweep.
- ``actions``: the flows behind c/s/d/x (see :mod:`amitui.flows`).

:meth:`AmituiApp.on_worker_state_changed` is the one place a worker failure becomes a message.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import ClassVar

from textual import events, on, work
from textual.command import Provider
from textual.notifications import SeverityLevel
from textual.worker import Worker, WorkerState

from amitui.app_accounts import AccountSetWiring
from amitui.aws import AwsSession
from amitui.aws_errors import classify_error
from amitui.backend import LaunchOptions, open_session
from amitui.config import config_path
from amitui.explorer import Explorer, SessionFactory
from amitui.flows import FlowUnavailable, get_flow
from amitui.flows.one_account import host_for
from amitui.flows.retirement import announce_due
from amitui.listing import Listed, write_images
from amitui.lookup import LookupFailed
from amitui.model import Image, ImageKey, ImageQuery, Inventory, RegionKey
from amitui.registry import ACROSS_ACCOUNTS_FLOWS, IMAGES_OPTIONAL_FLOWS, READ_ONLY_FLOWS
from amitui.screens.explorer import ExplorerScreen
from amitui.screens.messages import (
    ExportWanted,
    ExtrasWanted,
    FlowRequested,
    QueryChosen,
    RawRecordWanted,
    RefreshRequested,
    ScreenReady,
    UseCountsWanted,
)
from amitui.text import inert
from amitui.widgets.commands import AmituiCommands, PaletteEntry
from amitui.widgets.goto import UnlistedImageScreen
from amitui.widgets.help_screen import HelpEntry
from amitui.widgets.image_table import ImageTable
from amitui.widgets.inspector import AncestryWanted, Inspector, UsedByWanted
from amitui.widgets.messages import GotoRequested, UsageReportWanted
from amitui.widgets.region_pane import RegionPane

#: Wait this long on one image before fetching its extras (scrolling fetches nothing).
EXTRAS_DELAY = 0.25

#: What each worker group's failure is called in its notification.
_FAILURES = {
    "session": "Cannot connect",
    "regions": "Loading regions failed",
    "extras": "Loading image details failed",
    "actions": "Action failed",
    "accounts": "Loading accounts failed",
    "used_by": "Finding what uses the image failed",
    "usage_report": "The image usage report failed",
    "ancestry": "Reading the image's ancestry failed",
    "lookup": "Go to failed",
    "use_counts": "Counting what uses each image failed",
    "sso": "SSO login failed",
    "raw": "Fetching the record failed",
}


class AmituiApp(AccountSetWiring):
    """The AMI explorer. Build it with :func:`make_app`."""

    CSS_PATH = "app.tcss"
    TITLE = "amitui"
    # One provider, so amitui's entries lead the palette; Textual's own follow (palette_entries).
    COMMANDS: ClassVar[set[type[Provider] | Callable[[], type[Provider]]]] = {AmituiCommands}
    ENABLE_COMMAND_PALETTE = True

    def __init__(
        self,
        options: LaunchOptions,
        *,
        session_factory: SessionFactory = open_session,
        now: datetime | None = None,
    ) -> None:
        super().__init__()
        self.options = options
        self.explorer = Explorer(options, session_factory)
        self._fixed_now = now
        #: Seconds on one image before its extras are fetched (tests set 0).
        self.extras_delay = EXTRAS_DELAY
        self.main = ExplorerScreen(
            self.explorer.inventory,
            query=self.explorer.query,
            cached_extras=self.explorer.cached_extras,
            now=self.now,
            read_only=options.read_only,
            demo=options.demo,
            profile=options.profile,
            key_overrides=dict(options.key_overrides),
            config_file=config_path(),
            empty_text="Starting the demo…" if options.demo else "Connecting…",
            many_accounts=options.many_accounts,
            snapshot_price=options.snapshot_price,
        )
        if options.key_overrides:
            self.set_keymap(dict(options.key_overrides))

    def get_default_screen(self) -> ExplorerScreen:
        return self.main

    # ---- the FlowHost contract (see amitui.flows) ----------------------------------------

    @property
    def aws(self) -> AwsSession:
        return self.explorer.aws

    @property
    def connected(self) -> bool:
        return self.explorer.connected

    @property
    def inventory(self) -> Inventory:
        return self.explorer.inventory

    @property
    def read_only(self) -> bool:
        return self.options.read_only

    def now(self) -> datetime:
        return self._fixed_now or datetime.now(UTC)

    def selected_images(self) -> list[Image]:
        return self.main.selected_images()

    def clear_marks(self) -> None:
        self.main.clear_marks()

    # ---- the main screen's panes (it may be under a dialog) ------------------------------

    @property
    def table(self) -> ImageTable:
        return self.main.table

    @property
    def region_pane(self) -> RegionPane:
        return self.main.region_pane

    @property
    def inspector(self) -> Inspector:
        return self.main.inspector

    @property
    def scope(self) -> ImageQuery:
        return self.explorer.query

    def help_entries(self) -> list[HelpEntry]:
        return self.main.help_entries()

    def palette_entries(self) -> Iterable[PaletteEntry]:
        yield from self.main.palette_entries()
        for command in self.get_system_commands(self.screen):
            # Textual's screenshot saves to the working directory without saying so;
            # scripts/screenshots.py is amitui's way to take them.
            if command.title != "Screenshot":
                yield PaletteEntry(command.title, command.help, command.callback)

    def jump_to(self, key: ImageKey) -> bool:
        return self.main.jump_to(key)

    # ---- lifetime and workers ------------------------------------------------------------

    async def _on_key(self, event: events.Key) -> None:
        # Textual's own key handler (App._on_key, run after this one unless prevented)
        # checks the screen's bindings. A key still on its way up from a widget when the
        # App quits arrives with every screen gone, and that check would raise.
        try:
            has_screen = bool(self.screen_stack)
        except KeyError:  # the mode's stack itself is gone
            has_screen = False
        if not has_screen:
            event.prevent_default()

    @on(ScreenReady)
    def _screen_ready(self) -> None:
        self.open_session()
        announce_due(self)  # due retirement stages are said, never run, at start-up

    async def on_unmount(self) -> None:
        await self.explorer.aclose()

    @work(group="session", exclusive=True, exit_on_error=False)
    async def open_session(self) -> None:
        explorer = self.explorer
        if self.options.regions and not explorer.many:
            self.main.show_regions(self.options.regions)
        else:
            self.main.show_resolving()
        await explorer.connect()
        self.main.show_endpoint(explorer.endpoint)
        self.main.show_empty_text("Loading regions…")
        opened = await (self.open_account_set() if explorer.many else self.open_one_account())
        if opened is not None:
            self.load_regions(list(opened))

    def start_loading(self, regions: Iterable[str | RegionKey]) -> None:
        self.load_regions(list(regions))

    @work(group="regions", exclusive=True, exit_on_error=False)
    async def load_regions(self, regions: list[str | RegionKey]) -> None:
        await self.stream(regions)

    @work(group="extras", exclusive=True, exit_on_error=False)
    async def load_extras(self, image: Image) -> None:
        # The inspector already waited for the cursor to rest.
        await asyncio.sleep(max(0.0, self.extras_delay - self.main.inspect_delay))
        self.main.show_extras(image, await self.explorer.extras(image))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place a failed worker becomes a message for the user."""
        if event.state is not WorkerState.ERROR:
            return
        error = event.worker.error
        if error is None:
            return
        described = classify_error(error, profile=self.options.profile)
        what = _FAILURES.get(event.worker.group, "Failed")
        if event.worker.group == "session":
            self.main.show_empty_text(f"{what}: {described.describe()}")
            self.main.show_regions([])
        self.notify(described.describe(), title=what, severity="error", markup=False, timeout=20)

    # ---- what the screen asks for --------------------------------------------------------

    @on(ExtrasWanted)
    def _extras_wanted(self, event: ExtrasWanted) -> None:
        if self.explorer.connected:
            self.load_extras(event.image)

    @on(ExportWanted)
    def _export_wanted(self, event: ExportWanted) -> None:
        if not self.explorer.connected:
            self.notify("Still connecting…", severity="warning")
            return
        self.export(event)

    @work(group="export", exclusive=True, exit_on_error=False)
    async def export(self, wanted: ExportWanted) -> None:
        """The view in `amitui ls`'s format, from the images' records asked now."""
        images = [image for image, _ in wanted.listed]
        try:
            fresh = {image.key: image for image in await self.explorer.with_records(images)}
        except Exception as exc:  # errors are data: said, nothing written
            error = classify_error(exc, profile=self.options.profile).describe()
            self.main.show_exported(wanted.path, 0, f"Nothing written: {error}")
            return
        listed = [Listed(fresh[i.key], a) for i, a in wanted.listed if i.key in fresh]

        def write() -> None:
            with wanted.path.open("w", encoding="utf-8", newline="") as out:
                write_images(listed, wanted.fmt, out, accounts=wanted.accounts)

        try:
            await asyncio.to_thread(write)
        except OSError as exc:
            self.main.show_exported(wanted.path, 0, f"Cannot write {wanted.path}: {exc}")
            return
        self.main.show_exported(wanted.path, len(listed))

    @on(RawRecordWanted)
    def _raw_record_wanted(self, event: RawRecordWanted) -> None:
        if not self.explorer.connected:
            self.notify("Still connecting…", severity="warning")
            return
        self.load_raw_record(event.image)

    @work(group="raw", exclusive=True, exit_on_error=False)
    async def load_raw_record(self, image: Image) -> None:
        """The raw view: the image's record asked afresh (an AWS error is shown in the view,
        with what to do about it)."""
        record: dict[str, object] | None = None
        error = ""
        try:
            record = await self.explorer.describe_image(image)
        except Exception as exc:  # errors are data: the view says what AWS answered
            profile = self.options.profile
            error = classify_error(exc, region=image.region, profile=profile).describe()
        self.main.show_raw_record(image, record, error)

    @on(UsedByWanted)
    def _used_by_wanted(self, event: UsedByWanted) -> None:
        if self.explorer.connected:
            self.load_used_by(event.image)

    @work(group="used_by", exclusive=True, exit_on_error=False)
    async def load_used_by(self, image: Image) -> None:
        self.inspector.show_used_by(image, await self.explorer.used_by(image))

    @on(UsageReportWanted)
    def _usage_report_wanted(self, event: UsageReportWanted) -> None:
        image = self.inventory.image(event.key)
        if image is not None and self.explorer.connected:
            self.load_usage_report(image, event.account_ids)

    @work(group="usage_report", exit_on_error=False)
    async def load_usage_report(self, image: Image, account_ids: tuple[str, ...]) -> None:
        used = await self.explorer.used_by_with_report(image, account_ids)
        self.inspector.show_used_by(image, used)

    @on(UseCountsWanted)
    def _use_counts_wanted(self, event: UseCountsWanted) -> None:
        if not self.explorer.connected:
            self.notify("Still connecting…", severity="warning")
            return
        self.count_uses(event.keys)

    @work(group="use_counts", exclusive=True, exit_on_error=False)
    async def count_uses(self, keys: list[RegionKey]) -> None:
        counts, failed = await self.explorer.use_counts(keys)
        self.main.show_use_counts(counts)
        if failed:
            self.notify("\n".join(failed), title="Used by: not counted", severity="warning",
                        markup=False)  # fmt: skip

    @on(AncestryWanted)
    def _ancestry_wanted(self, event: AncestryWanted) -> None:
        if self.explorer.connected:
            self.load_ancestry(event.image)

    @work(group="ancestry", exclusive=True, exit_on_error=False)
    async def load_ancestry(self, image: Image) -> None:
        self.inspector.show_ancestry(image, await self.explorer.ancestry(image, self.now()))

    @on(GotoRequested)
    def _goto_requested(self, event: GotoRequested) -> None:
        if not self.explorer.connected:
            self.notify("Still connecting…", severity="warning")
            return
        self.goto(event.target)

    @work(group="lookup", exclusive=True, exit_on_error=False)
    async def goto(self, target: str) -> None:
        """Find ``target`` and land on the image it runs (see :mod:`amitui.lookup`)."""
        self.notify(f"Looking for {target}…", markup=False, timeout=3)
        try:
            found = await self.explorer.goto(target)
        except LookupFailed as exc:
            self.notify(str(exc), title="Go to", severity="warning", markup=False, timeout=12)
            return
        first, others = found[0], found[1:]
        also = "".join(f"\nalso: {r.path}" for r in others)
        if first.unlisted is not None:
            await self.push_screen(UnlistedImageScreen(first))
            self.notify(first.path + also, title="Go to (not in the table)", markup=False)
            return
        self.jump_to(first.key)
        self.notify(first.path + also, title="Go to", markup=False, timeout=10)

    @on(RefreshRequested)
    def refresh_regions(self) -> None:
        if not self.explorer.connected:
            self.notify("Still connecting…")
            return
        self.explorer.forget_extras()
        self.main.forget_use_counts()
        self.start_loading(self.region_pane.keys)

    @on(QueryChosen)
    def _query_chosen(self, event: QueryChosen) -> None:
        self.set_scope(event.query)

    def set_scope(self, scope: ImageQuery | None) -> None:
        """Change whose images are listed; supersedes any load in flight."""
        if scope is None or not self.explorer.set_query(scope):
            return
        self.notify(f"Listing: {scope.describe()}", markup=False, timeout=3)
        self.main.show_query(scope)
        if self.explorer.connected:
            self.start_loading(self.region_pane.keys)

    @on(FlowRequested)
    def _flow_requested(self, event: FlowRequested) -> None:
        self.action_flow(event.action)

    def action_flow(self, action: str) -> None:
        if self.read_only and action not in READ_ONLY_FLOWS:
            self.notify("amitui is read-only: no changes are offered", severity="warning")
            return
        if not self.explorer.connected:
            self.notify("Still connecting…", severity="warning")
            return
        images = self.selected_images()
        if not images and action not in IMAGES_OPTIONAL_FLOWS:
            self.notify("No image to act on", severity="warning")
            return
        host = self if action in ACROSS_ACCOUNTS_FLOWS else host_for(self, images)
        if isinstance(host, str):
            self.notify(host, severity="warning", markup=False)
            return
        try:
            flow = get_flow(action)
        except FlowUnavailable as exc:
            self.notify(str(exc), severity="warning", markup=False)
            return
        self.run_worker(
            flow(host, images), name=f"flow:{action}", group="actions", exit_on_error=False
        )

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
