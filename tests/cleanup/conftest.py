"""Fixtures for the deregister-with-cleanup tests: a plain sandbox per module, a region per test.

Regions are EC2's isolation unit, so giving each test a region nobody else used keeps the
tests independent without cleaning up. Engine tests talk to the sandbox through a
FaultProxy (for injected faults) with an AwsSession, exactly as the app does.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from amitui.aws import AwsSession, Credentials
from amitui.journal import Journal
from amitui.sandbox import SANDBOX_ACCOUNT_ID, SANDBOX_CREDENTIALS, Sandbox
from amitui.sandbox.proxy import FaultProxy

from .cleanup_support import boto

REGIONS = [
    "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-west-2", "eu-west-3",
    "eu-central-1", "eu-north-1", "eu-south-1", "ap-south-1", "ap-northeast-1",
    "ap-northeast-2", "ap-northeast-3", "ap-southeast-1", "ap-southeast-2", "ca-central-1",
    "sa-east-1", "af-south-1", "ap-east-1", "me-south-1", "ap-southeast-3", "eu-central-2",
    "eu-south-2", "me-central-1", "ap-south-2", "il-central-1", "ca-west-1", "ap-southeast-4",
    "mx-central-1",
]  # fmt: skip
#: One pool of unused regions per test module (each module has its own sandbox).
_pools: dict[str, Iterator[str]] = {}


@pytest.fixture(scope="module")
def cleanup_sandbox() -> Iterator[Sandbox]:
    with Sandbox() as running:
        yield running


def _next_region(request: pytest.FixtureRequest) -> str:
    pool = _pools.setdefault(request.module.__name__, iter(REGIONS))
    try:
        return next(pool)
    except StopIteration:  # pragma: no cover - add regions above when this fires
        pytest.fail("this module ran out of unused regions; extend REGIONS or split it")


@pytest.fixture
def region(request: pytest.FixtureRequest) -> str:
    """A region no other test of this module has touched."""
    return _next_region(request)


@pytest.fixture
def second_region(request: pytest.FixtureRequest) -> str:
    return _next_region(request)


@pytest.fixture
def ec2(cleanup_sandbox: Sandbox, region: str) -> Any:
    """boto3 EC2 straight to the sandbox, for arranging a test's fleet."""
    return boto(cleanup_sandbox.endpoint_url, region)


@pytest.fixture
def faults(cleanup_sandbox: Sandbox) -> Iterator[FaultProxy]:
    with FaultProxy(cleanup_sandbox.endpoint_url) as running:
        yield running


@pytest.fixture
async def aws(faults: FaultProxy) -> AsyncIterator[AwsSession]:
    """The app's session, through the fault proxy; botocore's own retries are off so an
    injected fault is not hidden (``max_attempts`` counts retries)."""
    async with AwsSession(
        endpoint_url=faults.url,
        credentials=Credentials(
            SANDBOX_CREDENTIALS["AWS_ACCESS_KEY_ID"], SANDBOX_CREDENTIALS["AWS_SECRET_ACCESS_KEY"]
        ),
        default_region="us-east-1",
        max_attempts=0,
    ) as session:
        yield session


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    running = Journal(tmp_path / "journal.jsonl", account=SANDBOX_ACCOUNT_ID)
    yield running
    running.close()
