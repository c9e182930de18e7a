"""Many accounts at once (amitui.accounts): profiles, globs, an organization, dedup, and
credentials as errors per account, against the demo sandbox's organization over HTTP."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import boto3
import pytest

from amitui.accounts import (
    Account,
    Accounts,
    AccountsError,
    AccountSpec,
    Limits,
    SessionFactory,
    open_accounts,
    profile_names,
    stream_accounts,
)
from amitui.aws import AwsSession, Credentials
from amitui.backend import sandbox_session, write_demo_aws_config
from amitui.model import ImageQuery
from amitui.sandbox import Sandbox, demo
from amitui.sandbox.proxy import FaultProxy

from .sandbox_api import client, demo_sandbox_fixture, member_keys

STAGING, PROD, SHARED = (a.account_id for a in (demo.STAGING, demo.PROD, demo.SHARED_SERVICES))
REGIONS = ("us-east-1", "eu-west-1")


sandbox = demo_sandbox_fixture("module")


@pytest.fixture
def aws_config(sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The demo's profiles (one per account: shared-services holds keys, the members assume
    their organization role from it), pointed at by AWS_CONFIG_FILE; HOME is the test's own,
    so no SSO token cache exists."""
    paths = write_demo_aws_config(sandbox.endpoint_url, tmp_path)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(paths["config"]))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(paths["credentials"]))
    monkeypatch.setenv("HOME", str(tmp_path))
    return paths["config"]


def add_profiles(config: Path, text: str) -> None:
    config.write_text(config.read_text() + text)


def factory(endpoint_url: str, default: Credentials | None = None) -> SessionFactory:
    """Sessions as the CLI makes them: a profile as botocore resolves it; the default chain
    here is the sandbox (or ``default``'s keys)."""

    def make(profile: str | None, credentials: Credentials | None) -> AwsSession:
        if profile is not None:
            return AwsSession(profile, credentials=credentials)
        if credentials is None and default is None:
            return sandbox_session(endpoint_url)
        return AwsSession(
            endpoint_url=endpoint_url,
            credentials=credentials or default,
            default_region="us-east-1",
        )

    return make


def staging_keys(sandbox: Sandbox) -> Credentials:
    """Keys of the staging account."""
    return Credentials(*member_keys(sandbox.endpoint_url, STAGING).values())


def opened(spec: AccountSpec, session_for: SessionFactory) -> Accounts:
    """Open ``spec``'s accounts and return what was found (sessions closed afterwards)."""

    async def run() -> Accounts:
        async with open_accounts(spec, session_for) as accounts:
            return accounts

    return asyncio.run(run())


def ids(accounts: Accounts) -> list[str]:
    return [a.id for a in accounts.accounts]


# --------------------------------------------------------------------------- arguments


def test_profile_names_exact_globs_all_and_unknown() -> None:
    known = ["dev", "prod-eu", "prod-us", "staging"]
    assert profile_names(["prod-*", "dev", "prod-us"], available=known) == [
        "prod-eu",
        "prod-us",
        "dev",
    ]
    assert profile_names([], all_profiles=True, available=known) == known
    with pytest.raises(
        AccountsError, match=r"no AWS profile named 'qa' in the AWS config files \(known: dev"
    ):
        profile_names(["qa"], available=known)
    with pytest.raises(AccountsError, match=r"the AWS config files matches 'test-\*'"):
        profile_names(["test-*"], available=known)
    with pytest.raises(AccountsError, match="define no profiles"):
        profile_names([], all_profiles=True, available=[])


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"org": True, "skip_accounts": ("12345",)}, "'12345' is not an account id"),
        ({"org": True, "ou": "Workloads"}, "'Workloads' is not an OU or root id"),
        ({"org": True, "org_role": "bad role"}, "'bad role' is not an IAM role name"),
        ({"ou": "ou-d3m0-workloads"}, "add --org"),
    ],
)
def test_bad_account_arguments_are_refused_before_any_call(
    spec: dict[str, object], message: str
) -> None:
    with pytest.raises(AccountsError, match=message):
        AccountSpec(**spec)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- profiles


