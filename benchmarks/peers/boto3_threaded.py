"""Peer: a plain boto3 script with a thread per region.

The same work as ``amitui ls --format json`` (see ``boto3_sequential.py``), each region in
its own thread. Written the way a careful engineer would: clients are created up front in the
main thread from one session (botocore's client factory is not thread-safe, and one session
parses the EC2 service model once), then every region runs concurrently.
"""

from __future__ import annotations

import json
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

import boto3
from botocore.config import Config


def _default(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def list_region(ec2: Any, region: str) -> list[dict[str, Any]]:
    images: list[dict[str, Any]] = []
    for page in ec2.get_paginator("describe_images").paginate(
        Owners=["self"],
        IncludeDeprecated=True,
        IncludeDisabled=True,
        PaginationConfig={"PageSize": 1000},
    ):
        images.extend({**image, "Region": region} for image in page["Images"])
    return images


def main() -> int:
    session = boto3.Session()
    # Regions named on the command line (one region alone) are not looked up.
    regions = sys.argv[1:] or sorted(
        r["RegionName"] for r in session.client("ec2").describe_regions()["Regions"]
    )
    config = Config(max_pool_connections=4)
    clients = {r: session.client("ec2", region_name=r, config=config) for r in regions}
    with ThreadPoolExecutor(max_workers=len(regions)) as pool:
        per_region = list(pool.map(lambda r: list_region(clients[r], r), regions))
    images = [image for region_images in per_region for image in region_images]
    json.dump(images, sys.stdout, indent=2, default=_default)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
