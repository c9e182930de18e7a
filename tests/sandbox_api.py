"""The tests' one way to a sandbox: run one, build a fleet in it, and talk to it.

- **Sandboxes**: :func:`sandbox_fixture` makes a pytest fixture running a :class:`Sandbox` for
  a scope ("session": shared by a directory; "module": a module's own, for tests that change
  what the account holds); :func:`demo_sandbox_fixture`, the one ``amitui --demo`` starts.
  tests/conftest.py offers the plain ``sandbox`` (one per module) and the fixtures on top of
  it (``fault_proxy``, ``ec2_in``, ``journal``); a test directory that needs another sandbox
  overrides ``sandbox`` in its conftest, and those fixtures follow.
- **Regions**: :class:`RegionPool` hands each test regions nobody else touched (EC2's unit of
  isolation), so tests sharing a sandbox stay independent without cleaning up.
- **Fleets**: :func:`make_snapshot` and :func:`register_image` through the EC2 API,
  :func:`control` for what the sandbox's control endpoint sets (dates EC2 owns).
- **Clients**: :func:`client` (boto3, the sandbox's keys or a member account's),
  ``amitui.backend.sandbox_session`` (the app's AwsSession) and :func:`app_sessions` (the
  session factory ``make_app`` takes).
- **Organizations**: :func:`member_keys`, an organization member account's keys by STS
  AssumeRole, as on AWS.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any, Literal

import boto3
import pytest

from amitui.aws import AwsSession
from amitui.backend import LaunchOptions, demo_sandbox, sandbox_session
from amitui.sandbox import SANDBOX_CREDENTIALS, Sandbox

#: A pytest fixture scope.
Scope = Literal["session", "package", "module", "class", "function"]
#: boto3 keyword credentials of the sandbox's own (management) account.
KEYS = {
    "aws_access_key_id": SANDBOX_CREDENTIALS["AWS_ACCESS_KEY_ID"],
    "aws_secret_access_key": SANDBOX_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
}
#: The role an organization creates in each member account it creates.
ORGANIZATION_ROLE = "OrganizationAccountAccessRole"

#: Every region moto knows; each opts in by default.
REGIONS = (
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-west-2", "eu-west-3",
    "eu-central-1", "eu-north-1", "eu-south-1", "ap-south-1", "ap-northeast-1",
    "ap-northeast-2", "ap-northeast-3", "ap-southeast-1", "ap-southeast-2", "ca-central-1",
    "sa-east-1", "af-south-1", "ap-east-1", "me-south-1", "ap-southeast-3", "eu-central-2",
    "eu-south-2", "me-central-1", "ap-south-2", "il-central-1", "ca-west-1", "ap-southeast-4",
    "mx-central-1", "ap-east-2", "ap-southeast-5", "ap-southeast-6", "ap-southeast-7",
)  # fmt: skip


# --- sandboxes --------------------------------------------------------------------------


def sandbox_fixture(
    scope: Scope = "module", *, copy_delay: float | None = None, **options: Any
) -> Any:
    """A fixture running ``Sandbox(**options)`` for ``scope``. ``copy_delay``: seconds a
    CopyImage stays pending (the sandbox's default when None)."""
    extra_env = dict(options.pop("extra_env", {}))
    if copy_delay is not None:
        extra_env["AMITUI_SANDBOX_COPY_DELAY"] = str(copy_delay)

    @pytest.fixture(scope=scope)
    def running_sandbox() -> Iterator[Sandbox]:
        with Sandbox(extra_env=extra_env, **options) as running:
            yield running

    return running_sandbox


def demo_sandbox_fixture(scope: Scope = "module", *, startup_timeout: float | None = None) -> Any:
    """A fixture running the sandbox ``amitui --demo`` starts (its fleet, its regions and copy
    delay) for ``scope``; ``startup_timeout``: seconds to wait for it (the demo seeds first)."""

    @pytest.fixture(scope=scope)
    def running_demo() -> Iterator[Sandbox]:
        sandbox = demo_sandbox()
        if startup_timeout is not None:
            sandbox.startup_timeout = startup_timeout
        with sandbox as running:
            yield running

    return running_demo


class RegionPool:
    """Regions handed out once each, in order."""

    def __init__(self, regions: Iterable[str] = REGIONS) -> None:
        self._unused = list(regions)

    def __len__(self) -> int:
        return len(self._unused)

    def take(self) -> str:
        if not self._unused:  # pragma: no cover - extend the regions or split the module
            pytest.fail("no untouched region left: split the module or give it more regions")
        return self._unused.pop(0)


def isolate_user_env(patch: pytest.MonkeyPatch, home: Path) -> None:
    """Make this process a user with the sandbox's keys and nothing else: no AWS profile,
    endpoint or config, no amitui config, a private state dir under ``home``. Every test
    gets it (tests/conftest.py); module-scoped fixtures that run the CLI call it themselves."""
    for name in (
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_EC2",
        "AWS_REGION",
    ):
        patch.delenv(name, raising=False)
    for name, value in SANDBOX_CREDENTIALS.items():
        patch.setenv(name, value)
    patch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    patch.setenv("AWS_CONFIG_FILE", str(home / "no-aws-config"))
    patch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / "no-aws-credentials"))
    patch.setenv("AMITUI_CONFIG", str(home / "no-config.toml"))
    patch.setenv("AMITUI_STATE_DIR", str(home / "state"))


