"""The App's accounts half: opening a plain launch's one account or an account set's
accounts into the screen, loading them (the account looked at first), reloading what a flow
changed, the SSO login key, and the FlowHost's account members.

:class:`~amitui.app.AmituiApp` is built on :class:`AccountSetWiring`; a plain launch's one
account goes through the same members (``accounts`` is then that one account).
"""

from __future__ import annotations

import contextlib
import gc
import subprocess
from collections.abc import Iterable, Sequence

from textual import on, work
from textual.app import App, SuspendNotSupported

from amitui.accounts import Account, sso_login_command
from amitui.aws import AwsSession
from amitui.aws_errors import classify_error
from amitui.explorer import Explorer
from amitui.model import Image, RegionKey
from amitui.screens.explorer import ExplorerScreen
from amitui.screens.messages import SsoLoginRequested
from amitui.widgets.region_pane import RegionPane


class AccountSetWiring(App[int]):
    """Workers and handlers for the accounts; the App sets ``explorer`` and ``main``."""

    explorer: Explorer
    main: ExplorerScreen

    # ---- the FlowHost contract's accounts (see amitui.flows) -----------------------------

    @property
    def accounts(self) -> Sequence[Account]:
        return self.explorer.accounts

    def account_of(self, image: Image) -> Account:
        return self.explorer.account_of(image)

    def session_for(self, account_id: str) -> AwsSession:
        return self.explorer.session_for(account_id)

    async def reload_regions(self, regions: Iterable[str | RegionKey]) -> None:
        """Regions' names reload in every account; keys in theirs."""
        await self.explorer.wait_connected()
        wanted = self.explorer.keys_of(regions)
        self.main.show_loading(wanted)
        for load in await self.explorer.reload(wanted):
            self.main.show_load(load)

    # ---- opening -------------------------------------------------------------------------

    async def open_one_account(self) -> list[str] | None:
        """A plain launch's session is open: its regions, to load (None: they cannot be
        listed, which is shown with the fix)."""
        self.find_account()
        try:
            regions = await self.explorer.resolve_regions()
        except Exception as exc:  # a failed DescribeRegions is shown, with the fix
            error = classify_error(exc, profile=self.explorer.options.profile)
            self.main.show_regions([])
            self.main.show_empty_text(f"Cannot list regions: {error.describe()}")
            self.notify(error.describe(), title="Cannot list regions", severity="error",
                        markup=False, timeout=30)  # fmt: skip
            return None
        self.main.show_regions(regions)
        return regions

    @work(group="account", exclusive=True, exit_on_error=False)
    async def find_account(self) -> None:
        """Who "self" is, to tell images shared with us from our own; optional."""
        if await self.explorer.find_account() is None:
            return
        self.main.show_account(self.explorer.account_id)
        self.main.show_alias(await self.explorer.find_alias())

    async def open_account_set(self) -> list[RegionKey]:
        """The account set is open: show it; every account's regions, to load."""
        for note in self.explorer.notes:
            self.notify(note, title="Accounts", markup=False, timeout=10)
        self.main.show_regions([])
        keys = await self.show_accounts(self.explorer.accounts)
        # Move the accounts' sessions, credentials and clients (an organization's: ~800k
        # objects) out of the cyclic GC's reach: they live as long as the App, and each full
        # collection walked them all, 0.5-2 s each, between the first answers and the first
        # rows too. (Dropped later, they are still freed by reference counting.)
        gc.freeze()
        return keys

    async def show_accounts(self, accounts: Sequence[Account]) -> list[RegionKey]:
        """Show the account set (and what failed to open); ``accounts``' regions, to load (an
        account whose regions cannot be listed shows that error instead)."""
        explorer = self.explorer
        self.main.show_accounts(
            {explorer.label(a): a.label for a in explorer.accounts},
            [problem.describe() for problem in explorer.problems],
            sso_needed=bool(explorer.sso_problems),
        )
        if not explorer.accounts:
            self.main.show_empty_text("No account could be opened (see above)")
            return []
        keys, failed = await explorer.region_keys(accounts)
        for region_load in failed:
            self.main.show_load(region_load)
        return keys

    @work(group="accounts", exit_on_error=False)
    async def load_more(self, regions: list[RegionKey]) -> None:
        """Load accounts added while the rest load (not exclusive: it supersedes nothing)."""
        await self.stream(regions)

    async def stream(self, regions: Sequence[str | RegionKey]) -> None:
        self.main.show_loading(self.explorer.keys_of(regions))
        # Each load straight from the task that parsed it (see Explorer.load_each).
        await self.explorer.load_each(regions, self.main.show_load)

    @on(RegionPane.ViewChanged)
    def _view_changed(self, event: RegionPane.ViewChanged) -> None:
        self.explorer.focus(event.account)  # the account looked at loads first

    # ---- SSO -----------------------------------------------------------------------------

    @on(SsoLoginRequested)
    def _sso_login_requested(self) -> None:
        self.sso_login()

    @work(group="sso", exclusive=True, exit_on_error=False)
    async def sso_login(self) -> None:
        """``aws sso login`` once per SSO session that needs it (one at a time, the TUI
        suspended meanwhile); then that session's profiles open again and load."""
        if not self.explorer.sso_problems:
            self.notify("No SSO login is needed")
        for problem in self.explorer.sso_problems:
            command = sso_login_command(problem)
            code = self.run_outside(command)
            if code != 0:
                self.notify(f"`{' '.join(command)}` failed (exit status {code})",
                            severity="error", markup=False, timeout=20)  # fmt: skip
                continue
            self.load_more(await self.show_accounts(await self.explorer.reopen(problem)))

    def run_outside(self, command: list[str]) -> int:
        """Run ``command`` on the terminal, the TUI suspended meanwhile (where it cannot be,
        as under a test's headless driver, without); its exit status, 127 if not found."""
        with contextlib.ExitStack() as stack:
            with contextlib.suppress(SuspendNotSupported):
                stack.enter_context(self.suspend())
            try:
                return subprocess.run(command, check=False).returncode
            except OSError as exc:
                self.notify(f"cannot run {command[0]}: {exc}", severity="error", markup=False)
                return 127
