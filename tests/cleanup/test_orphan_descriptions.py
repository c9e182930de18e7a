"""Orphaned snapshots are found by the description EC2 writes on an image's snapshots.

The EC2 API reference is silent on the wording (Snapshot: "description — The description for
the snapshot."); the forms below are what EC2 writes, as DescribeSnapshots returns them from
real accounts:

- CreateImage: ``Created by CreateImage(i-1234567890abcdef0) for ami-0123456789abcdef0 from
  vol-0123456789abcdef0`` (newer images: without `` from vol-…``);
- CopyImage, on each snapshot of the copy: ``Copied for DestinationAmi ami-0080352261d3c786b
  from SourceAmi ami-0a80dc84a0e6ab5b0 for SourceSnapshot snap-0a85657906cb9d36f. Task created
  on 1,524,247,133,370.`` The snapshot belongs to the destination image, the copy; the source
  image, often still registered in another region, does not keep it.

EC2 gives no API to change a snapshot's description, so each test creates its snapshots with
CreateSnapshot(Description=...) naming an image registered for the purpose, then deregisters
that image, as a user retiring the image without its snapshots leaves them.
"""

from __future__ import annotations

from typing import Any

import pytest

from amitui.actions.cleanup import gather_orphan_facts, plan_delete_orphans
from amitui.aws import AwsSession
from amitui.loader import load_region
from amitui.model import Inventory

from ..sandbox_api import first_zone, make_snapshot, register_image


def _snapshot_described(ec2: Any, description: str) -> str:
    volume = ec2.create_volume(Size=8, AvailabilityZone=first_zone(ec2))["VolumeId"]
    snapshot_id: str = ec2.create_snapshot(VolumeId=volume, Description=description)["SnapshotId"]
    return snapshot_id


FORMS = {
    "CreateImage, with the volume": "Created by CreateImage(i-0a1b2c3d4e5f60718) for {image} "
    "from vol-0a1b2c3d4e5f60718",
    "CreateImage": "Created by CreateImage(i-0a1b2c3d4e5f60718) for {image}",
    "CopyImage": "Copied for DestinationAmi {image} from SourceAmi {source} for SourceSnapshot "
    "snap-0a85657906cb9d36f. Task created on 1,524,247,133,370.",
}


@pytest.mark.parametrize("form", FORMS)
async def test_every_form_ec2_writes_names_the_image_that_is_gone(
    form: str, ec2: Any, region: str, aws: AwsSession
) -> None:
    # The copy's source stays registered: it must not keep the copy's snapshots.
    source = register_image(ec2, f"source-{form}", make_snapshot(ec2, 8))
    gone = register_image(ec2, f"gone-{form}", make_snapshot(ec2, 8))
    orphan = _snapshot_described(ec2, FORMS[form].format(image=gone, source=source))
    inventory = Inventory()
    inventory.add(await load_region(aws, region))
    assert inventory.orphaned_snapshots(region) == [], "its image is still registered"

    ec2.deregister_image(ImageId=gone)
    inventory.add(await load_region(aws, region))
    found = {o.snapshot.snapshot_id: o.former_image_id for o in inventory.orphaned_snapshots()}
    assert found.get(orphan) == gone

    pairs = [(o.snapshot, o.former_image_id) for o in inventory.orphaned_snapshots(region)]
    plan = plan_delete_orphans(pairs, await gather_orphan_facts(aws, pairs)).plan
    assert orphan in {step.target for step in plan.runnable}


@pytest.mark.parametrize(
    "description",
    [
        # ImportImage names its import task, not an image.
        "Created by AWS-VMImport service for import-ami-0123456789abcdef0",
        # CopySnapshot's default names the source snapshot and region.
        "[Copied snap-0a85657906cb9d36f from us-east-1]",
        # A person's own words are no evidence of what the snapshot was made for.
        "backup taken for ami-0123456789abcdef0 before the upgrade",
    ],
)
async def test_descriptions_ec2_does_not_write_for_an_image_are_no_orphan_clue(
    description: str, ec2: Any, region: str, aws: AwsSession
) -> None:
    _snapshot_described(ec2, description)
    inventory = Inventory()
    inventory.add(await load_region(aws, region))
    assert inventory.orphaned_snapshots(region) == []
