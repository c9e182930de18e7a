"""RegisterImage honours BlockDeviceMappings and launch attributes (extensions.block_devices)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError


def test_register_image_maps_exactly_the_given_disks(ec2: Any, make_snapshot: Any) -> None:
    """EC2 maps each given disk; VolumeSize defaults to the snapshot's size; encryption comes
    from the snapshot; ephemeral mappings are kept; no snapshot is invented."""
    key = "arn:aws:kms:us-east-1:123456789012:key/root-key"
    root = make_snapshot(ec2, 8, Encrypted=True, KmsKeyId=key)
    data = make_snapshot(ec2, 20)
    before = {s["SnapshotId"] for s in ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"]}

    image_id = ec2.register_image(
        Name="web-golden-2026.11.03",
        Description="golden web image",
        Architecture="arm64",
        VirtualizationType="hvm",
        RootDeviceName="/dev/xvda",
        BootMode="uefi",
        EnaSupport=True,
        SriovNetSupport="simple",
        TpmSupport="v2.0",
        ImdsSupport="v2.0",
        BlockDeviceMappings=[
            {"DeviceName": "/dev/xvda", "Ebs": {"SnapshotId": root}},
            {
                "DeviceName": "/dev/xvdb",
                "Ebs": {"SnapshotId": data, "VolumeSize": 50, "VolumeType": "gp3",
                        "DeleteOnTermination": False},
            },
            {"DeviceName": "/dev/sdc", "VirtualName": "ephemeral0"},
        ],
        TagSpecifications=[{"ResourceType": "image", "Tags": [{"Key": "team", "Value": "web"}]}],
    )["ImageId"]  # fmt: skip

    (image,) = ec2.describe_images(ImageIds=[image_id])["Images"]
    assert image["BlockDeviceMappings"] == [
        {
            "DeviceName": "/dev/xvda",
            "Ebs": {"SnapshotId": root, "VolumeSize": 8, "VolumeType": "gp2",
                    "DeleteOnTermination": True, "Encrypted": True, "KmsKeyId": key},
        },
        {
            "DeviceName": "/dev/xvdb",
            "Ebs": {"SnapshotId": data, "VolumeSize": 50, "VolumeType": "gp3",
                    "DeleteOnTermination": False, "Encrypted": False},
        },
        {"DeviceName": "/dev/sdc", "VirtualName": "ephemeral0"},
    ]  # fmt: skip
    assert {k: image.get(k) for k in (
        "Name", "Description", "Architecture", "VirtualizationType", "RootDeviceName",
        "RootDeviceType", "BootMode", "EnaSupport", "SriovNetSupport", "TpmSupport",
        "ImdsSupport", "State", "OwnerId",
    )} == {
        "Name": "web-golden-2026.11.03", "Description": "golden web image",
        "Architecture": "arm64", "VirtualizationType": "hvm", "RootDeviceName": "/dev/xvda",
        "RootDeviceType": "ebs", "BootMode": "uefi", "EnaSupport": True,
        "SriovNetSupport": "simple", "TpmSupport": "v2.0", "ImdsSupport": "v2.0",
        "State": "available", "OwnerId": "123456789012",
    }  # fmt: skip
    assert image["Tags"] == [{"Key": "team", "Value": "web"}]
    after = {s["SnapshotId"] for s in ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"]}
    assert after == before


def test_register_image_defaults_per_api_reference(ec2: Any, make_snapshot: Any) -> None:
    """Architecture defaults to i386 and VirtualizationType to paravirtual for EBS images;
    attributes that were not given are not reported."""
    root = make_snapshot(ec2, 8)
    image_id = ec2.register_image(
        Name="bare", BlockDeviceMappings=[{"DeviceName": "/dev/sda1", "Ebs": {"SnapshotId": root}}]
    )["ImageId"]
    (image,) = ec2.describe_images(ImageIds=[image_id])["Images"]
    assert image["Architecture"] == "i386"
    assert image["VirtualizationType"] == "paravirtual"
    assert image["RootDeviceName"] == "/dev/sda1"
    assert not {"BootMode", "TpmSupport", "ImdsSupport", "SriovNetSupport"} & set(image)


def test_unknown_snapshot_is_refused(ec2: Any, register: Any) -> None:
    """A mapping naming a snapshot that does not exist fails with InvalidSnapshot.NotFound."""
    with pytest.raises(ClientError) as raised:
        register(ec2, "ghost", "snap-0123456789abcdef0")
    assert raised.value.response["Error"]["Code"] == "InvalidSnapshot.NotFound"
    assert "snap-0123456789abcdef0" in raised.value.response["Error"]["Message"]


def test_volume_smaller_than_snapshot_is_refused(ec2: Any, make_snapshot: Any) -> None:
    """A VolumeSize below the snapshot's size is an InvalidBlockDeviceMapping."""
    snap = make_snapshot(ec2, 30)
    with pytest.raises(ClientError) as raised:
        ec2.register_image(
            Name="too-small",
            BlockDeviceMappings=[
                {"DeviceName": "/dev/xvda", "Ebs": {"SnapshotId": snap, "VolumeSize": 10}}
            ],
        )
    assert raised.value.response["Error"]["Code"] == "InvalidBlockDeviceMapping"


def test_one_snapshot_may_back_two_images(ec2: Any, make_snapshot: Any, register: Any) -> None:
    """Two images may map the same snapshot; each reports it."""
    shared = make_snapshot(ec2, 8)
    first = register(ec2, "first", shared)
    second = register(ec2, "second", shared)
    images = ec2.describe_images(ImageIds=[first, second])["Images"]
    assert [i["BlockDeviceMappings"][0]["Ebs"]["SnapshotId"] for i in images] == [shared] * 2
