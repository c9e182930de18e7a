"""A loopback HTTP proxy in front of the sandbox: per-region latency and injected faults.

Clients point ``endpoint_url`` at the proxy instead of the sandbox. Each request's region
comes from its SigV4 credential scope and its EC2 action from the form body, so latency and
faults can be set per region and per action. The proxy runs its own event loop in a daemon
thread, so sync tests, async tests and subprocess benchmarks can all drive it the same way::

    with Sandbox() as sb, FaultProxy(sb.endpoint_url) as proxy:
        proxy.set_latency("ap-southeast-2", 250)
        proxy.add_fault(AwsError("RequestLimitExceeded"), region="eu-west-1", count=2)
        ...  # clients use proxy.url
        assert [r.status for r in proxy.requests] == [503, 503, 200]

``FaultProxy(url, throttle=TokenBuckets())`` also throttles as EC2 does: a token bucket per
(credentials, region, API), answering ``RequestLimitExceeded`` when it is empty.

As a process (for benchmarks): ``python -m amitui.sandbox.proxy --upstream URL
[--port N] [--latency REGION=MS ...] [--latency-file JSON] [--default-latency MS]
[--realistic]`` prints its URL on one line, then serves until SIGINT/SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import re
import signal
import socket
import struct
import sys
import threading
import time
import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from types import FrameType, TracebackType
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from aiohttp import ClientError, ClientSession, ClientTimeout, TCPConnector, web

__all__ = [
    "AWS_ERROR_STATUS",
    "REALISTIC_LATENCY_MS",
    "THROTTLED",
    "AwsError",
    "ConnectionReset",
    "Delay",
    "Fault",
    "FaultProxy",
    "FaultRule",
    "Hang",
    "Hold",
    "HttpError",
    "RequestRecord",
    "TokenBuckets",
    "realistic_latency_table",
]

#: HTTP status EC2 returns with each error code; codes not listed get 400.
AWS_ERROR_STATUS: Mapping[str, int] = {
    "AuthFailure": 401,
    "OptInRequired": 401,
    "UnauthorizedOperation": 403,
    "Blocked": 403,
    "RequestLimitExceeded": 503,
    "ServiceUnavailable": 503,
    "Unavailable": 503,
    "InternalError": 500,
    "ExpiredToken": 400,
    "RequestExpired": 400,
}

#: Round trip (ms) from a client near us-east-1 to the 17 regions enabled by default.
REALISTIC_LATENCY_MS: Mapping[str, float] = {
    "us-east-1": 20,
    "us-east-2": 30,
    "ca-central-1": 35,
    "us-west-1": 75,
    "us-west-2": 80,
    "eu-west-1": 90,
    "eu-west-2": 95,
    "eu-west-3": 100,
    "eu-central-1": 105,
    "eu-north-1": 120,
    "sa-east-1": 130,
    "ap-northeast-1": 170,
    "ap-northeast-3": 175,
    "ap-northeast-2": 190,
    "ap-south-1": 200,
    "ap-southeast-1": 230,
    "ap-southeast-2": 250,
}


def realistic_latency_table(scale: float = 1.0) -> dict[str, float]:
    """:data:`REALISTIC_LATENCY_MS`, optionally scaled (e.g. 0.1 for quick benchmark runs)."""
    return {region: ms * scale for region, ms in REALISTIC_LATENCY_MS.items()}


# --- fault kinds -------------------------------------------------------------------------


@dataclass(frozen=True)
class AwsError:
    """An EC2 error response (XML body) with the HTTP status EC2 uses for ``code``."""

    code: str
    message: str = ""
    status: int | None = None  # None: from AWS_ERROR_STATUS, else 400

    @property
    def http_status(self) -> int:
        if self.status is not None:
            return self.status
        return AWS_ERROR_STATUS.get(self.code, 400)

    def body(self, request_id: str) -> bytes:
        message = self.message or f"Injected {self.code} by amitui FaultProxy"
        return (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f"<Response><Errors><Error><Code>{escape(self.code)}</Code>"
            f"<Message>{escape(message)}</Message></Error></Errors>"
            f"<RequestID>{request_id}</RequestID></Response>"
        ).encode()


@dataclass(frozen=True)
class HttpError:
    """A bare HTTP error, as from a load balancer: no AWS error body."""

    status: int = 500
    body: bytes = b""


@dataclass(frozen=True)
class ConnectionReset:
    """Close the connection (TCP RST) without answering."""


@dataclass(frozen=True)
class Hang:
    """Never answer (until the proxy stops), so the client's read timeout fires."""


