"""Fixtures for the reliability suite: its own sandbox with a region per loading fault, a
small fleet with hostile names in every region, and botocore's retry waits shortened.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from aiobotocore.retries import bucket as aio_bucket
from botocore.retries import standard as botocore_standard

from amitui.sandbox import Sandbox
from amitui.sandbox.proxy import FaultProxy

from ..sandbox_api import ec2_client, make_snapshot, register_image, sandbox_fixture
from .reliability_cases import HOSTILE_DESCRIPTION, HOSTILE_NAME, HOSTILE_TAG_VALUE, REGIONS


@dataclass(frozen=True)
class ReliabilityFleet:
    endpoint_url: str
    images: dict[str, str]  # region -> the plain image registered there
    hostile: dict[str, str]  # region -> the image with an attacker's name


sandbox = sandbox_fixture("session", enabled_regions=REGIONS)


@pytest.fixture(scope="session")
def reliability_sandbox(sandbox: Sandbox) -> Sandbox:
    """Old name of ``sandbox`` here, kept while other branches' tests still ask for it."""
    return sandbox


@pytest.fixture(scope="session")
def reliability_fleet(sandbox: Sandbox) -> ReliabilityFleet:
    """In every region: one plain image and one whose name, description and tag are hostile."""
    images: dict[str, str] = {}
    hostile: dict[str, str] = {}
    for region in REGIONS:
        ec2 = ec2_client(sandbox.endpoint_url, region)
        images[region] = register_image(ec2, f"reliability-{region}", make_snapshot(ec2, 8))
        hostile_id = register_image(
            ec2, HOSTILE_NAME, make_snapshot(ec2, 8), Description=HOSTILE_DESCRIPTION
        )
        ec2.create_tags(Resources=[hostile_id], Tags=[{"Key": "team", "Value": HOSTILE_TAG_VALUE}])
        hostile[region] = hostile_id
    return ReliabilityFleet(sandbox.endpoint_url, images, hostile)


@pytest.fixture(scope="module")
def module_proxy(reliability_fleet: ReliabilityFleet) -> Iterator[FaultProxy]:
    """A fault proxy in front of the suite's sandbox, for one test module."""
    with FaultProxy(reliability_fleet.endpoint_url) as running:
        yield running


@pytest.fixture
def fault_proxy(module_proxy: FaultProxy) -> Iterator[FaultProxy]:
    """The module's proxy, cleared of faults, latencies and its request log for one test."""
    module_proxy.reset()
    yield module_proxy
    module_proxy.reset()


@pytest.fixture(scope="module", autouse=True)
def fast_retries() -> Iterator[None]:
    """botocore's retry decisions unchanged, its waits shortened (and made deterministic):
    a 10 ms backoff instead of random up to 20 s, and the adaptive rate limiter's floor at
    50 requests/s instead of 0.5, so a throttled-out region costs milliseconds, not minutes.
    Module-scoped (not session): other suites keep botocore as it ships.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            botocore_standard.ExponentialBackoff, "delay_amount", lambda self, context: 0.01
        )
        patch.setattr(
            aio_bucket,
            "AsyncTokenBucket",
            functools.partial(aio_bucket.AsyncTokenBucket, min_rate=50.0),
        )
        yield