def test_all_profiles_reach_each_account_through_role_arn_and_know_its_alias(
    sandbox: Sandbox, aws_config: Path
) -> None:
    """botocore resolves ``role_arn`` + ``source_profile`` (STS AssumeRole from the source
    profile's keys) and the profile's ``endpoint_url``; STS GetCallerIdentity ``Account``:
    "The Amazon Web Services account ID number of the account that owns or contains the
    calling entity". IAM ListAccountAliases: "Lists the account alias associated with the
    Amazon Web Services account"; an account without one (DeleteAccountAlias: "Deletes the
    specified Amazon Web Services account alias") is known by its id."""
    staging = boto3.Session(profile_name="staging").client("iam")
    staging.delete_account_alias(AccountAlias=demo.STAGING.alias)
    try:
        accounts = opened(AccountSpec(all_profiles=True), factory(sandbox.endpoint_url))
    finally:
        staging.create_account_alias(AccountAlias=demo.STAGING.alias)
    assert accounts.problems == [] and accounts.notes == []
    # all-profiles: the config's profiles in botocore's (sorted) order
    assert ids(accounts) == [PROD, SHARED, STAGING]
    by_id = {a.id: a for a in accounts.accounts}
    assert by_id[PROD].alias == "acme-prod" and by_id[PROD].label == "acme-prod"
    assert by_id[STAGING].alias is None and by_id[STAGING].label == STAGING
    assert by_id[PROD].source == "profile prod"
    assert f"assumed-role/{demo.ORGANIZATION_ROLE}/" in by_id[PROD].principal


def test_a_glob_names_several_profiles(sandbox: Sandbox, aws_config: Path) -> None:
    accounts = opened(AccountSpec(profiles=("s*",)), factory(sandbox.endpoint_url))
    assert sorted(a.source for a in accounts.accounts) == [
        "profile shared-services",
        "profile staging",
    ]


def test_two_sources_of_one_account_are_one_account_said_once(
    sandbox: Sandbox, aws_config: Path
) -> None:
    add_profiles(
        aws_config,
        f"[profile staging-again]\nendpoint_url = {sandbox.endpoint_url}\n"
        f"role_arn = {demo.role_arn(demo.STAGING)}\nsource_profile = shared-services\n\n",
    )
    accounts = opened(
        AccountSpec(profiles=("staging", "staging-again", "prod"), org=True),
        factory(sandbox.endpoint_url),
    )
    assert ids(accounts) == [STAGING, PROD, SHARED]
    assert accounts.accounts[0].source == "profile staging"
    # One note per account, naming every source it merged.
    staging, prod = accounts.notes
    assert staging == (
        f"profile staging and profile staging-again, {demo.role_arn(demo.STAGING)} are the "
        f"same account and role ({STAGING}): read once, as profile staging"
    )
    assert prod.startswith(f"profile prod and {demo.role_arn(demo.PROD)} are the same account")


def test_a_role_that_cannot_be_assumed_says_which_from_where_and_why(
    sandbox: Sandbox, aws_config: Path
) -> None:
    """STS API reference, AssumeRole: "To assume a role from a different account, your Amazon
    Web Services account must be trusted by the role"; otherwise the common AccessDenied,
    whose message names the caller and the role (the sandbox refuses a role that does not
    exist alike; the reference names no separate error for it)."""
    no_role = f"arn:aws:iam::{PROD}:role/NoSuchRole"
    add_profiles(
        aws_config,
        f"[profile broken]\nendpoint_url = {sandbox.endpoint_url}\n"
        f"role_arn = {no_role}\nsource_profile = shared-services\n\n"
        "[profile empty]\nregion = us-east-1\n\n",
    )
    accounts = opened(
        AccountSpec(profiles=("broken", "staging", "empty")), factory(sandbox.endpoint_url)
    )
    assert ids(accounts) == [STAGING]  # the healthy account stays usable
    problems = {p.sources: p.describe() for p in accounts.problems}
    broken = problems[("profile broken",)]
    assert broken.startswith("profile broken: AccessDenied: cannot assume the profile's role_arn")
    assert f"arn:aws:iam::{SHARED}:root is not authorized" in broken and no_role in broken
    assert "profile empty has no credentials" in problems[("profile empty",)]


