"""The explorer over many accounts, against the demo sandbox's organization over HTTP: one
table for every account, the region pane's account level, per-account errors while the other
accounts stay usable, the header's counts, and the SSO login key (a fake ``aws`` on PATH, a
real subprocess that records its argv)."""

from __future__ import annotations

import gc
import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from amitui.accounts import AccountSpec
from amitui.app import AmituiApp, make_app
from amitui.aws import AwsSession
from amitui.backend import LaunchOptions, demo_sandbox, write_demo_aws_config
from amitui.model import RegionKey, RegionStatus
from amitui.sandbox import Sandbox, demo
from amitui.sandbox.proxy import AwsError, FaultProxy
from amitui.widgets.region_pane import ACCOUNT_PREFIX, RegionList

from .helpers import static_text, wait_loaded

SIZE = (160, 45)
REGIONS = ("us-east-1", "eu-west-1")
SHARED, STAGING, PROD = (a.account_id for a in demo.DEMO_ACCOUNTS)


@pytest.fixture(scope="module")
def org() -> Iterator[Sandbox]:
    with demo_sandbox() as running:
        yield running


@pytest.fixture
def aws_config(org: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The demo's profiles (AWS_CONFIG_FILE); the default chain is the management account on
    the sandbox; HOME is the test's own, so no SSO token cache exists."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", org.endpoint_url)
    paths = write_demo_aws_config(org.endpoint_url, tmp_path)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(paths["config"]))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(paths["credentials"]))
    monkeypatch.setenv("HOME", str(tmp_path))
    return paths["config"]


def explorer(**spec: Any) -> AmituiApp:
    app = make_app(LaunchOptions(regions=REGIONS, accounts=AccountSpec(**spec)))
    app.extras_delay = 0.0
    return app


def add_profiles(config: Path, text: str) -> None:
    config.write_text(config.read_text() + text)


def lines_of(path: Path) -> list[str]:
    return path.read_text().splitlines()


def offered(app: AmituiApp, key: str) -> bool:
    binding = app.screen.active_bindings.get(key)
    return binding is not None and binding.enabled


def accounts_in_table(app: AmituiApp) -> set[str]:
    return {row.image.account for row in app.table.visible_rows}


async def test_the_organization_is_one_table_of_every_account(aws_config: Path) -> None:
    """Organizations API reference, ListAccounts: "Lists all the accounts in the
    organization"; members are read through their OrganizationAccountAccessRole."""
    app = explorer(org=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot, limit=60)
        assert [a.id for a in app.accounts] == [SHARED, STAGING, PROD]
        assert accounts_in_table(app) == {SHARED, STAGING, PROD}
        assert app.table.total_count == len(app.inventory)
        scope = static_text(app, "#scope-bar")
        assert "3 accounts" in scope and "failing" not in scope
        assert not app.query_one("#account-problems").display
        # The FlowHost contract: every image's own account and its session.
        image = next(row.image for row in app.table.visible_rows if row.image.account == PROD)
        assert app.account_of(image).id == PROD
        assert app.session_for(PROD) is app.account_of(image).session


