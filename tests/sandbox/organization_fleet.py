"""An organization in a sandbox, built through the Organizations and STS APIs (boto3).

The sandbox's default account (123456789012) is the management account::

    Root
    ├── Workloads            staging
    │   └── Prod             prod
    └── Sandbox              dev
    (removed from the org)   outsider

Member accounts are reached as on AWS: STS AssumeRole into
``arn:aws:iam::<member>:role/OrganizationAccountAccessRole``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest

from amitui.sandbox import SANDBOX_ACCOUNT_ID, SANDBOX_CREDENTIALS, Sandbox

ROLE = "OrganizationAccountAccessRole"


@dataclass
class Organization:
    endpoint_url: str
    arn: str
    ou_arns: dict[str, str]  # OU name -> ARN
    accounts: dict[str, str]  # name -> account id ("management" included)
    _credentials: dict[str, dict[str, str]] = field(default_factory=dict)

    def credentials(self, name: str) -> dict[str, str]:
        """Keyword arguments for a boto3 client acting as account ``name``."""
        if name == "management":
            return {
                "aws_access_key_id": SANDBOX_CREDENTIALS["AWS_ACCESS_KEY_ID"],
                "aws_secret_access_key": SANDBOX_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            }
        if name not in self._credentials:
            answer = self.client("management", "sts").assume_role(
                RoleArn=f"arn:aws:iam::{self.accounts[name]}:role/{ROLE}",
                RoleSessionName=f"tests-{name}",
            )["Credentials"]
            self._credentials[name] = {
                "aws_access_key_id": answer["AccessKeyId"],
                "aws_secret_access_key": answer["SecretAccessKey"],
                "aws_session_token": answer["SessionToken"],
            }
        return self._credentials[name]

    def client(self, name: str, service: str, region: str = "us-east-1") -> Any:
        return boto3.client(
            service, region_name=region, endpoint_url=self.endpoint_url, **self.credentials(name)
        )


@functools.cache
def organization(endpoint_url: str) -> Organization:
    """The organization above, made once per sandbox."""
    org = boto3.client(
        "organizations",
        region_name="us-east-1",
        endpoint_url=endpoint_url,
        aws_access_key_id=SANDBOX_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=SANDBOX_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )
    arn = org.create_organization(FeatureSet="ALL")["Organization"]["Arn"]
    root = org.list_roots()["Roots"][0]["Id"]
    units: dict[str, dict[str, str]] = {}
    for name, parent in (("Workloads", root), ("Prod", None), ("Sandbox", root)):
        parent_id = parent or units["Workloads"]["Id"]
        units[name] = org.create_organizational_unit(ParentId=parent_id, Name=name)[
            "OrganizationalUnit"
        ]
    accounts = {"management": SANDBOX_ACCOUNT_ID}
    for name, unit in (("staging", "Workloads"), ("prod", "Prod"), ("dev", "Sandbox"),
                       ("outsider", None)):  # fmt: skip
        status = org.create_account(AccountName=name, Email=f"{name}@example.com")
        accounts[name] = status["CreateAccountStatus"]["AccountId"]
        if unit:
            org.move_account(
                AccountId=accounts[name], SourceParentId=root, DestinationParentId=units[unit]["Id"]
            )
    built = Organization(
        endpoint_url, arn, {name: unit["Arn"] for name, unit in units.items()}, accounts
    )
    built.credentials("outsider")  # while it still trusts the management account's org role
    org.remove_account_from_organization(AccountId=accounts["outsider"])
    return built


class OwnSandbox:
    """A sandbox and region pool for one test module, so that this package's shared sandbox
    (tests/sandbox/conftest.py, one region per test) is not run out of regions by the
    multi-account modules, which each take several. Use::

        own = OwnSandbox()
        sandbox = own.sandbox_fixture()
        region = own.region_fixture()
        another_region = own.region_fixture()
    """

    def __init__(self) -> None:
        from .conftest import REGIONS

        self._unused = iter(REGIONS)

    def fresh_region(self) -> str:
        try:
            return next(self._unused)
        except StopIteration:  # pragma: no cover - split the module when this fires
            pytest.fail("this module ran out of unused regions")

    def sandbox_fixture(self) -> Any:
        @pytest.fixture(scope="module")
        def sandbox() -> Iterator[Sandbox]:
            with Sandbox(extra_env={"AMITUI_SANDBOX_COPY_DELAY": "0"}) as running:
                yield running

        return sandbox

    def region_fixture(self) -> Any:
        @pytest.fixture
        def region() -> str:
            return self.fresh_region()

        return region