def test_expired_sso_is_one_line_per_sso_session(sandbox: Sandbox, aws_config: Path) -> None:
    """botocore resolves an ``sso_session`` profile from the SSO token cache
    (~/.aws/sso/cache); with no token there it raises SSOTokenLoadError. Three profiles of one
    SSO session are one login; a role profile whose source_profile is an SSO profile needs
    that same login; a legacy SSO profile (sso_start_url in the profile) logs in by profile."""
    sso = "".join(
        f"[profile corp-{n}]\nsso_session = corp\nsso_account_id = {PROD}\n"
        "sso_role_name = ReadOnly\nregion = us-east-1\n\n"
        for n in ("a", "b")
    )
    sso += (
        f"[profile corp-admin]\nrole_arn = {demo.role_arn(demo.PROD)}\nsource_profile = corp-a\n\n"
        "[profile old-sso]\nsso_start_url = https://old.awsapps.com/start\n"
        f"sso_region = us-east-1\nsso_account_id = {PROD}\nsso_role_name = ReadOnly\n\n"
        "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n"
        "sso_region = us-east-1\n"
    )
    add_profiles(aws_config, sso)
    accounts = opened(
        AccountSpec(profiles=("corp-*", "old-sso", "staging")), factory(sandbox.endpoint_url)
    )
    assert ids(accounts) == [STAGING]
    lines = sorted(p.describe() for p in accounts.problems)
    assert len(lines) == 2
    assert lines[0].startswith(
        "1 profile needs `aws sso login --profile old-sso` (profile old-sso): SSOTokenLoadError"
    )
    assert lines[1].startswith("3 profiles need `aws sso login --sso-session corp` (profile ")
    assert {"profile corp-a", "profile corp-b", "profile corp-admin"} == {
        s for p in accounts.problems for s in p.sources if "corp" in s
    }


# --------------------------------------------------------------------------- organization


def test_org_lists_every_account_and_assumes_the_org_role(sandbox: Sandbox) -> None:
    """Organizations API reference, ListAccounts: "Lists all the accounts in the
    organization"; each member is reached by STS AssumeRole into
    arn:aws:iam::<member>:role/OrganizationAccountAccessRole (CreateAccount ``RoleName``:
    "This role trusts the management account"). The management account itself is read with
    the credentials --org started from."""
    accounts = opened(AccountSpec(org=True), factory(sandbox.endpoint_url))
    assert accounts.problems == []
    assert sorted(ids(accounts)) == sorted(a.account_id for a in demo.DEMO_ACCOUNTS)
    sources = {a.id: a.source for a in accounts.accounts}
    assert sources[STAGING] == demo.role_arn(demo.STAGING)
    assert sources[SHARED] == "the default AWS credentials"
    prod = next(a for a in accounts.accounts if a.id == PROD)
    assert prod.principal.startswith(
        f"arn:aws:sts::{PROD}:assumed-role/{demo.ORGANIZATION_ROLE}/amitui"
    )


@pytest.mark.parametrize(
    ("ou", "expected"),
    [("ou-d3m0-workloads", {STAGING, PROD}), ("ou-d3m0-produnit1", {PROD})],
)
def test_ou_narrows_to_its_subtree(sandbox: Sandbox, ou: str, expected: set[str]) -> None:
    """Organizations API reference, ListAccountsForParent: "Lists the accounts in an
    organization that are contained by the specified target root or organizational unit
    (OU)"; ListOrganizationalUnitsForParent: "Lists the organizational units (OUs) in a parent
    organizational unit or root" (walked down, so child OUs count)."""
    accounts = opened(AccountSpec(org=True, ou=ou), factory(sandbox.endpoint_url))
    assert set(ids(accounts)) == expected and accounts.problems == []


def test_skip_account_leaves_it_out(sandbox: Sandbox) -> None:
    accounts = opened(AccountSpec(org=True, skip_accounts=(PROD,)), factory(sandbox.endpoint_url))
    assert sorted(ids(accounts)) == sorted([SHARED, STAGING])


def test_an_ou_that_does_not_exist_is_one_problem(sandbox: Sandbox) -> None:
    """Organizations API reference, ListAccountsForParent errors: ParentNotFoundException,
    "We can't find a root or OU with the ParentId that you specified"."""
    spec = AccountSpec(org=True, ou="ou-d3m0-nosuchou1")
    accounts = opened(spec, factory(sandbox.endpoint_url))
    assert accounts.accounts == []
    [problem] = accounts.problems
    assert problem.sources == ("--org --ou ou-d3m0-nosuchou1",)
    assert problem.error.code == "ParentNotFoundException"
    assert "no such OU" in problem.describe()


def test_org_from_a_member_account_is_refused(sandbox: Sandbox) -> None:
    """Organizations API reference, "API operations by account": ListAccounts is among the
    "Operations you can call from only the organization's management account or a member
    account designated as a delegated administrator"; others get AccessDeniedException (the
    sandbox answered a member with an empty list before extensions.organization said so)."""
    accounts = opened(AccountSpec(org=True), factory(sandbox.endpoint_url, staging_keys(sandbox)))
    assert accounts.accounts == []
    [problem] = accounts.problems
    assert problem.error.code == "AccessDeniedException"
    assert "management account or of a delegated administrator" in problem.describe()


