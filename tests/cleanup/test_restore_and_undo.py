"""The Recycle Bin (what it holds, restore) and undo from the journal, engine level, against
the sandbox: every round trip compares the state before with the state after undo, field by
field (the whole DescribeImages record, the launch permissions, the snapshots).

What the sandbox copies (API references): ListImagesInRecycleBin "Lists one or more AMIs that
are currently in the Recycle Bin" with ``RecycleBinEnterTime`` "The date and time when the AMI
entered the Recycle Bin" and ``RecycleBinExitTime`` "The date and time when the AMI is to be
permanently deleted from the Recycle Bin"; RestoreImageFromRecycleBin "Restores an AMI from
the Recycle Bin"; RestoreSnapshotFromRecycleBin "Restores a snapshot from the Recycle Bin".
Neither reference names which rule retained a resource, nor what a restored AMI whose
snapshots are gone does; the EC2 User Guide (Considerations for Recycle Bin) warns that
snapshots retained shorter than their AMI "would make the AMI unrecoverable".
EnableImageDeprecation, DeprecateAt: "You can't specify a date in the past."
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from amitui.actions.cleanup import execute_cleanup, gather_facts, plan_deregister
from amitui.actions.deprecate import DeprecateRequest, plan_deprecate
from amitui.actions.execute import execute
from amitui.actions.recycle_bin import (
    IMAGES,
    SNAPSHOTS,
    journaled_mappings,
    load_bin,
    plan_restore,
    restore_facts,
)
from amitui.actions.share import ACCOUNT, Grantee, ShareContext, ShareRequest, plan_share
from amitui.actions.undo import already_undone, inverses, plan_undo
from amitui.actions.undo import gather_facts as undo_facts
from amitui.aws import AwsSession
from amitui.journal import Journal, JournalRun, read_entries, read_runs
from amitui.loader import load_region
from amitui.model import (
    AwsError,
    Image,
    Inventory,
    Plan,
    RegionStatus,
    Step,
    StepOutcome,
    StepResult,
)
from amitui.sandbox import SANDBOX_ACCOUNT_ID, Sandbox

from ..fleet import make_snapshot, register_image
from ..sandbox_api import client as boto

FAST = 0.01
GRANTEE = "111122223333"


def rule(sandbox: Sandbox, region: str, kind: str, days: int, description: str = "") -> None:
    boto(sandbox.endpoint_url, region, "rbin").create_rule(
        ResourceType=kind,
        RetentionPeriod={"RetentionPeriodValue": days, "RetentionPeriodUnit": "DAYS"},
        Description=description,
    )


def record(ec2: Any, image_id: str) -> dict[str, Any]:
    """The image's whole DescribeImages record, its launch permissions and its snapshots."""
    images = ec2.describe_images(ImageIds=[image_id], IncludeDisabled=True, IncludeDeprecated=True)
    (image,) = images["Images"]
    permissions = ec2.describe_image_attribute(ImageId=image_id, Attribute="launchPermission")
    snapshot_ids = [m["Ebs"]["SnapshotId"] for m in image["BlockDeviceMappings"] if "Ebs" in m]
    snapshots = ec2.describe_snapshots(SnapshotIds=snapshot_ids)["Snapshots"]
    return {
        "image": image,
        "launch_permissions": sorted(permissions["LaunchPermissions"], key=str),
        "snapshots": sorted(snapshots, key=lambda s: s["SnapshotId"]),
    }


async def image(aws: AwsSession, region: str, image_id: str) -> tuple[Inventory, Image]:
    inventory = Inventory()
    inventory.add(await load_region(aws, region))
    return inventory, next(i for i in inventory.images() if i.image_id == image_id)


async def run_plan(aws: AwsSession, plan: Plan, journal: Journal) -> dict[str, StepOutcome]:
    return {r.step.step_id: r.outcome async for r in execute(aws, plan, journal)}


async def deregister(aws: AwsSession, region: str, image_id: str, journal: Journal) -> Plan:
    inventory, found = await image(aws, region, image_id)
    facts = await gather_facts(aws, [found], SANDBOX_ACCOUNT_ID)
    plan = plan_deregister(inventory, [found], facts).plan
    results = [
        r async for r in execute_cleanup(aws, plan, journal, retry_delay=FAST, journal_path=None)
    ]
    assert {r.outcome for r in results} == {StepOutcome.OK}
    return plan


def last_run(journal: Journal) -> JournalRun:
    return read_runs(journal.path)[0]


