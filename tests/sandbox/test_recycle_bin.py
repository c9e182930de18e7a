"""Recycle Bin keeps deregistered images and deleted snapshots (extensions.recycle_bin).

EC2 API reference, DeregisterImage: "If you deregister an AMI that matches a Recycle Bin
retention rule, the AMI is retained in the Recycle Bin for the specified retention period."
ListImagesInRecycleBin "Lists one or more AMIs that are currently in the Recycle Bin";
ImageRecycleBinInfo ``RecycleBinEnterTime`` "The date and time when the AMI entered the Recycle
Bin", ``RecycleBinExitTime`` "The date and time when the AMI is to be permanently deleted from
the Recycle Bin". RestoreImageFromRecycleBin "Restores an AMI from the Recycle Bin".
ListSnapshotsInRecycleBin "Lists one or more snapshots that are currently in the Recycle Bin";
RestoreSnapshotFromRecycleBin "Restores a snapshot from the Recycle Bin".
Recycle Bin CreateRule: a rule with ``ResourceTags`` retains resources with one of the tags, one
without retains every resource of its type except those with an ``ExcludeResourceTags`` tag.
The reference names no error for restoring an id that is not in the bin (the sandbox answers
EC2's not-found codes).
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest
from botocore.exceptions import ClientError

from amitui.sandbox import Sandbox

from ..sandbox_api import client, ec2_client, make_snapshot, register_image


def rbin_client(endpoint_url: str, region: str) -> Any:
    return client(endpoint_url, region, "rbin")


@pytest.fixture
def rbin(sandbox: Sandbox, region: str) -> Any:
    return rbin_client(sandbox.endpoint_url, region)


def _rule(rbin: Any, kind: str, days: int, **more: Any) -> None:
    rbin.create_rule(
        ResourceType=kind,
        RetentionPeriod={"RetentionPeriodValue": days, "RetentionPeriodUnit": "DAYS"},
        **more,
    )


def _code(raised: pytest.ExceptionInfo[ClientError]) -> str:
    return str(raised.value.response["Error"]["Code"])


def test_deregistered_image_waits_in_the_bin_and_is_restored(ec2: Any, rbin: Any) -> None:
    _rule(rbin, "EC2_IMAGE", 7, Description="keep a week")
    _rule(rbin, "EC2_IMAGE", 3, ResourceTags=[{"ResourceTagKey": "team", "ResourceTagValue": "x"}])
    image_id = register_image(ec2, "binned-2026.11", make_snapshot(ec2, 8), Description="d")
    ec2.create_tags(Resources=[image_id], Tags=[{"Key": "team", "Value": "x"}])
    assert ec2.list_images_in_recycle_bin()["Images"] == []

    ec2.deregister_image(ImageId=image_id)

    assert ec2.describe_images(Owners=["self"])["Images"] == []
    (binned,) = ec2.list_images_in_recycle_bin()["Images"]
    assert (binned["ImageId"], binned["Name"], binned["Description"]) == (
        image_id, "binned-2026.11", "d"
    )  # fmt: skip
    # Both rules match: the longest retention period applies.
    assert (binned["RecycleBinExitTime"] - binned["RecycleBinEnterTime"]).days == 7
    assert ec2.list_images_in_recycle_bin(ImageIds=[image_id])["Images"] == [binned]

    assert ec2.restore_image_from_recycle_bin(ImageId=image_id)["Return"] is True
    (restored,) = ec2.describe_images(Owners=["self"])["Images"]
    assert restored["ImageId"] == image_id
    assert ec2.list_images_in_recycle_bin()["Images"] == []
    with pytest.raises(ClientError) as again:
        ec2.restore_image_from_recycle_bin(ImageId=image_id)
    assert _code(again) == "InvalidAMIID.NotFound"


def test_without_a_matching_rule_nothing_is_kept(ec2: Any, rbin: Any) -> None:
    _rule(rbin, "EC2_IMAGE", 7, ExcludeResourceTags=[{"ResourceTagKey": "scratch"}])
    _rule(rbin, "EBS_SNAPSHOT", 7, ResourceTags=[{"ResourceTagKey": "keep"}])
    image_id = register_image(ec2, "scratch", make_snapshot(ec2, 8))
    ec2.create_tags(Resources=[image_id], Tags=[{"Key": "scratch", "Value": ""}])
    snapshot_id = make_snapshot(ec2, 8)

    ec2.deregister_image(ImageId=image_id)
    ec2.delete_snapshot(SnapshotId=snapshot_id)

    assert ec2.list_images_in_recycle_bin()["Images"] == []
    assert ec2.list_snapshots_in_recycle_bin()["Snapshots"] == []
    with pytest.raises(ClientError) as image:
        ec2.restore_image_from_recycle_bin(ImageId=image_id)
    assert _code(image) == "InvalidAMIID.NotFound"
    with pytest.raises(ClientError) as snapshot:
        ec2.restore_snapshot_from_recycle_bin(SnapshotId=snapshot_id)
    assert _code(snapshot) == "InvalidSnapshot.NotFound"


def test_deleted_snapshot_waits_in_the_bin_and_is_restored(ec2: Any, rbin: Any) -> None:
    _rule(rbin, "EBS_SNAPSHOT", 10)
    snapshot_id = make_snapshot(ec2, 16)
    (before,) = ec2.describe_snapshots(SnapshotIds=[snapshot_id])["Snapshots"]

    ec2.delete_snapshot(SnapshotId=snapshot_id)

    assert ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"] == []
    (binned,) = ec2.list_snapshots_in_recycle_bin()["Snapshots"]
    assert (binned["SnapshotId"], binned["VolumeId"]) == (snapshot_id, before["VolumeId"])
    assert (binned["RecycleBinExitTime"] - binned["RecycleBinEnterTime"]).days == 10

    restored = ec2.restore_snapshot_from_recycle_bin(SnapshotId=snapshot_id)
    assert (restored["SnapshotId"], restored["VolumeSize"], restored["State"]) == (
        snapshot_id, 16, "completed"
    )  # fmt: skip
    assert [s["SnapshotId"] for s in ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"]] == [
        snapshot_id
    ]
    assert ec2.list_snapshots_in_recycle_bin()["Snapshots"] == []


def test_cleanup_with_rules_leaves_image_and_snapshots_restorable(ec2: Any, rbin: Any) -> None:
    """DeregisterImage with DeleteAssociatedSnapshots, as amitui's cleanup sends it."""
    _rule(rbin, "EC2_IMAGE", 7)
    _rule(rbin, "EBS_SNAPSHOT", 7)
    snapshots = [make_snapshot(ec2, 8), make_snapshot(ec2, 20)]
    image_id = register_image(ec2, "cleanup", *snapshots)

    answer = ec2.deregister_image(ImageId=image_id, DeleteAssociatedSnapshots=True)

    assert {r["ReturnCode"] for r in answer["DeleteSnapshotResults"]} == {"success"}
    assert [i["ImageId"] for i in ec2.list_images_in_recycle_bin()["Images"]] == [image_id]
    binned = ec2.list_snapshots_in_recycle_bin()["Snapshots"]
    assert sorted(s["SnapshotId"] for s in binned) == sorted(snapshots)


