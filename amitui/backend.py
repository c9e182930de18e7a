"""Opening an :class:`~amitui.aws.AwsSession` for the CLI and the TUI alike.

``--demo`` starts the embedded sandbox with the demo fleet and points the session at it (the
shared-services account); for the demo's own process only, it also writes an AWS config with
one profile per demo account (:func:`demo_aws_config`), so multi-account use runs as it would
against AWS. Otherwise the standard AWS chain (profile, SSO, env, ``AWS_ENDPOINT_URL``) decides.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from amitui.accounts import Accounts, AccountSpec, is_glob, open_accounts
from amitui.aws import AwsSession, Credentials
from amitui.botocore_tuning import preload_service_models
from amitui.model import ImageQuery

if TYPE_CHECKING:
    # The sandbox only with --demo: `amitui ls` against AWS never imports it.
    from amitui.sandbox import Sandbox

DEMO_DEFAULT_REGION = "us-east-1"
#: Seconds a demo copy stays ``pending`` (real copies take minutes), so copying shows progress.
DEMO_COPY_DELAY_SECONDS = 8
#: Services whose models are parsed ahead: EC2 for everything, STS for the account id, IAM
#: for its alias (Organizations too, for --org).
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
    #: The accounts to read; nothing (the default) is the one account of ``profile`` (or of
    #: the standard chain), whose keys carry no account label (see :class:`ImageKey`).
    accounts: AccountSpec = field(default_factory=AccountSpec)
    #: Config ``[accounts] protected``: aliases or ids whose destructive plans need the
    #: alias typed.
    protected_accounts: tuple[str, ...] = ()
    #: Config ``[cost] snapshot_gib_month`` (None: the list price).
    snapshot_price: float | None = None

    @property
    def many_accounts(self) -> bool:
        """Read an account set (several profiles, a glob, every profile, an organization);
        otherwise the one session of ``profile``, as a plain launch."""
        spec = self.accounts
        several = len(spec.profiles) > 1 or any(map(is_glob, spec.profiles))
        return spec.all_profiles or spec.org or several

    @property
    def query(self) -> ImageQuery:
        return ImageQuery(owners=self.owners)


def demo_sandbox() -> Sandbox:
    from amitui.sandbox import Sandbox
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
    from amitui.sandbox import SANDBOX_CREDENTIALS

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


#: The variables :func:`demo_aws_config` sets, by the file each names.
AWS_CONFIG_VARIABLES = {"config": "AWS_CONFIG_FILE", "credentials": "AWS_SHARED_CREDENTIALS_FILE"}


def write_demo_aws_config(endpoint_url: str, directory: Path) -> dict[str, Path]:
    """Write an AWS ``config`` and ``credentials`` pair into ``directory``: one profile per demo
    account, named as the account. The shared-services profile holds the sandbox's keys; each
    member's profile assumes its organization role from it (``role_arn`` + ``source_profile``),
    as a multi-account setup on AWS does. Every profile points at the sandbox (``endpoint_url``).
    Returns the two paths by file name."""
    from amitui.sandbox import SANDBOX_CREDENTIALS
    from amitui.sandbox.demo import DEMO_ACCOUNTS, SHARED_SERVICES, role_arn

    source = SHARED_SERVICES.name
    credentials = (
        f"[{source}]\n"
        f"aws_access_key_id = {SANDBOX_CREDENTIALS['AWS_ACCESS_KEY_ID']}\n"
        f"aws_secret_access_key = {SANDBOX_CREDENTIALS['AWS_SECRET_ACCESS_KEY']}\n"
        f"aws_session_token = {SANDBOX_CREDENTIALS['AWS_SESSION_TOKEN']}\n"
    )
    config = ""
    for account in DEMO_ACCOUNTS:
        config += f"[profile {account.name}]\nregion = {DEMO_DEFAULT_REGION}\n"
        config += f"endpoint_url = {endpoint_url}\n"
        if account is not SHARED_SERVICES:
            config += f"role_arn = {role_arn(account)}\nsource_profile = {source}\n"
        config += "\n"
    paths = {"config": directory / "config", "credentials": directory / "credentials"}
    paths["config"].write_text(config)
    paths["credentials"].write_text(credentials)
    paths["credentials"].chmod(0o600)
    return paths


@contextmanager
def demo_aws_config(endpoint_url: str) -> Iterator[dict[str, Path]]:
    """For as long as it lasts, this process's ``AWS_CONFIG_FILE`` and
    ``AWS_SHARED_CREDENTIALS_FILE`` name the demo's profiles (see
    :func:`write_demo_aws_config`), written to a temporary directory; afterwards both variables
    are as they were and the files are gone. The user's own AWS files are never touched."""
    saved = {name: os.environ.get(name) for name in AWS_CONFIG_VARIABLES.values()}
    with tempfile.TemporaryDirectory(prefix="amitui-demo-aws-") as directory:
        paths = write_demo_aws_config(endpoint_url, Path(directory))
        try:
            for kind, name in AWS_CONFIG_VARIABLES.items():
                os.environ[name] = str(paths[kind])
            yield paths
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


