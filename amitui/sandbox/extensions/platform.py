"""Windows images: ``Platform: windows`` with the Windows billing fields.

EC2 (API reference, Image): ``Platform`` "This value is set to windows for Windows AMIs;
otherwise, it is blank." ``PlatformDetails`` "The platform details associated with the billing
code of the AMI" and ``UsageOperation`` its billing operation; the user guide's "AMI billing
information fields" table gives ``Windows`` / ``RunInstances:0002`` for Windows and
``Linux/UNIX`` / ``RunInstances`` for Linux.

EC2 derives the platform from the image's origin (a Windows instance or an AMI it was copied
from), which no RegisterImage parameter sets. In the sandbox an image is Windows when moto
says so (its catalogue, CreateImage from a Windows instance), when CopyImage copies it from a
Windows image, or when the control endpoint sets ``"Platform": "windows"`` (null: Linux).
Whatever made it so, PlatformDetails and UsageOperation follow the platform.
"""

from __future__ import annotations

from typing import Any

from moto.ec2.models.amis import Ami

from . import control

WINDOWS = "windows"
#: platform -> (PlatformDetails, UsageOperation)
BILLING = {WINDOWS: ("Windows", "RunInstances:0002"), None: ("Linux/UNIX", "RunInstances")}


def install() -> None:
    Ami.platform_details = property(_details(0), _store("_amitui_platform_details"))  # type: ignore[attr-defined]
    Ami.usage_operation = property(_details(1), _store("_amitui_usage_operation"))  # type: ignore[attr-defined]
    control.add_image_field("Platform", _set_platform)


def _details(index: int) -> Any:
    key = ("_amitui_platform_details", "_amitui_usage_operation")[index]

    def get(image: Ami) -> str:
        if image.platform == WINDOWS:
            return BILLING[WINDOWS][index]
        return str(image.__dict__.get(key) or BILLING[None][index])

    return get


def _store(key: str) -> Any:
    def set_value(image: Ami, value: str) -> None:
        image.__dict__[key] = value

    return set_value


def _set_platform(image: Any, value: str | None) -> None:
    if value not in (WINDOWS, None):
        raise ValueError(f"Platform must be 'windows' or null, not {value!r}")
    image.platform = value
