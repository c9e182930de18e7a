"""An organization's worth of accounts for the many-accounts benchmark.

``OrgFleet(accounts=200, images_per_region=20)`` is a :class:`~benchmarks.fleet.BenchFleet`
whose sandbox holds an organization: the sandbox's own account is the management account,
``accounts - 1`` members are made by Organizations CreateAccount (each with the
``OrganizationAccountAccessRole`` that trusts the management account, as AWS makes it), and
every account gets ``images_per_region`` images in every region through the bulk-seed
endpoint. The proxy adds each region's round trip and throttles EC2 calls with EC2's token
buckets (:class:`~amitui.sandbox.proxy.TokenBuckets`: 100 per bucket, 20 a second, per
credentials, region and API).
"""

from __future__ import annotations

from amitui.sandbox.proxy import TokenBuckets
from benchmarks.fleet import HOME_REGION, REGIONS, BenchFleet


class OrgFleet(BenchFleet):
    def __init__(
        self,
        accounts: int = 200,
        *,
        images_per_region: int = 20,
        regions: int = len(REGIONS),
        latency_scale: float = 1.0,
    ) -> None:
        super().__init__(
            images=accounts * images_per_region * regions,
            regions=regions,
            latency_scale=latency_scale,
        )
        self.accounts = accounts
        self.images_per_region = images_per_region
        self.account_ids: list[str] = []
        self.throttle = TokenBuckets()

    def _seed(self) -> None:
        org = self.client(HOME_REGION, direct=True, service="organizations")
        management = org.create_organization(FeatureSet="ALL")["Organization"]
        self.account_ids = [management["MasterAccountId"]]
        for n in range(1, self.accounts):
            status = org.create_account(
                Email=f"bench-{n:03d}@example.com", AccountName=f"bench-{n:03d}"
            )["CreateAccountStatus"]
            self.account_ids.append(status["AccountId"])
        for account in self.account_ids:
            for region in self.regions:
                self._post(
                    f"/_amitui/bulk/{region}",
                    {
                        "Images": self.images_per_region,
                        "NamePrefix": f"{account}-{region}",
                        "Account": account,
                    },
                )

    def warm(self) -> float:
        """Nothing to warm ahead: the contenders' untimed first runs fill the read cache
        (each account's calls are signed with its own role's keys)."""
        return 0.0
