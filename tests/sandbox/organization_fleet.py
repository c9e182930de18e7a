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
from dataclasses import dataclass, field
from typing import Any

import pytest

from amitui.sandbox import SANDBOX_ACCOUNT_ID

from ..sandbox_api import (
    KEYS,
    ORGANIZATION_ROLE,
    RegionPool,
    client,
    member_keys,
    sandbox_fixture,
)

ROLE = ORGANIZATION_ROLE


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
            return KEYS
        if name not in self._credentials:
            self._credentials[name] = member_keys(self.endpoint_url, self.accounts[name])
        return self._credentials[name]

    def client(self, name: str, service: str, region: str = "us-east-1") -> Any:
        return client(self.endpoint_url, region, service, self.credentials(name))


@functools.cache
def organization(endpoint_url: str) -> Organization:
    """The organization above, made once per sandbox."""
    org = client(endpoint_url, service="organizations")
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
        self._unused = RegionPool()

    def fresh_region(self) -> str:
        return self._unused.take()

    def sandbox_fixture(self) -> Any:
        return sandbox_fixture("module", copy_delay=0)

    def region_fixture(self) -> Any:
        @pytest.fixture
        def region() -> str:
            return self.fresh_region()

        return region
