"""Sandbox servers shared by ``tests/sandbox``; each test takes its own regions
(tests/conftest.py's ``ec2_in`` and ``fault_proxy`` stand on this test's ``sandbox``).

Regions are EC2's isolation unit (images and snapshots are regional), so handing every test a
region nobody else used keeps the tests independent without cleaning up. When one sandbox's
regions are used up the next sandbox starts.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from amitui.sandbox import Sandbox

from .. import sandbox_api
from ..sandbox_api import RegionPool, ec2_client, register_image
from ..sandbox_api import make_snapshot as make_snapshot_of


class _Pool:
    """Sandboxes started as tests need them: each hands out every region once, then the next
    sandbox starts (~2 s) and hands them out again."""

    def __init__(self) -> None:
        self.sandboxes: list[Sandbox] = []
        self._unused = RegionPool(())

    def bind(self) -> tuple[Sandbox, RegionPool]:
        """A sandbox for one test, with the regions it draws from (two at least left)."""
        if len(self._unused) < 2:
            started = Sandbox(extra_env={"AMITUI_SANDBOX_COPY_DELAY": "0"})
            started.start()
            self.sandboxes.append(started)
            self._unused = RegionPool()
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
        return self._unused.take()


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


@pytest.fixture(scope="session")
def client_for() -> Callable[[str, str], Any]:
    """``client_for(endpoint_url, region)``: a boto3 EC2 client for any sandbox."""
    return ec2_client


@pytest.fixture
def control(sandbox: Sandbox) -> Callable[[str, dict[str, Any]], tuple[int, dict[str, Any]]]:
    """POST to the sandbox control endpoint; returns (HTTP status, JSON answer)."""
    return functools.partial(sandbox_api.control, sandbox.endpoint_url)


@pytest.fixture
def make_snapshot() -> Callable[..., str]:
    """``make_snapshot(ec2, size, **CreateVolume args)``: a snapshot of a fresh volume."""
    return make_snapshot_of


@pytest.fixture
def register() -> Callable[..., str]:
    """``register(ec2, name, *snapshot_ids, **RegisterImage args)``: an hvm x86_64 image
    mapping the snapshots as /dev/xvda (root), /dev/xvdb, …"""
    return register_image
