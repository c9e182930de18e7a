"""The lifecycle planners, pure: disable/enable, protection on, tags, staged retirement.

No sandbox: the facts are built here as the lookups would return them. The EC2 rules these
plans copy are quoted where they are checked (tests/lifecycle/test_sandbox.py checks the
same plans against the sandbox's state).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from amitui.actions.cleanup import plan_lift_protection
from amitui.actions.lifecycle import (
    ImageFacts,
    LifecycleFacts,
    parse_tag_edit,
    plan_disable,
    plan_enable,
    plan_protect,
    plan_tags,
)
from amitui.actions.references import ImageUse
from amitui.actions.retirement import (
    DEREGISTER_STAGE,
    DISABLE_STAGE,
    Schedule,
    ScheduleError,
    parse_retirement,
    plan_retirement,
    schedule_path,
)
from amitui.actions.validate import InvalidInput
from amitui.backend import LaunchOptions
from amitui.flows.retirement import announce_due
from amitui.model import Image, Inventory, RegionLoad, RegionStatus
from amitui.text import countdown, protection_text
from amitui.widgets.details import render_details

ACCOUNT = "123456789012"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def image(image_id: str, **record: Any) -> Image:
    base: dict[str, Any] = {
        "ImageId": image_id,
        "Name": f"name-{image_id}",
        "OwnerId": ACCOUNT,
        "State": "available",
        "BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": {"SnapshotId": "snap-1"}}],
    }
    base.update(record)
    return Image.from_aws("us-east-1", base)


def facts(*pairs: tuple[Image, ImageFacts], **extra: Any) -> LifecycleFacts:
    return LifecycleFacts(ACCOUNT, {i.key: f for i, f in pairs}, **extra)


SHARED = (
    {"UserId": "210987654321"},
    {"Group": "all"},
    {"OrganizationArn": "arn:aws:organizations::123456789012:organization/o-abc123defg"},
)


def test_disable_lists_and_keeps_every_launch_permission_it_removes() -> None:
    shared = image("ami-1")
    plan = plan_disable([shared], facts((shared, ImageFacts(shared, SHARED))))
    (step,) = plan.runnable
    assert (step.operation, step.params) == ("DisableImage", {"ImageId": "ami-1"})
    # The shape undo codes against: DescribeImageAttribute's entries, as EC2 returns them.
    assert step.before == {"LaunchPermissions": list(SHARED)}
    assert "account 210987654321" in step.reason and "public" in step.reason
    assert "organization arn:aws:organizations" in step.reason
    assert plan.destructive and plan.confirm_text == "ami-1"
    assert any("restores none" in n for n in plan.notes)


def test_disable_leaves_out_an_image_in_use_unless_overridden() -> None:
    used = image("ami-2")
    uses = (ImageUse("instance", "i-0abc"),)
    known = facts((used, ImageFacts(used, (), uses)))
    plan = plan_disable([used], known)
    assert plan.runnable == ()
    (left,) = plan.excluded
    assert "in use by instance i-0abc" in left.reason and "override" in left.reason
    assert left.params == {}

    overridden = plan_disable([used], known, override_in_use=True)
    (step,) = overridden.runnable
    assert "IN USE" in step.reason
    assert any("override" in n for n in overridden.notes)


def test_disable_leaves_out_what_it_cannot_judge() -> None:
    gone, theirs, disabled, unread = (image(f"ami-{n}") for n in "3456")
    theirs_now = image("ami-4", OwnerId="999999999999")
    disabled_now = image("ami-5", State="disabled")
    plan = plan_disable(
        [gone, theirs, disabled, unread],
        facts(
            (theirs, ImageFacts(theirs_now, ())),
            (disabled, ImageFacts(disabled_now, ())),
            (unread, ImageFacts(unread, None)),
        ),
    )
    reasons = {s.target: s.reason for s in plan.excluded}
    assert plan.runnable == ()
    assert "no longer registered" in reasons["ami-3"]
    assert "owned by 999999999999" in reasons["ami-4"]
    assert "already disabled" in reasons["ami-5"]
    assert "launch permissions could not be read" in reasons["ami-6"]


def test_enable_only_disabled_images_and_says_no_permission_returns() -> None:
    off, on = image("ami-7"), image("ami-8")
    plan = plan_enable(
        [off, on],
        facts((off, ImageFacts(image("ami-7", State="disabled"))), (on, ImageFacts(on))),
    )
    (step,) = plan.runnable
    assert (step.operation, step.target, step.before) == (
        "EnableImage",
        "ami-7",
        {"State": "disabled"},
    )
    assert "nothing to enable" in plan.excluded[0].reason
    assert not plan.destructive
    assert any("restores no launch permission" in n for n in plan.notes)


def test_protect_keeps_the_previous_protection_and_shows_a_running_cooldown() -> None:
    plain, cooling, done = image("ami-9"), image("ami-10"), image("ami-11")
    until = NOW + timedelta(hours=5, minutes=30)
    plan = plan_protect(
        [plain, cooling, done],
        facts(
            (plain, ImageFacts(plain)),
            (
                cooling,
                ImageFacts(
                    image(
                        "ami-10",
                        DeregistrationProtection=f"disabled-until {until:%Y-%m-%dT%H:%M:%SZ}",
                    )
                ),
            ),
            (done, ImageFacts(image("ami-11", DeregistrationProtection="enabled-with-cooldown"))),
        ),
        with_cooldown=True,
        now=NOW,
    )
    by_target = {s.target: s for s in plan.steps}
    assert by_target["ami-9"].params == {"ImageId": "ami-9", "WithCooldown": True}
    assert by_target["ami-9"].before == {"DeregistrationProtection": "disabled"}
    assert by_target["ami-10"].before["DeregistrationProtection"].startswith("disabled-until")
    assert "5h 30m left" in by_target["ami-10"].reason
    assert (
        by_target["ami-11"].excluded
        and "already enabled-with-cooldown" in by_target["ami-11"].reason
    )
    assert not plan.destructive


def test_countdown_and_protection_text() -> None:
    assert countdown(NOW + timedelta(days=1, hours=2, minutes=5), NOW) == "1d 2h"
    assert countdown(NOW + timedelta(minutes=7), NOW) == "7m"
    assert countdown(NOW - timedelta(minutes=7), NOW) == "0m"
    assert protection_text("enabled-without-cooldown", NOW) == "enabled-without-cooldown"
    text = protection_text("disabled-until 2026-11-21T11:00:00Z", NOW)
    assert "23h 0m left" in text
    assert "cooldown ended" in protection_text("disabled-until 2026-11-19T11:00:00Z", NOW)


# --- tags ---------------------------------------------------------------------------------
# EC2 user guide, "Tag restrictions": "Maximum number of tags per resource - 50"; "Maximum
# key length - 128 Unicode characters in UTF-8"; "Maximum value length - 256 Unicode
# characters in UTF-8"; the aws: prefix "is reserved for AWS use. If a tag has a tag key with
# this prefix, then you can't edit or delete the tag's key or value. Tags with the aws: prefix
# do not count against your tags per resource limit."


@pytest.mark.parametrize(
    ("set_text", "remove_text", "message"),
    [
        ("aws:cloudformation=x", "", "aws: prefix is reserved"),
        ("AWS:Thing=x", "", "aws: prefix is reserved"),
        ("", "aws:createdBy", "aws: prefix is reserved"),
        ("k" * 129 + "=v", "", "129 characters; EC2 allows 128"),
        ("k=" + "v" * 257, "", "257 characters; EC2 allows 256"),
        (", ".join(f"k{n}=v" for n in range(51)), "", "at most 50"),
        ("novalue", "", "has no '='"),
        ("=v", "", "empty"),
        ("a=1, a=2", "", "twice"),
        ("a=1", "a", "both set and removed"),
        ("", "", "nothing to do"),
    ],
)
def test_tag_input_that_ec2_refuses_is_refused_first(
    set_text: str, remove_text: str, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        parse_tag_edit(set_text, remove_text, include_snapshots=False)


def test_tag_limits_at_the_edge_are_allowed() -> None:
    edit = parse_tag_edit("k" * 128 + "=" + "v" * 256, "", include_snapshots=False)
    assert edit.set == (("k" * 128, "v" * 256),)


def test_tags_plan_keeps_previous_values_and_absent_keys() -> None:
    tagged = image(
        "ami-12", Tags=[{"Key": "team", "Value": "web"}, {"Key": "stale", "Value": "yes"}]
    )
    edit = parse_tag_edit("team=platform, review=2026-Q4", "stale, missing", include_snapshots=True)
    plan = plan_tags(
        [tagged],
        facts(
            (tagged, ImageFacts(tagged)),
            snapshot_tags={("us-east-1", "snap-1"): (("review", "2026-Q4"),)},
        ),
        edit,
    )
    by_step = {s.step_id: s for s in plan.steps}
    create = by_step["tag:us-east-1/ami-12"]
    assert create.params == {
        "Resources": ["ami-12"],
        "Tags": [{"Key": "team", "Value": "platform"}, {"Key": "review", "Value": "2026-Q4"}],
    }
    assert create.before == {"Tags": [{"Key": "team", "Value": "web"}], "Absent": ["review"]}
    delete = by_step["untag:us-east-1/ami-12"]
    assert delete.params == {"Resources": ["ami-12"], "Tags": [{"Key": "stale"}]}
    assert delete.before == {"Tags": [{"Key": "stale", "Value": "yes"}]}
    # The snapshot already has review=2026-Q4 and none of the removed keys: only team is sent.
    snapshot = by_step["tag:us-east-1/snap-1"]
    assert snapshot.params["Tags"] == [{"Key": "team", "Value": "platform"}]
    assert snapshot.before == {"Tags": [], "Absent": ["team"]}
    assert "untag:us-east-1/snap-1" not in by_step


def test_tags_already_so_send_nothing() -> None:
    tagged = image("ami-14", Tags=[{"Key": "team", "Value": "web"}])
    plan = plan_tags(
        [tagged],
        facts((tagged, ImageFacts(tagged))),
        parse_tag_edit("team=web", "absent", include_snapshots=False),
    )
    assert plan.runnable == ()
    assert "nothing to change" in plan.excluded[0].reason


def test_tags_plan_leaves_out_a_resource_that_would_exceed_50_tags() -> None:
    # aws: tags do not count (quoted above): 49 user tags + 3 aws: tags + 1 new = 50, allowed.
    tags = [{"Key": f"k{n}", "Value": "v"} for n in range(49)]
    tags += [{"Key": f"aws:x{n}", "Value": "v"} for n in range(3)]
    full = image("ami-13", Tags=tags)
    fine = plan_tags(
        [full],
        facts((full, ImageFacts(full))),
        parse_tag_edit("new=1", "", include_snapshots=False),
    )
    assert [s.operation for s in fine.runnable] == ["CreateTags"]
    over = plan_tags(
        [full],
        facts((full, ImageFacts(full))),
        parse_tag_edit("new=1, new2=2", "", include_snapshots=False),
    )
    assert over.runnable == ()
    assert "would have 51 tags; EC2 allows at most 50" in over.excluded[0].reason


# --- staged retirement ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("deprecate_at", "disable", "deregister", "message"),
    [
        ("2026-11-01", "14", "30", "in the past"),
        ("now", "30", "14", "not after the disable stage"),
        ("now", "14", "14", "not after the disable stage"),
        ("now", "0", "30", "at least 1 day"),
        ("now", "-3", "30", "not a number of days"),
        ("now", "soon", "30", "not a number of days"),
        ("now", "", "", "both later stages are blank"),
        ("yesterday", "14", "30", "neither a relative time"),
    ],
)
def test_retirement_input_refused_with_a_reason(
    deprecate_at: str, disable: str, deregister: str, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        parse_retirement(deprecate_at, disable, deregister, now=NOW)


def inventory_of(*images: Image) -> Inventory:
    inventory = Inventory()
    inventory.add(RegionLoad("us-east-1", RegionStatus.LOADED, images=images))
    return inventory


def test_retirement_runs_the_deprecation_now_and_schedules_the_rest() -> None:
    mine, theirs = image("ami-20"), image("ami-21", OwnerId="999999999999")
    request = parse_retirement("+2d", "14", "30", now=NOW)
    retirement = plan_retirement(
        inventory_of(mine, theirs), [mine, theirs], request, now=NOW, account=ACCOUNT
    )
    plan = retirement.plan
    assert plan.action == "retire"
    assert [(s.operation, s.target) for s in plan.runnable] == [
        ("EnableImageDeprecation", "ami-20")
    ]
    assert plan.runnable[0].params["DeprecateAt"] == "2026-11-22T12:00:00Z"
    kinds = [(s.kind, s.due, [t.image_id for t in s.targets]) for s in retirement.stages]
    assert kinds == [
        (DISABLE_STAGE, NOW + timedelta(days=16), ["ami-20"]),
        (DEREGISTER_STAGE, NOW + timedelta(days=32), ["ami-20"]),
    ]
    assert sum("Scheduled:" in n and "nothing runs unattended" in n for n in plan.notes) == 2


def test_now_is_the_next_whole_minute() -> None:
    request = parse_retirement("now", "", "3", now=NOW + timedelta(seconds=10))
    assert request.deprecate_at == NOW + timedelta(minutes=1)
    assert request.disable_after_days is None and request.deregister_after_days == 3


def test_the_schedule_survives_a_reload_and_says_what_is_due(tmp_path: Path) -> None:
    mine = image("ami-22")
    request = parse_retirement("now", "1", "2", now=NOW)
    stages = plan_retirement(inventory_of(mine), [mine], request, now=NOW, account=ACCOUNT).stages
    path = tmp_path / "retirement.json"
    Schedule.load(path).add(stages)

    again = Schedule.load(path)
    assert again.stages == list(stages)
    assert again.due(NOW) == []
    later = NOW + timedelta(days=1, minutes=5)
    (due,) = again.due(later)
    assert due.kind == DISABLE_STAGE
    again.finish(due.stage_id, "done", "1 of 1 step succeeded", later)
    assert [s.kind for s in Schedule.load(path).scheduled()] == [DEREGISTER_STAGE]


def test_a_damaged_schedule_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "retirement.json"
    path.write_text('{"stages": [{"kind": "explode"}]}')
    with pytest.raises(ScheduleError, match="cannot read the retirement schedule"):
        Schedule.load(path)


def test_the_details_pane_counts_the_cooldown_down() -> None:
    until = NOW + timedelta(hours=23, minutes=59)
    cooling = image("ami-30", DeregistrationProtection=f"disabled-until {until:%Y-%m-%dT%H:%M:%SZ}")
    details = render_details(cooling, None, NOW)
    shown = dict((label, value.plain) for label, value in details.right)
    assert shown["Dereg. protect"] == (
        "disabled, cooldown until 2026-11-21 11:59 UTC (23h 59m left)"
    )
    plain = render_details(
        image("ami-31", DeregistrationProtection="enabled-with-cooldown"), None, NOW
    )
    assert dict((k, v.plain) for k, v in plain.right)["Dereg. protect"] == "enabled-with-cooldown"


def test_the_lift_plan_keeps_the_previous_protection_and_counts_a_cooldown_down() -> None:
    on = image("ami-32", DeregistrationProtection="enabled-with-cooldown")
    until = NOW + timedelta(hours=2)
    cooling = image("ami-33", DeregistrationProtection=f"disabled-until {until:%Y-%m-%dT%H:%M:%SZ}")
    plan = plan_lift_protection(
        [on, cooling], {on.key: on, cooling.key: cooling}, ACCOUNT, clock=NOW
    )
    (lift,) = plan.runnable
    assert lift.before == {"DeregistrationProtection": "enabled-with-cooldown"}
    assert plan.destructive
    (waiting,) = plan.excluded
    assert "2h 0m left" in waiting.reason


class _Host:
    """The part of a FlowHost announce_due uses: options, read_only, the clock, notify."""

    def __init__(self, now: datetime, *, read_only: bool) -> None:
        self.options = LaunchOptions(demo=True, read_only=read_only)
        self.read_only = read_only
        self._now = now
        self.notes: list[tuple[str, str]] = []

    def now(self) -> datetime:
        return self._now

    def notify(self, message: str, *, title: str = "", **_: Any) -> None:
        self.notes.append((title, message))


@pytest.mark.parametrize("read_only", [False, True])
def test_due_stages_are_announced_never_run(read_only: bool) -> None:
    mine = image("ami-40")
    request = parse_retirement("now", "1", "", now=NOW)
    stages = plan_retirement(inventory_of(mine), [mine], request, now=NOW, account=ACCOUNT).stages
    Schedule.load(schedule_path(demo=True)).add(stages)

    early = _Host(NOW, read_only=read_only)
    announce_due(early)  # type: ignore[arg-type]
    assert early.notes == []
    late = _Host(NOW + timedelta(days=2), read_only=read_only)
    announce_due(late)  # type: ignore[arg-type]
    ((title, message),) = late.notes
    assert title == "Retirement due" and "disable 1 image" in message
    assert ("without --read-only" in message) is read_only
    assert [s.status for s in Schedule.load(schedule_path(demo=True)).stages] == ["scheduled"]
    assert not schedule_path(demo=False).exists()  # the demo's schedule lives apart
