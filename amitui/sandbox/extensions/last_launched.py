"""Launching an instance from an image updates the image's LastLaunchedTime.

EC2 (API reference, Image): ``LastLaunchedTime`` "The date and time, in ISO 8601 date-time
format, when the AMI was last used to launch an EC2 instance. When the AMI is used to launch
an instance, there is a 24-hour delay before that usage is reported." The sandbox reports it
at once (a test cannot wait a day); DescribeImageAttribute ``lastLaunchedTime`` agrees.
Instances launched from a launch template or by Auto Scaling count too: they all go through
the EC2 backend's ``run_instances``.

The field is stored where :mod:`.control` stores it, so the control endpoint can still set or
clear it for a seeded fleet.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.core.utils import utcnow
from moto.ec2.models.instances import InstanceBackend

from ._moto import format_time, wrap


def install() -> None:
    wrap(InstanceBackend, "run_instances", _run_instances)


def _run_instances(original: Callable[..., Any], self: Any, *args: Any, **kwargs: Any) -> Any:
    reservation = original(self, *args, **kwargs)
    launched = format_time(utcnow())
    for instance in reservation.instances:
        image = self.amis.get(instance.image_id)
        if image is not None:
            # DescribeImages reads the shape name; moto's DescribeImageAttribute reads ``lld``.
            image.last_launched_time = image.lld = launched
    return reservation
