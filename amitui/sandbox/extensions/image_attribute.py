"""DescribeImageAttribute: every attribute EC2 lists, and EC2's errors for a bad image id.

EC2 (API reference, DescribeImageAttribute): ``Attribute`` "The AMI attribute", one of
``description | kernel | ramdisk | launchPermission | productCodes | blockDeviceMapping |
sriovNetSupport | bootMode | tpmSupport | uefiData | lastLaunchedTime | imdsSupport |
deregistrationProtection``; the answer's ``DeregistrationProtection`` "Indicates whether
deregistration protection is enabled for the AMI" (an AttributeValue, the same words as
DescribeImages). "The blockDeviceMapping attribute is deprecated. Using this attribute returns
the Client.AuthFailure error" (moto already does so).

An image that never existed is ``InvalidAMIID.NotFound`` ("The image id '[ami-…]' does not
exist"), a deregistered one ``InvalidAMIID.Unavailable`` (EC2's error codes: "Specified AMI
ID does not exist" / "Specified AMI ID has been deregistered and is no longer available");
moto answered both with an HTML 500. An attribute name outside the list is
``InvalidParameterValue`` "Value (…) for parameter attribute is invalid. Unknown attribute."
(EC2's wording; the reference names no code), where moto said ``InvalidRequest``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.core.responses import ActionResult
from moto.ec2.responses.amis import AmisResponse

from ._moto import ec2_error, requested_image, wrap
from .deregistration_protection import describe_protection

ATTRIBUTES = (
    "description", "kernel", "ramdisk", "launchPermission", "productCodes",
    "blockDeviceMapping", "sriovNetSupport", "bootMode", "tpmSupport", "uefiData",
    "lastLaunchedTime", "imdsSupport", "deregistrationProtection",
)  # fmt: skip


def install() -> None:
    wrap(AmisResponse, "describe_image_attribute", _describe_image_attribute)


def _describe_image_attribute(original: Callable[..., Any], self: AmisResponse) -> Any:
    attribute = self._get_param("Attribute")
    if attribute not in ATTRIBUTES:
        raise ec2_error(
            "InvalidParameterValue",
            f"Value ({attribute}) for parameter attribute is invalid. Unknown attribute.",
        )
    image = requested_image(self)
    if attribute != "deregistrationProtection":
        return original(self)
    self.error_on_dryrun()
    return ActionResult(
        {"ImageId": image.id, "DeregistrationProtection": {"Value": describe_protection(image)}}
    )
