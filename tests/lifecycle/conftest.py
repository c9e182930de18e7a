"""Fixtures for the lifecycle tests: one plain sandbox for the directory's engine tests (each
test registers its own images, so tests share regions without touching each other's)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from amitui.aws import AwsSession
from amitui.backend import sandbox_session
from amitui.journal import Journal
from amitui.sandbox import SANDBOX_ACCOUNT_ID, Sandbox

from ..fleet import ec2_client

REGION = "us-east-1"


@pytest.fixture(scope="module")
def lifecycle_sandbox() -> Iterator[Sandbox]:
    with Sandbox() as running:
        yield running


@pytest.fixture
def ec2(lifecycle_sandbox: Sandbox) -> Any:
    """boto3 straight to the sandbox: arranging a test's images and reading EC2's state."""
    return ec2_client(lifecycle_sandbox.endpoint_url, REGION)


@pytest.fixture
async def aws(lifecycle_sandbox: Sandbox) -> AsyncIterator[AwsSession]:
    async with sandbox_session(lifecycle_sandbox.endpoint_url, max_attempts=1) as session:
        yield session


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    running = Journal(tmp_path / "journal.jsonl", account=SANDBOX_ACCOUNT_ID)
    yield running
    running.close()
