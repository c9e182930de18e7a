"""``amitui ls`` over many accounts, as users script it: whole processes against the demo
sandbox's organization over HTTP, with an AWS config of one profile per account."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from amitui.backend import LaunchOptions, write_demo_aws_config
from amitui.sandbox import SANDBOX_CREDENTIALS, Sandbox, demo

from .sandbox_api import client, demo_sandbox_fixture, member_keys

STAGING, PROD, SHARED = (a.account_id for a in (demo.STAGING, demo.PROD, demo.SHARED_SERVICES))
EVERY_ACCOUNT = sorted(a.account_id for a in demo.DEMO_ACCOUNTS)
#: Two regions keep each run short: every account has images in the first (the members in
#: no other), the shared-services account in both.
REGIONS = ("us-east-1", "eu-west-1")
REGION_ARGS = [arg for region in REGIONS for arg in ("--region", region)]


sandbox = demo_sandbox_fixture("module")


@pytest.fixture(scope="module")
def aws_files(sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The demo's profiles, plus one whose role cannot be assumed and one without keys."""
    paths = write_demo_aws_config(sandbox.endpoint_url, tmp_path_factory.mktemp("aws"))
    with paths["config"].open("a") as config:
        config.write(
            f"[profile broken]\nendpoint_url = {sandbox.endpoint_url}\n"
            f"role_arn = arn:aws:iam::{PROD}:role/NoSuchRole\nsource_profile = shared-services\n\n"
            "[profile empty]\nregion = us-east-1\n\n"
        )
        for name in ("corp-a", "corp-b"):
            config.write(
                f"[profile {name}]\nsso_session = corp\nsso_account_id = {PROD}\n"
                "sso_role_name = ReadOnly\nregion = us-east-1\n\n"
            )
        config.write(
            "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n"
            "sso_region = us-east-1\n"
        )
    return paths


#: The demo names each account with an IAM alias (CreateAccountAlias).
ALIASES = {a.account_id: a.alias for a in demo.DEMO_ACCOUNTS}


@pytest.fixture
def staging_without_alias(sandbox: Sandbox, aws_files: dict[str, Path]) -> Iterator[None]:
    """IAM DeleteAccountAlias in staging: "Deletes the specified Amazon Web Services account
    alias"; ListAccountAliases then answers an empty list, so the account is known by id."""
    iam = client(
        sandbox.endpoint_url, service="iam", keys=member_keys(sandbox.endpoint_url, STAGING)
    )
    iam.delete_account_alias(AccountAlias=ALIASES[STAGING])
    yield
    iam.create_account_alias(AccountAlias=ALIASES[STAGING])


def amitui(
    sandbox: Sandbox, aws_files: dict[str, Path], *args: str, **env: str
) -> subprocess.CompletedProcess[str]:
    """``amitui`` with the demo's AWS files; the default chain (what --org starts from) is
    the sandbox's keys of the management account, at AWS_ENDPOINT_URL. ``env`` adds
    variables; an empty value removes one. HOME is the test's own: no SSO token cache."""
    full_env = {
        **os.environ,
        "HOME": str(aws_files["config"].parent),
        "AWS_ENDPOINT_URL": sandbox.endpoint_url,
        "AWS_CONFIG_FILE": str(aws_files["config"]),
        "AWS_SHARED_CREDENTIALS_FILE": str(aws_files["credentials"]),
        "NO_COLOR": "1",
        **env,
    }
    full_env = {name: value for name, value in full_env.items() if value}
    return subprocess.run(
        [sys.executable, "-m", "amitui", *args],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def expected_counts(accounts: list[str]) -> Counter[tuple[str, str]]:
    fleet = demo.build_fleet()
    return Counter(
        {
            (account, region): n
            for account in accounts
            for region in REGIONS
            if (n := sum(1 for i in fleet.of(account).images if i.region == region))
        }
    )


def test_org_json_has_every_account_with_account_and_alias(
    sandbox: Sandbox, aws_files: dict[str, Path], staging_without_alias: None
) -> None:
    """DESIGN.md contract: JSON records are DescribeImages ``Image`` records plus "Region"
    and "Account" (and "AccountAlias" where known)."""
    result = amitui(sandbox, aws_files, "ls", "--org", "--format", "json", *REGION_ARGS)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    records = json.loads(result.stdout)
    counts = Counter((r["Account"], r["Region"]) for r in records)
    assert counts == expected_counts(EVERY_ACCOUNT)
    assert {r["Account"] for r in records} == set(EVERY_ACCOUNT)
    assert all(r["OwnerId"] == r["Account"] for r in records)
    aliases = {r["Account"]: r.get("AccountAlias") for r in records}
    assert aliases == {SHARED: ALIASES[SHARED], STAGING: None, PROD: ALIASES[PROD]}


def test_single_account_json_still_says_its_account(
    sandbox: Sandbox, aws_files: dict[str, Path]
) -> None:
    result = amitui(sandbox, aws_files, "ls", "--format", "json", "--region", "us-east-1")
    assert result.returncode == 0, result.stderr
    records = json.loads(result.stdout)
    assert records and {r["Account"] for r in records} == {SHARED}
    assert all(r["AccountAlias"] == ALIASES[SHARED] for r in records)


def test_profile_globs_csv_has_an_account_column_when_several(
    sandbox: Sandbox, aws_files: dict[str, Path]
) -> None:
    result = amitui(sandbox, aws_files, "ls", "--profile", "s*", "--format", "csv", *REGION_ARGS)
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0])[:3] == ["Account", "AccountAlias", "Region"]
    counts = Counter((r["Account"], r["Region"]) for r in rows)
    assert counts == expected_counts([SHARED, STAGING])
    # One account: no Account column (the listing is as before).
    one = amitui(sandbox, aws_files, "ls", "--profile", "prod", "--format", "csv", *REGION_ARGS)
    assert one.returncode == 0, one.stderr
    header = one.stdout.splitlines()[0].split(",")
    assert header[0] == "Region" and "Account" not in header


