"""Helpers that build small, known fleets in a sandbox through the EC2 API (boto3)."""

from __future__ import annotations

from typing import Any

import boto3

from amitui.sandbox import SANDBOX_CREDENTIALS


def ec2_client(endpoint_url: str, region: str) -> Any:
    return boto3.client(
        "ec2",
        region_name=region,
        endpoint_url=endpoint_url,
        aws_access_key_id=SANDBOX_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=SANDBOX_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )


#: (endpoint, region) -> the first availability zone: asked once, not before every volume.
_zones: dict[tuple[str, str], str] = {}


def first_zone(ec2: Any) -> str:
    key = (ec2.meta.endpoint_url, ec2.meta.region_name)
    if key not in _zones:
        _zones[key] = ec2.describe_availability_zones()["AvailabilityZones"][0]["ZoneName"]
    return _zones[key]


def make_snapshot(ec2: Any, size: int, **volume: Any) -> str:
    zone = first_zone(ec2)
    volume_id = ec2.create_volume(Size=size, AvailabilityZone=zone, **volume)["VolumeId"]
    snapshot_id: str = ec2.create_snapshot(VolumeId=volume_id, Description="test")["SnapshotId"]
    return snapshot_id


def register_image(ec2: Any, name: str, *snapshot_ids: str, **kwargs: Any) -> str:
    """An hvm x86_64 image mapping the snapshots as /dev/xvda (root), /dev/xvdb, …"""
    mappings = [
        {"DeviceName": f"/dev/xvd{chr(ord('a') + i)}", "Ebs": {"SnapshotId": snapshot}}
        for i, snapshot in enumerate(snapshot_ids)
    ]
    image_id: str = ec2.register_image(
        Name=name,
        Architecture="x86_64",
        VirtualizationType="hvm",
        RootDeviceName="/dev/xvda",
        BlockDeviceMappings=mappings,
        **kwargs,
    )["ImageId"]
    return image_id
