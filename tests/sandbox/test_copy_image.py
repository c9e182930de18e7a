"""CopyImage copies disks, records its source, honours encryption, tags and ClientToken
(extensions.copy_image)."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from botocore.exceptions import ClientError

LAYOUT = ("Architecture", "VirtualizationType", "RootDeviceName", "RootDeviceType",
          "BootMode", "EnaSupport", "TpmSupport", "ImdsSupport")  # fmt: skip


@pytest.fixture
def source(ec2: Any, region: str, make_snapshot: Any) -> dict[str, Any]:
    """A two-disk tagged image in this test's region."""
    root, data = make_snapshot(ec2, 8), make_snapshot(ec2, 40)
    image_id = ec2.register_image(
        Name="web-golden-2026.11.03",
        Description="golden web",
        Architecture="arm64",
        VirtualizationType="hvm",
        RootDeviceName="/dev/xvda",
        BootMode="uefi",
        EnaSupport=True,
        TpmSupport="v2.0",
        ImdsSupport="v2.0",
        BlockDeviceMappings=[
            {"DeviceName": "/dev/xvda", "Ebs": {"SnapshotId": root}},
            {"DeviceName": "/dev/xvdb", "Ebs": {"SnapshotId": data, "VolumeType": "gp3"}},
            {"DeviceName": "/dev/sdc", "VirtualName": "ephemeral0"},
        ],
        TagSpecifications=[{"ResourceType": "image", "Tags": [{"Key": "family", "Value": "web"}]}],
    )["ImageId"]
    (image,) = ec2.describe_images(ImageIds=[image_id])["Images"]
    return {"region": region, "image": image, "snapshots": [root, data]}


def test_copy_records_source_and_copies_each_disk(
    source: dict[str, Any], ec2_in: Any, region: str, another_region: str
) -> None:
    """The copy reports SourceImageId/SourceImageRegion, keeps the layout and launch
    attributes and the source's description, maps new snapshots of the same sizes in the
    destination Region, and does not copy tags by default."""
    destination = ec2_in(another_region)
    copy_id = destination.copy_image(
        SourceImageId=source["image"]["ImageId"], SourceRegion=region, Name="web-copy"
    )["ImageId"]
    (copy,) = destination.describe_images(ImageIds=[copy_id])["Images"]

    assert copy["SourceImageId"] == source["image"]["ImageId"]
    assert copy["SourceImageRegion"] == region
    assert copy["Name"] == "web-copy"
    assert copy["Description"] == "golden web"
    assert copy["State"] == "available"
    assert {k: copy.get(k) for k in LAYOUT} == {k: source["image"].get(k) for k in LAYOUT}
    assert "Tags" not in copy or copy["Tags"] == []

    devices = [(m["DeviceName"], m.get("VirtualName")) for m in copy["BlockDeviceMappings"]]
    assert devices == [("/dev/xvda", None), ("/dev/xvdb", None), ("/dev/sdc", "ephemeral0")]
    copied = [m["Ebs"]["SnapshotId"] for m in copy["BlockDeviceMappings"][:2]]
    assert not set(copied) & set(source["snapshots"])
    snapshots = {
        s["SnapshotId"]: s for s in destination.describe_snapshots(SnapshotIds=copied)["Snapshots"]
    }
    assert [snapshots[s]["VolumeSize"] for s in copied] == [8, 40]
    assert [m["Ebs"]["VolumeSize"] for m in copy["BlockDeviceMappings"][:2]] == [8, 40]
    assert copy["BlockDeviceMappings"][1]["Ebs"]["VolumeType"] == "gp3"
    # EC2 writes (the reference gives no text; AWS accounts show it so): "Copied for
    # DestinationAmi ami-… from SourceAmi ami-… for SourceSnapshot snap-…. Task created on
    # 1,566,308,778,174." -- the task's start in epoch milliseconds, digits grouped by commas.
    description = re.fullmatch(
        rf"Copied for DestinationAmi {copy_id} from SourceAmi {source['image']['ImageId']}"
        rf" for SourceSnapshot {source['snapshots'][0]}\. Task created on (\d{{1,3}}(,\d{{3}})*)\.",
        snapshots[copied[0]]["Description"],
    )
    assert description is not None, snapshots[copied[0]]["Description"]
    millis = int(description.group(1).replace(",", ""))
    assert abs(millis / 1000 - time.time()) < 600
    assert not any(s["Encrypted"] for s in snapshots.values())