# --- clients ----------------------------------------------------------------------------


def client(
    endpoint_url: str,
    region: str = "us-east-1",
    service: str = "ec2",
    keys: dict[str, str] | None = None,
    **options: Any,
) -> Any:
    """A boto3 client for the sandbox at ``endpoint_url``, with the sandbox's keys unless
    ``keys`` (e.g. :func:`member_keys`) says otherwise; ``options`` go to boto3 (``config``)."""
    return boto3.client(
        service, region_name=region, endpoint_url=endpoint_url, **(keys or KEYS), **options
    )


def ec2_client(endpoint_url: str, region: str) -> Any:
    return client(endpoint_url, region)


AppSessions = Callable[[LaunchOptions], AbstractAsyncContextManager[AwsSession]]


def app_sessions(endpoint_url: str, **session_options: Any) -> AppSessions:
    """What ``make_app(session_factory=…)`` takes: a sandbox session at ``endpoint_url`` (a
    sandbox or a proxy in front of one) that honours ``--read-only``. ``session_options`` go
    to AwsSession (``max_attempts``: botocore's retries; the suite's default is one)."""
    session_options.setdefault("max_attempts", 1)

    @asynccontextmanager
    async def open_session(options: LaunchOptions) -> AsyncIterator[AwsSession]:
        async with sandbox_session(
            endpoint_url, read_only=options.read_only, **session_options
        ) as aws:
            yield aws

    return open_session


def member_keys(endpoint_url: str, account_id: str) -> dict[str, str]:
    """boto3 keyword credentials of organization member ``account_id``: STS AssumeRole into
    its organization role from the management account, as on AWS."""
    answer = client(endpoint_url, service="sts").assume_role(
        RoleArn=f"arn:aws:iam::{account_id}:role/{ORGANIZATION_ROLE}",
        RoleSessionName="tests",
    )["Credentials"]
    return {
        "aws_access_key_id": answer["AccessKeyId"],
        "aws_secret_access_key": answer["SecretAccessKey"],
        "aws_session_token": answer["SessionToken"],
    }


# --- fleets -----------------------------------------------------------------------------

#: (endpoint, region) -> the first availability zone: asked once, not before every volume.
_zones: dict[tuple[str, str], str] = {}


def first_zone(ec2: Any) -> str:
    key = (ec2.meta.endpoint_url, ec2.meta.region_name)
    if key not in _zones:
        _zones[key] = ec2.describe_availability_zones()["AvailabilityZones"][0]["ZoneName"]
    return _zones[key]


def make_snapshot(ec2: Any, size: int, description: str = "test", **volume: Any) -> str:
    """A snapshot of a fresh ``size`` GiB volume (``volume``: more CreateVolume arguments)."""
    zone = first_zone(ec2)
    volume_id = ec2.create_volume(Size=size, AvailabilityZone=zone, **volume)["VolumeId"]
    snapshot_id: str = ec2.create_snapshot(VolumeId=volume_id, Description=description)[
        "SnapshotId"
    ]
    return snapshot_id


def register_image(ec2: Any, name: str, *snapshot_ids: str, **kwargs: Any) -> str:
    """An hvm x86_64 image mapping the snapshots as /dev/xvda (root), /dev/xvdb, …"""
    mappings = [
        {"DeviceName": f"/dev/xvd{chr(ord('a') + i)}", "Ebs": {"SnapshotId": snapshot}}
        for i, snapshot in enumerate(snapshot_ids)
    ]
    kwargs.setdefault("Architecture", "x86_64")
    image_id: str = ec2.register_image(
        Name=name,
        VirtualizationType="hvm",
        RootDeviceName="/dev/xvda",
        BlockDeviceMappings=mappings,
        **kwargs,
    )["ImageId"]
    return image_id


def control(endpoint_url: str, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """POST ``body`` to the sandbox control endpoint ``/_amitui/<path>``; (status, answer)."""
    request = urllib.request.Request(
        f"{endpoint_url}/_amitui/{path}", data=json.dumps(body).encode(), method="POST"
    )
    try:
        with urllib.request.urlopen(request) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())
