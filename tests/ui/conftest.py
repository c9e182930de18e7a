"""Fixtures for the explorer's tests: one sandbox with a small known fleet for the session,
a fault proxy in front of it, and an app factory that reuses them (no demo seeding per test).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from amitui.app import AmituiApp, make_app
from amitui.backend import LaunchOptions
from amitui.sandbox import Sandbox
from amitui.sandbox.proxy import AwsError, FaultProxy

from ..sandbox_api import app_sessions, sandbox_fixture
from . import fleet as fleet_module

AppFactory = Callable[..., AmituiApp]


sandbox = sandbox_fixture("session", copy_delay=0)


@pytest.fixture(scope="session")
def fleet(sandbox: Sandbox) -> fleet_module.Fleet:
    return fleet_module.seed(sandbox.endpoint_url)


@pytest.fixture(scope="session")
def proxy(fleet: fleet_module.Fleet) -> Iterator[FaultProxy]:
    with FaultProxy(fleet.endpoint_url) as running:
        yield running


@pytest.fixture
def failing_proxy(proxy: FaultProxy) -> Iterator[FaultProxy]:
    """The proxy with ap-southeast-2 answering AuthFailure to everything."""
    proxy.add_fault(
        AwsError("AuthFailure", "AWS was not able to validate the provided access credentials"),
        region=fleet_module.OTHER_REGION,
    )
    yield proxy
    proxy.clear_faults()
    for region in fleet_module.REGIONS:
        proxy.set_latency(region, 0)


@pytest.fixture
def make(fleet: fleet_module.Fleet) -> AppFactory:
    """``make(endpoint_url=None, **LaunchOptions fields)``: the explorer on the fleet."""

    def build(endpoint_url: str | None = None, **options: Any) -> AmituiApp:
        options.setdefault("regions", fleet_module.REGIONS)
        app = make_app(
            LaunchOptions(**options),
            session_factory=app_sessions(endpoint_url or fleet.endpoint_url),
            now=fleet_module.NOW,
        )
        app.extras_delay = 0.0
        return app

    return build
