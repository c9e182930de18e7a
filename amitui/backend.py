"""Opening an :class:`~amitui.aws.AwsSession` for the CLI and the TUI alike.

``--demo`` starts the embedded sandbox with the demo fleet and points the session at it;
otherwise the standard AWS chain (profile, SSO, env, ``AWS_ENDPOINT_URL``) decides.
"""

from __future__ import annotations

import asyncio
import atexit
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from amitui.aws import AwsSession, Credentials
from amitui.botocore_tuning import preload_service_models
from amitui.model import ImageQuery
from amitui.sandbox import SANDBOX_CREDENTIALS, Sandbox

DEMO_DEFAULT_REGION = "us-east-1"
#: Seconds a demo copy stays ``pending`` (real copies take minutes), so copying shows progress.
DEMO_COPY_DELAY_SECONDS = 8
#: Services whose models are parsed ahead: EC2 for everything, STS for the account id.
SERVICES_USED = ("ec2", "sts", "iam")


@dataclass(frozen=True, slots=True)
class LaunchOptions:
    """Everything the command line says about where and what to load."""

    profile: str | None = None
    regions: tuple[str, ...] = ()
    all_regions: bool = False
    owners: tuple[str, ...] = ("self",)
    read_only: bool = False
    demo: bool = False
    configured_regions: tuple[str, ...] = ()
    key_overrides: dict[str, str] = field(default_factory=dict)

    @property
    def query(self) -> ImageQuery:
        return ImageQuery(owners=self.owners)


def demo_sandbox() -> Sandbox:
    from amitui.sandbox.demo import DEMO_REGIONS

    return Sandbox(
        demo=True,
        enabled_regions=DEMO_REGIONS,
        extra_env={"AMITUI_SANDBOX_COPY_DELAY": str(DEMO_COPY_DELAY_SECONDS)},
    )


#: A demo sandbox spawned before the TUI is even imported (see :func:`launch_demo_early`).
_early_demo: Sandbox | None = None


def launch_demo_early() -> None:
    """Spawn the demo sandbox now, so its ~2 s start-up overlaps the TUI's own start-up;
    :func:`open_session` adopts it instead of starting another."""
    global _early_demo
    if _early_demo is None:
        _early_demo = demo_sandbox()
        _early_demo.launch()
        # Should the TUI never get as far as adopting it, the process must not outlive us.
        atexit.register(_stop_unadopted_demo)


def _stop_unadopted_demo() -> None:
    if _early_demo is not None:
        _early_demo.stop()


def _take_early_demo() -> Sandbox | None:
    global _early_demo
    sandbox, _early_demo = _early_demo, None
    return sandbox


def sandbox_session(endpoint_url: str, *, read_only: bool = False, **options: Any) -> AwsSession:
    """A session for the sandbox (or a proxy in front of it) at ``endpoint_url``."""
    return AwsSession(
        endpoint_url=endpoint_url,
        credentials=Credentials(
            SANDBOX_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            SANDBOX_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            SANDBOX_CREDENTIALS["AWS_SESSION_TOKEN"],
        ),
        default_region=DEMO_DEFAULT_REGION,
        read_only=read_only,
        **options,
    )


@asynccontextmanager
async def open_session(options: LaunchOptions) -> AsyncIterator[AwsSession]:
    """The session for ``options``; for ``--demo`` the sandbox lives as long as it does."""
    # Importing aiobotocore/aiohttp and parsing the EC2 model cost ~0.6-0.9 s of CPU; in a
    # thread, the event loop (the App's first paint) keeps running meanwhile (benchmarks/).
    if not options.demo:
        await asyncio.to_thread(preload_service_models, options.profile, SERVICES_USED)
        async with AwsSession(options.profile, read_only=options.read_only) as aws:
            yield aws
        return
    sandbox = _take_early_demo() or demo_sandbox()
    # Starting the sandbox blocks on a subprocess handshake: off the event loop, and side by
    # side with the imports, so the clients are made at once when it is ready.
    await asyncio.gather(
        asyncio.to_thread(preload_service_models, None, SERVICES_USED),
        asyncio.to_thread(sandbox.start),
    )
    try:
        async with sandbox_session(sandbox.endpoint_url, read_only=options.read_only) as aws:
            yield aws
    finally:
        await asyncio.to_thread(sandbox.stop)
