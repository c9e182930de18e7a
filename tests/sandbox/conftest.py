"""One sandbox server for the whole of ``tests/sandbox``; each test takes its own region.

Regions are EC2's isolation unit (images and snapshots are regional), so handing every test a
region nobody else used keeps the tests independent without cleaning up.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest

from amitui.sandbox import SANDBOX_CREDENTIALS, Sandbox

#: Regions moto knows, handed out one per test; every one of them opts in by default.
REGIONS = [
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-west-2", "eu-west-3",
    "eu-central-1", "eu-north-1", "eu-south-1", "ap-south-1", "ap-northeast-1",
    "ap-northeast-2", "ap-northeast-3", "ap-southeast-1", "ap-southeast-2", "ca-central-1",
    "sa-east-1", "af-south-1", "ap-east-1", "me-south-1", "ap-southeast-3", "eu-central-2",
    "eu-south-2", "me-central-1", "ap-south-2", "il-central-1", "ca-west-1", "ap-southeast-4",
    "mx-central-1",
]  # fmt: skip


def client(endpoint_url: str, region: str) -> Any:
    return boto3.client(
        "ec2",
        region_name=region,
        endpoint_url=endpoint_url,
        aws_access_key_id=SANDBOX_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=SANDBOX_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=SANDBOX_CREDENTIALS["AWS_SESSION_TOKEN"],
    )


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(extra_env={"AMITUI_SANDBOX_COPY_DELAY": "0"}) as running:
        yield running


_unused = iter(REGIONS)


def _fresh_region() -> str:
    try:
        return next(_unused)
    except StopIteration:  # pragma: no cover - add regions above when this fires
        pytest.fail("tests/sandbox ran out of unused regions; extend REGIONS")


@pytest.fixture
def region() -> str:
    """A region no other test in this session has touched."""
    return _fresh_region()


@pytest.fixture
def another_region() -> str:
    """A second untouched region (e.g. the destination of a copy)."""
    return _fresh_region()


@pytest.fixture
def ec2(sandbox: Sandbox, region: str) -> Any:
    """A boto3 EC2 client for this test's own region."""
    return client(sandbox.endpoint_url, region)


@pytest.fixture
def ec2_in(sandbox: Sandbox) -> Callable[[str], Any]:
    """A boto3 EC2 client for any region (for cross-region calls)."""
    return lambda name: client(sandbox.endpoint_url, name)


@pytest.fixture(scope="session")
def client_for() -> Callable[[str, str], Any]:
    """``client_for(endpoint_url, region)``: a boto3 EC2 client for any sandbox."""
    return client


@pytest.fixture
def control(sandbox: Sandbox) -> Callable[[str, dict[str, Any]], tuple[int, dict[str, Any]]]:
    """POST to the sandbox control endpoint; returns (HTTP status, JSON answer)."""

    def post(path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        request = urllib.request.Request(
            f"{sandbox.endpoint_url}/_amitui/{path}", data=json.dumps(body).encode(), method="POST"
        )
        try:
            with urllib.request.urlopen(request) as answer:
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    return post


def _snapshot(ec2: Any, size: int, **volume: Any) -> str:
    zone = ec2.describe_availability_zones()["AvailabilityZones"][0]["ZoneName"]
    volume_id = ec2.create_volume(Size=size, AvailabilityZone=zone, **volume)["VolumeId"]
    snapshot_id: str = ec2.create_snapshot(VolumeId=volume_id)["SnapshotId"]
    return snapshot_id


def _register(ec2: Any, name: str, *snapshot_ids: str, **kwargs: Any) -> str:
    mappings = [
        {"DeviceName": f"/dev/xvd{chr(ord('a') + i)}", "Ebs": {"SnapshotId": snap}}
        for i, snap in enumerate(snapshot_ids)
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


@pytest.fixture
def make_snapshot() -> Callable[..., str]:
    """``make_snapshot(ec2, size, **CreateVolume args)``: a snapshot of a fresh volume."""
    return _snapshot


@pytest.fixture
def register() -> Callable[..., str]:
    """``register(ec2, name, *snapshot_ids, **RegisterImage args)``: an hvm x86_64 image
    mapping the snapshots as /dev/xvda (root), /dev/xvdb, …"""
    return _register