def test_a_protected_image_is_not_moved(ec2: Any, rbin: Any) -> None:
    _rule(rbin, "EC2_IMAGE", 7)
    image_id = register_image(ec2, "protected", make_snapshot(ec2, 8))
    ec2.enable_image_deregistration_protection(ImageId=image_id)
    with pytest.raises(ClientError):
        ec2.deregister_image(ImageId=image_id)
    assert ec2.list_images_in_recycle_bin()["Images"] == []
    assert len(ec2.describe_images(ImageIds=[image_id])["Images"]) == 1


def test_rules_and_bins_do_not_survive_a_reset() -> None:
    """A reset (moto's POST /moto-api/reset, as moto's own suite sends before each test)
    empties the Recycle Bin with everything else. Its own sandbox: a reset is global."""
    with Sandbox() as own:
        ec2 = ec2_client(own.endpoint_url, "eu-west-1")
        rbin = rbin_client(own.endpoint_url, "eu-west-1")
        _rule(rbin, "EBS_SNAPSHOT", 7)
        ec2.delete_snapshot(SnapshotId=make_snapshot(ec2, 8))
        assert len(ec2.list_snapshots_in_recycle_bin()["Snapshots"]) == 1

        request = urllib.request.Request(f"{own.endpoint_url}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request) as answer:
            assert json.loads(answer.read()) == {"status": "ok"}

        assert rbin.list_rules(ResourceType="EBS_SNAPSHOT")["Rules"] == []
        assert ec2.list_snapshots_in_recycle_bin()["Snapshots"] == []
        ec2.delete_snapshot(SnapshotId=make_snapshot(ec2, 8))
        assert ec2.list_snapshots_in_recycle_bin()["Snapshots"] == []
