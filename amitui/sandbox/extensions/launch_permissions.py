"""Launch permissions: account ids, organizations and OUs validated; encrypted AMIs never public.

EC2 (API reference, ModifyImageAttribute / LaunchPermission; user guide "Share an AMI with
organizations or OUs", "Make your AMI public"):

- A ``LaunchPermission`` names exactly one of ``UserId`` (a 12-digit account id),
  ``Group`` (only ``all``: public), ``OrganizationArn``
  (``arn:aws:organizations::123456789012:organization/o-abc123defg``) or
  ``OrganizationalUnitArn``
  (``arn:aws:organizations::123456789012:ou/o-abc123defg/ou-ab12-cdef3456``).
  A malformed value fails the whole call (no partial change); moto checks only ``UserId``
  and ``Group``, the sandbox adds the ARN formats (``InvalidParameterValue``).
- DescribeImageAttribute ``launchPermission`` lists them back with the same member names.
- "You can't make an AMI public if it has encrypted snapshots": adding ``all`` to an image
  with any encrypted EBS mapping fails (``InvalidParameter``; the code is not in the
  reference) and nothing changes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from moto.ec2.models.amis import AmiBackend

from ._moto import ec2_error, wrap

ORG_ARN = re.compile(r"^arn:aws[a-z-]*:organizations::\d{12}:organization/o-[a-z0-9]{10,32}$")
OU_ARN = re.compile(
    r"^arn:aws[a-z-]*:organizations::\d{12}:ou/o-[a-z0-9]{10,32}/ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}$"
)


def install() -> None:
    wrap(AmiBackend, "modify_image_attribute", _modify_image_attribute)


def _check(permission: dict[str, str]) -> None:
    org = permission.get("OrganizationArn")
    if org is not None and not ORG_ARN.match(org):
        raise ec2_error("InvalidParameterValue", f"Invalid value '{org}' for organizationArn.")
    ou = permission.get("OrganizationalUnitArn")
    if ou is not None and not OU_ARN.match(ou):
        raise ec2_error("InvalidParameterValue", f"Invalid value '{ou}' for organizationalUnitArn.")


def _encrypted(image: Any) -> bool:
    return any(
        str(m.get("Ebs", {}).get("Encrypted", "")).lower() == "true"
        for m in image.block_device_mappings
    )


def _modify_image_attribute(
    original: Callable[..., Any],
    self: AmiBackend,
    ami_id: str,
    launch_permissions_to_add: list[dict[str, str]],
    launch_permissions_to_remove: list[dict[str, str]],
) -> Any:
    for permission in [*launch_permissions_to_add, *launch_permissions_to_remove]:
        _check(permission)
    image = self.amis.get(ami_id)
    if image is not None and {"Group": "all"} in launch_permissions_to_add and _encrypted(image):
        raise ec2_error(
            "InvalidParameter",
            f"Encrypted AMIs can't be made public: {ami_id} has encrypted snapshots.",
        )
    return original(self, ami_id, launch_permissions_to_add, launch_permissions_to_remove)