async def test_the_account_sets_objects_leave_the_cyclic_gc_before_its_loads(
    aws_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An organization's sessions, credentials and clients (~800k objects for 200 accounts)
    live as long as the App, and each full collection walked them all (0.5-2 s), also between
    the first answers and the first rows. Once the set is open, before the first
    DescribeImages is sent, they are frozen (Python's gc.freeze: "Freeze all the objects
    tracked by the garbage collector; move them to a permanent generation and ignore them
    in all the future collections"): the session it is sent with is no longer tracked."""
    tracked: list[bool] = []
    paginate = AwsSession.paginate

    def recorded(self: AwsSession, region: str, operation: str, **params: Any) -> Any:
        if operation == "DescribeImages" and not tracked:
            # gc.get_objects() lists the collector's generations, not the frozen objects.
            tracked.append(any(o is self for o in gc.get_objects()))
        return paginate(self, region, operation, **params)

    monkeypatch.setattr(AwsSession, "paginate", recorded)
    try:
        app = explorer(org=True)
        async with app.run_test(size=SIZE) as pilot:
            await wait_loaded(pilot, limit=60)
            assert accounts_in_table(app) == {SHARED, STAGING, PROD}
    finally:
        gc.unfreeze()
    assert tracked == [False]


async def test_arrivals_find_orphaned_snapshots_with_the_tables_throttled_rebuild(
    aws_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Finding the orphaned snapshots walks every loaded snapshot: once per arrival, an
    organization's load (3,400 account-regions) was quadratic in it. While other regions
    load, arrivals find them with the table's throttled rebuild (at most once in one turn);
    the last arrival at once."""
    app = explorer(org=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot, limit=60)
        inventory = app.inventory
        assert inventory.orphaned_snapshots()  # the demo fleet has some
        keys = list(inventory.loads)
        walks: list[str | None] = []
        orphaned = inventory.orphaned_snapshots

        def counted(region: str | None = None) -> Any:
            walks.append(region)
            return orphaned(region)

        monkeypatch.setattr(inventory, "orphaned_snapshots", counted)
        app.main.show_loading(keys)
        for key in keys[:-1]:
            app.main.show_load(inventory.loads[key])
        assert len(walks) <= len(REGIONS)  # one rebuild at most (one walk a region)
        walks.clear()
        app.main.show_load(inventory.loads[keys[-1]])
        assert sorted(map(str, walks)) == sorted(REGIONS)
        await pilot.pause()
        assert not app.region_pane.busy


async def test_the_region_pane_is_accounts_then_regions(aws_config: Path) -> None:
    app = explorer(org=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot, limit=60)
        pane = app.region_pane
        options = app.query_one(RegionList)
        ids = [option.id for option in options.options]
        assert ids[1:] == [
            item
            for account in (SHARED, STAGING, PROD)
            for item in (ACCOUNT_PREFIX + account, *(f"{account}/{r}" for r in REGIONS))
        ]
        assert pane.border_title == "Accounts 3 · 6/6"
        # An account's count is right-aligned with its regions' counts.
        prompts = [str(option.prompt) for option in options.options]
        account_line = prompts[ids.index(ACCOUNT_PREFIX + STAGING)]
        region_line = prompts[ids.index(f"{STAGING}/{REGIONS[0]}")]
        assert len(account_line) == len(region_line), (account_line, region_line)
        assert account_line[-1].isdigit() and region_line[-1].isdigit(), (account_line, region_line)
        counts = {k: pane.state(k).count for k in pane.keys}  # type: ignore[union-attr]
        options.focus()
        # Enter on an account: all its regions.
        options.highlighted = ids.index(ACCOUNT_PREFIX + STAGING)
        await pilot.press("enter")
        assert accounts_in_table(app) == {STAGING}
        assert app.table.total_count == sum(n for k, n in counts.items() if k.account == STAGING)
        assert app.table.show_region
        # Enter on one region of one account: only it.
        options.focus()
        options.highlighted = ids.index(f"{PROD}/us-east-1")
        await pilot.press("enter")
        assert pane.key_view == {RegionKey(PROD, "us-east-1")}
        assert app.table.total_count == counts[RegionKey(PROD, "us-east-1")] > 0
        assert not app.table.show_region
        # Space adds another account's whole set of regions.
        options.focus()
        options.highlighted = ids.index(ACCOUNT_PREFIX + SHARED)
        await pilot.press("space")
        assert accounts_in_table(app) == {SHARED, PROD}
        # All accounts merged again.
        options.highlighted = 0
        await pilot.press("enter")
        assert app.table.total_count == sum(counts.values())


async def test_a_failing_account_is_named_and_the_others_stay_usable(
    org: Sandbox, aws_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A profile whose role cannot be assumed (STS API reference, AssumeRole: "your Amazon Web
    Services account must be trusted by the role"; the sandbox answers AccessDenied for a role
    that does not exist) is one line naming the role, the account it was assumed from and
    why; prod's eu-west-1 answering AuthFailure (through a fault proxy) makes prod "failing"
    in the header while its other region, and the other accounts, load."""
    monkeypatch.delenv("AWS_ENDPOINT_URL")  # it would win over the profiles' endpoint_url
    with FaultProxy(org.endpoint_url) as proxy:
        proxy.add_fault(
            AwsError("AuthFailure", "AWS was not able to validate the provided access credentials"),
            region="eu-west-1",
        )
        add_profiles(
            aws_config,
            f"[profile prod-proxied]\nregion = us-east-1\nendpoint_url = {proxy.url}\n"
            f"role_arn = {demo.role_arn(demo.PROD)}\nsource_profile = shared-services\n\n"
            f"[profile broken]\nregion = us-east-1\nendpoint_url = {org.endpoint_url}\n"
            f"role_arn = arn:aws:iam::{PROD}:role/NoSuchRole\nsource_profile = shared-services\n",
        )
        app = explorer(profiles=("staging", "prod-proxied", "broken"))
        async with app.run_test(size=SIZE) as pilot:
            await wait_loaded(pilot, limit=60)
            problems = static_text(app, "#account-problems")
            assert app.query_one("#account-problems").display
            assert problems.startswith("profile broken: AccessDenied: cannot assume the profile")
            assert f"arn:aws:iam::{PROD}:role/NoSuchRole" in problems
            assert f"arn:aws:iam::{SHARED}:root is not authorized" in problems
            scope = static_text(app, "#scope-bar")
            assert f"2 accounts (failing: {demo.PROD.alias}) · 1 not opened" in scope
            failed = app.region_pane.state(RegionKey(PROD, "eu-west-1"))
            assert failed is not None and failed.status is RegionStatus.DENIED
            assert accounts_in_table(app) == {STAGING, PROD}  # prod's us-east-1 still loads
            assert app.region_pane.state(RegionKey(STAGING, "eu-west-1")).status is (  # type: ignore[union-attr]
                RegionStatus.LOADED
            )


FAKE_AWS = """#!{python}
import os, sys
with open({log!r}, "a") as log:
    log.write(" ".join(sys.argv[1:]) + "\\n")
# A login makes the session's profiles resolvable: here, by a role of the demo instead.
path = os.environ["AWS_CONFIG_FILE"]
session = sys.argv[-1]
text = open(path).read()
text = text.replace(f"sso_session = {{session}}\\n", "").replace(f"#{{session}}: ", "")
open(path, "w").write(text)
"""


@pytest.fixture
def fake_aws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An ``aws`` executable first on PATH that records its arguments, one line a call."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "aws-calls.log"
    script = bin_dir / "aws"
    script.write_text(FAKE_AWS.format(python=sys.executable, log=str(log)))
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return log


def sso_profile(name: str, session: str, member: demo.DemoAccount) -> str:
    """A profile of an SSO session (botocore: with no token in ~/.aws/sso/cache it raises
    SSOTokenLoadError, not an AWS answer); the fake login swaps it for the member's role."""
    return (
        f"[profile {name}]\nsso_session = {session}\nsso_account_id = {member.account_id}\n"
        f"sso_role_name = ReadOnly\nregion = us-east-1\n"
        f"#{session}: role_arn = {demo.role_arn(member)}\n"
        f"#{session}: source_profile = shared-services\n\n"
    )


async def test_the_sso_login_key_logs_in_once_per_session_and_reloads(
    aws_config: Path, fake_aws: Path
) -> None:
    add_profiles(
        aws_config,
        sso_profile("corp-a", "corp", demo.PROD)
        + sso_profile("corp-b", "corp", demo.PROD)
        + sso_profile("lab", "lab", demo.STAGING)
        + "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n"
        "sso_region = us-east-1\n\n"
        "[sso-session lab]\nsso_start_url = https://lab.awsapps.com/start\n"
        "sso_region = us-east-1\n",
    )
    app = explorer(profiles=("shared-services", "corp-*", "lab"))
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot, limit=60)
        assert [a.id for a in app.accounts] == [SHARED]  # the healthy account is usable
        assert accounts_in_table(app) == {SHARED}
        problems = static_text(app, "#account-problems").splitlines()
        assert len(problems) == 2
        assert problems[0].startswith("2 profiles need `aws sso login --sso-session corp`")
        assert problems[1].startswith("1 profile needs `aws sso login --sso-session lab`")
        assert offered(app, "L")  # in the footer
        await pilot.press("L")
        await wait_loaded(pilot, limit=60)
        assert lines_of(fake_aws) == [
            "sso login --sso-session corp",
            "sso login --sso-session lab",
        ]
        assert [a.id for a in app.accounts] == [SHARED, PROD, STAGING]
        assert accounts_in_table(app) == {SHARED, PROD, STAGING}
        assert not app.query_one("#account-problems").display
        assert not offered(app, "L")