def test_org_from_a_delegated_administrator_lists_the_organization(sandbox: Sandbox) -> None:
    """Organizations API reference, "API operations by account": ListAccounts can also be
    called from "a member account designated as a delegated administrator"
    (RegisterDelegatedAdministrator: "Enables the specified member account to administer the
    Organizations features of the specified Amazon Web Services service"). Each role is then
    assumed from that account: the members' OrganizationAccountAccessRole trusts the
    management account only, so each is refused, named with the account it was asked from."""
    org = client(sandbox.endpoint_url, service="organizations")
    org.register_delegated_administrator(AccountId=STAGING, ServicePrincipal="ssm.amazonaws.com")
    try:
        accounts = opened(
            AccountSpec(org=True), factory(sandbox.endpoint_url, staging_keys(sandbox))
        )
    finally:
        org.deregister_delegated_administrator(
            AccountId=STAGING, ServicePrincipal="ssm.amazonaws.com"
        )
    assert ids(accounts) == [STAGING]
    refused = sorted(p.describe() for p in accounts.problems)
    assert len(refused) == 2
    assert all(f":role/{demo.ORGANIZATION_ROLE} from {STAGING}: " in line for line in refused)


def test_a_member_whose_role_cannot_be_assumed_is_named_the_rest_load(sandbox: Sandbox) -> None:
    accounts = opened(AccountSpec(org=True, org_role="NoSuchRole"), factory(sandbox.endpoint_url))
    assert ids(accounts) == [SHARED]  # its own credentials need no role
    described = sorted(p.describe() for p in accounts.problems)
    assert len(described) == 2
    by_member = sorted(described, key=lambda d: STAGING not in d)
    for member, line in zip((STAGING, PROD), by_member, strict=True):
        assert line.startswith(f"{member} (")
        assert f"cannot assume arn:aws:iam::{member}:role/NoSuchRole from {SHARED}" in line
        assert "AccessDenied" in line


# --------------------------------------------------------------------------- loading


def test_stream_accounts_loads_every_account_region(sandbox: Sandbox) -> None:
    """Each account lists its own images (DescribeImages Owners=self, in that account)."""
    fleet = demo.build_fleet()

    async def run() -> Counter[tuple[str, str]]:
        counts: Counter[tuple[str, str]] = Counter()
        async with open_accounts(AccountSpec(org=True), factory(sandbox.endpoint_url)) as found:
            async for account, load in stream_accounts(
                found.accounts, ImageQuery(), regions=REGIONS, with_snapshots=False
            ):
                assert isinstance(account, Account) and load.error is None
                counts[account.id, load.region] += len(load.images)
                assert all(i.owner_id == account.id for i in load.images)
        return counts

    counts = asyncio.run(run())
    expected = Counter(
        {
            (a.account_id, r): sum(1 for i in fleet.of(a.account_id).images if i.region == r)
            for a in demo.DEMO_ACCOUNTS
            for r in REGIONS
        }
    )
    assert set(counts) == set(expected) and counts == expected
    assert sum(counts.values()) > 0


def test_enabled_regions_are_asked_beside_the_identity_and_not_again(sandbox: Sandbox) -> None:
    """``with_regions``: each account's DescribeRegions goes out with its GetCallerIdentity
    (one round trip before the listing, not two), and the listing uses that answer."""

    async def run() -> tuple[list[tuple[str, ...] | None], Counter[str]]:
        with FaultProxy(sandbox.endpoint_url) as proxy:
            spec = AccountSpec(org=True)
            async with open_accounts(spec, factory(proxy.url), with_regions=True) as found:
                prefetched = [a.enabled_regions for a in found.accounts]
                loaded: Counter[str] = Counter()
                async for account, load in stream_accounts(
                    found.accounts, ImageQuery(), with_snapshots=False
                ):
                    assert load.error is None
                    loaded[account.id] += 1
            asked = Counter(r.action for r in proxy.requests if r.action)
        return prefetched, asked + Counter({f"loaded {k}": v for k, v in loaded.items()})

    prefetched, counts = asyncio.run(run())
    assert prefetched == [tuple(sorted(demo.DEMO_REGIONS))] * len(demo.DEMO_ACCOUNTS)
    assert counts["DescribeRegions"] == len(demo.DEMO_ACCOUNTS)  # once per account
    for account in demo.DEMO_ACCOUNTS:
        assert counts[f"loaded {account.account_id}"] == len(demo.DEMO_REGIONS)


