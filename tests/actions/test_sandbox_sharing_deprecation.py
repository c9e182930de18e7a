"""Sandbox fidelity for the actions, each test stating the EC2 behaviour it pins.

Extensions: image_deprecation, image_block_public_access, launch_permissions; CopyImage's
pending delay and tag copying are pinned in tests/sandbox/test_copy_image.py.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from amitui.sandbox import Sandbox

from ..sandbox_api import control, make_snapshot, register_image
from .conftest import COPY_DELAY

REGION = "ca-central-1"
ORG = "arn:aws:organizations::123456789012:organization/o-abc123defg"
OU = "arn:aws:organizations::123456789012:ou/o-abc123defg/ou-ab12-cdef3456"


@pytest.fixture
def ec2(ec2_in: Callable[[str], Any]) -> Any:
    return ec2_in(REGION)


def image(ec2: Any, image_id: str) -> dict[str, Any]:
    (found,) = ec2.describe_images(ImageIds=[image_id])["Images"]
    return dict(found)


def code(error: pytest.ExceptionInfo[ClientError]) -> str:
    return str(error.value.response["Error"]["Code"])


def test_deprecation_time_is_set_rounded_and_cancelled(ec2: Any) -> None:
    """EnableImageDeprecation sets DescribeImages' DeprecationTime (seconds rounded to the
    nearest minute); DisableImageDeprecation removes it. Both answer Return=true."""
    image_id = register_image(ec2, "deprecate-me", make_snapshot(ec2, 1))
    assert "DeprecationTime" not in image(ec2, image_id)
    when = (datetime.now(UTC) + timedelta(days=30)).replace(second=40, microsecond=0)
    assert ec2.enable_image_deprecation(ImageId=image_id, DeprecateAt=when)["Return"] is True
    expected = (when.replace(second=0) + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:00.000Z")
    assert image(ec2, image_id)["DeprecationTime"] == expected
    assert ec2.disable_image_deprecation(ImageId=image_id)["Return"] is True
    assert "DeprecationTime" not in image(ec2, image_id)


def test_deprecation_time_limits(ec2: Any) -> None:
    """ "You can't specify a date in the past. The upper limit for DeprecateAt is 10 years from
    now, except for public AMIs, where the upper limit is 2 years from the creation date.\""""
    image_id = register_image(ec2, "limits", make_snapshot(ec2, 1))
    now = datetime.now(UTC)
    for when in (now - timedelta(hours=1), now + timedelta(days=3660)):
        with pytest.raises(ClientError) as error:
            ec2.enable_image_deprecation(ImageId=image_id, DeprecateAt=when)
        assert code(error) == "InvalidParameterValue"
    ec2.enable_image_deprecation(ImageId=image_id, DeprecateAt=now + timedelta(days=3000))

    public = register_image(ec2, "public-limits", make_snapshot(ec2, 1))
    ec2.modify_image_attribute(ImageId=public, LaunchPermission={"Add": [{"Group": "all"}]})
    with pytest.raises(ClientError) as error:
        ec2.enable_image_deprecation(ImageId=public, DeprecateAt=now + timedelta(days=800))
    assert code(error) == "InvalidParameterValue"
    ec2.enable_image_deprecation(ImageId=public, DeprecateAt=now + timedelta(days=700))

    with pytest.raises(ClientError) as error:
        ec2.enable_image_deprecation(ImageId="ami-0123456789abcdef0", DeprecateAt=now)
    assert code(error) == "InvalidAMIID.NotFound"


def test_dry_run_answers_dry_run_operation(ec2: Any) -> None:
    """DryRun=True: "If you have the required permissions, the error response is
    DryRunOperation" and nothing changes."""
    image_id = register_image(ec2, "dry", make_snapshot(ec2, 1))
    with pytest.raises(ClientError) as error:
        ec2.enable_image_deprecation(
            ImageId=image_id, DeprecateAt=datetime.now(UTC) + timedelta(days=1), DryRun=True
        )
    assert code(error) == "DryRunOperation"
    assert "DeprecationTime" not in image(ec2, image_id)


def test_control_endpoint_seeds_past_deprecation(ec2: Any, sandbox: Sandbox) -> None:
    """Seeding only (no EC2 API can): POST /_amitui/images/… {"DeprecationTime": …}."""
    image_id = register_image(ec2, "long-deprecated", make_snapshot(ec2, 1))
    status, _ = control(
        sandbox.endpoint_url,
        f"images/{REGION}/{image_id}",
        {"DeprecationTime": "2024-01-02T03:04:05Z"},
    )
    assert status == 200
    assert image(ec2, image_id)["DeprecationTime"] == "2024-01-02T03:04:00.000Z"


