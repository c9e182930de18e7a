"""Fixtures for the action tests: one sandbox for the whole directory, reached through a fresh
FaultProxy per test (tests/conftest.py's ``fault_proxy``, ``ec2_in`` and ``journal`` stand on
the ``sandbox`` below).

Tests isolate by the images they create (ids are random), not by region, so several tests may
share a region; none asserts on a whole region's contents.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from amitui.aws import AwsSession
from amitui.backend import sandbox_session
from amitui.sandbox import Sandbox
from amitui.sandbox.proxy import FaultProxy

from ..sandbox_api import sandbox_fixture

#: Copies stay pending this long in the action tests' sandbox (EC2: minutes; here: a blink).
COPY_DELAY = 0.6

sandbox = sandbox_fixture("session", copy_delay=COPY_DELAY)


def session_for(endpoint_url: str, *, read_only: bool = False) -> AwsSession:
    # One attempt: tests see every error as it comes; retries are execute()'s policy.
    return sandbox_session(endpoint_url, read_only=read_only, max_attempts=1)


@pytest_asyncio.fixture(loop_scope="function")
async def aws(fault_proxy: FaultProxy) -> AsyncIterator[AwsSession]:
    """An AwsSession through the fault proxy (faults and latency per region/action)."""
    async with session_for(fault_proxy.url) as session:
        yield session


@pytest.fixture(scope="session")
def actions_sandbox(sandbox: Sandbox) -> Sandbox:
    """Old name of ``sandbox`` here, kept while other branches' tests still ask for it."""
    return sandbox