#: Makes a session: (profile or None for the default chain, explicit credentials or None,
#: read-only).
_Maker = Callable[[str | None, Credentials | None, bool], AwsSession]


@asynccontextmanager
async def _sessions(options: LaunchOptions, services: Sequence[str]) -> AsyncIterator[_Maker]:
    """What makes ``options``' sessions, while it lasts; for ``--demo`` the sandbox (and the
    demo's AWS config, see :func:`demo_aws_config`) lives as long as it does."""
    # Importing aiobotocore/aiohttp and parsing the EC2 model cost ~0.6-0.9 s of CPU; in a
    # thread, the event loop (the App's first paint) keeps running meanwhile (benchmarks/).
    if not options.demo:
        await asyncio.to_thread(preload_service_models, options.profile, services)

        def aws(profile: str | None, keys: Credentials | None, read_only: bool) -> AwsSession:
            return AwsSession(profile, credentials=keys, read_only=read_only)

        yield aws
        return
    sandbox = _take_early_demo() or demo_sandbox()
    # Starting the sandbox blocks on a subprocess handshake: off the event loop, and side by
    # side with the imports, so the clients are made at once when it is ready.
    await asyncio.gather(
        asyncio.to_thread(preload_service_models, None, services),
        asyncio.to_thread(sandbox.start),
    )
    endpoint = sandbox.endpoint_url

    def demo(profile: str | None, keys: Credentials | None, read_only: bool) -> AwsSession:
        if profile is not None:  # a demo profile: its endpoint_url is the sandbox
            return AwsSession(profile, credentials=keys, read_only=read_only)
        if keys is None:
            return sandbox_session(endpoint, read_only=read_only)
        return AwsSession(
            endpoint_url=endpoint,
            credentials=keys,
            default_region=DEMO_DEFAULT_REGION,
            read_only=read_only,
        )

    try:
        with demo_aws_config(endpoint):
            yield demo
    finally:
        await asyncio.to_thread(sandbox.stop)


@asynccontextmanager
async def open_session(options: LaunchOptions) -> AsyncIterator[AwsSession]:
    """The session for ``options``; for ``--demo`` the sandbox lives as long as it does."""
    async with _sessions(options, SERVICES_USED) as make:
        # The demo opens its shared-services account whatever --profile says.
        profile = None if options.demo else options.profile
        async with make(profile, None, options.read_only) as aws:
            yield aws


#: Opens the accounts of an :class:`AccountSpec` (the sessions live as long as the context).
AccountOpener = Callable[[AccountSpec], AbstractAsyncContextManager[Accounts]]


@asynccontextmanager
async def account_opener(options: LaunchOptions) -> AsyncIterator[AccountOpener]:
    """What opens account sets for ``options`` (see :mod:`amitui.accounts`), while it lasts:
    for ``--demo`` on the sandbox's organization and the demo's profiles. The explorer opens
    ``options.accounts`` with it, and later the profiles an ``aws sso login`` cured. Each
    account's enabled regions are asked with its identity when the options leave the regions
    to them."""
    configured = bool(options.configured_regions) and not options.all_regions
    with_regions = not options.regions and not configured
    services = (*SERVICES_USED, "organizations") if options.accounts.org else SERVICES_USED
    async with _sessions(options, services) as make:

        def opener(spec: AccountSpec) -> AbstractAsyncContextManager[Accounts]:
            return open_accounts(
                spec,
                lambda profile, keys: make(profile, keys, options.read_only),
                # Organizations listings and STS AssumeRole change no account (accounts.py).
                credentials_session=lambda profile, keys: make(profile, keys, False),
                with_regions=with_regions,
            )

        yield opener


@asynccontextmanager
async def open_account_set(options: LaunchOptions) -> AsyncIterator[Accounts]:
    """Every account ``options.accounts`` names, opened (see :func:`account_opener`)."""
    async with account_opener(options) as opener, opener(options.accounts) as accounts:
        yield accounts
