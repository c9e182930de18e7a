"""Each account has its own Recycle Bin rules (extensions.recycle_bin), as on AWS.

Recycle Bin User Guide: retention rules are created in, and apply to, an account's Region
("Retention rules per Region"); the Recycle Bin API reference, CreateRule, returns a
``RuleArn`` naming the account. A member account of an organization (reached through STS
AssumeRole) sees none of the management account's rules, and its deregistered images are
kept by its own rules only.
"""

from __future__ import annotations

from amitui.sandbox import SANDBOX_ACCOUNT_ID, Sandbox

from .organization_fleet import Organization, OwnSandbox, organization

_own = OwnSandbox()
sandbox = _own.sandbox_fixture()
region = _own.region_fixture()


def _week(kind: str) -> dict[str, object]:
    return {
        "ResourceType": kind,
        "RetentionPeriod": {"RetentionPeriodValue": 7, "RetentionPeriodUnit": "DAYS"},
    }


def test_rules_belong_to_the_account_that_made_them(sandbox: Sandbox, region: str) -> None:
    org: Organization = organization(sandbox.endpoint_url)
    member = org.accounts["staging"]
    management_rbin = org.client("management", "rbin", region)
    member_rbin = org.client("staging", "rbin", region)

    made = management_rbin.create_rule(**_week("EC2_IMAGE"))

    assert made["RuleArn"].split(":")[4] == SANDBOX_ACCOUNT_ID
    assert [
        r["Identifier"] for r in management_rbin.list_rules(ResourceType="EC2_IMAGE")["Rules"]
    ] == [made["Identifier"]]
    assert member_rbin.list_rules(ResourceType="EC2_IMAGE")["Rules"] == []

    # The member's deregistration is not kept by the management account's rule ...
    ec2 = org.client("staging", "ec2", region)
    volume = ec2.create_volume(Size=8, AvailabilityZone=f"{region}a")["VolumeId"]
    snapshot = ec2.create_snapshot(VolumeId=volume)["SnapshotId"]
    image_id = ec2.register_image(
        Name="member-image", RootDeviceName="/dev/xvda",
        BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"SnapshotId": snapshot}}],
    )["ImageId"]  # fmt: skip
    ec2.deregister_image(ImageId=image_id)
    assert ec2.list_images_in_recycle_bin()["Images"] == []

    # ... but by its own.
    own = member_rbin.create_rule(**_week("EC2_IMAGE"))
    assert own["RuleArn"].split(":")[4] == member
    again = ec2.register_image(
        Name="member-image-2", RootDeviceName="/dev/xvda",
        BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"SnapshotId": snapshot}}],
    )["ImageId"]  # fmt: skip
    ec2.deregister_image(ImageId=again)
    assert [i["ImageId"] for i in ec2.list_images_in_recycle_bin()["Images"]] == [again]