def test_copy_encrypted_with_key_and_tags(
    source: dict[str, Any], ec2_in: Any, region: str, another_region: str
) -> None:
    """Encrypted+KmsKeyId encrypt every copied snapshot with that key; CopyImageTags copies
    the user tags; TagSpecifications tag the new image."""
    destination = ec2_in(another_region)
    key = f"arn:aws:kms:{another_region}:123456789012:key/copy-key"
    copy_id = destination.copy_image(
        SourceImageId=source["image"]["ImageId"],
        SourceRegion=region,
        Name="web-copy-encrypted",
        Description="encrypted copy",
        Encrypted=True,
        KmsKeyId=key,
        CopyImageTags=True,
        TagSpecifications=[{"ResourceType": "image", "Tags": [{"Key": "copy", "Value": "yes"}]}],
    )["ImageId"]
    (copy,) = destination.describe_images(ImageIds=[copy_id])["Images"]
    assert copy["Description"] == "encrypted copy"
    assert sorted((t["Key"], t["Value"]) for t in copy["Tags"]) == [
        ("copy", "yes"),
        ("family", "web"),
    ]
    ebs = [m["Ebs"] for m in copy["BlockDeviceMappings"] if "Ebs" in m]
    assert [(e["Encrypted"], e["KmsKeyId"]) for e in ebs] == [(True, key)] * 2
    snapshots = destination.describe_snapshots(SnapshotIds=[e["SnapshotId"] for e in ebs])
    assert {(s["Encrypted"], s["KmsKeyId"]) for s in snapshots["Snapshots"]} == {(True, key)}


def test_kms_key_requires_encrypted(source: dict[str, Any], ec2: Any, region: str) -> None:
    """ "If you specify a KMS key, you must also set the encrypted state to true." """
    with pytest.raises(ClientError) as raised:
        ec2.copy_image(
            SourceImageId=source["image"]["ImageId"], SourceRegion=region, Name="xyz", KmsKeyId="k"
        )
    assert raised.value.response["Error"]["Code"] == "InvalidParameterDependency"


def test_client_token_makes_copy_idempotent(source: dict[str, Any], ec2: Any, region: str) -> None:
    """The same ClientToken and parameters return the same ImageId and copy nothing more;
    the same token with other parameters is IdempotentParameterMismatch."""
    request = {
        "SourceImageId": source["image"]["ImageId"],
        "SourceRegion": region,
        "Name": "same-region-copy",
        "ClientToken": "copy-once",
    }
    first = ec2.copy_image(**request)["ImageId"]
    assert ec2.copy_image(**request)["ImageId"] == first
    names = [i["Name"] for i in ec2.describe_images(Owners=["self"])["Images"]]
    assert names.count("same-region-copy") == 1
    with pytest.raises(ClientError) as raised:
        ec2.copy_image(**{**request, "Name": "another-name"})
    assert raised.value.response["Error"]["Code"] == "IdempotentParameterMismatch"


def test_copy_of_unknown_image_fails(ec2: Any, region: str) -> None:
    """Copying an image that does not exist in the source Region is InvalidAMIID.NotFound."""
    with pytest.raises(ClientError) as raised:
        ec2.copy_image(SourceImageId="ami-0123456789abcdef0", SourceRegion=region, Name="xyz")
    assert raised.value.response["Error"]["Code"] == "InvalidAMIID.NotFound"
