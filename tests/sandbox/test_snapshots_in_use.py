"""DeleteSnapshot refuses a snapshot mapped by a registered image (extensions.snapshots_in_use)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError


def _delete_error(ec2: Any, snapshot_id: str) -> dict[str, str]:
    with pytest.raises(ClientError) as raised:
        ec2.delete_snapshot(SnapshotId=snapshot_id)
    error: dict[str, str] = raised.value.response["Error"]
    return error


def test_mapped_snapshot_cannot_be_deleted_until_every_image_is_gone(
    ec2: Any, make_snapshot: Any, register: Any
) -> None:
    """Any snapshot in a registered image's mappings (root or not, disabled image included)
    is refused with InvalidSnapshot.InUse naming the image; after the last image mapping it
    is deregistered, the snapshot can be deleted."""
    root, data = make_snapshot(ec2, 8), make_snapshot(ec2, 20)
    first = register(ec2, "first", root, data)
    second = register(ec2, "second", data)
    ec2.disable_image(ImageId=first)

    assert _delete_error(ec2, root) == {
        "Code": "InvalidSnapshot.InUse",
        "Message": f"The snapshot {root} is currently in use by {first}",
    }
    assert _delete_error(ec2, data)["Code"] == "InvalidSnapshot.InUse"

    ec2.deregister_image(ImageId=first)
    ec2.delete_snapshot(SnapshotId=root)
    error = _delete_error(ec2, data)
    assert error["Message"] == f"The snapshot {data} is currently in use by {second}"
    ec2.deregister_image(ImageId=second)
    ec2.delete_snapshot(SnapshotId=data)
    assert ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"] == []


def test_unmapped_snapshot_is_deleted(ec2: Any, make_snapshot: Any) -> None:
    """An orphaned snapshot is deleted as usual."""
    orphan = make_snapshot(ec2, 8)
    ec2.delete_snapshot(SnapshotId=orphan)
    assert _delete_error(ec2, orphan)["Code"] == "InvalidSnapshot.NotFound"