@dataclass(frozen=True)
class Delay:
    """Answer, but ``ms`` later than the region's latency alone would (one slow action)."""

    ms: float


@dataclass(eq=False)
class Hold:
    """Forward only once :meth:`release` is called (a test decides when an answer comes)."""

    released: threading.Event = field(default_factory=threading.Event)

    def release(self) -> None:
        self.released.set()


Fault = AwsError | HttpError | ConnectionReset | Hang | Delay | Hold


@dataclass(eq=False)  # identity: two rules with the same spec are still two rules
class FaultRule:
    """A fault with its match and budget; returned by :meth:`FaultProxy.add_fault`.

    Mutated only under the proxy's lock; read ``fired`` to see how often it struck.
    """

    fault: Fault
    regions: frozenset[str] | None  # None: any region
    actions: frozenset[str] | None  # None: any action
    count: int | None  # faults left; None: forever
    after: int  # matching requests still to let through first
    fired: int = 0

    def matches(self, region: str | None, action: str | None) -> bool:
        return (self.regions is None or region in self.regions) and (
            self.actions is None or action in self.actions
        )


@dataclass(frozen=True)
class RequestRecord:
    """One request the proxy saw, in arrival order."""

    seq: int  # arrival number since the proxy was created
    region: str | None
    action: str | None
    #: HTTP status returned; None while in flight, and for resets and hangs.
    status: int | None = None
    #: The injected fault; None when the request was forwarded to the sandbox.
    fault: Fault | None = None
    #: Extra delay added (ms).
    latency_ms: float = 0.0

    @property
    def forwarded(self) -> bool:
        return self.fault is None


class TokenBuckets:
    """EC2's request-rate throttling, per (credentials, region, API).

    EC2 developer guide, "Request throttling for the Amazon EC2 API": "Amazon EC2 throttles
    EC2 API requests for each AWS account on a per-Region basis" ... "With request rate
    limiting, each API is evaluated individually" ... "the token bucket size for
    DescribeHosts, a non-mutating API action, is 100 tokens" ... "refill rate of 20 tokens
    per second" ... "If you exceed an API throttling limit, you get the RequestLimitExceeded
    error code." The proxy cannot see which account a key belongs to, so buckets are keyed
    by the SigV4 access key id: one per account for clients that hold one session per
    account (an assumed role's keys, a profile's).
    """

    def __init__(self, capacity: float = 100.0, refill_per_second: float = 20.0) -> None:
        self.capacity = capacity
        self.refill_per_second = refill_per_second
        self._buckets: dict[tuple[str, str, str], tuple[float, float]] = {}
        #: Requests refused so far.
        self.throttled = 0

    def take(self, key: tuple[str, str, str], now: float) -> bool:
        """Take one token from ``key``'s bucket; False (and counted) when it is empty."""
        tokens, then = self._buckets.get(key, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - then) * self.refill_per_second)
        if tokens < 1.0:
            self._buckets[key] = (tokens, now)
            self.throttled += 1
            return False
        self._buckets[key] = (tokens - 1.0, now)
        return True


THROTTLED = AwsError("RequestLimitExceeded", "Request limit exceeded.", 503)


# --- request parsing ---------------------------------------------------------------------

_CREDENTIAL_SCOPE = re.compile(r"Credential=([^/,\s]+)/\d{8}/([a-z0-9-]+)/([a-z0-9-]+)/")
_HOP_BY_HOP = frozenset(
    h.lower()
    for h in (
        "Connection",
        "Keep-Alive",
        "Proxy-Authenticate",
        "Proxy-Authorization",
        "TE",
        "Trailer",
        "Transfer-Encoding",
        "Upgrade",
        "Host",
        "Content-Length",
    )
)


