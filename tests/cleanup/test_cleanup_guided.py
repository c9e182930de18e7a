"""Guided cleanup rules: pure, over hand-made Image records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from amitui.actions.guided import (
    CleanupRules,
    RuleError,
    parse_rules,
    select_candidates,
)
from amitui.actions.references import ImageUse, RegionUses
from amitui.model import AwsError, Image, RegionStatus
from amitui.totals import family_of

pytestmark = pytest.mark.fast

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
ACCOUNT = "123456789012"
_counter = iter(range(1, 10_000))


def image(
    name: str,
    *,
    age_days: int,
    region: str = "us-east-1",
    launched_days_ago: int | None = None,
    deprecated: datetime | None = None,
    tags: dict[str, str] | None = None,
    owner: str = ACCOUNT,
    protection: str = "disabled",
) -> Image:
    record: dict[str, Any] = {
        "ImageId": f"ami-{next(_counter):017x}",
        "Name": name,
        "OwnerId": owner,
        "State": "available",
        "CreationDate": (NOW - timedelta(days=age_days)).isoformat(),
        "DeregistrationProtection": protection,
        "Tags": [{"Key": k, "Value": v} for k, v in (tags or {}).items()],
    }
    if launched_days_ago is not None:
        record["LastLaunchedTime"] = (NOW - timedelta(days=launched_days_ago)).isoformat()
    if deprecated is not None:
        record["DeprecationTime"] = deprecated.isoformat()
    return Image.from_aws(region, record)


def uses_none(*regions: str) -> dict[str, RegionUses]:
    return {r: RegionUses(r) for r in regions or ("us-east-1",)}


def select(images: list[Image], rules: CleanupRules, uses: Any = None) -> Any:
    return select_candidates(
        images, rules, now=NOW, account_id=ACCOUNT, uses=uses_none() if uses is None else uses
    )


def names(selection: Any) -> list[str]:
    return sorted(c.image.name for c in selection.candidates)


def test_keep_newest_n_of_each_family_per_region() -> None:
    fleet = [image(f"web-golden-2026.{m:02d}.01", age_days=300 - 30 * m) for m in range(1, 6)]
    fleet += [
        image("api-base-2026.01.01", age_days=320),
        image("api-base-2026.02.01", age_days=290),
    ]
    fleet.append(image("web-golden-2026.01.01", age_days=270, region="eu-west-1"))

    selection = select(fleet, CleanupRules(keep_newest=2), uses_none("us-east-1", "eu-west-1"))

    assert names(selection) == [
        "web-golden-2026.01.01",
        "web-golden-2026.02.01",
        "web-golden-2026.03.01",
    ]
    assert all("beyond the newest 2 of web-golden" in c.why for c in selection.candidates)
    assert len(selection.kept_newest) == 5  # 2 web + 2 api in us-east-1, 1 web in eu-west-1


def test_family_tag_wins_over_the_name() -> None:
    assert family_of(image("x-2026.01.01", age_days=1, tags={"Family": "web"})) == "web"
    assert family_of(image("base-al2023-x86_64-2025.08.05", age_days=1)) == "base-al2023-x86_64"
    assert family_of(image("batch-worker-20260403-4ca8c32", age_days=1)) == "batch-worker"


def test_older_than_and_not_launched_combine() -> None:
    fleet = [
        image("old-idle", age_days=200, launched_days_ago=100),
        image("old-never", age_days=200),
        image("old-busy", age_days=200, launched_days_ago=2),
        image("young-idle", age_days=10),
    ]

    selection = select(fleet, CleanupRules(older_than_days=90, not_launched_days=30))

    assert names(selection) == ["old-idle", "old-never"]
    why = {c.image.name: c.why for c in selection.candidates}
    assert why["old-never"] == ("created 200 days ago", "never launched")
    assert why["old-idle"] == ("created 200 days ago", "last launched 100 days ago")


def test_deprecated_before_a_date_and_tag() -> None:
    fleet = [
        image("dep-early", age_days=50, deprecated=datetime(2026, 1, 1, tzinfo=UTC)),
        image("dep-late", age_days=50, deprecated=datetime(2026, 10, 1, tzinfo=UTC)),
        image("never-dep", age_days=50),
        image("debug-a", age_days=5, tags={"Purpose": "debug"}),
        image("debug-b", age_days=5, tags={"Purpose": "build"}),
    ]
    assert names(
        select(fleet, CleanupRules(deprecated_before=datetime(2026, 6, 1, tzinfo=UTC)))
    ) == ["dep-early"]
    assert names(select(fleet, CleanupRules(tag=("Purpose", "debug")))) == ["debug-a"]
    assert names(select(fleet, CleanupRules(tag=("Purpose", None)))) == ["debug-a", "debug-b"]


def test_in_use_protected_and_foreign_images_are_never_candidates() -> None:
    used = image("used", age_days=400)
    protected = image("protected", age_days=400, protection="enabled-with-cooldown")
    foreign = image("foreign", age_days=400, owner="210987654321")
    free = image("free", age_days=400)
    uses = {"us-east-1": RegionUses("us-east-1", {used.image_id: (ImageUse("instance", "i-1"),)})}

    selection = select([used, protected, foreign, free], CleanupRules(older_than_days=30), uses)

    assert names(selection) == ["free"]
    never = {s.image.name: s.why for s in selection.never}
    assert never["used"] == "in use by instance i-1"
    assert never["protected"].startswith("deregistration protection")
    assert never["foreign"].startswith("not owned")


def test_unchecked_or_failed_use_lookups_offer_nothing() -> None:
    old = image("old", age_days=400)
    assert (
        names(
            select_candidates(
                [old], CleanupRules(older_than_days=1), now=NOW, account_id=ACCOUNT, uses=None
            )
        )
        == []
    )
    failed = {
        "us-east-1": RegionUses(
            "us-east-1", error=AwsError(RegionStatus.DENIED, "UnauthorizedOperation", "no")
        )
    }
    selection = select([old], CleanupRules(older_than_days=1), failed)
    assert names(selection) == []
    assert "could not check" in selection.never[0].why


def test_no_rules_select_nothing() -> None:
    assert names(select([image("old", age_days=900)], CleanupRules())) == []


def test_parse_rules_and_errors() -> None:
    rules = parse_rules(
        keep_newest="3",
        older_than_days="90",
        not_launched_days=" ",
        deprecated_before="2026-06-01",
        tag="Env=dev",
    )
    assert rules == CleanupRules(3, 90, None, datetime(2026, 6, 1, tzinfo=UTC), ("Env", "dev"))
    assert parse_rules(tag="Purpose").tag == ("Purpose", None)
    assert "keep the newest 3" in rules.describe()
    with pytest.raises(RuleError, match="whole number"):
        parse_rules(older_than_days="ninety")
    with pytest.raises(RuleError, match="2026-01-31"):
        parse_rules(deprecated_before="June")
    with pytest.raises(RuleError, match="KEY=VALUE"):
        parse_rules(tag="=x")
