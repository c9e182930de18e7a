"""The explorer without a terminal: sessions, the query, region loads, the inventory, the
account and the image extras. The TUI (``amitui.app``) drives one :class:`Explorer` from its
workers and hands what it returns to the screen; tests drive it directly.

This module knows the engine and the model, never Textual (an import-linter contract).

Superseded loads are dropped here: each (account, region) has a load token, bumped by every
new load of it (a refresh, a query change), and a load that comes back under an older token
is discarded before it reaches the inventory.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack

from amitui.aws import AwsSession
from amitui.backend import LaunchOptions, open_session
from amitui.loader import fetch_extras, load_region, resolve_regions, stream_regions
from amitui.model import Image, ImageExtras, ImageKey, ImageQuery, Inventory, RegionKey, RegionLoad

SessionFactory = Callable[[LaunchOptions], AbstractAsyncContextManager[AwsSession]]

#: On close, how long to let a session that is still opening finish (so it is closed properly).
SESSION_CLOSE_TIMEOUT = 15.0


class NotConnected(RuntimeError):
    """The session is not open yet."""


class Explorer:
    """One explorer's state. Build it, :meth:`connect`, load, and :meth:`aclose` once.

    ``account`` is the label this explorer's session puts in every key (see
    :class:`~amitui.model.ImageKey`): ``""`` for the one session of a plain launch.
    """

    def __init__(
        self,
        options: LaunchOptions,
        session_factory: SessionFactory = open_session,
        *,
        account: str = "",
    ) -> None:
        self.options = options
        self.query: ImageQuery = options.query
        self.inventory = Inventory()
        self.account = account
        #: Who "self" is (GetCallerIdentity), once :meth:`find_account` has asked; tells
        #: images shared with us from our own.
        self.account_id: str | None = None
        #: The account's alias (iam:ListAccountAliases), if it has one we may read.
        self.account_alias: str | None = None
        self._session_factory = session_factory
        self._stack = AsyncExitStack()
        self._session_task: asyncio.Future[AwsSession] | None = None
        self._aws: AwsSession | None = None
        self._connected = asyncio.Event()
        self._tokens: dict[RegionKey, int] = {}
        self._extras: dict[ImageKey, ImageExtras] = {}

    # ---- the session ---------------------------------------------------------------------

    @property
    def aws(self) -> AwsSession:
        if self._aws is None:
            raise NotConnected("not connected yet")
        return self._aws

    @property
    def connected(self) -> bool:
        return self._aws is not None

    async def connect(self) -> AwsSession:
        """Open the session (for ``--demo`` this starts the sandbox)."""
        self._session_task = asyncio.ensure_future(
            self._stack.enter_async_context(self._session_factory(self.options))
        )
        # Shielded: cancelling the caller (quit) must not abandon a half-started sandbox.
        self._aws = await asyncio.shield(self._session_task)
        self._connected.set()
        return self._aws

    async def wait_connected(self) -> None:
        await self._connected.wait()

    async def aclose(self) -> None:
        """Close the session; one still opening is let finish first, so that its subprocess
        is stopped by the exit stack rather than left behind."""
        if self._session_task is not None and not self._session_task.done():
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(self._session_task, SESSION_CLOSE_TIMEOUT)
        await self._stack.aclose()

    async def resolve_regions(self) -> list[str]:
        """The regions to show: ``--region``, else the configured ones, else every enabled
        region (DescribeRegions; its failure is raised)."""
        return await resolve_regions(
            self.aws,
            self.options.regions,
            all_regions=self.options.all_regions,
            configured=self.options.configured_regions,
        )

    async def find_account(self) -> str | None:
        """Who "self" is; ``None`` if the lookup fails (not fatal: access then says
        private/public only)."""
        try:
            self.account_id = await self.aws.account_id()
        except Exception:  # optional: the explorer works without it
            self.account_id = None
        return self.account_id

    async def find_alias(self) -> str | None:
        """The account's alias; ``None`` when it has none or may not be read."""
        self.account_alias = await self.aws.account_alias()
        return self.account_alias

    # ---- region loads --------------------------------------------------------------------

    def begin(self, regions: Iterable[str]) -> dict[RegionKey, int]:
        """New tokens for ``regions``: every load of them still in flight is superseded."""
        tokens = {}
        for region in regions:
            key = RegionKey(self.account, region)
            self._tokens[key] = tokens[key] = self._tokens.get(key, 0) + 1
        return tokens

    def accept(self, load: RegionLoad, token: int) -> bool:
        """Put ``load`` into the inventory unless a newer load of its region superseded it
        (then False). A failed load removes the region's earlier images."""
        if self._tokens.get(load.key) != token:
            return False
        if load.error is None:
            self.inventory.add(load)
        else:
            self.inventory.remove_region(load.region, load.account)
        return True

    async def stream(self, regions: Sequence[str]) -> AsyncIterator[RegionLoad]:
        """Load ``regions`` concurrently; yield each region's load as it arrives (images
        first, then complete with snapshots), already in the inventory; superseded loads
        are dropped."""
        tokens = self.begin(regions)
        async for load in stream_regions(
            self.aws, regions, self.query, images_first=True, account=self.account
        ):
            if self.accept(load, tokens[load.key]):
                yield load

    async def reload(self, regions: Sequence[str]) -> list[RegionLoad]:
        """Load ``regions`` completely (after an action changed them: their images' extras
        are asked again too); the loads that were not superseded meanwhile, in the
        inventory."""
        self.forget_extras(regions)
        tokens = self.begin(regions)
        loads = await asyncio.gather(
            *(load_region(self.aws, r, self.query, account=self.account) for r in regions)
        )
        return [load for load in loads if self.accept(load, tokens[load.key])]

    def set_query(self, query: ImageQuery) -> bool:
        """List ``query`` from now on: what was loaded is forgotten and every load in flight
        superseded (the caller loads again). False if it is the current query."""
        if query == self.query:
            return False
        self.query = query
        self.begin([key.region for key in self._tokens if key.account == self.account])
        self.inventory.clear()
        self._extras.clear()
        return True

    # ---- image extras --------------------------------------------------------------------

    def cached_extras(self, key: ImageKey) -> ImageExtras | None:
        return self._extras.get(key)

    async def extras(self, image: Image) -> ImageExtras:
        """``image``'s launch permissions, last launch and protection; fetched once."""
        cached = self._extras.get(image.key)
        if cached is None:
            cached = self._extras[image.key] = await fetch_extras(self.aws, image, self.account_id)
        return cached

    def forget_extras(self, regions: Iterable[str] | None = None) -> None:
        """Fetch extras again when next asked: of every image (a refresh), or of the
        images in ``regions``."""
        if regions is None:
            self._extras.clear()
            return
        wanted = set(regions)
        for key in [k for k in self._extras if k.region in wanted]:
            del self._extras[key]


__all__ = ["SESSION_CLOSE_TIMEOUT", "Explorer", "NotConnected", "SessionFactory"]