def test_stream_accounts_yields_a_failed_region_list_per_account(sandbox: Sandbox) -> None:
    """An account whose DescribeRegions fails is one failed load; the others still load."""
    bad = Credentials("AKIAIOSFODNN7EXAMPLE", "x", None)

    async def run() -> list[tuple[str, str, str]]:
        good = sandbox_session(sandbox.endpoint_url)
        broken = AwsSession(
            endpoint_url="http://127.0.0.1:9",
            credentials=bad,
            default_region="us-east-1",
            max_attempts=1,
            connect_timeout=1,
        )
        async with good, broken:
            accounts = [Account(SHARED, None, "good", good), Account(PROD, None, "bad", broken)]
            return [
                (a.source, load.region, load.error.code if load.error else "")
                async for a, load in stream_accounts(accounts, ImageQuery(), with_snapshots=False)
            ]

    loads = asyncio.run(run())
    failed = [item for item in loads if item[0] == "bad"]
    assert failed == [("bad", "us-east-1", "EndpointConnectionError")]
    assert sorted(r for s, r, _ in loads if s == "good") == sorted(demo.DEMO_REGIONS)


def test_limits_bound_each_account_region_and_the_total() -> None:
    """Not AWS: the bounds themselves, with work that only counts who holds a slot."""
    limits = Limits(overall=5, per_region=2)
    held: Counter[tuple[str, str]] = Counter()
    peak = {"total": 0, "one": 0}

    async def work(key: tuple[str, str]) -> None:
        async with limits.slot(*key):
            held[key] += 1
            peak["total"] = max(peak["total"], sum(held.values()))
            peak["one"] = max(peak["one"], max(held.values()))
            await asyncio.sleep(0.001)
            held[key] -= 1

    async def run() -> None:
        keys = [(f"{a:012d}", r) for a in range(4) for r in ("us-east-1", "eu-west-1")]
        await asyncio.gather(*(work(k) for k in keys for _ in range(6)))

    asyncio.run(run())
    assert peak == {"total": 5, "one": 2}


def test_limits_start_slow_and_grow_by_one_per_completed_load() -> None:
    """Not AWS: the overall bound opens at 17 loads and one more each time a load completes,
    up to 64 (so the first answers come as a small burst). Loads end one at a time."""
    loads = 200
    gates = {n: asyncio.Event() for n in range(loads)}
    running: set[int] = set()

    async def work(n: int) -> None:
        async with limits.slot(f"{n:012d}", "us-east-1"):
            running.add(n)
            await gates[n].wait()
            running.discard(n)

    async def settle() -> None:
        for _ in range(5):
            await asyncio.sleep(0)

    async def run() -> list[int]:
        tasks = [asyncio.create_task(work(n)) for n in range(loads)]
        await settle()
        seen = [len(running)]
        while running:
            gates[min(running)].set()
            await settle()
            seen.append(len(running))
        await asyncio.gather(*tasks)
        return seen

    limits = Limits()
    seen = asyncio.run(run())
    assert seen[:3] == [17, 18, 19]
    assert seen == [min(17 + done, 64, loads - done) for done in range(loads + 1)]
    assert limits.size == limits.maximum == 64


def test_a_listing_that_releases_clients_holds_none_of_its_regions(sandbox: Sandbox) -> None:
    """``release_clients=True`` (``amitui ls``): once an account-region is listed its EC2
    client is closed; a later call there makes a new one. Without it every client is kept
    (the App's actions use them again)."""

    async def run(release: bool) -> tuple[list[set[str]], bool]:
        async with open_accounts(AccountSpec(org=True), factory(sandbox.endpoint_url)) as found:
            loaded = 0
            async for _, load in stream_accounts(
                found.accounts,
                ImageQuery(),
                regions=REGIONS,
                with_snapshots=False,
                release_clients=release,
            ):
                assert load.error is None
                loaded += 1
            assert loaded == len(found.accounts) * len(REGIONS)
            held = [
                {region for service, region in a.session.client_keys if service == "ec2"}
                for a in found.accounts
            ]
            session = found.accounts[0].session
            answer = await session.call(REGIONS[0], "DescribeImages", Owners=["self"])
            again = ("ec2", REGIONS[0]) in session.client_keys and "Images" in answer
        return held, again

    held, again = asyncio.run(run(release=True))
    assert held == [set()] * len(demo.DEMO_ACCOUNTS) and again
    held, _ = asyncio.run(run(release=False))
    assert held == [set(REGIONS)] * len(demo.DEMO_ACCOUNTS)
