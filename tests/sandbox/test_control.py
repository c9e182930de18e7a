"""The sandbox control endpoint sets fields EC2 sets itself (extensions.control)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def test_image_dates_and_owner_can_be_seeded(
    ec2: Any, region: str, control: Any, make_snapshot: Any, register: Any
) -> None:
    """CreationDate and LastLaunchedTime (DescribeImages, DescribeImageAttribute) and OwnerId
    are set through POST /_amitui/images/<region>/<image-id>."""
    image_id = register(ec2, "seeded", make_snapshot(ec2, 8))
    status, answer = control(
        f"images/{region}/{image_id}",
        {"CreationDate": "2025-03-01T10:00:00Z", "LastLaunchedTime": "2026-01-10T08:00:00+00:00"},
    )
    assert (status, answer) == (
        200,
        {"ImageId": image_id, "Updated": ["CreationDate", "LastLaunchedTime"]},
    )
    (image,) = ec2.describe_images(ImageIds=[image_id])["Images"]
    assert image["CreationDate"] == "2025-03-01T10:00:00.000Z"
    assert image["LastLaunchedTime"] == "2026-01-10T08:00:00.000Z"
    attribute = ec2.describe_image_attribute(ImageId=image_id, Attribute="lastLaunchedTime")
    assert attribute["LastLaunchedTime"] == {"Value": "2026-01-10T08:00:00.000Z"}

    assert control(f"images/{region}/{image_id}", {"OwnerId": "210987654321"})[0] == 200
    assert ec2.describe_images(Owners=["self"])["Images"] == []
    assert [i["ImageId"] for i in ec2.describe_images(Owners=["210987654321"])["Images"]] == [
        image_id
    ]


def test_snapshot_start_time_can_be_seeded(
    ec2: Any, region: str, control: Any, make_snapshot: Any
) -> None:
    """A snapshot's StartTime is set through POST /_amitui/snapshots/<region>/<snapshot-id>."""
    snap = make_snapshot(ec2, 8)
    assert control(f"snapshots/{region}/{snap}", {"StartTime": "2024-12-24T18:00:00Z"})[0] == 200
    (described,) = ec2.describe_snapshots(SnapshotIds=[snap])["Snapshots"]
    assert described["StartTime"] == datetime(2024, 12, 24, 18, 0, tzinfo=UTC)


def test_control_refuses_unknown_ids_and_fields(region: str, control: Any) -> None:
    """Unknown images, snapshots, regions and routes answer 404."""
    assert control(f"images/{region}/ami-00000000000000000", {})[0] == 404
    assert control(f"snapshots/{region}/snap-00000000000000000", {})[0] == 404
    assert control("images/xx-nowhere-1/ami-00000000000000000", {})[0] == 404
    assert control(f"volumes/{region}/vol-00000000000000000", {})[0] == 404


def test_control_validates_fields(ec2: Any, region: str, control: Any, make_snapshot: Any) -> None:
    """Unknown fields and malformed values are refused with 400 and the reason."""
    snap = make_snapshot(ec2, 8)
    status, answer = control(f"snapshots/{region}/{snap}", {"Colour": "blue"})
    assert status == 400 and "Colour" in answer["Error"]
    status, answer = control(f"snapshots/{region}/{snap}", {"StartTime": "yesterday"})
    assert status == 400
    status, answer = control(f"snapshots/{region}/{snap}", {"OwnerId": "me"})
    assert status == 400 and "12-digit" in answer["Error"]
