"""What a million images cost: the fields most images share live in one ImageTraits per
combination, the fields few have in an ImageRare (None for most), equal tags in one tuple;
the image still reads every field by its name."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from amitui.model import Image, Inventory, RegionLoad, RegionStatus
from tests.records import image

pytestmark = pytest.mark.fast


def test_images_with_the_same_traits_share_one_traits_record_and_their_tags() -> None:
    tags = {"team": "platform", "env": "prod"}
    first = image("web-1", tags=tags, Architecture="arm64", BootMode="uefi", EnaSupport=True)
    second = image("web-2", tags=tags, Architecture="arm64", BootMode="uefi", EnaSupport=True)
    other = image("web-3", tags=tags, Architecture="x86_64", BootMode="uefi", EnaSupport=True)
    assert first.traits is second.traits
    assert other.traits is not first.traits
    assert first.tags is second.tags is other.tags
    assert first.architecture == "arm64" and other.architecture == "x86_64"
    assert (first.boot_mode, first.ena_support, first.owner_id) == ("uefi", True, "123456789012")


def test_an_image_without_rare_fields_has_no_rare_record() -> None:
    plain = image("plain")
    assert plain.rare is None
    assert plain.deprecation_time is None and plain.last_launched_time is None
    assert plain.source_image_id is None and plain.state_reason is None


def test_rare_fields_read_by_their_names() -> None:
    copy = image(
        "copy",
        deprecation="2027-01-01T00:00:00.000Z",
        source=("ami-0123456789abcdef0", "eu-west-1"),
        LastLaunchedTime="2026-10-01T08:00:00Z",
        StateReason={"Code": "Client.Error", "Message": "it broke"},
    )
    assert copy.rare is not None
    assert copy.deprecation_time == datetime(2027, 1, 1, tzinfo=UTC)
    assert copy.last_launched_time == datetime(2026, 10, 1, 8, tzinfo=UTC)
    assert copy.source_image_id == "ami-0123456789abcdef0"
    assert copy.source_image_region == "eu-west-1"
    assert copy.state_reason == "it broke"
    assert copy.is_deprecated(datetime(2027, 6, 1, tzinfo=UTC))


def test_an_empty_source_id_is_kept_as_sent() -> None:
    # EC2 sends the field; the record says what it said ("" is not "no source").
    made = Image.from_aws("us-east-1", {"ImageId": "ami-0123456789abcdef0", "SourceImageId": ""})
    assert made.source_image_id == ""


def test_equal_records_make_equal_images_and_different_ones_do_not() -> None:
    record = {"ImageId": "ami-0123456789abcdef0", "Name": "x", "Architecture": "arm64"}
    assert Image.from_aws("us-east-1", record) == Image.from_aws("us-east-1", dict(record))
    assert Image.from_aws("us-east-1", record) != Image.from_aws(
        "us-east-1", {**record, "Architecture": "x86_64"}
    )


def test_the_inventory_finds_the_one_or_several_images_mapping_a_snapshot() -> None:
    alone = image("alone", snapshots=(("snap-0000000000000000a", 8),))
    first = image("first", snapshots=(("snap-0000000000000000b", 8),))
    second = image(
        "second", snapshots=(("snap-0000000000000000b", 8), ("snap-0000000000000000c", 4))
    )
    inventory = Inventory()
    inventory.add(RegionLoad("us-east-1", RegionStatus.LOADED, images=(alone, first, second)))
    assert inventory.images_mapping("us-east-1", "snap-0000000000000000a") == (alone,)
    assert inventory.images_mapping("us-east-1", "snap-0000000000000000b") == (first, second)
    assert inventory.images_mapping("us-east-1", "snap-0000000000000000c") == (second,)
    assert inventory.images_mapping("us-east-1", "snap-0000000000000000d") == ()


def test_block_devices_alike_share_one_spec_and_read_its_fields() -> None:
    first = image("a", snapshots=(("snap-0000000000000001a", 16),), encrypted=True)
    second = image("b", snapshots=(("snap-0000000000000001b", 16),), encrypted=True)
    [one], [two] = first.block_devices, second.block_devices
    assert one.spec is two.spec
    assert (one.snapshot_id, two.snapshot_id) == (
        "snap-0000000000000001a",
        "snap-0000000000000001b",
    )
    assert (one.device_name, one.volume_size, one.encrypted) == ("/dev/xvda", 16, True)
    assert first.size_gib == 16 and first.encrypted
