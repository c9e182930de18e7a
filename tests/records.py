"""Model records made by hand: images, snapshots and inventories for tests that need no
sandbox (the fast lane, ``pytest -m fast``).

The records go through the model's own ``from_aws`` constructors, from the DescribeImages /
DescribeSnapshots shapes, so they are what the loader would build from the same answers.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from amitui.model import Image, Inventory, RegionLoad, RegionStatus, Snapshot

ACCOUNT = "123456789012"
OTHER_ACCOUNT = "210987654321"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
CUSTOMER_KEY = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"

_serials = itertools.count(1)


def fresh_id(prefix: str) -> str:
    """An id of EC2's shape (17 hex digits), unique within the test session."""
    return f"{prefix}-{next(_serials):017x}"


def image(
    name: str,
    *,
    region: str = "us-east-1",
    image_id: str | None = None,
    owner: str = ACCOUNT,
    snapshots: Sequence[tuple[str, int]] = (),
    encrypted: bool = False,
    kms_key: str | None = None,
    public: bool = False,
    state: str = "available",
    created: str = "2026-11-03T10:00:00.000Z",
    deprecation: str | None = None,
    protection: str = "disabled",
    source: tuple[str, str] | None = None,
    tags: Mapping[str, str] | None = None,
    **record: Any,
) -> Image:
    """An image as DescribeImages reports it. ``snapshots`` are (snapshot id, GiB) mapped
    as /dev/xvda, /dev/xvdb, …; without any, one fresh 8 GiB root snapshot. ``source`` is
    (source image id, source region) of a copy. Other DescribeImages fields go in ``record``."""
    disks = snapshots or ((fresh_id("snap"), 8),)
    mappings = []
    for index, (snapshot_id, size) in enumerate(disks):
        ebs: dict[str, Any] = {"SnapshotId": snapshot_id, "VolumeSize": size}
        if encrypted:
            ebs["Encrypted"] = True
            if kms_key:
                ebs["KmsKeyId"] = kms_key
        mappings.append({"DeviceName": f"/dev/xvd{chr(ord('a') + index)}", "Ebs": ebs})
    fields: dict[str, Any] = {
        "ImageId": image_id or fresh_id("ami"),
        "Name": name,
        "OwnerId": owner,
        "State": state,
        "Public": public,
        "CreationDate": created,
        "DeregistrationProtection": protection,
        "RootDeviceName": "/dev/xvda",
        "BlockDeviceMappings": mappings,
        "Tags": [{"Key": k, "Value": v} for k, v in (tags or {}).items()],
    }
    if deprecation:
        fields["DeprecationTime"] = deprecation
    if source:
        fields["SourceImageId"], fields["SourceImageRegion"] = source
    fields.update(record)
    return Image.from_aws(region, fields)


def snapshot(
    snapshot_id: str,
    size: int,
    *,
    region: str = "us-east-1",
    owner: str = ACCOUNT,
    tier: str = "standard",
    tags: Mapping[str, str] | None = None,
    description: str = "",
) -> Snapshot:
    """A snapshot as DescribeSnapshots reports it."""
    return Snapshot.from_aws(
        region,
        {
            "SnapshotId": snapshot_id,
            "VolumeSize": size,
            "OwnerId": owner,
            "State": "completed",
            "StorageTier": tier,
            "Description": description,
            "Tags": [{"Key": k, "Value": v} for k, v in (tags or {}).items()],
        },
    )


def inventory(images: Iterable[Image], snapshots: Iterable[Snapshot] = ()) -> Inventory:
    """The images and snapshots as loaded regions (each region loaded, one account)."""
    by_region: dict[str, tuple[list[Image], list[Snapshot]]] = defaultdict(lambda: ([], []))
    for one in images:
        by_region[one.region][0].append(one)
    for snap in snapshots:
        by_region[snap.region][1].append(snap)
    loaded = Inventory()
    for region, (region_images, region_snapshots) in by_region.items():
        loaded.add(
            RegionLoad(region, RegionStatus.LOADED, tuple(region_images), tuple(region_snapshots))
        )
    return loaded