def _scope_of(request: web.BaseRequest) -> tuple[str | None, str | None]:
    """The request's SigV4 region, and the access key id that signed it if it is an EC2
    request (None for other services: STS, Organizations and IAM throttle by other rules)."""
    match = _CREDENTIAL_SCOPE.search(request.headers.get("Authorization", ""))
    if match:
        return match.group(2), match.group(1) if match.group(3) == "ec2" else None
    # Presigned URLs carry the scope in the query string instead.
    scope = request.query.get("X-Amz-Credential", "").split("/")
    region = scope[2] if len(scope) >= 3 else None
    return region, scope[0] if len(scope) >= 4 and scope[3] == "ec2" else None


def _action_of(request: web.BaseRequest, body: bytes) -> str | None:
    if "Action" in request.query:
        return request.query["Action"]
    if body and "form-urlencoded" in request.headers.get("Content-Type", ""):
        values = parse_qs(body.decode("utf-8", "replace")).get("Action")
        return values[0] if values else None
    return None


# --- the proxy ---------------------------------------------------------------------------


class FaultProxy:
    """Loopback HTTP proxy to ``upstream_url`` adding latency and faults per region/action.

    Every public method is thread-safe and may be called while requests are in flight.
    """

    def __init__(
        self,
        upstream_url: str,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        latency_ms: Mapping[str, float] | None = None,
        default_latency_ms: float = 0.0,
        throttle: TokenBuckets | None = None,
    ) -> None:
        self.upstream_url = upstream_url.rstrip("/")
        self.throttle = throttle
        self.host = host
        self.port = port
        self._lock = threading.Lock()
        self._latency: dict[str, float] = dict(latency_ms or {})
        self._default_latency = default_latency_ms
        self._rules: list[FaultRule] = []
        self._log: list[RequestRecord] = []
        # Sequence numbers never restart, so a request in flight across clear_requests()
        # cannot overwrite a newer record. _log_start is the seq of self._log[0].
        self._next_seq = 0
        self._log_start = 0
        self._url: str | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._session: ClientSession | None = None
        self._stopping: asyncio.Event | None = None

    # -- lifecycle --

    @property
    def url(self) -> str:
        if self._url is None:
            raise RuntimeError("the proxy is not running")
        return self._url

    def start(self) -> str:
        if self._url is not None:
            return self._url
        loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=loop.run_forever, name="amitui-fault-proxy", daemon=True
        )
        self._thread.start()
        self._loop = loop
        try:
            self._url = asyncio.run_coroutine_threadsafe(self._start(), loop).result(timeout=30)
        except BaseException:
            self._shutdown_loop()
            raise
        return self._url

    def stop(self) -> None:
        if self._loop is None:
            return
        if self._url is not None:
            with contextlib.suppress(Exception):
                asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(timeout=30)
        self._url = None
        self._shutdown_loop()

    def _shutdown_loop(self) -> None:
        assert self._loop is not None and self._thread is not None
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()
        self._loop = None
        self._thread = None

    def __enter__(self) -> FaultProxy:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    async def _start(self) -> str:
        self._stopping = asyncio.Event()
        # No connection limit: the proxy must never be the bottleneck a benchmark measures.
        # No timeout: the client's own timeouts are what tests exercise.
        self._session = ClientSession(
            connector=TCPConnector(limit=0),
            timeout=ClientTimeout(total=None),
            auto_decompress=False,
        )
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        return f"http://{host}:{port}"

    async def _stop(self) -> None:
        assert self._stopping is not None
        self._stopping.set()  # releases hung requests
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    # -- latency --

    def set_latency(self, region: str, ms: float) -> None:
        with self._lock:
            self._latency[region] = ms

    def set_latencies(self, table: Mapping[str, float], *, default_ms: float | None = None) -> None:
        """Replace the whole latency table (and the default for unlisted regions)."""
        with self._lock:
            self._latency = dict(table)
            if default_ms is not None:
                self._default_latency = default_ms

    def set_default_latency(self, ms: float) -> None:
        with self._lock:
            self._default_latency = ms

    def latency_for(self, region: str | None) -> float:
        with self._lock:
            if region is None:
                return self._default_latency
            return self._latency.get(region, self._default_latency)

    # -- faults --

    def add_fault(
        self,
        fault: Fault,
        *,
        region: str | Collection[str] | None = None,
        action: str | Collection[str] | None = None,
        count: int | None = None,
        after: int = 0,
    ) -> FaultRule:
        """Inject ``fault`` into matching requests.

        ``region``/``action``: one name, several, or None for any. ``count``: fault the
        first N matching requests, then pass them through; None: forever. ``after``: first
        let N matching requests through to the sandbox, then start faulting (counted when
        forwarded, so it is deterministic even with requests in flight concurrently).
        Rules are tried in the order added; the first one due wins.
        """
        if (count is not None and count < 1) or after < 0:
            raise ValueError("count must be None or >= 1, after must be >= 0")
        rule = FaultRule(fault, _names(region), _names(action), count, after)
        with self._lock:
            self._rules.append(rule)
        return rule

    def remove_fault(self, rule: FaultRule) -> None:
        with self._lock:
            self._rules = [r for r in self._rules if r is not rule]

    def clear_faults(self) -> None:
        with self._lock:
            self._rules = []

    # -- request log --

    @property
    def requests(self) -> list[RequestRecord]:
        """A snapshot of every request seen, in arrival order."""
        with self._lock:
            return list(self._log)

    def requests_for(
        self, *, region: str | None = None, action: str | None = None
    ) -> list[RequestRecord]:
        return [
            r
            for r in self.requests
            if (region is None or r.region == region) and (action is None or r.action == action)
        ]

    def actions(self, *, forwarded_only: bool = False) -> list[str | None]:
        return [r.action for r in self.requests if r.forwarded or not forwarded_only]

    def clear_requests(self) -> None:
        with self._lock:
            self._log = []
            self._log_start = self._next_seq

    def reset(self) -> None:
        """Forget faults, the request log and latencies (for a proxy shared across tests)."""
        with self._lock:
            self._rules = []
            self._log = []
            self._log_start = self._next_seq
            self._latency = {}
            self._default_latency = 0.0

    # -- handling --

    def _admit(
        self, region: str | None, action: str | None, ec2_signer: str | None = None
    ) -> tuple[int, Fault | None, float]:
        """Log the request and decide its fault, atomically."""
        with self._lock:
            matching = [r for r in self._rules if r.matches(region, action)]
            due = next((r for r in matching if r.after == 0), None)
            fault: Fault | None = None
            bucket = (ec2_signer or "", region or "", action or "")
            if (
                self.throttle is not None
                and ec2_signer is not None
                and not self.throttle.take(bucket, time.monotonic())
            ):
                fault = THROTTLED
            elif due is not None:
                fault = due.fault
                due.fired += 1
                if due.count is not None:
                    due.count -= 1
                    if due.count <= 0:
                        self._rules.remove(due)
            else:
                # Forwarded: one more matching call has reached the sandbox.
                for rule in matching:
                    rule.after -= 1
            latency = self._latency.get(region or "", self._default_latency)
            seq = self._next_seq
            self._next_seq += 1
            self._log.append(RequestRecord(seq, region, action, None, fault, latency))
            return seq, fault, latency

    def _finish(self, seq: int, status: int | None) -> None:
        with self._lock:
            index = seq - self._log_start
            if 0 <= index < len(self._log):  # else cleared while in flight: forgotten
                self._log[index] = replace(self._log[index], status=status)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()  # EC2 Query requests are small forms: buffer them
        region, ec2_signer = _scope_of(request)
        seq, fault, latency = self._admit(region, _action_of(request, body), ec2_signer)
        if latency > 0:
            await asyncio.sleep(latency / 1000)
        if isinstance(fault, AwsError):
            self._finish(seq, fault.http_status)
            return web.Response(
                status=fault.http_status,
                body=fault.body(str(uuid.uuid4())),
                content_type="text/xml",
                charset="UTF-8",
            )
        if isinstance(fault, HttpError):
            self._finish(seq, fault.status)
            return web.Response(status=fault.status, body=fault.body)
        if isinstance(fault, Hang):
            assert self._stopping is not None
            await self._stopping.wait()
            return _reset(request)
        if isinstance(fault, ConnectionReset):
            return _reset(request)
        if isinstance(fault, Delay):
            await asyncio.sleep(fault.ms / 1000)
        if isinstance(fault, Hold):
            assert self._stopping is not None
            while not fault.released.is_set():
                if self._stopping.is_set():
                    return _reset(request)
                await asyncio.sleep(0.01)
        return await self._forward(request, body, seq)

    async def _forward(self, request: web.Request, body: bytes, seq: int) -> web.StreamResponse:
        assert self._session is not None
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP}
        try:
            upstream = await self._session.request(
                request.method,
                self.upstream_url + request.raw_path,
                headers=headers,
                data=body or None,
                allow_redirects=False,
            )
        except ClientError as exc:
            self._finish(seq, 502)
            return web.Response(status=502, text=f"amitui FaultProxy: upstream failed: {exc}")
        async with upstream:
            response = web.StreamResponse(status=upstream.status, reason=upstream.reason)
            for name, value in upstream.headers.items():
                if name.lower() not in _HOP_BY_HOP:
                    response.headers.add(name, value)
            if upstream.content_length is not None:
                response.content_length = upstream.content_length
            self._finish(seq, upstream.status)
            try:
                await response.prepare(request)
                async for chunk in upstream.content.iter_chunked(64 * 1024):
                    await response.write(chunk)
                await response.write_eof()
            except ConnectionResetError:
                pass  # the client stopped waiting and closed the connection: nobody to tell
            return response


