"""The benchmark world: a seeded sandbox behind a proxy that adds each region's round trip.

``with BenchFleet(images=10_000) as fleet:`` starts the sandbox (17 regions enabled, reads
cached after their first answer -- see ``amitui/sandbox/extensions/read_cache.py``), seeds
``images`` images (each with its own snapshot) spread evenly over the regions through the
sandbox's bulk-seed endpoint, starts a :class:`~amitui.sandbox.proxy.FaultProxy` with the
realistic latency table in this process, and warms every region (moto builds a region's
backend on first use, ~1-2 s). ``fleet.env`` is the environment a contender process needs
to talk to the proxy through the standard AWS chain.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
import urllib.request
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from types import TracebackType
from typing import Any

import boto3
from botocore.config import Config

from amitui.sandbox import SANDBOX_CREDENTIALS, Sandbox
from amitui.sandbox.proxy import FaultProxy, TokenBuckets, realistic_latency_table

#: The 17 regions of the realistic latency table, 20 ms (us-east-1) to 250 ms (ap-southeast-2).
REGIONS: tuple[str, ...] = tuple(realistic_latency_table())
HOME_REGION = "us-east-1"


def spread(images: int, regions: int) -> list[int]:
    """``images`` split as evenly as possible over ``regions`` (earlier regions get the rest)."""
    base, rest = divmod(images, regions)
    return [base + (1 if i < rest else 0) for i in range(regions)]


class BenchFleet:
    def __init__(
        self, images: int, *, regions: int = len(REGIONS), latency_scale: float = 1.0
    ) -> None:
        """``regions``: the first N regions of the latency table (fewer only for smoke tests)."""
        self.images = images
        self.regions: tuple[str, ...] = REGIONS[:regions]
        table = realistic_latency_table(latency_scale)
        self.latency_ms = {region: table[region] for region in self.regions}
        self.sandbox = Sandbox(
            enabled_regions=self.regions, extra_env={"AMITUI_SANDBOX_CACHE_READS": "1"}
        )
        self.proxy: FaultProxy | None = None
        #: EC2's request throttling in the proxy (None: no throttling).
        self.throttle: TokenBuckets | None = None
        self._home = tempfile.TemporaryDirectory(prefix="amitui-bench-")
        self.seed_seconds = 0.0
        self.warm_seconds = 0.0

    # -- lifecycle --

    def start(self) -> BenchFleet:
        self.sandbox.start()
        try:
            started = time.perf_counter()
            self._seed()
            self.seed_seconds = time.perf_counter() - started
            self.proxy = FaultProxy(
                self.sandbox.endpoint_url, latency_ms=self.latency_ms, throttle=self.throttle
            )
            self.proxy.start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self.proxy is not None:
            self.proxy.stop()
            self.proxy = None
        self.sandbox.stop()
        self._home.cleanup()

    def __enter__(self) -> BenchFleet:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- what contenders see --

    @property
    def url(self) -> str:
        assert self.proxy is not None, "the fleet is not running"
        return self.proxy.url

    @property
    def env(self) -> dict[str, str]:
        """Environment for a contender: the proxy as endpoint, no user config of any kind."""
        home = self._home.name
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("AWS_", "XDG_", "AMITUI_"))
        }
        env.update(SANDBOX_CREDENTIALS)
        env.update(
            {
                "AWS_ENDPOINT_URL": self.url,
                "AWS_DEFAULT_REGION": HOME_REGION,
                "AWS_CONFIG_FILE": os.path.join(home, "aws-config"),
                "AWS_SHARED_CREDENTIALS_FILE": os.path.join(home, "aws-credentials"),
                "AWS_EC2_METADATA_DISABLED": "true",
                "XDG_CONFIG_HOME": os.path.join(home, "config"),
                "XDG_STATE_HOME": os.path.join(home, "state"),
                "HOME": home,
            }
        )
        return env

    def client(self, region: str, *, direct: bool = False, service: str = "ec2") -> Any:
        """A boto3 client (EC2 unless ``service``) through the proxy (or ``direct`` to the
        sandbox)."""
        return boto3.client(
            service,
            region_name=region,
            endpoint_url=self.sandbox.endpoint_url if direct else self.url,
            aws_access_key_id=SANDBOX_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=SANDBOX_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=SANDBOX_CREDENTIALS["AWS_SESSION_TOKEN"],
            config=Config(retries={"mode": "standard", "max_attempts": 2}),
        )

    # -- seeding and warming --

    def _seed(self) -> None:
        counts = spread(self.images, len(self.regions))
        # Regions seed one at a time: the sandbox holds one interpreter lock anyway.
        for region, count in zip(self.regions, counts, strict=True):
            if count:
                self._post(f"/_amitui/bulk/{region}", {"Images": count, "NamePrefix": region})

    def _post(self, path: str, body: Mapping[str, Any]) -> Any:
        request = urllib.request.Request(
            self.sandbox.endpoint_url + path,
            data=json.dumps(body).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=600) as answer:
            return json.loads(answer.read())

    def warm(self) -> float:
        """Render every region's pages once, straight to the sandbox, so timed runs hit the cache.

        Contenders send the same requests (same parameters, same page size), so the first
        untimed run of each contender afterwards only fills in the odd differing request.
        """
        started = time.perf_counter()
        self.client(HOME_REGION, direct=True).describe_regions()

        def warm_region(region: str) -> None:
            ec2 = self.client(region, direct=True)
            for _ in ec2.get_paginator("describe_images").paginate(
                Owners=["self"],
                IncludeDeprecated=True,
                IncludeDisabled=True,
                PaginationConfig={"PageSize": 1000},
            ):
                pass
            for _ in ec2.get_paginator("describe_snapshots").paginate(
                OwnerIds=["self"], PaginationConfig={"PageSize": 1000}
            ):
                pass

        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(warm_region, self.regions))
        self.warm_seconds = time.perf_counter() - started
        return self.warm_seconds
