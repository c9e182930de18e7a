"""DescribeInstanceImageMetadata and GetImageAncestry (extensions.instance_image_metadata,
extensions.image_ancestry)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from amitui.sandbox import SANDBOX_ACCOUNT_ID, Sandbox

from .organization_fleet import Organization, OwnSandbox, organization

# More regions than this package's shared sandbox can spare: a sandbox of this module's own.
_own = OwnSandbox()
sandbox = _own.sandbox_fixture()
region = _own.region_fixture()
another_region = _own.region_fixture()


@pytest.fixture
def org(sandbox: Sandbox) -> Organization:
    return organization(sandbox.endpoint_url)


def test_instance_image_metadata_outlives_the_image(
    ec2: Any, register: Any, make_snapshot: Any
) -> None:
    """DescribeInstanceImageMetadata: "Describes the AMI that was used to launch an instance,
    even if the AMI is deprecated, deregistered, made private (no longer public or shared with
    your account), or not allowed." ``ImageMetadata``: ImageId, Name, OwnerId, State ("The
    current state of the AMI"), CreationDate, IsPublic ("Indicates whether the AMI has public
    launch permissions")."""
    image_id = register(ec2, "app-1", make_snapshot(ec2, 8))
    [instance] = ec2.run_instances(
        ImageId=image_id,
        MinCount=1,
        MaxCount=1,
        InstanceType="t3.micro",
        TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "a"}]}],
    )["Instances"]
    [entry] = ec2.describe_instance_image_metadata()["InstanceImageMetadata"]
    assert entry["InstanceId"] == instance["InstanceId"]
    assert entry["InstanceType"] == "t3.micro"
    assert entry["OwnerId"] == SANDBOX_ACCOUNT_ID
    assert entry["State"]["Name"] in ("pending", "running")
    assert entry["Tags"] == [{"Key": "Name", "Value": "a"}]
    assert entry["AvailabilityZone"] == instance["Placement"]["AvailabilityZone"]
    live = entry["ImageMetadata"]
    assert live["ImageId"] == image_id and live["Name"] == "app-1"
    assert live["OwnerId"] == SANDBOX_ACCOUNT_ID and live["State"] == "available"
    assert live["IsPublic"] is False

    ec2.deregister_image(ImageId=image_id)
    [after] = ec2.describe_instance_image_metadata(InstanceIds=[instance["InstanceId"]])[
        "InstanceImageMetadata"
    ]
    gone = after["ImageMetadata"]
    assert gone["ImageId"] == image_id and gone["Name"] == "app-1"
    assert gone["State"] == "deregistered"
    assert gone["CreationDate"] == live["CreationDate"]


def test_instance_image_metadata_ids_filters_and_limits(
    ec2: Any, register: Any, make_snapshot: Any
) -> None:
    """ "If you specify an instance ID that is not valid, an instance that doesn't exist, or an
    instance that you do not own, an error (InvalidInstanceID.NotFound) is returned." Filters
    include ``instance-type`` and ``instance-state-name``; ``MaxResults`` "Default: 1000"
    (1 to 1000) pages with ``NextToken``."""
    image_id = register(ec2, "app-2", make_snapshot(ec2, 8))
    small = ec2.run_instances(ImageId=image_id, MinCount=2, MaxCount=2, InstanceType="t3.micro")
    ec2.run_instances(ImageId=image_id, MinCount=1, MaxCount=1, InstanceType="m7i.large")
    with pytest.raises(ClientError) as unknown:
        ec2.describe_instance_image_metadata(InstanceIds=["i-0123456789abcdef0"])
    assert unknown.value.response["Error"]["Code"] == "InvalidInstanceID.NotFound"
    typed = ec2.describe_instance_image_metadata(
        Filters=[{"Name": "instance-type", "Values": ["t3.micro"]}]
    )["InstanceImageMetadata"]
    assert sorted(e["InstanceId"] for e in typed) == sorted(
        i["InstanceId"] for i in small["Instances"]
    )
    first = ec2.describe_instance_image_metadata(MaxResults=2)
    rest = ec2.describe_instance_image_metadata(MaxResults=2, NextToken=first["NextToken"])
    assert len(first["InstanceImageMetadata"]) == 2 and len(rest["InstanceImageMetadata"]) == 1
    assert "NextToken" not in rest
    with pytest.raises(ClientError) as too_many:
        ec2.describe_instance_image_metadata(MaxResults=1001)
    assert too_many.value.response["Error"]["Code"] == "InvalidParameterValue"