def test_block_public_access_blocks_new_public_sharing_only(ec2_in: Callable[[str], Any]) -> None:
    """GetImageBlockPublicAccessState is per Region, ``unblocked`` by default; under
    ``block-new-sharing`` adding the ``all`` group fails, already-public images stay public,
    and removing ``all`` still works."""
    ec2 = ec2_in("sa-east-1")
    other = ec2_in("eu-north-1")
    already_public = register_image(ec2, "already-public", make_snapshot(ec2, 1))
    ec2.modify_image_attribute(ImageId=already_public, LaunchPermission={"Add": [{"Group": "all"}]})
    state = ec2.get_image_block_public_access_state()["ImageBlockPublicAccessState"]
    assert state == "unblocked"
    answer = ec2.enable_image_block_public_access(ImageBlockPublicAccessState="block-new-sharing")
    assert answer["ImageBlockPublicAccessState"] == "block-new-sharing"
    try:
        assert (
            ec2.get_image_block_public_access_state()["ImageBlockPublicAccessState"]
            == "block-new-sharing"
        )
        assert (
            other.get_image_block_public_access_state()["ImageBlockPublicAccessState"]
            == "unblocked"
        )
        private = register_image(ec2, "private", make_snapshot(ec2, 1))
        with pytest.raises(ClientError) as error:
            ec2.modify_image_attribute(
                ImageId=private, LaunchPermission={"Add": [{"Group": "all"}]}
            )
        assert code(error) == "OperationNotPermitted"
        assert "block public access" in error.value.response["Error"]["Message"]
        assert image(ec2, private)["Public"] is False
        assert image(ec2, already_public)["Public"] is True
        ec2.modify_image_attribute(
            ImageId=already_public, LaunchPermission={"Remove": [{"Group": "all"}]}
        )
        assert image(ec2, already_public)["Public"] is False
    finally:
        answer = ec2.disable_image_block_public_access()
    assert answer["ImageBlockPublicAccessState"] == "unblocked"


def test_launch_permissions_by_organization_and_ou(ec2: Any) -> None:
    """OrganizationArn and OrganizationalUnitArn grants are kept and listed back by
    DescribeImageAttribute; a malformed ARN fails the whole call (nothing added)."""
    image_id = register_image(ec2, "org-shared", make_snapshot(ec2, 1))
    ec2.modify_image_attribute(
        ImageId=image_id,
        LaunchPermission={
            "Add": [
                {"OrganizationArn": ORG},
                {"OrganizationalUnitArn": OU},
                {"UserId": "210987654321"},
            ]
        },
    )
    permissions = ec2.describe_image_attribute(ImageId=image_id, Attribute="launchPermission")[
        "LaunchPermissions"
    ]
    assert {"OrganizationArn": ORG} in permissions
    assert {"OrganizationalUnitArn": OU} in permissions
    assert {"UserId": "210987654321"} in permissions
    ec2.modify_image_attribute(
        ImageId=image_id, LaunchPermission={"Remove": [{"OrganizationArn": ORG}]}
    )
    with pytest.raises(ClientError) as error:
        ec2.modify_image_attribute(
            ImageId=image_id,
            LaunchPermission={"Add": [{"UserId": "333344445555"}, {"OrganizationArn": "o-abc"}]},
        )
    assert code(error) == "InvalidParameterValue"
    permissions = ec2.describe_image_attribute(ImageId=image_id, Attribute="launchPermission")[
        "LaunchPermissions"
    ]
    assert sorted(map(str, permissions)) == sorted(
        map(str, [{"OrganizationalUnitArn": OU}, {"UserId": "210987654321"}])
    )


def test_encrypted_images_cannot_be_made_public(ec2: Any) -> None:
    """ "You can't make an AMI public if it has encrypted snapshots"; sharing it with an
    account is allowed."""
    image_id = register_image(ec2, "encrypted", make_snapshot(ec2, 1, Encrypted=True))
    with pytest.raises(ClientError) as error:
        ec2.modify_image_attribute(ImageId=image_id, LaunchPermission={"Add": [{"Group": "all"}]})
    assert code(error) == "InvalidParameter"
    assert image(ec2, image_id)["Public"] is False
    ec2.modify_image_attribute(
        ImageId=image_id, LaunchPermission={"Add": [{"UserId": "210987654321"}]}
    )


def test_copy_stays_pending_for_the_configured_delay(ec2_in: Callable[[str], Any]) -> None:
    """CopyImage: the copy is ``pending`` until its snapshots are copied, then ``available``
    (AMITUI_SANDBOX_COPY_DELAY seconds here); CopyImageTags copies user tags."""
    source = ec2_in("us-east-2")
    image_id = register_image(
        source,
        "to-copy",
        make_snapshot(source, 1),
        TagSpecifications=[{"ResourceType": "image", "Tags": [{"Key": "team", "Value": "web"}]}],
    )
    destination = ec2_in("us-west-1")
    copy_id = destination.copy_image(
        SourceImageId=image_id, SourceRegion="us-east-2", Name="copied", CopyImageTags=True
    )["ImageId"]
    copied = image(destination, copy_id)
    assert copied["State"] == "pending"
    assert {"Key": "team", "Value": "web"} in copied["Tags"]
    time.sleep(COPY_DELAY + 0.1)
    assert image(destination, copy_id)["State"] == "available"


def test_snapshot_create_volume_permission_add_and_remove(ec2: Any) -> None:
    """ModifySnapshotAttribute with CreateVolumePermission {Add, Remove} of UserId entries;
    DescribeSnapshotAttribute lists them; a malformed account id changes nothing."""
    snapshot = make_snapshot(ec2, 1)
    ec2.modify_snapshot_attribute(
        SnapshotId=snapshot,
        Attribute="createVolumePermission",
        CreateVolumePermission={"Add": [{"UserId": "210987654321"}, {"UserId": "333344445555"}]},
    )
    ec2.modify_snapshot_attribute(
        SnapshotId=snapshot,
        Attribute="createVolumePermission",
        CreateVolumePermission={"Remove": [{"UserId": "333344445555"}]},
    )
    with pytest.raises(ClientError) as error:
        ec2.modify_snapshot_attribute(
            SnapshotId=snapshot,
            Attribute="createVolumePermission",
            CreateVolumePermission={"Add": [{"UserId": "12"}]},
        )
    assert code(error) == "InvalidParameterValue"
    answer = ec2.describe_snapshot_attribute(
        SnapshotId=snapshot, Attribute="createVolumePermission"
    )
    assert answer["CreateVolumePermissions"] == [{"UserId": "210987654321"}]
