"""AMI deprecation: EnableImageDeprecation / DisableImageDeprecation and ``DeprecationTime``.

EC2 (API reference, EnableImageDeprecation, DisableImageDeprecation, Image):

- ``DeprecateAt``: "The date and time to deprecate the AMI, in UTC, in the following format:
  YYYY-MM-DDTHH:MM:SSZ. If you specify a value for seconds, Amazon EC2 rounds the seconds to
  the nearest minute. You can't specify a date in the past. The upper limit for DeprecateAt
  is 10 years from now, except for public AMIs, where the upper limit is 2 years from the
  creation date." Both calls answer ``{"Return": true}``.
- DescribeImages reports ``DeprecationTime`` "The date and time to deprecate the AMI, in UTC,
  in the following format: YYYY-MM-DDTHH:MM:SSZ" (EC2 shows ``…:00.000Z``); after
  DisableImageDeprecation the field is absent.
- A refused date is ``InvalidParameterValue`` (the reference lists no specific code; this is
  EC2's generic one for an out-of-range parameter). Unknown image: ``InvalidAMIID.NotFound``.

EC2 has no API to set a deprecation time in the past, but a lived-in account has images that
were deprecated long ago; the sandbox control endpoint (see :mod:`.control`) gains a
``DeprecationTime`` field (ISO time or null) for seeding them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from moto.core.responses import ActionResult
from moto.core.utils import utcnow
from moto.ec2.models.amis import Ami
from moto.ec2.responses.amis import AmisResponse

from . import control
from ._moto import ec2_error, format_time, parse_time, requested_image

MAX_AHEAD = timedelta(days=3652)  # 10 years
MAX_PUBLIC_AFTER_CREATION = timedelta(days=730)  # 2 years


def install() -> None:
    # Class default: images never deprecated report no DeprecationTime (the serializer skips None).
    Ami.deprecation_time = None  # type: ignore[attr-defined]
    AmisResponse.enable_image_deprecation = _enable  # type: ignore[attr-defined]
    AmisResponse.disable_image_deprecation = _disable  # type: ignore[attr-defined]
    control.add_image_field("DeprecationTime", _seed_deprecation_time)


def round_to_minute(value: datetime) -> datetime:
    rounded = value.replace(second=0, microsecond=0)
    if value.second * 1_000_000 + value.microsecond >= 30_000_000:
        rounded += timedelta(minutes=1)
    return rounded


def _enable(self: AmisResponse) -> ActionResult:
    image = requested_image(self)
    raw = self._get_param("DeprecateAt")
    self.error_on_dryrun()
    if not raw:
        raise ec2_error("MissingParameter", "The request must contain the parameter DeprecateAt")
    when = round_to_minute(parse_time(str(raw)))
    now = utcnow()
    if when <= now:
        raise ec2_error(
            "InvalidParameterValue",
            f"The deprecation time {format_time(when)} is in the past. Specify a future time.",
        )
    if image.is_public:
        created = image.creation_date
        created = parse_time(created) if isinstance(created, str) else created
        if when > created + MAX_PUBLIC_AFTER_CREATION:
            raise ec2_error(
                "InvalidParameterValue",
                "The deprecation time for a public AMI can be at most 2 years after its "
                "creation date.",
            )
    elif when > now + MAX_AHEAD:
        raise ec2_error(
            "InvalidParameterValue",
            "The deprecation time can be at most 10 years in the future.",
        )
    image.deprecation_time = format_time(when)
    return ActionResult({"Return": True})


def _disable(self: AmisResponse) -> ActionResult:
    image = requested_image(self)
    self.error_on_dryrun()
    image.deprecation_time = None
    return ActionResult({"Return": True})


def _seed_deprecation_time(image: Any, value: str | None) -> None:
    image.deprecation_time = format_time(round_to_minute(parse_time(value))) if value else None
