"""FaultProxy: passthrough, per-region latency, and each injected fault as botocore sees it."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import botocore.exceptions
import pytest
from botocore.config import Config

from amitui.sandbox import Sandbox
from amitui.sandbox.proxy import (
    AwsError,
    ConnectionReset,
    Delay,
    FaultProxy,
    Hang,
    Hold,
    HttpError,
    TokenBuckets,
    realistic_latency_table,
)

from .sandbox_api import KEYS, client

SLOW = "eu-west-1"
FAST = "us-east-1"
NO_RETRIES: dict[str, Any] = {"total_max_attempts": 1}


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox() as sb:
        # moto builds a region's backend on its first call (~1-2 s): pay it once, here.
        for region in (SLOW, FAST):
            _client(sb.endpoint_url, region).describe_images(Owners=["self"])
        yield sb


@pytest.fixture
def proxy(sandbox: Sandbox) -> Iterator[FaultProxy]:
    with FaultProxy(sandbox.endpoint_url) as p:
        yield p


def _client(
    url: str,
    region: str = SLOW,
    *,
    retries: dict[str, Any] | None = None,
    read_timeout: float = 10,
) -> Any:
    return client(
        url,
        region,
        config=Config(retries=retries or NO_RETRIES, read_timeout=read_timeout, connect_timeout=2),
    )


def _describe(client: Any) -> Any:
    return client.describe_images(Owners=["self"])


def test_passthrough_and_request_log(proxy: FaultProxy) -> None:
    client = _client(proxy.url)
    assert _describe(client)["ResponseMetadata"]["HTTPStatusCode"] == 200
    client.describe_snapshots(OwnerIds=["self"])
    _describe(_client(proxy.url, FAST))

    records = proxy.requests
    assert [(r.region, r.action, r.status) for r in records] == [
        (SLOW, "DescribeImages", 200),
        (SLOW, "DescribeSnapshots", 200),
        (FAST, "DescribeImages", 200),
    ]
    assert all(r.forwarded for r in records)
    assert [r.action for r in proxy.requests_for(region=FAST)] == ["DescribeImages"]
    assert proxy.actions() == ["DescribeImages", "DescribeSnapshots", "DescribeImages"]
    proxy.clear_requests()
    assert proxy.requests == []


def test_latency_is_added_per_region(proxy: FaultProxy) -> None:
    proxy.set_latency(SLOW, 400)
    slow, fast = _client(proxy.url, SLOW), _client(proxy.url, FAST)

    started = time.monotonic()
    _describe(slow)
    slow_elapsed = time.monotonic() - started
    started = time.monotonic()
    _describe(fast)
    fast_elapsed = time.monotonic() - started

    assert slow_elapsed >= 0.4
    assert fast_elapsed < 0.4
    assert [r.latency_ms for r in proxy.requests] == [400, 0]

    proxy.set_default_latency(150)
    started = time.monotonic()
    _describe(fast)
    assert time.monotonic() - started >= 0.15


def test_realistic_latency_table() -> None:
    table = realistic_latency_table()
    assert len(table) == 17
    assert table["us-east-1"] == 20
    assert table["ap-southeast-2"] == 250
    assert max(table.values()) == 250
    assert realistic_latency_table(0.1)["ap-southeast-2"] == pytest.approx(25)


@pytest.mark.parametrize(
    ("fault", "code", "status"),
    [
        (AwsError("AuthFailure"), "AuthFailure", 401),
        (AwsError("UnauthorizedOperation"), "UnauthorizedOperation", 403),
        (AwsError("RequestLimitExceeded"), "RequestLimitExceeded", 503),
        (AwsError("ExpiredToken"), "ExpiredToken", 400),
        (AwsError("RequestExpired"), "RequestExpired", 400),
        (AwsError("OptInRequired"), "OptInRequired", 401),
        (AwsError("Custom.Thing", "a <b> & 'c'", status=409), "Custom.Thing", 409),
        (HttpError(500), "500", 500),
        (HttpError(503), "503", 503),
    ],
)
def test_error_responses_parse_as_client_error(
    proxy: FaultProxy, fault: AwsError | HttpError, code: str, status: int
) -> None:
    proxy.add_fault(fault, region=SLOW)
    with pytest.raises(botocore.exceptions.ClientError) as info:
        _describe(_client(proxy.url))
    error = info.value.response
    assert error["Error"]["Code"] == code
    assert error["ResponseMetadata"]["HTTPStatusCode"] == status
    if isinstance(fault, AwsError):
        assert error["Error"]["Message"] == (
            fault.message or "Injected " + code + " by amitui FaultProxy"
        )
        assert error["ResponseMetadata"]["RequestId"]
    assert [(r.status, r.fault) for r in proxy.requests] == [(status, fault)]


def test_fault_targets_only_its_region_and_action(proxy: FaultProxy) -> None:
    proxy.add_fault(AwsError("AuthFailure"), region=SLOW, action="DescribeSnapshots")
    _describe(_client(proxy.url, SLOW))
    _client(proxy.url, FAST).describe_snapshots(OwnerIds=["self"])
    with pytest.raises(botocore.exceptions.ClientError):
        _client(proxy.url, SLOW).describe_snapshots(OwnerIds=["self"])
    assert [r.status for r in proxy.requests] == [200, 200, 401]


def test_delay_slows_one_action_and_still_answers(proxy: FaultProxy) -> None:
    proxy.add_fault(Delay(400), region=SLOW, action="DescribeSnapshots")
    slow = _client(proxy.url, SLOW)
    started = time.monotonic()
    _describe(slow)
    assert time.monotonic() - started < 0.4  # DescribeImages: not delayed
    started = time.monotonic()
    slow.describe_snapshots(OwnerIds=["self"])  # answered by the sandbox, 0.4 s late
    assert time.monotonic() - started >= 0.4
    assert [(r.action, r.status) for r in proxy.requests] == [
        ("DescribeImages", 200),
        ("DescribeSnapshots", 200),
    ]


def test_a_client_that_gave_up_is_let_go_quietly(
    proxy: FaultProxy, caplog: pytest.LogCaptureFixture
) -> None:
    """A client that stopped waiting (its read timeout) has closed the connection by the
    time the answer comes: the proxy drops the answer, it does not log a traceback for it
    (an organization-wide benchmark printed thousands of them)."""
    proxy.add_fault(Delay(600), region=SLOW, action="DescribeImages")
    impatient = _client(proxy.url, SLOW, read_timeout=0.2)
    with pytest.raises(botocore.exceptions.ReadTimeoutError):
        _describe(impatient)
    time.sleep(1.0)  # the delayed answer is written to the closed connection meanwhile
    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    assert errors == [], [r.getMessage() for r in errors]
    assert [(r.action, r.status) for r in proxy.requests] == [("DescribeImages", 200)]


def test_hold_answers_only_once_released(proxy: FaultProxy) -> None:
    hold = Hold()
    proxy.add_fault(hold, region=SLOW, action="DescribeImages", count=1)
    answered = threading.Event()

    def describe() -> None:
        _describe(_client(proxy.url, SLOW))
        answered.set()

    caller = threading.Thread(target=describe)
    caller.start()
    assert not answered.wait(0.5)  # held
    hold.release()
    assert answered.wait(10)
    caller.join()
    assert [(r.action, r.status) for r in proxy.requests] == [("DescribeImages", 200)]


def test_connection_reset(proxy: FaultProxy) -> None:
    proxy.add_fault(ConnectionReset(), count=1)
    with pytest.raises(botocore.exceptions.ConnectionClosedError):
        _describe(_client(proxy.url))
    _describe(_client(proxy.url))  # the proxy itself is fine afterwards
    assert [(r.status, r.fault) for r in proxy.requests] == [
        (None, ConnectionReset()),
        (200, None),
    ]


def test_hang_fires_the_read_timeout_and_stop_releases_it(sandbox: Sandbox) -> None:
    proxy = FaultProxy(sandbox.endpoint_url)
    proxy.start()
    try:
        proxy.add_fault(Hang(), region=SLOW)
        started = time.monotonic()
        with pytest.raises(botocore.exceptions.ReadTimeoutError):
            _describe(_client(proxy.url, read_timeout=0.5))
        assert 0.5 <= time.monotonic() - started < 5
        _describe(_client(proxy.url, FAST))  # other regions are unaffected
        assert [(r.region, r.status, r.fault) for r in proxy.requests] == [
            (SLOW, None, Hang()),
            (FAST, 200, None),
        ]
    finally:
        started = time.monotonic()
        proxy.stop()
    assert time.monotonic() - started < 5


def test_count_limited_fault_then_retry_succeeds(proxy: FaultProxy) -> None:
    rule = proxy.add_fault(AwsError("RequestLimitExceeded"), region=SLOW, count=2)
    client = _client(proxy.url, retries={"mode": "standard", "total_max_attempts": 3})
    assert _describe(client)["ResponseMetadata"]["RetryAttempts"] == 2
    assert [r.status for r in proxy.requests] == [503, 503, 200]
    assert rule.fired == 2
    assert rule.count == 0


def test_count_limited_fault_stops_after_n(proxy: FaultProxy) -> None:
    proxy.add_fault(HttpError(500), count=3)
    client = _client(proxy.url)
    outcomes = []
    for _ in range(5):
        try:
            _describe(client)
            outcomes.append("ok")
        except botocore.exceptions.ClientError:
            outcomes.append("error")
    assert outcomes == ["error", "error", "error", "ok", "ok"]


def test_fault_after_n_forwarded_calls(proxy: FaultProxy) -> None:
    # A multi-call action failing midway: the second DescribeSnapshots fails, and
    # DescribeImages calls in between neither fail nor count towards `after`.
    proxy.add_fault(AwsError("UnauthorizedOperation"), action="DescribeSnapshots", after=1)
    client = _client(proxy.url)
    _describe(client)
    client.describe_snapshots(OwnerIds=["self"])
    _describe(client)
    with pytest.raises(botocore.exceptions.ClientError, match="UnauthorizedOperation"):
        client.describe_snapshots(OwnerIds=["self"])
    assert [(r.action, r.status) for r in proxy.requests] == [
        ("DescribeImages", 200),
        ("DescribeSnapshots", 200),
        ("DescribeImages", 200),
        ("DescribeSnapshots", 403),
    ]


def test_no_mutating_call_was_sent(proxy: FaultProxy) -> None:
    proxy.add_fault(AwsError("UnauthorizedOperation"), action={"DeregisterImage", "DeleteSnapshot"})
    client = _client(proxy.url)
    _describe(client)
    with pytest.raises(botocore.exceptions.ClientError):
        client.deregister_image(ImageId="ami-12345678")
    forwarded = proxy.actions(forwarded_only=True)
    assert forwarded == ["DescribeImages"]
    assert proxy.actions() == ["DescribeImages", "DeregisterImage"]


def test_faults_are_counted_exactly_under_concurrency(proxy: FaultProxy) -> None:
    proxy.add_fault(HttpError(503), count=3)
    errors: list[int] = []

    def call() -> None:
        try:
            _describe(_client(proxy.url))
        except botocore.exceptions.ClientError:
            errors.append(1)

    threads = [threading.Thread(target=call) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(errors) == 3
    assert sorted(r.status or 0 for r in proxy.requests) == [200] * 5 + [503] * 3


def test_remove_and_clear_faults(proxy: FaultProxy) -> None:
    rule = proxy.add_fault(HttpError(500))
    proxy.add_fault(HttpError(503), region=FAST)
    proxy.remove_fault(rule)
    _describe(_client(proxy.url, SLOW))
    proxy.clear_faults()
    _describe(_client(proxy.url, FAST))
    with pytest.raises(ValueError):
        proxy.add_fault(Hang(), count=0)


async def test_async_client_through_proxy(proxy: FaultProxy) -> None:
    # The proxy's loop is its own thread, so an aiobotocore client on the test's loop works.
    from aiobotocore.config import AioConfig
    from aiobotocore.session import get_session

    proxy.add_fault(AwsError("RequestLimitExceeded"), count=1)
    async with get_session().create_client(
        "ec2",
        region_name=SLOW,
        endpoint_url=proxy.url,
        **KEYS,
        config=AioConfig(retries=NO_RETRIES),
    ) as client:
        with pytest.raises(botocore.exceptions.ClientError, match="RequestLimitExceeded"):
            await client.describe_images(Owners=["self"])
        response = await client.describe_images(Owners=["self"])
    assert response["Images"] == []
    assert [r.status for r in proxy.requests] == [503, 200]


def test_command_line(sandbox: Sandbox, tmp_path: Path) -> None:
    latency_file = tmp_path / "latency.json"
    latency_file.write_text(json.dumps({SLOW: 100, "*": 0}))
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "amitui.sandbox.proxy",
            "--upstream",
            sandbox.endpoint_url,
            "--latency-file",
            str(latency_file),
            "--latency",
            f"{SLOW}=300",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        started = time.monotonic()
        _describe(_client(url, SLOW))
        assert time.monotonic() - started >= 0.3  # --latency overrides the file
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0


def test_token_bucket_refills_at_its_rate() -> None:
    """EC2 developer guide, "Request throttling for the Amazon EC2 API": "the token bucket
    size for DescribeHosts, a non-mutating API action, is 100 tokens" ... "If you make 100
    DescribeHosts requests in one second, the bucket is reduced to zero (0) tokens. The
    bucket is then refilled by 20 tokens every second, until it reaches its maximum
    capacity of 100 tokens." """
    buckets = TokenBuckets()
    key = ("AKIA1", FAST, "DescribeImages")
    assert all(buckets.take(key, 0.0) for _ in range(100))
    assert not buckets.take(key, 0.0)
    assert [buckets.take(key, 0.5) for _ in range(11)] == [True] * 10 + [False]
    # "each API is evaluated individually": another API, region or account is untouched.
    assert buckets.take(("AKIA1", FAST, "DescribeSnapshots"), 0.5)
    assert buckets.take(("AKIA1", SLOW, "DescribeImages"), 0.5)
    assert buckets.take(("AKIA2", FAST, "DescribeImages"), 0.5)
    # Never more than the capacity, however long it rested.
    assert sum(buckets.take(key, 1000.0) for _ in range(150)) == 100
    assert buckets.throttled == 2 + 50


def test_throttled_calls_answer_request_limit_exceeded(sandbox: Sandbox) -> None:
    """Same page: "If you exceed an API throttling limit, you get the RequestLimitExceeded
    error code." The reference does not give the HTTP status; 503 is what botocore's standard
    retry mode treats as throttling either way (the code alone suffices for it)."""
    with FaultProxy(sandbox.endpoint_url, throttle=TokenBuckets(3, 0.0)) as throttled:
        ec2 = _client(throttled.url, FAST, retries=NO_RETRIES)
        for _ in range(3):
            ec2.describe_images(Owners=["self"])
        with pytest.raises(botocore.exceptions.ClientError) as refused:
            ec2.describe_images(Owners=["self"])
        assert refused.value.response["Error"]["Code"] == "RequestLimitExceeded"
        assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503
        ec2.describe_snapshots(OwnerIds=["self"])  # another API: its own bucket
        # The buckets are EC2's; STS (AssumeRole fan-outs) has quotas of its own.
        sts = client(throttled.url, FAST, "sts", config=Config(retries=NO_RETRIES))
        for _ in range(5):
            sts.get_caller_identity()
        assert throttled.throttle is not None and throttled.throttle.throttled == 1
