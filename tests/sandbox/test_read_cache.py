"""The benchmarks' read cache (not an EC2 behaviour) never answers one account with
another's listing, and an AssumeRole fan-out does not empty it."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from amitui.sandbox import SANDBOX_CREDENTIALS, Sandbox
from amitui.sandbox.extensions import read_cache

REGION = "us-east-1"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(extra_env={read_cache.CACHE_ENV: "1"}) as sb:
        yield sb


def _client(sandbox: Sandbox, service: str, keys: dict[str, str] | None = None) -> Any:
    keys = keys or {
        "AccessKeyId": SANDBOX_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        "SecretAccessKey": SANDBOX_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        "SessionToken": SANDBOX_CREDENTIALS["AWS_SESSION_TOKEN"],
    }
    return boto3.client(
        service,
        region_name=REGION,
        endpoint_url=sandbox.endpoint_url,
        aws_access_key_id=keys["AccessKeyId"],
        aws_secret_access_key=keys["SecretAccessKey"],
        aws_session_token=keys["SessionToken"],
    )


def _seed(sandbox: Sandbox, account: str, prefix: str) -> None:
    body = json.dumps({"Images": 1, "NamePrefix": prefix, "Account": account}).encode()
    request = urllib.request.Request(
        f"{sandbox.endpoint_url}/_amitui/bulk/{REGION}", data=body, method="POST"
    )
    with urllib.request.urlopen(request, timeout=60) as answer:
        assert answer.status == 200


def test_each_account_gets_its_own_cached_answer(sandbox: Sandbox) -> None:
    org = _client(sandbox, "organizations")
    management = org.create_organization(FeatureSet="ALL")["Organization"]["MasterAccountId"]
    member = org.create_account(Email="m@example.com", AccountName="member")["CreateAccountStatus"][
        "AccountId"
    ]
    _seed(sandbox, management, "management")
    _seed(sandbox, member, "member")
    sts = _client(sandbox, "sts")
    role = f"arn:aws:iam::{member}:role/OrganizationAccountAccessRole"

    def names(keys: dict[str, str] | None) -> list[str]:
        images = _client(sandbox, "ec2", keys).describe_images(Owners=["self"])["Images"]
        return [image["Name"] for image in images]

    def assume() -> dict[str, str]:
        return dict(sts.assume_role(RoleArn=role, RoleSessionName="test")["Credentials"])

    assert names(None)[0].startswith("management")
    first = names(assume())
    assert len(first) == 1 and first[0].startswith("member")
    # A new session's keys (AssumeRole in between) read the same, still cached, answer.
    assert names(assume()) == first
    assert names(None)[0].startswith("management")