async def undo(aws: AwsSession, journal: Journal, run: JournalRun | None = None) -> Plan:
    """Plan the undo of ``run`` (default: the newest), re-checked against the sandbox."""
    runs = read_runs(journal.path)
    target = run or runs[0]
    now = datetime.now(UTC)
    found = inverses(target, now=now)
    facts = await undo_facts(aws, found, SANDBOX_ACCOUNT_ID)
    return plan_undo(target, facts, runs, now=now)


# --- the Recycle Bin view's facts, and restore -------------------------------------------------


async def test_the_bin_lists_what_a_cleanup_left_restorable_and_the_rule_holding_it(
    aws: AwsSession, ec2: Any, cleanup_sandbox: Sandbox, region: str, journal: Journal
) -> None:
    rule(cleanup_sandbox, region, IMAGES, 7, "keep a week")
    rule(cleanup_sandbox, region, SNAPSHOTS, 10, "keep ten days")
    snapshots = [make_snapshot(ec2, 8), make_snapshot(ec2, 2)]
    image_id = register_image(ec2, "binned-2026.11", *snapshots)

    await deregister(aws, region, image_id, journal)
    region_bin = await load_bin(aws, region, SANDBOX_ACCOUNT_ID)

    assert region_bin.error is None and region_bin.rules_error is None
    (binned,) = region_bin.images
    assert (binned.resource_id, binned.name, binned.account) == (
        image_id, "binned-2026.11", SANDBOX_ACCOUNT_ID
    )  # fmt: skip
    assert binned.entered is not None and binned.leaves is not None
    assert binned.days == 7
    assert [r.description for r in binned.held_by(region_bin.rules)] == ["keep a week"]
    assert sorted(s.resource_id for s in region_bin.snapshots) == sorted(snapshots)
    assert {s.days for s in region_bin.snapshots} == {10}
    # The bin does not say which snapshots an image mapped; the deregistration's journal does.
    mapped = journaled_mappings(read_entries(journal.path))
    assert sorted(mapped[(region, image_id)]) == sorted(snapshots)


async def test_restore_brings_the_image_back_with_its_snapshots_as_it_was(
    aws: AwsSession, ec2: Any, cleanup_sandbox: Sandbox, region: str, journal: Journal
) -> None:
    rule(cleanup_sandbox, region, IMAGES, 7)
    rule(cleanup_sandbox, region, SNAPSHOTS, 7)
    image_id = register_image(ec2, "restore-me", make_snapshot(ec2, 8), make_snapshot(ec2, 4))
    ec2.create_tags(Resources=[image_id], Tags=[{"Key": "team", "Value": "web"}])
    before = record(ec2, image_id)
    await deregister(aws, region, image_id, journal)

    bins = {region: await load_bin(aws, region)}
    chosen = [(region, image_id)]
    mapped = journaled_mappings(read_entries(journal.path))
    plan = plan_restore(chosen, await restore_facts(aws, bins, chosen, mapped))

    ops = [(s.operation, s.excluded) for s in plan.steps]
    assert ops.count(("RestoreSnapshotFromRecycleBin", False)) == 2
    restore_image = next(s for s in plan.steps if s.operation == "RestoreImageFromRecycleBin")
    assert len(restore_image.depends_on) == 2  # its snapshots first
    assert not plan.destructive
    assert set((await run_plan(aws, plan, journal)).values()) == {StepOutcome.OK}
    assert record(ec2, image_id) == before
    assert (await load_bin(aws, region)).items == ()


async def test_an_image_whose_snapshots_are_gone_is_left_out_of_the_restore(
    aws: AwsSession, ec2: Any, cleanup_sandbox: Sandbox, region: str, journal: Journal
) -> None:
    rule(cleanup_sandbox, region, IMAGES, 7)  # no snapshot rule: the snapshots go for good
    snapshot_id = make_snapshot(ec2, 8)
    image_id = register_image(ec2, "unusable", snapshot_id)
    inventory, found = await image(aws, region, image_id)
    deregister_plan = plan_deregister(
        inventory, [found], await gather_facts(aws, [found], SANDBOX_ACCOUNT_ID)
    ).plan
    warning = [n for n in deregister_plan.notes if n.startswith("Warning")]
    assert warning and snapshot_id in warning[0] and "unusable" in warning[0]
    await deregister(aws, region, image_id, journal)

    bins = {region: await load_bin(aws, region)}
    chosen = [(region, image_id)]
    mapped = journaled_mappings(read_entries(journal.path))
    plan = plan_restore(chosen, await restore_facts(aws, bins, chosen, mapped))

    assert plan.runnable == ()
    (left_out,) = plan.excluded
    assert snapshot_id in left_out.reason and "unusable" in left_out.reason
    assert any("cannot be restored usefully" in n for n in plan.notes)