def test_instance_image_metadata_of_an_image_no_longer_shared(
    org: Organization, region: str, register: Any, make_snapshot: Any
) -> None:
    """The same, for an image another account shared and then made private again: the member
    still learns which AMI its instance runs, and who owns it."""
    owner = org.client("management", "ec2", region)
    image_id = register(owner, "golden", make_snapshot(owner, 8))
    owner.modify_image_attribute(
        ImageId=image_id, LaunchPermission={"Add": [{"UserId": org.accounts["dev"]}]}
    )
    dev = org.client("dev", "ec2", region)
    dev.run_instances(ImageId=image_id, MinCount=1, MaxCount=1)
    owner.modify_image_attribute(
        ImageId=image_id, LaunchPermission={"Remove": [{"UserId": org.accounts["dev"]}]}
    )
    assert dev.describe_images(ExecutableUsers=["self"])["Images"] == []
    [entry] = dev.describe_instance_image_metadata()["InstanceImageMetadata"]
    assert entry["OwnerId"] == org.accounts["dev"]
    assert entry["ImageMetadata"]["ImageId"] == image_id
    assert entry["ImageMetadata"]["OwnerId"] == SANDBOX_ACCOUNT_ID
    assert entry["ImageMetadata"]["Name"] == "golden"


def test_ancestry_follows_copies_across_regions_and_create_image(
    ec2_in: Any, region: str, another_region: str, register: Any, make_snapshot: Any
) -> None:
    """GetImageAncestry: "A list of entries in the AMI ancestry chain, from the specified AMI
    to the root AMI", each with ``SourceImageId`` ("The ID of the parent AMI") and
    ``SourceImageRegion``. User guide, AMI ancestry: "For AMIs created using CreateImage
    (creates an AMI from an instance), the source AMI ID is the ID of the AMI used to launch
    the instance"; the root is "An AMI with no recorded ancestor. For example, when using
    RegisterImage"."""
    home, away = ec2_in(region), ec2_in(another_region)
    root = register(home, "base", make_snapshot(home, 8))
    copy = away.copy_image(SourceImageId=root, SourceRegion=region, Name="base-copy")["ImageId"]
    [instance] = away.run_instances(ImageId=copy, MinCount=1, MaxCount=1)["Instances"]
    child = away.create_image(InstanceId=instance["InstanceId"], Name="app-from-copy")["ImageId"]
    (described,) = away.describe_images(ImageIds=[child])["Images"]
    assert (described["SourceImageId"], described["SourceImageRegion"]) == (copy, another_region)

    entries = away.get_image_ancestry(ImageId=child)["ImageAncestryEntries"]
    assert [
        (e["ImageId"], e.get("SourceImageId"), e.get("SourceImageRegion")) for e in entries
    ] == [
        (child, copy, another_region),
        (copy, root, region),
        (root, None, None),
    ]
    assert all("CreationDate" in e for e in entries)


def test_ancestry_errors_and_a_deregistered_ancestor(
    ec2_in: Any, region: str, another_region: str, register: Any, make_snapshot: Any
) -> None:
    """An unknown id is ``InvalidAMIID.NotFound``, a deregistered one
    ``InvalidAMIID.Unavailable`` (EC2's codes for every image call). The reference is silent
    about a deregistered ancestor: the sandbox's chain ends at the last AMI it still has, whose
    entry names the missing parent."""
    home, away = ec2_in(region), ec2_in(another_region)
    root = register(home, "base", make_snapshot(home, 8))
    copy = away.copy_image(SourceImageId=root, SourceRegion=region, Name="base-copy")["ImageId"]
    home.deregister_image(ImageId=root)
    entries = away.get_image_ancestry(ImageId=copy)["ImageAncestryEntries"]
    assert [(e["ImageId"], e["SourceImageId"]) for e in entries] == [(copy, root)]
    for image_id, code in (
        ("ami-0123456789abcdef0", "InvalidAMIID.NotFound"),
        (root, "InvalidAMIID.Unavailable"),
    ):
        with pytest.raises(ClientError) as error:
            home.get_image_ancestry(ImageId=image_id)
        assert error.value.response["Error"]["Code"] == code
