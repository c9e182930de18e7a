"""Sandbox servers shared by ``tests/sandbox``; each test takes its own regions.

Regions are EC2's isolation unit (images and snapshots are regional), so handing every test a
region nobody else used keeps the tests independent without cleaning up. When one sandbox's
regions are used up the next sandbox starts.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from amitui.sandbox import Sandbox

from ..fleet import ec2_client, register_image
from ..fleet import make_snapshot as make_snapshot_of

#: Regions moto knows, handed out one per test; every one of them opts in by default.
REGIONS = [
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-west-2", "eu-west-3",
    "eu-central-1", "eu-north-1", "eu-south-1", "ap-south-1", "ap-northeast-1",
    "ap-northeast-2", "ap-northeast-3", "ap-southeast-1", "ap-southeast-2", "ca-central-1",
    "sa-east-1", "af-south-1", "ap-east-1", "me-south-1", "ap-southeast-3", "eu-central-2",
    "eu-south-2", "me-central-1", "ap-south-2", "il-central-1", "ca-west-1", "ap-southeast-4",
    "mx-central-1", "ap-east-2", "ap-southeast-5", "ap-southeast-6", "ap-southeast-7",
]  # fmt: skip


class _Pool:
    """Sandboxes started as tests need them: each hands out every region once, then the next
    sandbox starts (~2 s) and hands them out again."""

    def __init__(self) -> None:
        self.sandboxes: list[Sandbox] = []
        self._unused: list[str] = []

    def bind(self) -> tuple[Sandbox, list[str]]:
        """A sandbox for one test, with the region list it draws from (two at least left)."""
        if len(self._unused) < 2:
            started = Sandbox(extra_env={"AMITUI_SANDBOX_COPY_DELAY": "0"})
            started.start()
            self.sandboxes.append(started)
            self._unused = list(REGIONS)
        return self.sandboxes[-1], self._unused

    def stop(self) -> None:
        for running in self.sandboxes:
            running.stop()


@pytest.fixture(scope="session")
def _pool() -> Iterator[_Pool]:
    pool = _Pool()
    yield pool
    pool.stop()


class _Placement:
    """Where one test runs: a sandbox, and regions of it that no other test touched."""

    def __init__(self, pool: _Pool) -> None:
        self.sandbox, self._unused = pool.bind()

    def fresh_region(self) -> str:
        if not self._unused:  # pragma: no cover - a test asking for three or more regions
            pytest.fail("this test drew more regions than its sandbox has left")
        return self._unused.pop(0)


@pytest.fixture
def _placement(_pool: _Pool) -> _Placement:
    return _Placement(_pool)


@pytest.fixture
def sandbox(_placement: _Placement) -> Sandbox:
    """The sandbox this test's regions belong to."""
    return _placement.sandbox


@pytest.fixture
def region(_placement: _Placement) -> str:
    """A region no other test in this session has touched."""
    return _placement.fresh_region()


@pytest.fixture
def another_region(_placement: _Placement) -> str:
    """A second untouched region (e.g. the destination of a copy)."""
    return _placement.fresh_region()


@pytest.fixture
def ec2(sandbox: Sandbox, region: str) -> Any:
    """A boto3 EC2 client for this test's own region."""
    return ec2_client(sandbox.endpoint_url, region)


@pytest.fixture
def ec2_in(sandbox: Sandbox) -> Callable[[str], Any]:
    """A boto3 EC2 client for any region (for cross-region calls)."""
    return lambda name: ec2_client(sandbox.endpoint_url, name)


@pytest.fixture(scope="session")
def client_for() -> Callable[[str, str], Any]:
    """``client_for(endpoint_url, region)``: a boto3 EC2 client for any sandbox."""
    return ec2_client


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


@pytest.fixture
def make_snapshot() -> Callable[..., str]:
    """``make_snapshot(ec2, size, **CreateVolume args)``: a snapshot of a fresh volume."""
    return make_snapshot_of


@pytest.fixture
def register() -> Callable[..., str]:
    """``register(ec2, name, *snapshot_ids, **RegisterImage args)``: an hvm x86_64 image
    mapping the snapshots as /dev/xvda (root), /dev/xvdb, …"""
    return register_image