async def test_a_deregister_plan_with_matching_rules_has_no_unusable_warning(
    aws: AwsSession, ec2: Any, cleanup_sandbox: Sandbox, region: str
) -> None:
    rule(cleanup_sandbox, region, IMAGES, 7)
    rule(cleanup_sandbox, region, SNAPSHOTS, 7)
    image_id = register_image(ec2, "fine", make_snapshot(ec2, 8))
    inventory, found = await image(aws, region, image_id)
    plan = plan_deregister(
        inventory, [found], await gather_facts(aws, [found], SANDBOX_ACCOUNT_ID)
    ).plan
    assert not [n for n in plan.notes if n.startswith("Warning")]


# --- undo round trips ------------------------------------------------------------------------


async def test_undo_of_a_share_removes_exactly_the_grant_it_added(
    aws: AwsSession, ec2: Any, region: str, journal: Journal
) -> None:
    image_id = register_image(ec2, "shared", make_snapshot(ec2, 8))
    ec2.modify_image_attribute(
        ImageId=image_id, LaunchPermission={"Add": [{"UserId": "444455556666"}]}
    )
    before = record(ec2, image_id)
    _, found = await image(aws, region, image_id)
    existing = frozenset({Grantee(ACCOUNT, "444455556666")})
    share = plan_share(
        [found],
        ShareRequest(add=(Grantee(ACCOUNT, GRANTEE),)),
        ShareContext(permissions={found.key: existing}, account=SANDBOX_ACCOUNT_ID),
    )
    await run_plan(aws, share, journal)
    assert record(ec2, image_id) != before

    plan = await undo(aws, journal)
    (step,) = plan.runnable
    assert step.params["LaunchPermission"] == {"Remove": [{"UserId": GRANTEE}]}
    assert not plan.destructive
    await run_plan(aws, plan, journal)
    assert record(ec2, image_id) == before


@pytest.mark.parametrize("had_time", [True, False], ids=["previous-time", "none-before"])
async def test_undo_of_a_deprecation_restores_the_previous_time_or_cancels(
    aws: AwsSession, ec2: Any, region: str, journal: Journal, had_time: bool
) -> None:
    image_id = register_image(ec2, "deprecated", make_snapshot(ec2, 8))
    if had_time:
        ec2.enable_image_deprecation(ImageId=image_id, DeprecateAt="2031-05-01T10:30:00Z")
    before = record(ec2, image_id)
    inventory, found = await image(aws, region, image_id)
    when = datetime(2030, 1, 2, 3, 4, tzinfo=UTC)
    await run_plan(aws, plan_deprecate(inventory, [found], DeprecateRequest(when)), journal)
    assert record(ec2, image_id) != before

    plan = await undo(aws, journal)
    (step,) = plan.runnable
    expected = "EnableImageDeprecation" if had_time else "DisableImageDeprecation"
    assert step.operation == expected
    await run_plan(aws, plan, journal)
    assert record(ec2, image_id) == before


async def test_undo_of_cancelling_a_past_deprecation_says_ec2_has_no_inverse(
    aws: AwsSession, ec2: Any, region: str, journal: Journal
) -> None:
    """EnableImageDeprecation: "You can't specify a date in the past" - so a deprecation
    that had already taken effect cannot be put back as it was."""
    image_id = register_image(ec2, "long-deprecated", make_snapshot(ec2, 8))
    ec2.enable_image_deprecation(ImageId=image_id, DeprecateAt="2031-05-01T10:30:00Z")
    inventory, found = await image(aws, region, image_id)
    await run_plan(aws, plan_deprecate(inventory, [found], DeprecateRequest(None)), journal)

    (inverse,) = inverses(last_run(journal), now=datetime(2032, 1, 1, tzinfo=UTC))
    assert inverse.steps == () and "in the past" in inverse.none