def test_table_has_an_account_column_with_the_alias(
    sandbox: Sandbox, aws_files: dict[str, Path], staging_without_alias: None
) -> None:
    result = amitui(sandbox, aws_files, "ls", "--all-profiles", "--profile", "prod", *REGION_ARGS)
    # --all-profiles takes broken, empty and the SSO ones too: one line each (one for both
    # profiles of the SSO session), the others still listed.
    assert result.returncode == 2
    lines = result.stdout.splitlines()
    assert lines[0].split()[:2] == ["ACCOUNT", "REGION"]
    labels = {line.split()[0] for line in lines[1:]}
    assert labels == {ALIASES[PROD], ALIASES[SHARED], STAGING}
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 3, errors
    assert errors[0].startswith("amitui: profile broken: AccessDenied: cannot assume")
    assert errors[1].startswith("amitui: profile empty: ") and "has no credentials" in errors[1]
    assert errors[2].startswith("amitui: 2 profiles need `aws sso login --sso-session corp`")


def test_expired_sso_is_one_line_for_the_session_without_a_traceback(
    sandbox: Sandbox, aws_files: dict[str, Path]
) -> None:
    """botocore finds no token for the ``corp`` SSO session (SSOTokenLoadError, and logs the
    failed refresh with its traceback): two profiles, one login, one line; the healthy
    account still lists."""
    result = amitui(
        sandbox, aws_files, "ls", "--profile", "corp-*", "--profile", "prod", "--format",
        "json", "--region", "us-east-1",
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "amitui: 2 profiles need `aws sso login --sso-session corp` (profile corp-a, profile "
        "corp-b): SSOTokenLoadError: Error loading SSO Token: Token for corp does not exist"
    ]
    assert {r["Account"] for r in json.loads(result.stdout)} == {PROD}


def test_help_says_where_accounts_come_from(sandbox: Sandbox, aws_files: dict[str, Path]) -> None:
    result = amitui(sandbox, aws_files, "ls", "--help")
    text = " ".join(result.stdout.split())
    assert result.returncode == 0
    assert "table and csv gain an Account column when more than one account is listed" in text
    assert "(default: OrganizationAccountAccessRole)" in text


