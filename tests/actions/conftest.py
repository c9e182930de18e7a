"""Fixtures for the action tests: one sandbox (behind a FaultProxy) for the whole directory.

Tests isolate by the images they create (ids are random), not by region, so several tests may
share a region; none asserts on a whole region's contents.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import pytest_asyncio

from amitui.aws import AwsSession, Credentials
from amitui.journal import Journal
from amitui.sandbox import SANDBOX_CREDENTIALS, Sandbox
from amitui.sandbox.proxy import FaultProxy

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


def ec2_client(endpoint_url: str, region: str) -> Any:
    return boto3.client(
        "ec2",
        region_name=region,
        endpoint_url=endpoint_url,
        aws_access_key_id=SANDBOX_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=SANDBOX_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )


def make_snapshot(ec2: Any, size: int, **volume: Any) -> str:
    zone = ec2.describe_availability_zones()["AvailabilityZones"][0]["ZoneName"]
    volume_id = ec2.create_volume(Size=size, AvailabilityZone=zone, **volume)["VolumeId"]
    snapshot_id: str = ec2.create_snapshot(VolumeId=volume_id, Description="test")["SnapshotId"]
    return snapshot_id


def register_image(ec2: Any, name: str, *snapshot_ids: str, **kwargs: Any) -> str:
    """An hvm x86_64 image mapping the snapshots as /dev/xvda (root), /dev/xvdb, …"""
    mappings = [
        {"DeviceName": f"/dev/xvd{chr(ord('a') + i)}", "Ebs": {"SnapshotId": snapshot}}
        for i, snapshot in enumerate(snapshot_ids)
    ]
    image_id: str = ec2.register_image(
        Name=name,
        Architecture="x86_64",
        VirtualizationType="hvm",
        RootDeviceName="/dev/xvda",
        BlockDeviceMappings=mappings,
        **kwargs,
    )["ImageId"]
    return image_id


def session_for(endpoint_url: str, *, read_only: bool = False) -> AwsSession:
    return AwsSession(
        endpoint_url=endpoint_url,
        credentials=Credentials(
            SANDBOX_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            SANDBOX_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            SANDBOX_CREDENTIALS["AWS_SESSION_TOKEN"],
        ),
        default_region="us-east-1",
        read_only=read_only,
        max_attempts=1,  # tests see every error as it comes; retries are execute()'s policy
    )


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