async def test_undo_of_a_deregistration_restores_image_and_snapshots_and_is_typed(
    aws: AwsSession, ec2: Any, cleanup_sandbox: Sandbox, region: str, journal: Journal
) -> None:
    rule(cleanup_sandbox, region, IMAGES, 7)
    rule(cleanup_sandbox, region, SNAPSHOTS, 7)
    image_id = register_image(ec2, "undo-me", make_snapshot(ec2, 8), make_snapshot(ec2, 4))
    before = record(ec2, image_id)
    await deregister(aws, region, image_id, journal)

    plan = await undo(aws, journal)
    assert plan.destructive and plan.confirm_text == "3"  # the image and its two snapshots
    image_step = next(s for s in plan.runnable if s.operation == "RestoreImageFromRecycleBin")
    assert len(image_step.depends_on) == 2
    assert set((await run_plan(aws, plan, journal)).values()) == {StepOutcome.OK}
    assert record(ec2, image_id) == before


async def test_undoing_a_run_twice_says_so_and_sends_nothing(
    aws: AwsSession, ec2: Any, region: str, journal: Journal
) -> None:
    image_id = register_image(ec2, "twice", make_snapshot(ec2, 8))
    _, found = await image(aws, region, image_id)
    share = plan_share([found], ShareRequest(add=(Grantee(ACCOUNT, GRANTEE),)), ShareContext())
    await run_plan(aws, share, journal)
    shared = last_run(journal)
    first = await undo(aws, journal, shared)
    await run_plan(aws, first, journal)

    runs = read_runs(journal.path)
    message = already_undone(shared, runs, now=datetime.now(UTC))
    assert shared.run in message and "already undone" in message and "nothing" in message
    # Planned anyway (as the view never does), every step says who undid it.
    again = await undo(aws, journal, shared)
    assert again.runnable == ()
    assert all("already undone" in s.reason for s in again.excluded)


async def test_an_inverse_that_already_holds_is_left_out_with_the_reason(
    aws: AwsSession, ec2: Any, region: str, journal: Journal
) -> None:
    image_id = register_image(ec2, "reverted-by-hand", make_snapshot(ec2, 8))
    _, found = await image(aws, region, image_id)
    share = plan_share([found], ShareRequest(add=(Grantee(ACCOUNT, GRANTEE),)), ShareContext())
    await run_plan(aws, share, journal)
    ec2.modify_image_attribute(ImageId=image_id, LaunchPermission={"Remove": [{"UserId": GRANTEE}]})

    plan = await undo(aws, journal)
    assert plan.runnable == ()
    (step,) = plan.excluded
    assert "already as before" in step.reason


async def test_a_copy_has_no_inverse_and_the_undo_says_what_to_do_instead(
    aws: AwsSession, ec2: Any, region: str, journal: Journal
) -> None:
    image_id = register_image(ec2, "copied", make_snapshot(ec2, 8))
    copy = Step(
        "copy:1", region, "CopyImage", f"{image_id} → {region}",
        {"SourceImageId": image_id, "SourceRegion": region, "Name": "copied-copy"}, "copy",
    )  # fmt: skip
    await run_plan(aws, Plan("copy", "copy", (copy,)), journal)
    copy_id = last_run(journal).steps[0].result["ImageId"]

    (inverse,) = inverses(last_run(journal), now=datetime.now(UTC))
    assert inverse.steps == ()
    assert copy_id in inverse.none and "deregister it with x" in inverse.none


# --- the lifecycle steps' inverses, from their documented ``before`` shapes --------------------
#
# The lifecycle actions' planners journal these steps; here the steps are built as they plan
# them (DisableImage before {"LaunchPermissions": [...]}, protection before
# {"DeregistrationProtection": <DescribeImages value>}, tags before {"Tags": [...]}).


def lifecycle_step(region: str, operation: str, image_id: str, before: Mapping[str, Any],
                   **params: Any) -> Plan:  # fmt: skip
    step = Step(
        f"{operation}:{region}/{image_id}", region, operation, image_id,
        {"ImageId": image_id, **params} if "Resources" not in params else dict(params),
        "lifecycle", before=before,
    )  # fmt: skip
    return Plan("lifecycle", operation, (step,))


async def test_undo_of_disable_enables_and_puts_back_the_removed_launch_permissions(
    aws: AwsSession, ec2: Any, region: str, journal: Journal
) -> None:
    """DisableImage removes every launch permission (EC2 User Guide, Disable an AMI: "When
    you disable an AMI ... If the AMI was shared ... they lose access"); EnableImage restores
    none, so undo adds them back from ``before``."""
    image_id = register_image(ec2, "disabled", make_snapshot(ec2, 8))
    ec2.modify_image_attribute(ImageId=image_id, LaunchPermission={"Add": [{"UserId": GRANTEE}]})
    before = record(ec2, image_id)
    await run_plan(
        aws,
        lifecycle_step(
            region, "DisableImage", image_id, {"LaunchPermissions": [{"UserId": GRANTEE}]}
        ),
        journal,
    )
    assert record(ec2, image_id)["image"]["State"] == "disabled"

    plan = await undo(aws, journal)
    assert [s.operation for s in plan.runnable] == ["EnableImage", "ModifyImageAttribute"]
    assert set((await run_plan(aws, plan, journal)).values()) == {StepOutcome.OK}
    assert record(ec2, image_id) == before


