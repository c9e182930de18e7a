"""Fixtures for the explorer's tests: one sandbox with a small known fleet for the session,
a fault proxy in front of it, and an app factory that reuses them (no demo seeding per test).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from amitui.app import AmituiApp, make_app
from amitui.aws import AwsSession, Credentials
from amitui.backend import LaunchOptions
from amitui.sandbox import SANDBOX_CREDENTIALS, Sandbox
from amitui.sandbox.proxy import AwsError, FaultProxy

from . import fleet as fleet_module

AppFactory = Callable[..., AmituiApp]


@pytest.fixture(autouse=True)
def _no_user_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Never read the developer's config or write their state dir."""
    monkeypatch.setenv("AMITUI_CONFIG", str(tmp_path / "no-config.toml"))
    monkeypatch.setenv("AMITUI_STATE_DIR", str(tmp_path / "state"))


@pytest.fixture(scope="session")
def fleet() -> Iterator[fleet_module.Fleet]:
    with Sandbox(extra_env={"AMITUI_SANDBOX_COPY_DELAY": "0"}) as sandbox:
        yield fleet_module.seed(sandbox.endpoint_url)


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


def session_factory(
    endpoint_url: str,
) -> Callable[[LaunchOptions], AbstractAsyncContextManager[AwsSession]]:
    """An AwsSession on an already running sandbox (or proxy)."""

    @asynccontextmanager
    async def open_session(options: LaunchOptions) -> AsyncIterator[AwsSession]:
        credentials = Credentials(
            SANDBOX_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            SANDBOX_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            SANDBOX_CREDENTIALS["AWS_SESSION_TOKEN"],
        )
        async with AwsSession(
            endpoint_url=endpoint_url,
            credentials=credentials,
            default_region=fleet_module.HOME,
            read_only=options.read_only,
            max_attempts=1,
        ) as aws:
            yield aws

    return open_session


@pytest.fixture
def make(fleet: fleet_module.Fleet) -> AppFactory:
    """``make(endpoint_url=None, **LaunchOptions fields)``: the explorer on the fleet."""

    def build(endpoint_url: str | None = None, **options: Any) -> AmituiApp:
        options.setdefault("regions", fleet_module.REGIONS)
        app = make_app(
            LaunchOptions(**options),
            session_factory=session_factory(endpoint_url or fleet.endpoint_url),
            now=fleet_module.NOW,
        )
        app.extras_delay = 0.0
        return app

    return build
