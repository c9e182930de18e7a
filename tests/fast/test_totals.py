"""amitui.totals over hand-made records: families, GiB counted once per snapshot, the cost
at the configured price and per storage tier, and the age histogram; plus the image's ARN
and console URL (amitui.links)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from amitui.config import ConfigError, load_config
from amitui.links import console_url, image_arn
from amitui.totals import SNAPSHOT_PRICE_PER_GIB_MONTH, Group, compute, family_of

from ..records import fresh_id, image, inventory, snapshot

pytestmark = pytest.mark.fast

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def by_name(groups: tuple[Group, ...]) -> dict[str, Group]:
    return {group.name: group for group in groups}


def test_family_is_the_tag_else_the_name_without_its_date_or_version() -> None:
    assert family_of(image("web-golden-2026.11.03")) == "web-golden"
    assert family_of(image("api-base-v42")) == "api-base"
    assert family_of(image("batch-worker-20260403-4ca8c32")) == "batch-worker"
    assert family_of(image("anything-2026.01.01", tags={"Family": "web"})) == "web"
    assert family_of(image("plain")) == "plain"


def test_a_hand_counted_fleet() -> None:
    # us-east-1: web-1 (8 + 20 shared data), web-2 (8 + the same 20), db (50, archived);
    # eu-west-1: a copy of web-1 (8 + 20 of its own snapshots).
    shared, web1_root, web2_root, db_root = (fresh_id("snap") for _ in range(4))
    copy_root, copy_data = fresh_id("snap"), fresh_id("snap")
    web1 = image("web-2026.11.03", snapshots=((web1_root, 8), (shared, 20)))
    web2 = image(
        "web-2026.10.20", snapshots=((web2_root, 8), (shared, 20)), created="2026-10-20T10:00:00Z"
    )
    db = image("db-2024.01.01", snapshots=((db_root, 50),), created="2024-01-01T10:00:00Z")
    copy = image("web-2026.11.03", region="eu-west-1", snapshots=((copy_root, 8), (copy_data, 20)))
    loaded = inventory(
        [web1, web2, db, copy],
        [
            snapshot(web1_root, 8),
            snapshot(web2_root, 8),
            snapshot(shared, 20),
            snapshot(db_root, 50, tier="archive"),
            snapshot(copy_root, 8, region="eu-west-1"),
            snapshot(copy_data, 20, region="eu-west-1"),
        ],
    )

    totals = compute([web1, web2, db, copy], NOW, inventory=loaded)

    # The shared 20 GiB data snapshot counts once: 8 + 8 + 20 + 50 + 8 + 20.
    assert (totals.total.images, totals.total.gib) == (4, 114)
    # 64 standard GiB at $0.05 + 50 archived GiB at $0.0125.
    assert totals.total.monthly_cost == pytest.approx(64 * 0.05 + 50 * 0.0125)
    regions = by_name(totals.regions)
    assert (regions["us-east-1"].images, regions["us-east-1"].gib) == (3, 86)
    assert (regions["eu-west-1"].images, regions["eu-west-1"].gib) == (1, 28)
    assert [g.name for g in totals.regions] == ["us-east-1", "eu-west-1"]  # largest first
    families = by_name(totals.families)
    assert (families["web"].images, families["web"].gib, families["web"].regions) == (3, 64, 2)
    assert families["web"].monthly_cost == pytest.approx(64 * 0.05)
    assert (families["db"].images, families["db"].gib) == (1, 50)
    assert families["db"].monthly_cost == pytest.approx(50 * 0.0125)


def test_the_standard_price_can_be_set_and_archive_keeps_its_own() -> None:
    root, archived = fresh_id("snap"), fresh_id("snap")
    one = image("a", snapshots=((root, 10),))
    two = image("b", snapshots=((archived, 10),))
    loaded = inventory([one, two], [snapshot(root, 10), snapshot(archived, 10, tier="archive")])

    totals = compute([one, two], NOW, inventory=loaded, standard_price=0.1)

    assert totals.prices["standard"] == 0.1
    assert totals.prices["archive"] == SNAPSHOT_PRICE_PER_GIB_MONTH["archive"]
    assert totals.total.monthly_cost == pytest.approx(10 * 0.1 + 10 * 0.0125)


def test_without_the_snapshot_listed_the_block_device_size_counts() -> None:
    one = image("a", snapshots=((fresh_id("snap"), 30),))
    totals = compute([one], NOW)  # no inventory: snapshots not listed yet
    assert totals.total.gib == 30
    assert totals.total.monthly_cost == pytest.approx(30 * 0.05)


def test_age_histogram_buckets() -> None:
    days = [0, 29, 30, 89, 90, 200, 400, 800, 3000]
    images = [image(f"i{d}", created=(NOW - timedelta(days=d)).isoformat()) for d in days]
    undated = image("undated", created="")

    totals = compute([*images, undated], NOW)

    assert [(b.label, b.images) for b in totals.ages] == [
        ("< 30 days", 2),
        ("30-90 days", 2),
        ("90-180 days", 1),
        ("180 days-1 year", 1),
        ("1-2 years", 1),
        ("> 2 years", 2),
        ("no creation date", 1),
    ]


def test_an_empty_view_has_zero_totals_and_no_unknown_bucket() -> None:
    totals = compute([], NOW)
    assert (totals.total.images, totals.total.gib, totals.total.monthly_cost) == (0, 0, 0)
    assert totals.regions == totals.families == ()
    assert all(bucket.images == 0 for bucket in totals.ages)
    assert "no creation date" not in [bucket.label for bucket in totals.ages]


def test_arn_and_console_url() -> None:
    # The Service Authorization Reference, "Resource types defined by Amazon EC2": image
    # "arn:${Partition}:ec2:${Region}::image/${ImageId}" (no account field).
    one = image("a", image_id="ami-0123456789abcdef0", region="eu-west-1")
    assert image_arn(one) == "arn:aws:ec2:eu-west-1::image/ami-0123456789abcdef0"
    china = image("a", image_id="ami-0123456789abcdef0", region="cn-north-1")
    assert image_arn(china) == "arn:aws-cn:ec2:cn-north-1::image/ami-0123456789abcdef0"
    gov = image("a", image_id="ami-0123456789abcdef0", region="us-gov-west-1")
    assert image_arn(gov).startswith("arn:aws-us-gov:ec2:us-gov-west-1::image/")
    # AWS does not document console URLs: this is what the EC2 console shows on an AMI page.
    assert console_url(one) == (
        "https://eu-west-1.console.aws.amazon.com/ec2/home?region=eu-west-1"
        "#ImageDetails:imageId=ami-0123456789abcdef0"
    )
    assert console_url(china).startswith("https://console.amazonaws.cn/ec2/home?region=cn-north-1#")


def test_the_config_sets_the_standard_price(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[cost]\nsnapshot_gib_month = 0.06\n", encoding="utf-8")
    assert load_config(path).snapshot_price == 0.06
    path.write_text("regions = []\n", encoding="utf-8")
    assert load_config(path).snapshot_price is None


@pytest.mark.parametrize("value", ['"cheap"', "-1", "true", "[0.05]"])
def test_a_bad_price_in_the_config_says_what_is_wanted(tmp_path: Path, value: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f"[cost]\nsnapshot_gib_month = {value}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[cost\] snapshot_gib_month must be a price"):
        load_config(path)