@pytest.mark.parametrize("cooldown", [False, True], ids=["without-cooldown", "with-cooldown"])
async def test_undo_of_lifting_protection_protects_again_as_before(
    aws: AwsSession, ec2: Any, region: str, journal: Journal, cooldown: bool
) -> None:
    image_id = register_image(ec2, "protected", make_snapshot(ec2, 8))
    ec2.enable_image_deregistration_protection(ImageId=image_id, WithCooldown=cooldown)
    before = record(ec2, image_id)
    protection = before["image"]["DeregistrationProtection"]
    await run_plan(
        aws,
        lifecycle_step(region, "DisableImageDeregistrationProtection", image_id,
                       {"DeregistrationProtection": protection}),
        journal,
    )  # fmt: skip
    if cooldown:
        # "disabled-until": the cooldown keeps it protected a day; undo turns it back on.
        assert record(ec2, image_id)["image"]["DeregistrationProtection"] != protection

    plan = await undo(aws, journal)
    (step,) = plan.runnable
    assert step.params == {"ImageId": image_id, "WithCooldown": cooldown}
    await run_plan(aws, plan, journal)
    assert record(ec2, image_id) == before


async def test_undo_of_protecting_lifts_it_again(
    aws: AwsSession, ec2: Any, region: str, journal: Journal
) -> None:
    image_id = register_image(ec2, "unprotected", make_snapshot(ec2, 8))
    before = record(ec2, image_id)
    was = before["image"].get("DeregistrationProtection")
    await run_plan(
        aws,
        lifecycle_step(region, "EnableImageDeregistrationProtection", image_id,
                       {"DeregistrationProtection": was}, WithCooldown=False),
        journal,
    )  # fmt: skip
    plan = await undo(aws, journal)
    (step,) = plan.runnable
    assert step.operation == "DisableImageDeregistrationProtection" and plan.destructive
    await run_plan(aws, plan, journal)
    assert record(ec2, image_id) == before


async def test_undo_of_tags_restores_changed_values_and_removes_added_keys(
    aws: AwsSession, ec2: Any, region: str, journal: Journal
) -> None:
    image_id = register_image(ec2, "tagged", make_snapshot(ec2, 8))
    ec2.create_tags(Resources=[image_id], Tags=[{"Key": "team", "Value": "web"}])
    before = record(ec2, image_id)
    await run_plan(
        aws,
        lifecycle_step(region, "CreateTags", image_id,
                       {"Tags": [{"Key": "team", "Value": "web"}]},
                       Resources=[image_id],
                       Tags=[{"Key": "team", "Value": "retire"}, {"Key": "review", "Value": "y"}]),
        journal,
    )  # fmt: skip
    plan = await undo(aws, journal)
    assert sorted(s.operation for s in plan.runnable) == ["CreateTags", "DeleteTags"]
    await run_plan(aws, plan, journal)
    assert record(ec2, image_id) == before

    # And removing tags is undone by putting them back.
    await run_plan(
        aws,
        lifecycle_step(region, "DeleteTags", image_id, {"Tags": [{"Key": "team", "Value": "web"}]},
                       Resources=[image_id], Tags=[{"Key": "team"}]),
        journal,
    )  # fmt: skip
    assert not record(ec2, image_id)["image"].get("Tags")
    await run_plan(aws, await undo(aws, journal), journal)
    assert record(ec2, image_id) == before


def test_steps_that_failed_or_never_ran_have_nothing_to_undo(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.jsonl")
    run = journal.new_run()
    step = Step("s", "eu-west-1", "DeregisterImage", "ami-1", {"ImageId": "ami-1"}, "")

    journal.sent(run, "deregister", step)
    journal.outcome(
        run, "deregister",
        StepResult(step, StepOutcome.FAILED, error=AwsError(RegionStatus.FAILED, "X", "no")),
    )  # fmt: skip
    journal.close()
    (inverse,) = inverses(read_runs(journal.path)[0], now=datetime.now(UTC))
    assert inverse.steps == () and inverse.none == "nothing to undo: it failed"
