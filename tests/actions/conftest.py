"""Fixtures for the action tests: one sandbox (behind a FaultProxy) for the whole directory.

Tests isolate by the images they create (ids are random), not by region, so several tests may
share a region; none asserts on a whole region's contents.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from amitui.aws import AwsSession
from amitui.backend import sandbox_session
from amitui.journal import Journal
from amitui.sandbox import Sandbox
from amitui.sandbox.proxy import FaultProxy

from ..fleet import ec2_client

#: Copies stay pending this long in the action tests' sandbox (EC2: minutes; here: a blink).
COPY_DELAY = 0.6


@pytest.fixture(scope="session")
def actions_sandbox() -> Iterator[Sandbox]:
    with Sandbox(extra_env={"AMITUI_SANDBOX_COPY_DELAY": str(COPY_DELAY)}) as running:
        yield running


@pytest.fixture
def fault_proxy(actions_sandbox: Sandbox) -> Iterator[FaultProxy]:
    with FaultProxy(actions_sandbox.endpoint_url) as running:
        yield running


def session_for(endpoint_url: str, *, read_only: bool = False) -> AwsSession:
    # One attempt: tests see every error as it comes; retries are execute()'s policy.
    return sandbox_session(endpoint_url, read_only=read_only, max_attempts=1)


@pytest_asyncio.fixture(loop_scope="function")
async def aws(fault_proxy: FaultProxy) -> AsyncIterator[AwsSession]:
    """An AwsSession through the fault proxy (faults and latency per region/action)."""
    async with session_for(fault_proxy.url) as session:
        yield session


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    opened = Journal(tmp_path / "journal.jsonl", account="123456789012")
    yield opened
    opened.close()


@pytest.fixture
def ec2_in(actions_sandbox: Sandbox) -> Callable[[str], Any]:
    """A boto3 client straight to the sandbox (setup and assertions bypass the proxy)."""
    return lambda region: ec2_client(actions_sandbox.endpoint_url, region)
