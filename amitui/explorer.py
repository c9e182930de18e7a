"""The explorer without a terminal: sessions, the query, region loads, the inventory, the
accounts and the image extras. The TUI (``amitui.app``) drives one :class:`Explorer` from its
workers and hands what it returns to the screen; tests drive it directly.

This module knows the engine and the model, never Textual (an import-linter contract).

One Explorer reads one account (a plain launch: one session, keys labelled ``account``,
``""`` by default) or an account set (``LaunchOptions.many_accounts``: profiles, globs, an
organization; every key labelled with its account's id). Every load goes through one
:class:`~amitui.accounts.Limits`, bounded per (account, region) and overall, and the
account the user is looking at (:meth:`Explorer.focus`) is served first.

Superseded loads are dropped here: each (account, region) has a load token, bumped by every
new load of it (a refresh, a query change), and a load that comes back under an older token
is discarded before it reaches the inventory.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from datetime import datetime
from functools import partial
from typing import Any

from amitui.accounts import (
    DEFAULT_SOURCE,
    Account,
    AccountProblem,
    Accounts,
    AccountSpec,
    Limits,
)
from amitui.actions.cleanup import fresh_images
from amitui.actions.references import (
    region_use_counts,
    usage_report,
    used_by,
    with_usage_report,
)
from amitui.ancestry import image_ancestry
from amitui.aws import AwsSession
from amitui.aws_errors import classify_error
from amitui.backend import AccountOpener, LaunchOptions, account_opener, open_session
from amitui.loader import fetch_extras, handed_on, load_region, resolve_regions
from amitui.lookup import Place, resolve
from amitui.model import (
    AwsError,
    Image,
    ImageExtras,
    ImageKey,
    ImageQuery,
    Inventory,
    RegionKey,
    RegionLoad,
)
from amitui.usage import Ancestry, Resolution, UsedBy

SessionFactory = Callable[[LaunchOptions], AbstractAsyncContextManager[AwsSession]]
#: What opens account sets for an account-set launch (``backend.account_opener``).
OpenerFactory = Callable[[LaunchOptions], AbstractAsyncContextManager[AccountOpener]]

#: On close, how long to let a session that is still opening finish (so it is closed properly).
SESSION_CLOSE_TIMEOUT = 15.0


class NotConnected(RuntimeError):
    """The session is not open yet."""


class Explorer:
    """One explorer's state. Build it, :meth:`connect`, load, and :meth:`aclose` once.

    ``account`` is the label a plain launch's one session puts in every key (see
    :class:`~amitui.model.ImageKey`): ``""`` by default. An account-set launch labels each
    account's keys with its id.
    """

    def __init__(
        self,
        options: LaunchOptions,
        session_factory: SessionFactory = open_session,
        *,
        account: str = "",
        opener_factory: OpenerFactory = account_opener,
        limits: Limits | None = None,
    ) -> None:
        self.options = options
        self.query: ImageQuery = options.query
        self.inventory = Inventory()
        self.account = account
        #: Read an account set rather than one session (see LaunchOptions.many_accounts).
        self.many = options.many_accounts
        #: Every account read: the one of a plain launch (its id once :meth:`find_account`
        #: has asked), or each account of the set that opened, in the order given.
        self.accounts: list[Account] = []
        #: Sources of the set that gave no account (one line each), and notes (dedup).
        self.problems: list[AccountProblem] = []
        self.notes: list[str] = []
        self.limits = limits or Limits()
        #: Who "self" is (GetCallerIdentity), once :meth:`find_account` has asked; tells
        #: images shared with us from our own.
        self.account_id: str | None = None
        #: The account's alias (iam:ListAccountAliases), if it has one we may read.
        self.account_alias: str | None = None
        self._session_factory = session_factory
        self._opener_factory = opener_factory
        self._opener: AccountOpener | None = None
        self._stack = AsyncExitStack()
        self._session_task: asyncio.Future[None] | None = None
        self._connected = asyncio.Event()
        self._tokens: dict[RegionKey, int] = {}
        self._extras: dict[ImageKey, ImageExtras] = {}
        #: What uses each image asked about (the Used-by tab), and where it came from (the
        #: lineage tab); forgotten with the extras.
        self._used_by: dict[ImageKey, UsedBy] = {}
        self._ancestry: dict[ImageKey, Ancestry] = {}

    # ---- sessions and accounts -----------------------------------------------------------

    @property
    def aws(self) -> AwsSession:
        """The first account's session (the one session of a plain launch)."""
        if not self.accounts:
            raise NotConnected("not connected yet" if not self.connected else "no account")
        return self.accounts[0].session

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    @property
    def endpoint(self) -> str | None:
        """Where EC2 calls go when not to AWS's own endpoints (see AwsSession.ec2_endpoint)."""
        return self.accounts[0].session.ec2_endpoint if self.accounts else None

    async def connect(self) -> None:
        """Open the session, or every account of the set (for ``--demo`` this starts the
        sandbox). Accounts that cannot be opened are :attr:`problems`, not errors."""
        self._session_task = asyncio.ensure_future(self._open())
        # Shielded: cancelling the caller (quit) must not abandon a half-started sandbox.
        await asyncio.shield(self._session_task)
        self._connected.set()

    async def _open(self) -> None:
        if not self.many:
            aws = await self._stack.enter_async_context(self._session_factory(self.options))
            source = f"profile {aws.profile}" if aws.profile else DEFAULT_SOURCE
            self.accounts = [Account(self.account, None, source, aws)]
            return
        self._opener = await self._stack.enter_async_context(self._opener_factory(self.options))
        self._take(await self._stack.enter_async_context(self._opener(self.options.accounts)))

    def _take(self, found: Accounts) -> list[Account]:
        """Add what an opening found; an account already read is read once, said so."""
        known = {account.id: account for account in self.accounts}
        added = []
        for account in found.accounts:
            if account.id in known:
                self.notes.append(
                    f"{account.source} is {known[account.id].source} ({account.id}): read once"
                )
            else:
                self.accounts.append(account)
                added.append(account)
        self.problems += found.problems
        self.notes += found.notes
        return added

    async def wait_connected(self) -> None:
        await self._connected.wait()

    async def aclose(self) -> None:
        """Close the sessions; one still opening is let finish first, so that its subprocess
        is stopped by the exit stack rather than left behind."""
        if self._session_task is not None and not self._session_task.done():
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(self._session_task, SESSION_CLOSE_TIMEOUT)
        await self._stack.aclose()

    def label(self, account: Account) -> str:
        """What ``account``'s keys carry: its id in an account set, else ``account``."""
        return account.id if self.many else self.account

    def account_of(self, image: Image | ImageKey | RegionKey) -> Account:
        """The account an image (or a key) was listed from."""
        label = image.account
        for account in self.accounts:
            if self.label(account) == label:
                return account
        raise LookupError(f"account {label or '(default)'} is not loaded")

    def session_for(self, account_id: str) -> AwsSession:
        """The session of the account with this id (or label)."""
        for account in self.accounts:
            if account_id in (account.id, self.label(account)):
                return account.session
        raise LookupError(f"account {account_id} is not loaded")

    def focus(self, account_label: str | None) -> None:
        """The user is looking at this account (None: at every account): its loads first."""
        self.limits.focus = account_label

    # ---- an expired SSO login ------------------------------------------------------------

    @property
    def sso_problems(self) -> list[AccountProblem]:
        """The sources an ``aws sso login`` would cure, one per SSO login."""
        return [problem for problem in self.problems if problem.login]

    async def reopen(self, problem: AccountProblem) -> list[Account]:
        """Open ``problem``'s profiles again (after their ``aws sso login``): the problem
        goes, the accounts that open now are added (and returned), what still fails is a
        problem again."""
        if self._opener is None or problem not in self.problems:
            return []
        self.problems.remove(problem)
        spec = AccountSpec(profiles=problem.profiles)
        return self._take(await self._stack.enter_async_context(self._opener(spec)))

    # ---- regions -------------------------------------------------------------------------

    async def resolve_regions(self) -> list[str]:
        """The regions to show: ``--region``, else the configured ones, else every enabled
        region (DescribeRegions; its failure is raised)."""
        return await resolve_regions(
            self.aws,
            self.options.regions,
            all_regions=self.options.all_regions,
            configured=self.options.configured_regions,
        )

    async def region_keys(
        self, accounts: Sequence[Account] | None = None
    ) -> tuple[list[RegionKey], list[RegionLoad]]:
        """Every account's regions (``--region``, the configured ones, else its enabled
        regions, asked beside its identity when it opened), and a failed load, in the
        account's default region, for each account whose regions cannot be listed."""
        wanted = self.accounts if accounts is None else accounts

        async def of(account: Account) -> list[str] | RegionLoad:
            if account.enabled_regions is not None and not self._names_regions:
                return list(account.enabled_regions)
            region = account.session.default_region
            try:
                async with self.limits.slot(self.label(account), region):
                    return await resolve_regions(
                        account.session,
                        self.options.regions,
                        all_regions=self.options.all_regions,
                        configured=self.options.configured_regions,
                    )
            except Exception as exc:  # errors are data, per account
                error = classify_error(exc, profile=account.session.profile)
                error = AwsError(
                    error.status,
                    error.code,
                    f"cannot list the account's regions: {error.message}",
                    error.hint,
                )
                return RegionLoad(region, error.status, error=error, account=self.label(account))

        keys: list[RegionKey] = []
        failed: list[RegionLoad] = []
        for account, regions in zip(
            wanted, await asyncio.gather(*(of(a) for a in wanted)), strict=True
        ):
            if isinstance(regions, RegionLoad):
                failed.append(regions)
            else:
                keys += [RegionKey(self.label(account), region) for region in regions]
        return keys, failed

    @property
    def _names_regions(self) -> bool:
        """The options name the regions (else each account's enabled ones)."""
        options = self.options
        return bool(options.regions) or (
            bool(options.configured_regions) and not options.all_regions
        )

    def keys_of(self, regions: Iterable[str | RegionKey]) -> list[RegionKey]:
        """Region keys: a key as it is, a region's name in every account."""
        keys: dict[RegionKey, None] = {}
        for item in regions:
            if isinstance(item, RegionKey):
                keys[item] = None
            else:
                keys.update(dict.fromkeys(RegionKey(self.label(a), item) for a in self.accounts))
        return list(keys)

    # ---- region loads --------------------------------------------------------------------

    def begin(self, regions: Iterable[str | RegionKey]) -> dict[RegionKey, int]:
        """New tokens for ``regions``: every load of them still in flight is superseded."""
        tokens = {}
        for key in self.keys_of(regions) if self.accounts else self._plain_keys(regions):
            self._tokens[key] = tokens[key] = self._tokens.get(key, 0) + 1
        return tokens

    def _plain_keys(self, regions: Iterable[str | RegionKey]) -> list[RegionKey]:
        return [r if isinstance(r, RegionKey) else RegionKey(self.account, r) for r in regions]

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

    async def _load(
        self, key: RegionKey, on_images: Callable[[RegionLoad], None] | None = None
    ) -> RegionLoad:
        account = self.account_of(key)
        async with self.limits.slot(key.account, key.region):
            # The App shows records; AWS's own dictionaries would double its memory.
            return await load_region(
                account.session,
                key.region,
                self.query,
                on_images=on_images,
                account=key.account,
                keep_raw=False,
            )

    async def load_each(
        self, regions: Iterable[str | RegionKey], on_load: Callable[[RegionLoad], None]
    ) -> None:
        """Load ``regions`` (keys, or names: in every account) concurrently, the focused
        account first, and hand each load to ``on_load`` as it arrives (images first, then
        complete with snapshots), already in the inventory; superseded loads are dropped.
        Returns once every load is complete.

        ``on_load`` is called from the task that parsed the load, at once: not a loop turn
        (or several, each running every other ready answer) later through a queue."""
        await self._deliver(self.begin(regions), on_load)

    async def stream(self, regions: Iterable[str | RegionKey]) -> AsyncIterator[RegionLoad]:
        """:meth:`load_each`'s loads, yielded as they arrive."""
        tokens = self.begin(regions)
        async for region_load in handed_on(partial(self._deliver, tokens)):
            yield region_load

    async def _deliver(
        self, tokens: dict[RegionKey, int], on_load: Callable[[RegionLoad], None]
    ) -> None:
        def arrived(region_load: RegionLoad) -> None:
            if self.accept(region_load, tokens[region_load.key]):
                on_load(region_load)

        async def load(key: RegionKey) -> None:
            arrived(await self._load(key, arrived))

        tasks = [asyncio.create_task(load(key)) for key in tokens]
        try:
            await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()

    async def reload(self, regions: Iterable[str | RegionKey]) -> list[RegionLoad]:
        """Load ``regions`` completely (after an action changed them: their images' extras
        are asked again too); the loads that were not superseded meanwhile, in the
        inventory."""
        tokens = self.begin(regions)
        self.forget_extras(tokens)
        loads = await asyncio.gather(*(self._load(key) for key in tokens))
        return [load for load in loads if self.accept(load, tokens[load.key])]

    def set_query(self, query: ImageQuery) -> bool:
        """List ``query`` from now on: what was loaded is forgotten and every load in flight
        superseded (the caller loads again). False if it is the current query."""
        if query == self.query:
            return False
        self.query = query
        self.begin(list(self._tokens))
        self.inventory.clear()
        self._extras.clear()
        self._used_by.clear()
        self._ancestry.clear()
        return True

    # ---- who "self" is -------------------------------------------------------------------

    async def find_account(self) -> str | None:
        """Who "self" is; ``None`` if the lookup fails (not fatal: access then says
        private/public only)."""
        try:
            self.account_id = await self.aws.account_id()
        except Exception:  # optional: the explorer works without it
            self.account_id = None
        if self.account_id is not None and not self.many:
            self.accounts[0].id = self.account_id
        return self.account_id

    async def find_alias(self) -> str | None:
        """The account's alias; ``None`` when it has none or may not be read."""
        self.account_alias = await self.aws.account_alias()
        if not self.many:
            self.accounts[0].alias = self.account_alias
        return self.account_alias

    # ---- image extras --------------------------------------------------------------------

    def cached_extras(self, key: ImageKey) -> ImageExtras | None:
        return self._extras.get(key)

    async def extras(self, image: Image) -> ImageExtras:
        """``image``'s launch permissions, last launch and protection, asked with its own
        account's credentials; fetched once."""
        cached = self._extras.get(image.key)
        if cached is None:
            account = self.account_of(image)
            owner = account.id if self.many else self.account_id
            cached = self._extras[image.key] = await fetch_extras(account.session, image, owner)
        return cached

    async def describe_image(self, image: Image) -> dict[str, Any] | None:
        """``image``'s DescribeImages record as EC2 answers it now (the raw view), asked with
        its own account's credentials; None when EC2 no longer lists it. Deprecated and
        disabled images are asked for too. An AWS error is raised."""
        account = self.account_of(image)
        answer = await account.session.call(
            image.region,
            "DescribeImages",
            ImageIds=[image.image_id],
            IncludeDeprecated=True,
            IncludeDisabled=True,
        )
        images: list[dict[str, Any]] = answer.get("Images", [])
        return images[0] if images else None

    async def with_records(self, images: Sequence[Image]) -> list[Image]:
        """``images`` again, as EC2 describes them now and each with its DescribeImages record
        (loads keep none, to save memory), for what needs AWS's own record (an export in
        `amitui ls`'s formats). Asked per account-region, many ids a call
        (:func:`~amitui.actions.cleanup.fresh_images`); an image EC2 no longer lists is left
        out. Any other AWS error is raised."""
        wanted: dict[tuple[str, str], list[str]] = {}
        for image in images:
            wanted.setdefault((image.account, image.region), []).append(image.image_id)
        accounts = {image.account: self.account_of(image) for image in images}

        async def described(account: str, region: str, ids: list[str]) -> list[Image]:
            return list(
                (await fresh_images(accounts[account].session, region, ids, account)).values()
            )

        answers = await asyncio.gather(*(described(a, r, ids) for (a, r), ids in wanted.items()))
        fresh = {image.key: image for found in answers for image in found}
        return [fresh[image.key] for image in images if image.key in fresh]

    def forget_extras(self, regions: Iterable[str | RegionKey] | None = None) -> None:
        """Fetch extras (and what uses each image) again when next asked: of every image
        (a refresh), or of the images in ``regions`` (names: in every account)."""
        caches: tuple[dict[ImageKey, Any], ...] = (self._extras, self._used_by, self._ancestry)
        if regions is None:
            for cache in caches:
                cache.clear()
            return
        wanted = list(regions)
        names = {r for r in wanted if not isinstance(r, RegionKey)}
        keys = {r for r in wanted if isinstance(r, RegionKey)}
        for cache in caches:
            for key in [
                k for k in cache if k.region in names or RegionKey(k.account, k.region) in keys
            ]:
                del cache[key]

    async def use_counts(self, keys: Iterable[RegionKey]) -> tuple[dict[ImageKey, int], list[str]]:
        """How many instances and launch templates use each image of ``keys``' regions
        (:func:`amitui.actions.references.region_use_counts`: two paginated calls a region,
        all regions at once, each within the account-region's limits), and a line per
        region whose sweep failed (its images are left out). An unused image counts 0."""
        failed: list[str] = []

        async def one(key: RegionKey) -> dict[ImageKey, int]:
            account = self.account_of(key)
            try:
                async with self.limits.slot(key.account, key.region):
                    found = await region_use_counts(account.session, key.region)
            except Exception as exc:  # errors are data: the region's cells stay empty
                error = classify_error(exc, region=key.region, profile=account.session.profile)
                failed.append(f"{key.region}: {error.describe()}")
                return {}
            load = self.inventory.loads.get(key)
            images = load.images if load is not None else ()
            return {i.key: found.get(i.image_id, 0) for i in images}

        counts: dict[ImageKey, int] = {}
        for part in await asyncio.gather(*(one(k) for k in keys)):
            counts.update(part)
        return counts, failed

    async def ancestry(self, image: Image, now: datetime) -> Ancestry:
        """``image``'s chain back to its root, each base checked now
        (:func:`amitui.ancestry.image_ancestry`); asked once until the next refresh."""
        cached = self._ancestry.get(image.key)
        if cached is None:
            session = self.account_of(image).session
            cached = self._ancestry[image.key] = await image_ancestry(session, image, now)
        return cached

    async def used_by(self, image: Image) -> UsedBy:
        """Everything that uses ``image`` in every loaded account, and who may launch it
        (:func:`amitui.actions.references.used_by`); asked once until the next refresh."""
        cached = self._used_by.get(image.key)
        if cached is None:
            owner = self.account_of(image)
            cached = self._used_by[image.key] = await used_by(owner, image, self.accounts)
        return cached

    async def used_by_with_report(self, image: Image, account_ids: Sequence[str]) -> UsedBy:
        """:meth:`used_by` with an image usage report of ``account_ids`` (accounts amitui
        cannot read) asked for, waited for and folded in; kept like the rest until the next
        refresh."""
        used = await self.used_by(image)
        report = await usage_report(self.account_of(image).session, image, account_ids)
        self._used_by[image.key] = updated = with_usage_report(used, report, account_ids)
        return updated

    # ---- reverse lookup ------------------------------------------------------------------

    def places(self) -> list[Place]:
        """Every loaded account-region, with the session of its account."""
        places = []
        for key in sorted(self.inventory.loads):
            account = self.account_of(key)
            name = (account.alias or account.id) if self.many else ""
            places.append(Place(account.session, key.region, key.account, name))
        return places

    async def goto(self, target: str) -> list[Resolution]:
        """Where ``target`` (an instance, template, group, snapshot, parameter or image)
        leads, searched in every loaded account-region (see :mod:`amitui.lookup`)."""
        return await resolve(target, self.places(), self.inventory)


__all__ = ["SESSION_CLOSE_TIMEOUT", "Explorer", "NotConnected", "OpenerFactory", "SessionFactory"]
