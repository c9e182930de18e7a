"""Peer: a plain boto3 script that lists every region's images one region after another.

The same work as ``amitui ls --format json``: DescribeRegions, then per region
DescribeImages (Owners=self, deprecated and disabled included) through the paginator with
1,000-item pages; prints the images as a JSON array of AWS's records plus ``"Region"``.
Endpoint and credentials come from the standard chain (``AWS_ENDPOINT_URL``...), as for amitui.
Regions given as arguments are listed without DescribeRegions, as ``amitui ls --region``.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import Any

import boto3


def _default(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def list_region(session: boto3.Session, region: str) -> list[dict[str, Any]]:
    ec2 = session.client("ec2", region_name=region)
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
    images: list[dict[str, Any]] = []
    for region in regions:
        images.extend(list_region(session, region))
    json.dump(images, sys.stdout, indent=2, default=_default)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
