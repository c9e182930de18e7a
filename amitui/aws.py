"""AWS access: one aiobotocore session per profile, one EC2 client per region.

Clients are created lazily, held on one ``AsyncExitStack`` and closed once. Every call
goes through :meth:`AwsSession.call` or :meth:`AwsSession.paginate`, which is where the
global concurrency cap and the read-only guard live, so nothing can bypass them.
Credentials and endpoints come from the standard AWS chain; only the sandbox passes an
explicit endpoint and credentials.
"""

from __future__ import annotations

import asyncio
import difflib
import functools
import re
import ssl
import threading
from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any

from botocore import exceptions as boto_exceptions

if TYPE_CHECKING:
    from aiobotocore.session import AioSession

from amitui.model import AwsError, RegionStatus
from amitui.text import inert

#: Read-only operations start with one of these; anything else changes the account.
_READ_PREFIXES = ("Describe", "Get", "List")

DEFAULT_MAX_CONCURRENCY = 32
DEFAULT_READ_TIMEOUT = 20.0
DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_MAX_ATTEMPTS = 5

_REGION_SHAPE = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")


class ReadOnlyError(PermissionError):
    """A mutating call was attempted in read-only mode."""


class UnknownRegionError(ValueError):
    """A region name that no AWS partition knows."""


def is_mutating(operation: str) -> bool:
    """``operation`` is an EC2 API name in PascalCase, e.g. ``DeregisterImage``."""
    return not operation.startswith(_READ_PREFIXES)


def _snake(operation: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower()


def known_regions() -> set[str]:
    """Every EC2 region botocore knows, across the commercial, China and GovCloud partitions."""
    import botocore.session

    session = botocore.session.get_session()
    regions: set[str] = set()
    for partition in session.get_available_partitions():
        regions.update(session.get_available_regions("ec2", partition_name=partition))
    return regions


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


def parse_aws_timestamp(value: str | float) -> datetime:
    """botocore's timestamp parser, with a fast path for EC2's ``2026-11-20T12:00:00.000Z``.

    botocore parses every timestamp with dateutil, about 60 us each; DescribeSnapshots has one
    per snapshot and that was a third of all response parsing (measured by benchmarks/).
    Anything not in that exact shape goes to botocore's own parser.
    """
    # JSON-protocol services (KMS) send epoch seconds as numbers: botocore's parser takes those.
    if (
        isinstance(value, str)
        and len(value) >= 20
        and value[4] == "-"
        and value[10] == "T"
        and value[-1] == "Z"
    ):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            pass
    from botocore.utils import parse_timestamp

    return parse_timestamp(value)  # type: ignore[no-any-return]


@functools.cache
def _shared_tls_http_session() -> type:
    """aiobotocore's HTTP session, with one verifying TLS context for every region's client.

    aiobotocore builds a context per client, parsing the whole CA bundle each time: about
    40 ms of CPU holding the GIL, 17 times over when every region starts at once (measured by
    benchmarks/). The context is identical for every region, so it is built once per process.
    Client certificates and proxies keep aiobotocore's own per-client path. (A function, so
    that aiobotocore is imported with the first session, not with this module.)
    """
    from aiobotocore.httpsession import AIOHTTPSession

    lock = threading.Lock()
    contexts: dict[object, ssl.SSLContext] = {}

    class SharedTlsHttpSession(AIOHTTPSession):
        def _build_ssl_contexts(self, proxy_url: str | None) -> tuple[Any, Any]:
            if proxy_url or self._cert_file:
                return super()._build_ssl_contexts(proxy_url)  # type: ignore[no-any-return]
            key = self._verify  # True, False or a CA bundle path
            with lock:
                context = contexts.get(key)
                if context is None:
                    context = contexts[key] = self._build_verify_context()
            return context, None

    return SharedTlsHttpSession


@dataclass(frozen=True, slots=True)
class Credentials:
    access_key_id: str
    secret_access_key: str
    session_token: str | None = None


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
    ) -> None:
        self.profile = profile
        self.endpoint_url = endpoint_url
        self.read_only = read_only
        self._credentials = credentials
        self._default_region = default_region
        # aiobotocore and aiohttp take ~0.6 s to import (aiohttp builds SSL contexts at import):
        # imported with the first session, not with this module, so the App's first screen
        # (which imports this module) paints before the AWS stack loads.
        from aiobotocore.config import AioConfig
        from aiobotocore.session import AioSession

        self._session: AioSession = AioSession(profile=profile)
        self._session.get_component("response_parser_factory").set_parser_defaults(
            timestamp_parser=parse_aws_timestamp
        )
        self._config = AioConfig(
            retries={"mode": "adaptive", "max_attempts": max_attempts},
            read_timeout=read_timeout,
            connect_timeout=connect_timeout,
            max_pool_connections=max_concurrency,
            http_session_cls=_shared_tls_http_session(),
        )
        self._limit = asyncio.Semaphore(max_concurrency)
        self._stack = AsyncExitStack()
        self._clients: dict[tuple[str, str], Any] = {}
        self._client_locks: dict[tuple[str, str], asyncio.Lock] = {}
        self._closed = False

    async def __aenter__(self) -> AwsSession:
        await self._stack.__aenter__()
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
            await self._stack.aclose()

    @property
    def default_region(self) -> str:
        """The region for account-wide calls (DescribeRegions, STS)."""
        return self._default_region or self._session.get_config_variable("region") or "us-east-1"

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
                created = await self._stack.enter_async_context(
                    self._session.create_client(service, **kwargs)
                )
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

    async def enabled_regions(self) -> list[str]:
        """Regions enabled for this account, per DescribeRegions."""
        response = await self.call(self.default_region, "DescribeRegions")
        return sorted(r["RegionName"] for r in response.get("Regions", []))

    async def account_id(self) -> str:
        response = await self.call(self.default_region, "GetCallerIdentity", service="sts")
        return str(response["Account"])


