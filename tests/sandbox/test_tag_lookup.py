"""Each resource answers its own tags (amitui/sandbox/extensions/tag_lookup.py).

EC2 (DescribeImages, DescribeSnapshots): ``tagSet`` is "Any tags assigned to the image" /
"to the snapshot": exactly that resource's tags, in every listing, whatever else is tagged in
the region. The extension replaces moto's scan with a lookup; these pin the answer.
"""

from __future__ import annotations

from typing import Any

from ..sandbox_api import make_snapshot, register_image


def _tags(record: dict[str, Any]) -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in record.get("Tags", [])}


def test_images_and_snapshots_list_exactly_their_own_tags(ec2: Any) -> None:
    first_snapshot = make_snapshot(ec2, 8)
    second_snapshot = make_snapshot(ec2, 8)
    first = register_image(ec2, "first", first_snapshot)
    second = register_image(ec2, "second", second_snapshot)
    untagged = register_image(ec2, "untagged", make_snapshot(ec2, 8))
    ec2.create_tags(Resources=[first], Tags=[{"Key": "team", "Value": "web"}])
    ec2.create_tags(
        Resources=[second, second_snapshot],
        Tags=[{"Key": "team", "Value": "db"}, {"Key": "stage", "Value": "prod"}],
    )

    images = {i["ImageId"]: i for i in ec2.describe_images(Owners=["self"])["Images"]}
    assert _tags(images[first]) == {"team": "web"}
    assert _tags(images[second]) == {"team": "db", "stage": "prod"}
    assert _tags(images[untagged]) == {}
    snapshots = {s["SnapshotId"]: s for s in ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"]}
    assert _tags(snapshots[second_snapshot]) == {"team": "db", "stage": "prod"}
    assert _tags(snapshots[first_snapshot]) == {}

    # Removing and changing a tag shows at once, as in DescribeTags.
    ec2.delete_tags(Resources=[second], Tags=[{"Key": "stage"}])
    ec2.create_tags(Resources=[first], Tags=[{"Key": "team", "Value": "edge"}])
    images = {i["ImageId"]: i for i in ec2.describe_images(ImageIds=[first, second])["Images"]}
    assert _tags(images[first]) == {"team": "edge"}
    assert _tags(images[second]) == {"team": "db"}
    described = ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [second]}])["Tags"]
    assert {t["Key"]: t["Value"] for t in described} == _tags(images[second])
