"""Regions not opted in: hidden by DescribeRegions, refused with 401 AuthFailure
(extensions.regions), on a sandbox started with --enabled-regions."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from amitui.sandbox import Sandbox

from ..sandbox_api import sandbox_fixture

ENABLED = ["eu-west-1", "us-east-1"]


#: A second sandbox: two enabled regions, and copies that stay pending for a second.
opted = sandbox_fixture("module", enabled_regions=ENABLED, copy_delay=1)


def test_describe_regions_lists_only_enabled_regions(opted: Sandbox, client_for: Any) -> None:
    """Without AllRegions only the enabled Regions are listed, as opt-in-not-required;
    AllRegions=true adds the others as not-opted-in."""
    ec2 = client_for(opted.endpoint_url, "eu-west-1")
    regions = ec2.describe_regions()["Regions"]
    assert sorted((r["RegionName"], r["OptInStatus"]) for r in regions) == [
        ("eu-west-1", "opt-in-not-required"),
        ("us-east-1", "opt-in-not-required"),
    ]
    everything = ec2.describe_regions(AllRegions=True)["Regions"]
    status = {r["RegionName"]: r["OptInStatus"] for r in everything}
    assert len(status) > 10
    assert status["eu-west-1"] == "opt-in-not-required"
    assert status["ap-southeast-2"] == "not-opted-in"
    opted_out = ec2.describe_regions(
        AllRegions=True, Filters=[{"Name": "opt-in-status", "Values": ["not-opted-in"]}]
    )["Regions"]
    assert {r["RegionName"] for r in opted_out} == set(status) - set(ENABLED)


def test_disabled_region_endpoint_answers_auth_failure(opted: Sandbox, client_for: Any) -> None:
    """A call signed for a Region not opted in is HTTP 401 AuthFailure."""
    with pytest.raises(ClientError) as raised:
        client_for(opted.endpoint_url, "ap-southeast-2").describe_images(Owners=["self"])
    response = raised.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 401
    assert response["Error"] == {
        "Code": "AuthFailure",
        "Message": "AWS was not able to validate the provided access credentials",
    }
    assert (
        client_for(opted.endpoint_url, "us-east-1").describe_images(Owners=["self"])["Images"] == []
    )


def test_without_enabled_regions_moto_behaviour_stands(
    ec2: Any, client_for: Any, sandbox: Sandbox
) -> None:
    """Without --enabled-regions DescribeRegions answers as moto does and no Region's
    endpoint is refused."""
    statuses = {r["RegionName"]: r["OptInStatus"] for r in ec2.describe_regions()["Regions"]}
    assert statuses["eu-west-1"] == "opt-in-not-required"
    assert len(statuses) > 20
    opt_in_only = next(name for name, status in statuses.items() if status == "not-opted-in")
    assert client_for(sandbox.endpoint_url, opt_in_only).describe_images(Owners=["self"])


def test_copy_is_pending_then_available(
    opted: Sandbox, client_for: Any, make_snapshot: Any, register: Any
) -> None:
    """With AMITUI_SANDBOX_COPY_DELAY the copy is first pending, then available, and the
    boto3 image_available waiter sees it through."""
    source_ec2 = client_for(opted.endpoint_url, "eu-west-1")
    ec2 = client_for(opted.endpoint_url, "us-east-1")
    source = register(source_ec2, "delayed", make_snapshot(source_ec2, 8))
    copy_id = ec2.copy_image(SourceImageId=source, SourceRegion="eu-west-1", Name="delayed")[
        "ImageId"
    ]
    assert ec2.describe_images(ImageIds=[copy_id])["Images"][0]["State"] == "pending"
    ec2.get_waiter("image_available").wait(
        ImageIds=[copy_id], WaiterConfig={"Delay": 0.25, "MaxAttempts": 20}
    )
    assert ec2.describe_images(ImageIds=[copy_id])["Images"][0]["State"] == "available"
