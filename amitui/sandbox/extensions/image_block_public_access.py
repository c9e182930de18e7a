"""Block public access for AMIs: the per-Region account setting, and its effect on sharing.

EC2 (API reference, GetImageBlockPublicAccessState, EnableImageBlockPublicAccess,
DisableImageBlockPublicAccess; user guide "Block public access to your AMIs"):

- ``GetImageBlockPublicAccessState`` answers ``ImageBlockPublicAccessState``: "The current
  state of block public access for AMIs at the account level in the specified Amazon Web
  Services Region. Possible values: ``block-new-sharing`` - Any attempt to publicly share your
  AMIs in the specified Region is blocked. ``unblocked`` - Your AMIs in the specified Region
  can be publicly shared." New accounts start ``unblocked`` here (the sandbox default).
- ``EnableImageBlockPublicAccess`` (``ImageBlockPublicAccessState=block-new-sharing``) returns
  ``block-new-sharing``; ``DisableImageBlockPublicAccess`` returns ``unblocked``.
- While blocked, ModifyImageAttribute adding the ``all`` group fails and nothing changes;
  "If you already have public AMIs, they will remain publicly available" (removing ``all``
  still works). The error code is not in the API reference; the sandbox answers
  ``OperationNotPermitted`` with a message naming the setting.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.core.responses import ActionResult
from moto.ec2.models.amis import AmiBackend
from moto.ec2.responses.amis import AmisResponse

from ._moto import ec2_error, wrap

UNBLOCKED = "unblocked"
BLOCK_NEW_SHARING = "block-new-sharing"
_STATE = "_amitui_image_block_public_access"


def install() -> None:
    AmisResponse.get_image_block_public_access_state = _get  # type: ignore[attr-defined]
    AmisResponse.enable_image_block_public_access = _enable  # type: ignore[attr-defined]
    AmisResponse.disable_image_block_public_access = _disable  # type: ignore[attr-defined]
    wrap(AmiBackend, "modify_image_attribute", _modify_image_attribute)


def state(backend: Any) -> str:
    return str(backend.__dict__.get(_STATE, UNBLOCKED))


def _get(self: AmisResponse) -> ActionResult:
    self.error_on_dryrun()
    return ActionResult(
        {"ImageBlockPublicAccessState": state(self.ec2_backend), "ManagedBy": "account"}
    )


def _enable(self: AmisResponse) -> ActionResult:
    requested = self._get_param("ImageBlockPublicAccessState")
    self.error_on_dryrun()
    if requested != BLOCK_NEW_SHARING:
        raise ec2_error(
            "InvalidParameterValue",
            f"Value ({requested}) for parameter ImageBlockPublicAccessState is invalid. "
            f"Expected: {BLOCK_NEW_SHARING}.",
        )
    self.ec2_backend.__dict__[_STATE] = BLOCK_NEW_SHARING
    return ActionResult({"ImageBlockPublicAccessState": BLOCK_NEW_SHARING})


def _disable(self: AmisResponse) -> ActionResult:
    self.error_on_dryrun()
    self.ec2_backend.__dict__[_STATE] = UNBLOCKED
    return ActionResult({"ImageBlockPublicAccessState": UNBLOCKED})


def _modify_image_attribute(
    original: Callable[..., Any],
    self: Any,  # an AmiBackend mixed into moto's EC2Backend (region_name lives there)
    ami_id: str,
    launch_permissions_to_add: list[dict[str, str]],
    launch_permissions_to_remove: list[dict[str, str]],
) -> Any:
    if {"Group": "all"} in launch_permissions_to_add and state(self) == BLOCK_NEW_SHARING:
        raise ec2_error(
            "OperationNotPermitted",
            f"You can't publicly share {ami_id}: block public access for AMIs is enabled "
            f"(block-new-sharing) in {self.region_name}. Disable it with "
            "DisableImageBlockPublicAccess to share AMIs publicly.",
        )
    return original(self, ami_id, launch_permissions_to_add, launch_permissions_to_remove)
