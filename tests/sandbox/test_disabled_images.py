"""Disabled images (extensions.image_state).

EC2 API reference, DisableImage: "Sets the AMI state to disabled and removes all launch
permissions from the AMI. A disabled AMI can't be used for instance launches. A disabled AMI
can't be shared. If an AMI was public or previously shared, it is made private. [...] A
disabled AMI does not appear in DescribeImages API calls by default."
DescribeImages ``IncludeDisabled``: "Specifies whether to include disabled AMIs. Default: No
disabled AMIs are included in the response."
User guide "Disable an Amazon EC2 AMI", on re-enabling: "AWS accounts, organizations, and
Organizational Units that lost access to the AMI when it was disabled do not regain access
automatically, but the AMI can be shared with them again."
The reference names no error code for sharing or launching a disabled AMI (the sandbox says
InvalidParameter and InvalidAMIID.Unavailable).
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

ORG = "arn:aws:organizations::123456789012:organization/o-abc123defg"


@pytest.fixture
def disabled(ec2: Any, make_snapshot: Any, register: Any) -> str:
    """A public image shared with an account and an organization, then disabled."""
    image_id: str = register(ec2, "retired-2025.01", make_snapshot(ec2, 8))
    ec2.modify_image_attribute(
        ImageId=image_id,
        LaunchPermission={
            "Add": [{"Group": "all"}, {"UserId": "210987654321"}, {"OrganizationArn": ORG}]
        },
    )
    ec2.disable_image(ImageId=image_id)
    return image_id


def _listed(ec2: Any, **params: Any) -> set[str]:
    return {i["ImageId"] for i in ec2.describe_images(Owners=["self"], **params)["Images"]}


def test_disabled_images_are_listed_only_with_include_disabled(
    ec2: Any, disabled: str, make_snapshot: Any, register: Any
) -> None:
    available = register(ec2, "web-2026.11", make_snapshot(ec2, 8))

    assert _listed(ec2) == {available}
    assert _listed(ec2, IncludeDisabled=False) == {available}
    assert _listed(ec2, IncludeDisabled=True) == {available, disabled}
    # The paginated form (amitui's loader) hides them too.
    pages = ec2.get_paginator("describe_images").paginate(Owners=["self"], MaxResults=5)
    assert {i["ImageId"] for p in pages for i in p["Images"]} == {available}
    # The user guide's own example describes a disabled AMI by id without the flag.
    (image,) = ec2.describe_images(ImageIds=[disabled])["Images"]
    assert image["State"] == "disabled"


def test_disabling_removes_every_launch_permission_and_public(ec2: Any, disabled: str) -> None:
    (image,) = ec2.describe_images(ImageIds=[disabled])["Images"]
    assert image["Public"] is False
    attribute = ec2.describe_image_attribute(ImageId=disabled, Attribute="launchPermission")
    assert attribute["LaunchPermissions"] == []
    assert ec2.describe_images(ExecutableUsers=["all"], Owners=["self"])["Images"] == []


def test_a_disabled_image_cannot_be_shared_or_launched(ec2: Any, disabled: str) -> None:
    with pytest.raises(ClientError) as shared:
        ec2.modify_image_attribute(
            ImageId=disabled, LaunchPermission={"Add": [{"UserId": "210987654321"}]}
        )
    assert shared.value.response["Error"]["Code"] == "InvalidParameter"
    assert "disabled" in shared.value.response["Error"]["Message"]

    with pytest.raises(ClientError) as launched:
        ec2.run_instances(ImageId=disabled, MinCount=1, MaxCount=1, InstanceType="t3.micro")
    assert launched.value.response["Error"]["Code"] == "InvalidAMIID.Unavailable"

    template = ec2.create_launch_template(
        LaunchTemplateName="uses-disabled", LaunchTemplateData={"ImageId": disabled}
    )["LaunchTemplate"]
    with pytest.raises(ClientError) as from_template:
        ec2.run_instances(
            LaunchTemplate={"LaunchTemplateId": template["LaunchTemplateId"]},
            MinCount=1,
            MaxCount=1,
        )
    assert from_template.value.response["Error"]["Code"] == "InvalidAMIID.Unavailable"


def test_enable_image_restores_no_permission(ec2: Any, disabled: str) -> None:
    ec2.enable_image(ImageId=disabled)

    (image,) = ec2.describe_images(ImageIds=[disabled])["Images"]
    assert (image["State"], image["Public"]) == ("available", False)
    attribute = ec2.describe_image_attribute(ImageId=disabled, Attribute="launchPermission")
    assert attribute["LaunchPermissions"] == []
    # "... but the AMI can be shared with them again", and launched.
    ec2.modify_image_attribute(
        ImageId=disabled, LaunchPermission={"Add": [{"UserId": "210987654321"}]}
    )
    ec2.run_instances(ImageId=disabled, MinCount=1, MaxCount=1, InstanceType="t3.micro")
