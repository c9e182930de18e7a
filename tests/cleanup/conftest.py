"""Fixtures for the deregister-with-cleanup tests: a plain sandbox per module, a region per test.

Regions are EC2's isolation unit, so giving each test a region nobody else used keeps the
tests independent without cleaning up. Engine tests talk to the sandbox through a
FaultProxy (for injected faults) with an AwsSession, exactly as the app does
(tests/conftest.py's ``fault_proxy`` and ``journal`` stand on the ``sandbox`` below).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from amitui.aws import AwsSession
from amitui.backend import sandbox_session
from amitui.sandbox import Sandbox
from amitui.sandbox.proxy import FaultProxy

from .. import sandbox_api
from ..sandbox_api import RegionPool, client, sandbox_fixture

#: Every region but the sessions' default one.
REGIONS = tuple(r for r in sandbox_api.REGIONS if r != "us-east-1")

sandbox = sandbox_fixture("module")


@pytest.fixture(scope="module")
def unused_regions() -> RegionPool:
    """This module's untouched regions (each module has its own sandbox)."""
    return RegionPool(REGIONS)


@pytest.fixture
def region(unused_regions: RegionPool) -> str:
    """A region no other test of this module has touched."""
    return unused_regions.take()


@pytest.fixture
def second_region(unused_regions: RegionPool) -> str:
    return unused_regions.take()


@pytest.fixture
def ec2(sandbox: Sandbox, region: str) -> Any:
    """boto3 EC2 straight to the sandbox, for arranging a test's fleet."""
    return client(sandbox.endpoint_url, region)


@pytest.fixture
async def aws(fault_proxy: FaultProxy) -> AsyncIterator[AwsSession]:
    """The app's session, through the fault proxy; botocore's own retries are off so an
    injected fault is not hidden (``max_attempts`` counts retries)."""
    async with sandbox_session(fault_proxy.url, max_attempts=0) as session:
        yield session


# Old names, kept while other branches' tests still ask for them.


@pytest.fixture(scope="module")
def cleanup_sandbox(sandbox: Sandbox) -> Sandbox:
    return sandbox


@pytest.fixture
def faults(fault_proxy: FaultProxy) -> FaultProxy:
    return fault_proxy