# --- errors as data -----------------------------------------------------------------

_DENIED = {
    "AuthFailure",
    "UnauthorizedOperation",
    "OptInRequired",
    "AccessDenied",
    "AccessDeniedException",
    "Blocked",
    "UnrecognizedClientException",
}
_THROTTLED = {"RequestLimitExceeded", "Throttling", "ThrottlingException", "TooManyRequests"}
_SERVER_ERRORS = {"InternalError", "InternalFailure", "ServiceUnavailable", "Unavailable"}
_EXPIRED = {
    "ExpiredToken",
    "ExpiredTokenException",
    "RequestExpired",
    "InvalidClientTokenId",
}
_CREDENTIAL_EXCEPTIONS = (
    boto_exceptions.NoCredentialsError,
    boto_exceptions.PartialCredentialsError,
    boto_exceptions.TokenRetrievalError,
    boto_exceptions.SSOTokenLoadError,
    boto_exceptions.UnauthorizedSSOTokenError,
    boto_exceptions.CredentialRetrievalError,
    boto_exceptions.ProfileNotFound,
)
_TIMEOUT_EXCEPTIONS = (
    boto_exceptions.ConnectTimeoutError,
    boto_exceptions.ReadTimeoutError,
    asyncio.TimeoutError,
)
_UNREACHABLE_EXCEPTIONS = (
    boto_exceptions.EndpointConnectionError,
    boto_exceptions.ConnectTimeoutError,
    boto_exceptions.ReadTimeoutError,
    boto_exceptions.ConnectionClosedError,
    asyncio.TimeoutError,
)


def refresh_hint(profile: str | None) -> str:
    if profile:
        return f"refresh them with: aws sso login --profile {profile}"
    return "refresh them (e.g. aws sso login --profile NAME) or export new keys"


#: AWS messages can carry whole response bodies; the user needs the first sentence or two.
MAX_MESSAGE = 300


def _short(message: str) -> str:
    message = " ".join(message.split())
    return message if len(message) <= MAX_MESSAGE else message[: MAX_MESSAGE - 1] + "…"


# AWS's SignatureDoesNotMatch message quotes the canonical request, session token header
# included; access key ids have a fixed shape; secret keys and tokens are long base64 runs.
_SECRET_PATTERNS = (
    re.compile(r"(x-amz-security-token[:=]\s*)\S+", re.IGNORECASE),
    re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA|AIDA|AROA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Z0-9])"),
    re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+=]{40,}"),
)