def _reset(request: web.BaseRequest) -> web.StreamResponse:
    """Drop the connection; the returned response is never sent (aiohttp sees it closed)."""
    transport = request.transport
    if transport is None:
        return web.Response()
    sock = transport.get_extra_info("socket")
    if sock is not None:
        # Linger 0: close() sends RST, which the client sees as "connection reset by peer".
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()
    return web.Response()


def _names(value: str | Collection[str] | None) -> frozenset[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return frozenset({value})
    return frozenset(value)


# --- command line ------------------------------------------------------------------------


def _parse_latency(text: str) -> tuple[str, float]:
    region, sep, ms = text.partition("=")
    if not sep or not region:
        raise argparse.ArgumentTypeError(f"expected REGION=MS, got {text!r}")
    try:
        return region, float(ms)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of milliseconds: {ms!r}") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m amitui.sandbox.proxy",
        description="Loopback proxy adding per-region latency in front of the sandbox.",
    )
    parser.add_argument("--upstream", required=True, help="sandbox endpoint URL")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument(
        "--latency", action="append", type=_parse_latency, default=[], metavar="REGION=MS"
    )
    parser.add_argument(
        "--latency-file",
        help='JSON object {"region": ms, ...}; the key "*" sets the default',
    )
    parser.add_argument("--default-latency", type=float, metavar="MS")
    parser.add_argument(
        "--realistic", action="store_true", help="start from the 17-region realistic table"
    )
    args = parser.parse_args(argv)

    table: dict[str, float] = realistic_latency_table() if args.realistic else {}
    default = 0.0
    if args.latency_file:
        with open(args.latency_file, encoding="utf-8") as f:
            loaded = json.load(f)
        if not isinstance(loaded, dict):
            parser.error("--latency-file must hold a JSON object")
        for region, ms in loaded.items():
            if region == "*":
                default = float(ms)
            else:
                table[region] = float(ms)
    table.update(dict(args.latency))
    if args.default_latency is not None:
        default = args.default_latency

    proxy = FaultProxy(
        args.upstream,
        host=args.host,
        port=args.port,
        latency_ms=table,
        default_latency_ms=default,
    )
    print(proxy.start(), flush=True)

    stopped = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stopped.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    stopped.wait()
    proxy.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
