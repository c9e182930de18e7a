"""AWS access: one aiobotocore session per profile, one EC2 client per region.

Clients are created lazily, each on its own ``AsyncExitStack`` (so one can be released
alone, :meth:`AwsSession.release`), and all closed with the session. Every call
goes through :meth:`AwsSession.call` or :meth:`AwsSession.paginate`, which is where the
global concurrency cap and the read-only guard live, so nothing can bypass them.
Credentials and endpoints come from the standard AWS chain; only the sandbox passes an
explicit endpoint and credentials.
"""

from __future__ import annotations

import asyncio
import difflib
import functools
import json
import os
import re
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aiobotocore.session import AioSession

from amitui.aws_errors import ReadOnlyError
from amitui.botocore_tuning import (
    parse_aws_timestamp,
    reuse_client_classes,
    share_service_models,
    shared_tls_http_session,
    use_shared_data_loader,
)
from amitui.fastparse import parser_factory

#: Read-only operations start with one of these; anything else changes the account.
_READ_PREFIXES = ("Describe", "Get", "List")

DEFAULT_MAX_CONCURRENCY = 32
DEFAULT_READ_TIMEOUT = 20.0
DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_MAX_ATTEMPTS = 5

_REGION_SHAPE = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")


class UnknownRegionError(ValueError):
    """A region name that no AWS partition knows."""


def is_mutating(operation: str) -> bool:
    """``operation`` is an EC2 API name in PascalCase, e.g. ``DeregisterImage``."""
    return not operation.startswith(_READ_PREFIXES)


