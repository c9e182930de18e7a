"""AMI deregistration protection: enable, disable (with an optional 24-hour cooldown), and
DeregisterImage refused while it is on.

EC2 (API reference, EnableImageDeregistrationProtection / DisableImageDeregistrationProtection,
and the user guide's "Protect an Amazon EC2 AMI from deregistration"):

- Enable: "When deregistration protection is enabled, the AMI can't be deregistered."
  ``WithCooldown``: "If true, enforces deregistration protection for 24 hours after
  deregistration protection is disabled." Both answer ``{"Return": "true"}``.
- Disable: "If you chose to include a 24-hour cooldown period when you enabled deregistration
  protection for the AMI, then, when you disable deregistration protection, you won't
  immediately be able to deregister the AMI."
- DescribeImages reports ``DeregistrationProtection``: ``disabled``,
  ``enabled-without-cooldown``, ``enabled-with-cooldown``, or ``disabled-until <ISO time>``
  while a cooldown runs out.
- DeregisterImage on a protected image fails and the image stays registered. The error code is
  not in the API reference; the sandbox answers ``OperationNotPermitted`` (EC2's code for the
  analogous instance termination protection) with a message naming the way out.
- Unknown image: ``InvalidAMIID.NotFound``; deregistered image: ``InvalidAMIID.Unavailable``.

Images not touched here report ``disabled``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from moto.core.responses import ActionResult
from moto.core.utils import utcnow
from moto.ec2.models.amis import Ami, AmiBackend
from moto.ec2.responses.amis import AmisResponse

from ._moto import ec2_error, format_time, requested_image, wrap

COOLDOWN = timedelta(hours=24)
#: Where the state lives on an Ami: "enabled-with-cooldown", "enabled-without-cooldown" or
#: absent; and, after a cooldown-protected image is disabled, when the cooldown ends.
_MODE = "_amitui_protection"
_UNTIL = "_amitui_protection_until"


def install() -> None:
    Ami.deregistration_protection = property(describe_protection)  # type: ignore[attr-defined]
    AmisResponse.enable_image_deregistration_protection = _enable  # type: ignore[attr-defined]
    AmisResponse.disable_image_deregistration_protection = _disable  # type: ignore[attr-defined]
    wrap(AmiBackend, "deregister_image", _deregister_image)


def describe_protection(image: Ami) -> str:
    """What DescribeImages says in ``DeregistrationProtection``."""
    mode = image.__dict__.get(_MODE)
    if mode:
        return str(mode)
    until: datetime | None = image.__dict__.get(_UNTIL)
    if until is not None and utcnow() < until:
        return f"disabled-until {format_time(until)}"
    return "disabled"


def is_protected(image: Ami) -> bool:
    return describe_protection(image) != "disabled"


def _enable(self: AmisResponse) -> ActionResult:
    image = requested_image(self)
    self.error_on_dryrun()
    enable_protection(
        image, with_cooldown=str(self._get_param("WithCooldown", False)).lower() == "true"
    )
    return ActionResult({"Return": "true"})


def enable_protection(image: Ami, *, with_cooldown: bool = False) -> None:
    """What EnableImageDeregistrationProtection does to ``image`` (also used in-process)."""
    image.__dict__[_MODE] = "enabled-with-cooldown" if with_cooldown else "enabled-without-cooldown"
    image.__dict__.pop(_UNTIL, None)


def _disable(self: AmisResponse) -> ActionResult:
    image = requested_image(self)
    self.error_on_dryrun()
    mode = image.__dict__.pop(_MODE, None)
    if mode == "enabled-with-cooldown":
        image.__dict__[_UNTIL] = utcnow() + COOLDOWN
    return ActionResult({"Return": "true"})


def _deregister_image(original: Callable[..., Any], self: Any, ami_id: str) -> Any:
    image = self.amis.get(ami_id)
    if image is not None and is_protected(image):
        raise ec2_error(
            "OperationNotPermitted",
            f"The image {ami_id} has deregistration protection "
            f"({describe_protection(image)}) and cannot be deregistered; "
            "disable it with DisableImageDeregistrationProtection first.",
        )
    return original(self, ami_id)
