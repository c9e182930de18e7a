"""The lifecycle plans run against the sandbox, and EC2's state afterwards is checked.

What the sandbox imitates, from the EC2 API reference:

- DisableImage: "Sets the AMI state to disabled and removes all launch permissions from the
  AMI. A disabled AMI can't be used for instance launches. A disabled AMI can't be shared. If
  an AMI was public or previously shared, it is made private." "You can re-enable a disabled
  AMI using EnableImage." (extensions/image_state.py)
- User guide, "Disable an Amazon EC2 AMI": "AWS accounts, organizations, and Organizational
  Units that lost access to the AMI when it was disabled do not regain access automatically,
  but the AMI can be shared with them again."
- EnableImageDeregistrationProtection ``WithCooldown``: "If true, enforces deregistration
  protection for 24 hours after deregistration protection is disabled."
  DisableImageDeregistrationProtection: "If you chose to include a 24-hour cooldown period
  when you enabled deregistration protection for the AMI, then, when you disable
  deregistration protection, you won't immediately be able to deregister the AMI."
  (extensions/deregistration_protection.py)
- CreateTags "Adds or overwrites only the specified tags for the specified Amazon EC2
  resource or resources"; DeleteTags "Deletes the specified set of tags from the specified
  set of resources" (moto's own; the reference is silent on aws: keys at this level, the
  user guide's tag restrictions are quoted in test_plans.py and checked before sending).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from amitui.actions.cleanup import fresh_images, plan_lift_protection
from amitui.actions.execute import execute
from amitui.actions.lifecycle import (
    gather_facts,
    parse_tag_edit,
    plan_disable,
    plan_enable,
    plan_protect,
    plan_tags,
)
from amitui.aws import AwsSession
from amitui.backend import sandbox_session
from amitui.journal import Journal, read_entries
from amitui.model import Image, Plan, StepOutcome, StepResult
from amitui.sandbox import SANDBOX_ACCOUNT_ID, Sandbox

from ..fleet import make_snapshot, register_image
from .conftest import REGION

ORG = "arn:aws:organizations::123456789012:organization/o-abc123defg"


def registered(ec2: Any, name: str) -> tuple[str, str]:
    snapshot = make_snapshot(ec2, 8)
    return register_image(ec2, name, snapshot), snapshot


async def image_of(aws: AwsSession, image_id: str) -> Image:
    return (await fresh_images(aws, REGION, [image_id]))[image_id]


async def run(aws: AwsSession, plan: Plan, journal: Journal) -> list[StepResult]:
    return [r async for r in execute(aws, plan, journal)]


def described(ec2: Any, image_id: str) -> dict[str, Any]:
    (found,) = ec2.describe_images(ImageIds=[image_id])["Images"]
    return dict(found)


def permissions(ec2: Any, image_id: str) -> list[dict[str, str]]:
    answer = ec2.describe_image_attribute(ImageId=image_id, Attribute="launchPermission")
    return list(answer["LaunchPermissions"])


async def test_disable_removes_the_permissions_it_journals_and_enable_restores_none(
    ec2: Any, aws: AwsSession, journal: Journal
) -> None:
    image_id, _ = registered(ec2, "lifecycle-disable")
    ec2.modify_image_attribute(
        ImageId=image_id,
        LaunchPermission={"Add": [{"UserId": "210987654321"}, {"OrganizationArn": ORG}]},
    )
    shared = permissions(ec2, image_id)
    image = await image_of(aws, image_id)

    facts = await gather_facts(aws, [image], SANDBOX_ACCOUNT_ID, permissions=True, uses=True)
    plan = plan_disable([image], facts)
    (step,) = plan.runnable
    assert step.before == {"LaunchPermissions": shared}
    assert [r.outcome for r in await run(aws, plan, journal)] == [StepOutcome.OK]

    assert described(ec2, image_id)["State"] == "disabled"
    assert permissions(ec2, image_id) == []
    sent = [e for e in read_entries(journal.path) if e["phase"] == "sent"]
    assert sent[-1]["operation"] == "DisableImage"
    assert sent[-1]["before"] == {"LaunchPermissions": shared}

    disabled = await image_of(aws, image_id)
    facts = await gather_facts(aws, [disabled], SANDBOX_ACCOUNT_ID)
    enable = plan_enable([disabled], facts)
    assert enable.runnable[0].before == {"State": "disabled"}
    assert [r.outcome for r in await run(aws, enable, journal)] == [StepOutcome.OK]
    assert described(ec2, image_id)["State"] == "available"
    assert permissions(ec2, image_id) == []  # "do not regain access automatically"


async def test_an_image_in_use_is_left_out_of_a_disable(
    ec2: Any, aws: AwsSession, journal: Journal
) -> None:
    image_id, _ = registered(ec2, "lifecycle-in-use")
    instance = ec2.run_instances(ImageId=image_id, MinCount=1, MaxCount=1)["Instances"][0]
    image = await image_of(aws, image_id)

    facts = await gather_facts(aws, [image], SANDBOX_ACCOUNT_ID, permissions=True, uses=True)
    plan = plan_disable([image], facts)
    assert plan.runnable == ()
    assert f"in use by instance {instance['InstanceId']}" in plan.excluded[0].reason
    assert await run(aws, plan, journal) == []
    assert described(ec2, image_id)["State"] == "available"


async def test_protection_with_cooldown_then_lifted_keeps_it_for_24_hours(
    ec2: Any, aws: AwsSession, journal: Journal
) -> None:
    image_id, _ = registered(ec2, "lifecycle-protect")
    image = await image_of(aws, image_id)
    facts = await gather_facts(aws, [image], SANDBOX_ACCOUNT_ID)
    plan = plan_protect([image], facts, with_cooldown=True, now=datetime.now(UTC))
    assert plan.runnable[0].before == {"DeregistrationProtection": "disabled"}
    assert [r.outcome for r in await run(aws, plan, journal)] == [StepOutcome.OK]
    assert described(ec2, image_id)["DeregistrationProtection"] == "enabled-with-cooldown"

    protected = await image_of(aws, image_id)
    lift = plan_lift_protection([protected], {protected.key: protected}, SANDBOX_ACCOUNT_ID)
    assert lift.runnable[0].before == {"DeregistrationProtection": "enabled-with-cooldown"}
    assert [r.outcome for r in await run(aws, lift, journal)] == [StepOutcome.OK]
    assert described(ec2, image_id)["DeregistrationProtection"].startswith("disabled-until ")


async def test_tags_on_an_image_and_its_snapshot(
    ec2: Any, aws: AwsSession, journal: Journal
) -> None:
    image_id, snapshot_id = registered(ec2, "lifecycle-tags")
    ec2.create_tags(
        Resources=[image_id, snapshot_id],
        Tags=[{"Key": "team", "Value": "web"}, {"Key": "stale", "Value": "yes"}],
    )
    image = await image_of(aws, image_id)
    edit = parse_tag_edit("team=platform, review=2026-Q4", "stale", include_snapshots=True)
    facts = await gather_facts(aws, [image], SANDBOX_ACCOUNT_ID, snapshots=True)
    plan = plan_tags([image], facts, edit)
    assert {(s.operation, s.target) for s in plan.runnable} == {
        ("CreateTags", image_id),
        ("DeleteTags", image_id),
        ("CreateTags", snapshot_id),
        ("DeleteTags", snapshot_id),
    }
    assert all(r.outcome is StepOutcome.OK for r in await run(aws, plan, journal))

    want = {"team": "platform", "review": "2026-Q4"}
    image_tags = {t["Key"]: t["Value"] for t in described(ec2, image_id).get("Tags", [])}
    (snapshot,) = ec2.describe_snapshots(SnapshotIds=[snapshot_id])["Snapshots"]
    snapshot_tags = {t["Key"]: t["Value"] for t in snapshot.get("Tags", [])}
    assert image_tags == want and snapshot_tags == want


async def test_read_only_refuses_every_lifecycle_plan_in_the_engine(
    lifecycle_sandbox: Sandbox, ec2: Any, aws: AwsSession, journal: Journal
) -> None:
    image_id, _ = registered(ec2, "lifecycle-read-only")
    image = await image_of(aws, image_id)
    facts = await gather_facts(aws, [image], SANDBOX_ACCOUNT_ID, permissions=True, uses=True)
    plans = [
        plan_disable([image], facts),
        plan_protect([image], facts, with_cooldown=False, now=datetime.now(UTC)),
        plan_tags([image], facts, parse_tag_edit("a=b", "", include_snapshots=False)),
    ]
    async with sandbox_session(lifecycle_sandbox.endpoint_url, read_only=True) as guarded:
        for plan in plans:
            assert plan.runnable
            results = await run(guarded, plan, journal)
            assert [r.outcome for r in results] == [StepOutcome.FAILED] * len(plan.runnable)
            assert all("read-only" in (r.error.message if r.error else "") for r in results)
    after = described(ec2, image_id)
    assert after["State"] == "available"
    assert after.get("DeregistrationProtection", "disabled") == "disabled"
    assert "Tags" not in after or after["Tags"] == []