def _snake(operation: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower()


@functools.cache
def _partition_regions() -> frozenset[str]:
    # botocore's partitions.json (7 KB) names every partition's regions, and each
    # partition's region pattern, which its pseudo-regions (aws-global...) do not match.
    # endpoints.json (1.2 MB, a new botocore session to read it) names the same regions for
    # EC2 (tests/test_regions.py checks they agree): parsing it for a name check cost ~0.3 s.
    import botocore

    path = Path(botocore.__file__).parent / "data" / "partitions.json"
    regions: set[str] = set()
    for partition in json.loads(path.read_text(encoding="utf-8"))["partitions"]:
        pattern = re.compile(partition["regionRegex"])
        regions.update(name for name in partition["regions"] if pattern.match(name))
    return frozenset(regions)


def known_regions() -> set[str]:
    """Every EC2 region botocore knows, across its partitions (commercial, China, GovCloud,
    the isolated ones)."""
    return set(_partition_regions())


def validate_region(region: str, known: set[str] | None = None) -> str:
    """Return ``region`` if AWS knows it, else raise with the nearest names as a hint."""
    known = known_regions() if known is None else known
    if region in known:
        return region
    close = difflib.get_close_matches(region, sorted(known), n=3, cutoff=0.6)
    if not _REGION_SHAPE.match(region):
        reason = "is not a region name (regions look like eu-west-1)"
    else:
        reason = "is not a known EC2 region"
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise UnknownRegionError(f"{region!r} {reason}{hint}")


@dataclass(frozen=True, slots=True)
class Credentials:
    access_key_id: str
    secret_access_key: str
    session_token: str | None = None
    #: An assumed role's: botocore refreshes them ahead of their expiry (the keys above are
    #: the first ones), so a session that outlives the role's DurationSeconds keeps working.
    #: Made by :meth:`AwsSession.assume_role`.
    refreshing: _Refreshing | None = field(default=None, compare=False, repr=False, kw_only=True)


class _Refreshing:
    """A botocore credential provider (the first of a session's chain) answering an
    assumed role's refreshable credentials."""

    METHOD = "amitui-assume-role"

    def __init__(self, refreshable: Any) -> None:
        self.refreshable = refreshable

    async def load(self) -> Any:
        return self.refreshable


def _refuse_mutating(model: Any, **kwargs: Any) -> None:
    """botocore ``before-call`` hook of read-only sessions' clients."""
    if is_mutating(model.name):
        raise ReadOnlyError(f"{model.name} refused: amitui is running read-only")


class AwsSession:
    """One profile's access to EC2 across regions.

    ``async with AwsSession(profile=...) as aws:``, then
    ``await aws.call(region, "DescribeImages", Owners=["self"])``.
    """

    def __init__(
        self,
        profile: str | None = None,
        *,
        endpoint_url: str | None = None,
        credentials: Credentials | None = None,
        default_region: str | None = None,
        max_concurrency: int = DEFAULT_MAX_CONCURRENCY,
        read_only: bool = False,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        fast_parse: bool = True,
    ) -> None:
        """``fast_parse=False``: botocore parses every answer (what tests and benchmarks
        compare :mod:`amitui.fastparse` with)."""
        self.profile = profile
        self.endpoint_url = endpoint_url
        self._account_id: str | None = None
        self.read_only = read_only
        refreshing = credentials.refreshing if credentials is not None else None
        self._credentials = credentials if refreshing is None else None
        self._default_region = default_region
        # aiobotocore and aiohttp take ~0.6 s to import (aiohttp builds SSL contexts at import):
        # imported with the first session, not with this module, so the App's first screen
        # (which imports this module) paints before the AWS stack loads.
        from aiobotocore.config import AioConfig
        from aiobotocore.session import AioSession

        self._session: AioSession = AioSession(profile=profile)
        use_shared_data_loader(self._session)
        reuse_client_classes()
        share_service_models()
        if refreshing is not None:
            self._session.get_component("credential_provider").insert_before("env", refreshing)
        if fast_parse:
            # DescribeImages/DescribeSnapshots answers parsed by amitui.fastparse (exactly
            # as botocore would, faster); every other answer by botocore's own parsers.
            self._session.register_component("response_parser_factory", parser_factory()())
        self._session.get_component("response_parser_factory").set_parser_defaults(
            timestamp_parser=parse_aws_timestamp
        )
        self._config = AioConfig(
            retries={"mode": "adaptive", "max_attempts": max_attempts},
            read_timeout=read_timeout,
            connect_timeout=connect_timeout,
            max_pool_connections=max_concurrency,
            http_session_cls=shared_tls_http_session(),
        )
        self._limit = asyncio.Semaphore(max_concurrency)
        self._clients: dict[tuple[str, str], Any] = {}
        self._client_stacks: dict[tuple[str, str], AsyncExitStack] = {}
        self._client_locks: dict[tuple[str, str], asyncio.Lock] = {}
        self._closed = False

    async def __aenter__(self) -> AwsSession:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._clients.clear()
            stacks = list(self._client_stacks.values())
            self._client_stacks.clear()
            for stack in reversed(stacks):  # the newest first, as one exit stack would
                await stack.aclose()

    @property
    def client_keys(self) -> list[tuple[str, str]]:
        """The ``(service, region)`` of every client held now."""
        return list(self._clients)

    async def release(self, region: str, service: str = "ec2") -> None:
        """Close the ``service`` client of ``region`` now, if there is one (its HTTP pool and
        ~115 KiB of botocore state); a later call there makes a new one. For a listing of
        thousands of account-regions, each of which is asked once."""
        key = (service, region)
        self._clients.pop(key, None)
        stack = self._client_stacks.pop(key, None)
        lock = self._client_locks.get(key)
        if lock is not None and not lock.locked():
            del self._client_locks[key]
        if stack is not None:
            await stack.aclose()

    @property
    def default_region(self) -> str:
        """The region for account-wide calls (DescribeRegions, STS)."""
        return self._default_region or self._session.get_config_variable("region") or "us-east-1"

    @property
    def ec2_endpoint(self) -> str | None:
        """Where EC2 calls go when not to AWS's own regional endpoints: the explicit
        endpoint, else the one botocore takes from the environment (None: AWS's own)."""
        return (
            self.endpoint_url
            or os.environ.get("AWS_ENDPOINT_URL_EC2")
            or os.environ.get("AWS_ENDPOINT_URL")
        )

    async def client(self, region: str, service: str = "ec2") -> Any:
        key = (service, region)
        client = self._clients.get(key)
        if client is not None:
            return client
        lock = self._client_locks.setdefault(key, asyncio.Lock())
        async with lock:
            client = self._clients.get(key)
            if client is None:
                kwargs: dict[str, Any] = {"region_name": region, "config": self._config}
                if self.endpoint_url:
                    kwargs["endpoint_url"] = self.endpoint_url
                if self._credentials:
                    kwargs["aws_access_key_id"] = self._credentials.access_key_id
                    kwargs["aws_secret_access_key"] = self._credentials.secret_access_key
                    kwargs["aws_session_token"] = self._credentials.session_token
                stack = AsyncExitStack()
                created = await stack.enter_async_context(
                    self._session.create_client(service, **kwargs)
                )
                self._client_stacks[key] = stack
                if self.read_only:
                    # Defence in depth: even code holding the raw client cannot mutate.
                    created.meta.events.register("before-call", _refuse_mutating)
                self._clients[key] = client = created
        return client

    def _guard(self, operation: str) -> None:
        if self.read_only and is_mutating(operation):
            raise ReadOnlyError(f"{operation} refused: amitui is running read-only")

    async def call(
        self, region: str, operation: str, *, service: str = "ec2", **params: Any
    ) -> dict[str, Any]:
        """Send one API call (PascalCase ``operation``) under the concurrency cap."""
        self._guard(operation)
        client = await self.client(region, service)
        method = getattr(client, _snake(operation))
        async with self._limit:
            response: dict[str, Any] = await method(**params)
        return response

    async def paginate(
        self, region: str, operation: str, *, service: str = "ec2", **params: Any
    ) -> AsyncIterator[dict[str, Any]]:
        """Yield every page of ``operation``; each page request holds one concurrency slot."""
        self._guard(operation)
        client = await self.client(region, service)
        pages = client.get_paginator(_snake(operation)).paginate(**params).__aiter__()
        while True:
            async with self._limit:
                try:
                    page: dict[str, Any] = await pages.__anext__()
                except StopAsyncIteration:
                    return
            yield page

    async def assume_role(
        self, role_arn: str, session_name: str, *, duration_seconds: int | None = None
    ) -> Credentials:
        """Assume ``role_arn`` with this session's credentials (STS AssumeRole, asked now: a
        refusal is raised here), with botocore's AssumeRole credential fetcher, which asks
        again before the credentials expire (see :attr:`Credentials.refreshing`)."""
        from aiobotocore.credentials import (
            AioAssumeRoleCredentialFetcher,
            AioCredentials,
            AioRefreshableCredentials,
        )

        if self._credentials is not None:
            keys = self._credentials
            source = AioCredentials(keys.access_key_id, keys.secret_access_key, keys.session_token)
        else:
            source = await self._session.get_credentials()
        extra: dict[str, Any] = {"RoleSessionName": session_name}
        if duration_seconds is not None:
            extra["DurationSeconds"] = duration_seconds

        def sts(service: str, **keys: Any) -> Any:
            options: dict[str, Any] = {"region_name": self.default_region, "config": self._config}
            if self.endpoint_url:
                options["endpoint_url"] = self.endpoint_url
            return self._session.create_client(service, **options, **keys)

        fetcher = AioAssumeRoleCredentialFetcher(
            client_creator=sts, source_credentials=source, role_arn=role_arn, extra_args=extra
        )
        metadata = await fetcher.fetch_credentials()
        refreshable = AioRefreshableCredentials.create_from_metadata(
            metadata, refresh_using=fetcher.fetch_credentials, method=_Refreshing.METHOD
        )
        return Credentials(
            metadata["access_key"],
            metadata["secret_key"],
            metadata["token"],
            refreshing=_Refreshing(refreshable),
        )

    async def enabled_regions(self) -> list[str]:
        """Regions enabled for this account, per DescribeRegions."""
        response = await self.call(self.default_region, "DescribeRegions")
        return sorted(r["RegionName"] for r in response.get("Regions", []))

    async def account_alias(self) -> str | None:
        """The account's alias (``iam:ListAccountAliases``), or None when it has none or the
        caller may not read it: a nicety, never an error."""
        try:
            response = await self.call(self.default_region, "ListAccountAliases", service="iam")
        except Exception:  # AccessDenied is common and harmless: the id alone is shown
            return None
        aliases = response.get("AccountAliases") or []
        return str(aliases[0]) if aliases else None

    async def account_id(self) -> str:
        """The caller's account (STS GetCallerIdentity), asked once per session."""
        if self._account_id is None:
            response = await self.call(self.default_region, "GetCallerIdentity", service="sts")
            self._account_id = str(response["Account"])
        return self._account_id
