"""Disabled images: hidden from DescribeImages by default, private, never shared or launched.

EC2 (API reference, DisableImage / EnableImage / DescribeImages; user guide "Disable an Amazon
EC2 AMI"):

- DisableImage "Sets the AMI state to ``disabled`` and removes all launch permissions from the
  AMI. A disabled AMI can't be used for instance launches. A disabled AMI can't be shared. If an
  AMI was public or previously shared, it is made private."
- "A disabled AMI does not appear in DescribeImages API calls by default."
  ``IncludeDisabled``: "Specifies whether to include disabled AMIs. Default: No disabled AMIs
  are included in the response." The guide's own example describes a disabled AMI by its id
  without ``--include-disabled`` and prints ``disabled``: an image asked for by id is listed.
- EnableImage: "AWS accounts, organizations, and Organizational Units that lost access to the
  AMI when it was disabled do not regain access automatically, but the AMI can be shared with
  them again."

moto has DisableImage/EnableImage but only flips the state. The reference names no error code
for sharing or launching a disabled image; the sandbox answers ``InvalidParameter`` (EC2's
code for "a parameter … is not valid, is unsupported, or cannot be used") to a share and
``InvalidAMIID.Unavailable`` to a launch, each with a message saying why. Removing launch
permissions of a disabled image is allowed (there are none left to remove).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.core.responses import ActionResult
from moto.ec2.models.amis import AmiBackend
from moto.ec2.models.instances import InstanceBackend
from moto.ec2.responses.amis import AmisResponse

from ._moto import ec2_error, wrap

DISABLED = "disabled"


def install() -> None:
    wrap(AmisResponse, "describe_images", _describe_images)
    wrap(AmiBackend, "disable_image", _disable_image)
    wrap(AmiBackend, "modify_image_attribute", _modify_image_attribute)
    wrap(InstanceBackend, "run_instances", _run_instances)


def _describe_images(original: Callable[..., Any], self: AmisResponse) -> Any:
    result = original(self)
    include = str(self._get_param("IncludeDisabled", False)).lower() == "true"
    if include or self._get_param("ImageIds"):
        return result
    images = result.result["Images"]
    return ActionResult(
        {**result.result, "Images": [i for i in images if getattr(i, "state", "") != DISABLED]}
    )


def disable_image(image: Any) -> None:
    """What DisableImage does to a registered ``image`` (also used in-process)."""
    image.state = DISABLED
    image.launch_permissions.clear()


def _disable_image(original: Callable[..., Any], self: Any, ami_id: str) -> None:
    original(self, ami_id)  # unknown / deregistered ids raise here
    disable_image(self.amis[ami_id])


def _modify_image_attribute(
    original: Callable[..., Any],
    self: Any,
    ami_id: str,
    launch_permissions_to_add: list[dict[str, str]],
    launch_permissions_to_remove: list[dict[str, str]],
) -> Any:
    image = self.amis.get(ami_id)
    if image is not None and image.state == DISABLED and launch_permissions_to_add:
        raise ec2_error(
            "InvalidParameter",
            f"The image {ami_id} is disabled and can't be shared; enable it with EnableImage "
            "first.",
        )
    return original(self, ami_id, launch_permissions_to_add, launch_permissions_to_remove)


def _run_instances(
    original: Callable[..., Any], self: Any, image_id: str, *args: Any, **kwargs: Any
) -> Any:
    launched = image_id
    if not launched and kwargs.get("launch_template"):
        launched = self._get_template_from_args(kwargs["launch_template"]).data.get("ImageId")
    image = self.amis.get(launched) if launched else None
    if image is not None and image.state == DISABLED:
        raise ec2_error(
            "InvalidAMIID.Unavailable",
            f"The image {launched} is disabled and can't be used to launch instances.",
        )
    return original(self, image_id, *args, **kwargs)