def scrub_secrets(text: str) -> str:
    """``text`` with anything shaped like an access key id, secret key or session token
    replaced by ``<redacted>``: error messages reach the screen, ``ls`` stderr and the journal.
    """
    text = _SECRET_PATTERNS[0].sub(r"\1<redacted>", text)
    for pattern in _SECRET_PATTERNS[1:]:
        text = pattern.sub("<redacted>", text)
    return text


def classify_error(exc: BaseException, *, region: str = "", profile: str | None = None) -> AwsError:
    """Turn any exception from an AWS call into an :class:`AwsError` the UI and ``ls`` show."""
    error = _classify(exc, region, profile)
    # AWS echoes parameter values (names, tags) in messages: make them inert at the source,
    # so no display path (a notification with markup=False) can show a live control.
    message = inert(_short(scrub_secrets(error.message)))
    return AwsError(error.status, inert(error.code), message, inert(error.hint))


def _classify(exc: BaseException, region: str, profile: str | None) -> AwsError:
    where = f" in {region}" if region else ""
    if isinstance(exc, boto_exceptions.ClientError):
        error: Mapping[str, Any] = exc.response.get("Error", {})
        code = str(error.get("Code", "Unknown"))
        message = str(error.get("Message", "")) or str(exc)
        if code == "SignatureDoesNotMatch":
            return AwsError(
                RegionStatus.EXPIRED_CREDENTIALS,
                code,
                message,
                "the secret key does not match the access key id, or this machine's clock is "
                "off; check which credentials are in use with 'aws sts get-caller-identity'",
            )
        if code in _EXPIRED:
            return AwsError(
                RegionStatus.EXPIRED_CREDENTIALS,
                code,
                message,
                f"your credentials have expired or are invalid; {refresh_hint(profile)}",
            )
        if code in _THROTTLED:
            return AwsError(
                RegionStatus.THROTTLED,
                code,
                message,
                "AWS kept throttling after retries; wait a minute and press r to retry",
            )
        if code in ("AuthFailure", "OptInRequired"):
            return AwsError(
                RegionStatus.DENIED,
                code,
                message,
                f"the region{where} may not be enabled for this account (opt-in region) or "
                "an SCP denies it; enable it in the account settings or leave it out with --region",
            )
        if code in _DENIED:
            return AwsError(
                RegionStatus.DENIED,
                code,
                message,
                "your IAM identity lacks a permission amitui needs here; "
                "see 'IAM permissions' in the README",
            )
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code in _SERVER_ERRORS or (isinstance(status, int) and status >= 500):
            return AwsError(
                RegionStatus.FAILED,
                code,
                message,
                f"AWS answered with a server error{f' (HTTP {status})' if status else ''}{where} "
                "even after retries; "
                "wait a minute and press r to retry",
            )
        return AwsError(RegionStatus.FAILED, code, message)
    if isinstance(exc, boto_exceptions.ProfileNotFound):
        return AwsError(
            RegionStatus.EXPIRED_CREDENTIALS,
            type(exc).__name__,
            str(exc),
            "no profile by that name in the AWS config files; "
            "'aws configure list-profiles' lists them",
        )
    if isinstance(exc, _CREDENTIAL_EXCEPTIONS):
        return AwsError(
            RegionStatus.EXPIRED_CREDENTIALS,
            type(exc).__name__,
            str(exc),
            f"no usable credentials; {refresh_hint(profile)}",
        )
    if isinstance(exc, _UNREACHABLE_EXCEPTIONS):
        kind = "timed out" if isinstance(exc, _TIMEOUT_EXCEPTIONS) else "unreachable"
        return AwsError(
            RegionStatus.FAILED,
            type(exc).__name__,
            str(exc) or f"the EC2 endpoint{where} {kind}",
            f"the EC2 endpoint{where} is {kind}; check the network/proxy and press r to retry",
        )
    if isinstance(exc, ReadOnlyError):
        return AwsError(RegionStatus.DENIED, "ReadOnly", str(exc), "restart without --read-only")
    return AwsError(RegionStatus.FAILED, type(exc).__name__, str(exc) or repr(exc))