def test_the_explorer_takes_the_account_options_and_the_config_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The TUI reads what ``ls`` reads: several profiles (or a glob, or --org) are an account
    set; one profile stays a plain launch; the config file's [accounts] is the default that
    the command line overrides; the explorer's --demo is the demo's whole organization."""
    from amitui.cli import build_parser, launch_options

    def options(*argv: str) -> LaunchOptions:
        parser = build_parser()
        return launch_options(parser.parse_args(argv), parser)

    several = options("--demo", "--profile", "prod", "--profile", "staging")
    assert several.many_accounts and several.accounts.profiles == ("prod", "staging")
    assert not options("--demo", "--profile", "prod").many_accounts
    assert options("--demo").accounts.org and options("--demo").many_accounts
    assert not options("--demo", "ls").accounts.org  # ls lists what it is told
    config = tmp_path / "config.toml"
    config.write_text('[accounts]\norg = true\norg_role = "ReadOnlyAudit"\n')
    monkeypatch.setenv("AMITUI_CONFIG", str(config))
    from_config = options("--demo")
    assert from_config.accounts.org and from_config.accounts.org_role == "ReadOnlyAudit"
    overridden = options("--demo", "--profile", "prod", "--profile", "staging")
    assert not overridden.accounts.org and overridden.accounts.profiles == ("prod", "staging")
    config.write_text('[accounts]\nprofiles = "prod"\n')
    with pytest.raises(SystemExit) as exit_info:
        options("--demo")
    assert exit_info.value.code == 2


def test_dedup_is_said_once(sandbox: Sandbox, aws_files: dict[str, Path]) -> None:
    result = amitui(
        sandbox, aws_files, "ls", "--profile", "staging", "--org", "--skip-account", PROD,
        "--format", "json", "--region", "us-east-1",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    [note] = result.stderr.strip().splitlines()
    assert note == (
        f"amitui: note: profile staging and {demo.role_arn(demo.STAGING)} are the same account "
        f"and role ({STAGING}): read once, as profile staging"
    )
    accounts = Counter(r["Account"] for r in json.loads(result.stdout))
    assert set(accounts) == {SHARED, STAGING}


def test_ou_subtree(sandbox: Sandbox, aws_files: dict[str, Path]) -> None:
    result = amitui(
        sandbox, aws_files, "ls", "--org", "--ou", "ou-d3m0-workloads", "--format", "json",
        *REGION_ARGS,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    records = json.loads(result.stdout)
    assert Counter((r["Account"], r["Region"]) for r in records) == expected_counts(
        sorted([STAGING, PROD])
    )


def test_a_failed_account_region_is_one_line_each_and_the_rest_print(
    sandbox: Sandbox, aws_files: dict[str, Path]
) -> None:
    """A Region the accounts have not enabled answers AuthFailure (see
    extensions/regions.py): one stderr line per account-region, exit status 1."""
    result = amitui(
        sandbox, aws_files, "ls", "--org", "--format", "json", "--region", "us-east-1",
        "--region", "ca-central-1",
    )  # fmt: skip
    assert result.returncode == 1
    errors = sorted(result.stderr.strip().splitlines())
    assert [line.split(":")[1].strip() for line in errors] == sorted(
        f"{ALIASES[account]} ({account}) ca-central-1" for account in EVERY_ACCOUNT
    )
    assert all("AuthFailure" in line for line in errors)
    assert {r["Account"] for r in json.loads(result.stdout)} == set(EVERY_ACCOUNT)


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--profile", "nosuch"], {}, "no AWS profile named 'nosuch'"),
        (["--profile", "qa-*"], {}, "no AWS profile in the AWS config files matches 'qa-*'"),
        (["--org", "--skip-account", "12345"], {}, "'12345' is not an account id"),
        (["--org", "--ou", "Workloads"], {}, "'Workloads' is not an OU or root id"),
        (["--ou", "ou-d3m0-workloads"], {}, "add --org"),
        (["--profile", "empty"], {}, "profile empty has no credentials"),
        (
            ["--profile", "broken"],
            {},
            f"cannot assume the profile's role_arn: User: arn:aws:iam::{SHARED}:root is not "
            "authorized to perform: sts:AssumeRole on resource: "
            f"arn:aws:iam::{PROD}:role/NoSuchRole",
        ),
        (["--org", "--ou", "ou-d3m0-nosuchou1"], {}, "ParentNotFoundException"),
        # Organizations API reference, "API operations by account": ListAccounts can be
        # called "from only the organization's management account or a member account
        # designated as a delegated administrator"; others get AccessDeniedException.
        (
            ["--org"],
            # Environment keys come before AWS_PROFILE in the chain: without them, staging's.
            {"AWS_PROFILE": "staging", **dict.fromkeys(SANDBOX_CREDENTIALS, "")},
            "AccessDeniedException: You don't have permissions to access this resource. "
            "(--org needs credentials of the organization's management account or of a "
            "delegated administrator)",
        ),
    ],
)
def test_bad_accounts_give_one_line_and_exit_2(
    sandbox: Sandbox,
    aws_files: dict[str, Path],
    args: list[str],
    env: dict[str, str],
    message: str,
) -> None:
    result = amitui(sandbox, aws_files, "ls", "--region", "us-east-1", *args, **env)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], lines
    assert result.stdout.strip() in ("", "[\n]", "[]")


def test_demo_org_lists_every_demo_account(tmp_path: Path) -> None:
    """``amitui ls --demo --org``: the embedded sandbox's organization, no AWS account."""
    env = {**os.environ, "NO_COLOR": "1", "AMITUI_CONFIG": str(tmp_path / "none.toml")}
    result = subprocess.run(
        [sys.executable, "-m", "amitui", "ls", "--demo", "--org", "--format", "json",
         "--region", "us-east-1"],
        env=env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    records = json.loads(result.stdout)
    assert {r["Account"] for r in records} == set(EVERY_ACCOUNT)
