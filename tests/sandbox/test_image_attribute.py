"""DescribeImageAttribute (extensions.image_attribute).

EC2 API reference, DescribeImageAttribute: ``Attribute`` valid values "description | kernel |
ramdisk | launchPermission | productCodes | blockDeviceMapping | sriovNetSupport | bootMode |
tpmSupport | uefiData | lastLaunchedTime | imdsSupport | deregistrationProtection"; the answer's
``DeregistrationProtection`` "Indicates whether deregistration protection is enabled for the
AMI". EC2's error codes: ``InvalidAMIID.NotFound`` "Specified AMI ID does not exist",
``InvalidAMIID.Unavailable`` "Specified AMI ID has been deregistered and is no longer
available". An unknown attribute: the reference names no code; EC2 answers
InvalidParameterValue "Value (…) for parameter attribute is invalid. Unknown attribute."
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError


@pytest.fixture
def image_id(ec2: Any, make_snapshot: Any, register: Any) -> str:
    image: str = register(ec2, "attr-2026.11", make_snapshot(ec2, 8))
    return image


def _error(call: Any, **params: Any) -> dict[str, str]:
    with pytest.raises(ClientError) as raised:
        call(**params)
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    error: dict[str, str] = raised.value.response["Error"]
    return error


def test_deregistration_protection_attribute(ec2: Any, image_id: str) -> None:
    def protection() -> str:
        answer = ec2.describe_image_attribute(
            ImageId=image_id, Attribute="deregistrationProtection"
        )
        assert answer["ImageId"] == image_id
        value: str = answer["DeregistrationProtection"]["Value"]
        return value

    assert protection() == "disabled"
    ec2.enable_image_deregistration_protection(ImageId=image_id, WithCooldown=True)
    assert protection() == "enabled-with-cooldown"
    (image,) = ec2.describe_images(ImageIds=[image_id])["Images"]
    assert image["DeregistrationProtection"] == protection()
    ec2.disable_image_deregistration_protection(ImageId=image_id)
    assert protection().startswith("disabled-until ")


ATTRIBUTES = ("description", "launchPermission", "lastLaunchedTime", "deregistrationProtection",
              "bootMode")  # fmt: skip


def test_unknown_and_deregistered_images(ec2: Any, image_id: str) -> None:
    for attribute in ATTRIBUTES:
        unknown = _error(ec2.describe_image_attribute, ImageId="ami-0123456789abcdef0",
                         Attribute=attribute)  # fmt: skip
        assert unknown == {
            "Code": "InvalidAMIID.NotFound",
            "Message": "The image id '[ami-0123456789abcdef0]' does not exist",
        }
    ec2.deregister_image(ImageId=image_id)
    for attribute in ATTRIBUTES:
        gone = _error(ec2.describe_image_attribute, ImageId=image_id, Attribute=attribute)
        assert gone["Code"] == "InvalidAMIID.Unavailable", attribute


def test_unknown_attribute(ec2: Any, image_id: str) -> None:
    error = _error(ec2.describe_image_attribute, ImageId=image_id, Attribute="colour")
    assert error == {
        "Code": "InvalidParameterValue",
        "Message": "Value (colour) for parameter attribute is invalid. Unknown attribute.",
    }
