"""Deregistration protection with and without cooldown (extensions.deregistration_protection)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from .organization_fleet import OwnSandbox

# More regions than this package's shared sandbox can spare: a sandbox of this module's own.
_own = OwnSandbox()
sandbox = _own.sandbox_fixture()
region = _own.region_fixture()
another_region = _own.region_fixture()


def protection(ec2: Any, image_id: str) -> str:
    (image,) = ec2.describe_images(ImageIds=[image_id])["Images"]
    return str(image["DeregistrationProtection"])


def refused_deregistration(ec2: Any, image_id: str) -> str:
    with pytest.raises(ClientError) as refused:
        ec2.deregister_image(ImageId=image_id)
    assert ec2.describe_images(ImageIds=[image_id])["Images"], "the image must stay registered"
    return str(refused.value.response["Error"]["Code"])


def test_protection_without_cooldown(ec2: Any, register: Any, make_snapshot: Any) -> None:
    """EnableImageDeregistrationProtection: "When deregistration protection is enabled, the AMI
    can't be deregistered. To allow the AMI to be deregistered, you must first disable
    deregistration protection." DisableImageDeregistrationProtection: "When deregistration
    protection is disabled, the AMI can be deregistered." Both answer ``Return``: "Returns
    true if the request succeeds"."""
    image_id = register(ec2, "protected", make_snapshot(ec2, 8))
    assert protection(ec2, image_id) == "disabled"
    assert ec2.enable_image_deregistration_protection(ImageId=image_id)["Return"] == "true"
    assert protection(ec2, image_id) == "enabled-without-cooldown"
    assert refused_deregistration(ec2, image_id) == "OperationNotPermitted"
    assert ec2.disable_image_deregistration_protection(ImageId=image_id)["Return"] == "true"
    assert protection(ec2, image_id) == "disabled"
    ec2.deregister_image(ImageId=image_id)
    assert ec2.describe_images(ImageIds=[image_id])["Images"] == []


def test_cooldown_keeps_the_image_protected_for_24_hours(
    ec2: Any, register: Any, make_snapshot: Any
) -> None:
    """``WithCooldown``: "If true, enforces deregistration protection for 24 hours after
    deregistration protection is disabled." DisableImageDeregistrationProtection: "If you chose
    to include a 24-hour cooldown period when you enabled deregistration protection for the
    AMI, then, when you disable deregistration protection, you won't immediately be able to
    deregister the AMI." The user guide shows the state as ``disabled-until <time>``."""
    image_id = register(ec2, "cooled", make_snapshot(ec2, 8))
    ec2.enable_image_deregistration_protection(ImageId=image_id, WithCooldown=True)
    assert protection(ec2, image_id) == "enabled-with-cooldown"
    disabled_at = datetime.now(UTC)
    ec2.disable_image_deregistration_protection(ImageId=image_id)
    state = protection(ec2, image_id)
    assert state.startswith("disabled-until ")
    until = datetime.fromisoformat(state.split(" ", 1)[1].replace("Z", "+00:00"))
    assert abs(until - (disabled_at + timedelta(hours=24))) < timedelta(minutes=1)
    assert refused_deregistration(ec2, image_id) == "OperationNotPermitted"
    # Enabling again (without cooldown) ends the countdown: the image is plainly protected.
    ec2.enable_image_deregistration_protection(ImageId=image_id)
    assert protection(ec2, image_id) == "enabled-without-cooldown"


def test_unknown_and_deregistered_images(ec2: Any, register: Any, make_snapshot: Any) -> None:
    """EC2's image errors: ``InvalidAMIID.NotFound`` for an id that does not exist,
    ``InvalidAMIID.Unavailable`` for one that was deregistered; ``DryRun`` answers
    ``DryRunOperation`` ("Checks whether you have the required permissions for the action,
    without actually making the request")."""
    image_id = register(ec2, "gone", make_snapshot(ec2, 8))
    with pytest.raises(ClientError) as dry:
        ec2.enable_image_deregistration_protection(ImageId=image_id, DryRun=True)
    assert dry.value.response["Error"]["Code"] == "DryRunOperation"
    assert protection(ec2, image_id) == "disabled"
    ec2.deregister_image(ImageId=image_id)
    for call in (
        ec2.enable_image_deregistration_protection,
        ec2.disable_image_deregistration_protection,
    ):
        for target, code in (
            ("ami-0123456789abcdef0", "InvalidAMIID.NotFound"),
            (image_id, "InvalidAMIID.Unavailable"),
        ):
            with pytest.raises(ClientError) as error:
                call(ImageId=target)
            assert error.value.response["Error"]["Code"] == code
