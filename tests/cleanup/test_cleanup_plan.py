"""Deregister with cleanup, engine level: each safety rule, partial failure, reruns.

Every test arranges a small fleet in its own sandbox region with boto3, loads it with the
app's loader, plans from fresh lookups and (where it says so) executes through the
FaultProxy, then checks the account and the journal.
"""

from __future__ import annotations

import asyncio
import json
import urllib.request
from dataclasses import replace
from pathlib import Path
from typing import Any

from amitui.actions.cleanup import (
    CleanupPlan,
    execute_cleanup,
    fresh_images,
    gather_facts,
    left_behind,
    plan_deregister,
    plan_lift_protection,
)
from amitui.actions.execute import execute
from amitui.aws import AwsSession
from amitui.journal import Journal, read_entries
from amitui.loader import load_region
from amitui.model import AwsError as ModelAwsError
from amitui.model import Image, Inventory, Plan, RegionStatus, StepOutcome, StepResult
from amitui.sandbox import SANDBOX_ACCOUNT_ID, Sandbox
from amitui.sandbox.proxy import AwsError, FaultProxy

from ..sandbox_api import client, make_snapshot, register_image

FAST = 0.01  # retry delay in tests


async def load(aws: AwsSession, *regions: str) -> Inventory:
    inventory = Inventory()
    for region in regions:
        inventory.add(await load_region(aws, region))
    return inventory


def chosen(inventory: Inventory, *image_ids: str) -> list[Image]:
    return [i for i in inventory.images() if i.image_id in image_ids]


async def plan(aws: AwsSession, region: str, *image_ids: str) -> tuple[Inventory, CleanupPlan]:
    inventory = await load(aws, region)
    images = chosen(inventory, *image_ids)
    facts = await gather_facts(aws, images, SANDBOX_ACCOUNT_ID)
    return inventory, plan_deregister(inventory, images, facts)


async def run(
    aws: AwsSession, plan_: Plan, journal: Journal, **kwargs: Any
) -> dict[str, StepResult]:
    return {
        r.step.step_id: r
        async for r in execute_cleanup(aws, plan_, journal, retry_delay=FAST, **kwargs)
    }


def snapshots(ec2: Any) -> set[str]:
    return {s["SnapshotId"] for s in ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"]}


def registered(ec2: Any) -> set[str]:
    answer = ec2.describe_images(Owners=["self"], IncludeDisabled=True, IncludeDeprecated=True)
    return {i["ImageId"] for i in answer["Images"]}


async def plan_lift(aws: AwsSession, region: str, *image_ids: str) -> Plan:
    inventory = await load(aws, region)
    images = chosen(inventory, *image_ids)
    fresh = await fresh_images(aws, region, list(image_ids))
    return plan_lift_protection(images, {i.key: i for i in fresh.values()}, SANDBOX_ACCOUNT_ID)


def runnable(cleanup: CleanupPlan) -> set[tuple[str, str]]:
    return {(s.operation, s.target) for s in cleanup.plan.runnable}


def excluded_reason(cleanup: CleanupPlan, target: str) -> str:
    reasons = [s.reason for s in cleanup.plan.excluded if s.target == target]
    assert reasons, f"{target} is not excluded"
    return reasons[0]


def sent(fault_proxy: FaultProxy, action: str) -> int:
    return sum(1 for r in fault_proxy.requests if r.action == action)


# --- rule 3: own snapshots deleted, a snapshot another image maps kept ----------------------


async def test_own_snapshots_deleted_shared_snapshot_kept(
    aws: AwsSession, ec2: Any, region: str, journal: Journal
) -> None:
    own, data, shared = make_snapshot(ec2, 8), make_snapshot(ec2, 20), make_snapshot(ec2, 4)
    going = register_image(ec2, "web-2026.01", own, data, shared)
    keeper = register_image(ec2, "web-2026.02", shared)

    _, cleanup = await plan(aws, region, going)

    assert runnable(cleanup) == {
        ("DeregisterImage", going),
        ("DeleteSnapshot", own),
        ("DeleteSnapshot", data),
    }
    assert f"also mapped by {keeper} (web-2026.02)" in excluded_reason(cleanup, shared)
    assert cleanup.freed_gib == 28
    assert abs(cleanup.monthly_saving - 28 * 0.05) < 1e-9
    assert any("28 GiB" in n and "estimate" in n for n in cleanup.plan.notes)
    assert cleanup.plan.destructive and cleanup.plan.confirm_text == going
    deregister_id = f"deregister:{region}/{going}"
    for step in cleanup.plan.runnable:
        if step.operation == "DeleteSnapshot":
            assert step.depends_on == (deregister_id,)

    results = await run(aws, cleanup.plan, journal)

    assert {r.outcome for r in results.values()} == {StepOutcome.OK}
    assert going not in registered(ec2) and keeper in registered(ec2)
    assert shared in snapshots(ec2)
    assert not {own, data} & snapshots(ec2)
    # Deregister first, then the snapshots.
    entries = list(read_entries(journal.path))
    first_delete = next(i for i, e in enumerate(entries) if e["operation"] == "DeleteSnapshot")
    deregistered = next(
        i
        for i, e in enumerate(entries)
        if e["operation"] == "DeregisterImage" and e["phase"] == "outcome"
    )
    assert deregistered < first_delete
    # Every call is journaled before it is sent and again with its outcome.
    for step in cleanup.plan.runnable:
        phases = [e["phase"] for e in entries if e["step"] == step.step_id]
        assert phases == ["sent", "outcome"], step.step_id
        assert all(e["account"] == SANDBOX_ACCOUNT_ID for e in entries)


async def test_snapshot_shared_by_two_deregistered_images_is_deleted_after_both(
    aws: AwsSession, ec2: Any, region: str, journal: Journal
) -> None:
    shared = make_snapshot(ec2, 8)
    first = register_image(ec2, "old-1", make_snapshot(ec2, 8), shared)
    second = register_image(ec2, "old-2", shared)

    _, cleanup = await plan(aws, region, first, second)

    step = next(s for s in cleanup.plan.runnable if s.target == shared)
    assert set(step.depends_on) == {f"deregister:{region}/{first}", f"deregister:{region}/{second}"}
    assert cleanup.plan.confirm_text == "2"
    await run(aws, cleanup.plan, journal)
    assert shared not in snapshots(ec2)
    assert not {first, second} & registered(ec2)


async def test_disabled_and_deprecated_images_keep_their_snapshots(
    aws: AwsSession, ec2: Any, region: str
) -> None:
    shared, other = make_snapshot(ec2, 8), make_snapshot(ec2, 8)
    going = register_image(ec2, "going", shared, other)
    disabled = register_image(ec2, "disabled", shared)
    ec2.disable_image(ImageId=disabled)
    deprecated = register_image(ec2, "deprecated", other)
    ec2.enable_image_deprecation(ImageId=deprecated, DeprecateAt="2030-01-01T00:00:00Z")

    _, cleanup = await plan(aws, region, going)

    assert disabled in excluded_reason(cleanup, shared)
    assert deprecated in excluded_reason(cleanup, other)
    assert runnable(cleanup) == {("DeregisterImage", going)}


async def test_fresh_recheck_beats_a_stale_inventory(
    aws: AwsSession, ec2: Any, region: str, journal: Journal
) -> None:
    snapshot = make_snapshot(ec2, 8)
    going = register_image(ec2, "going", snapshot)
    inventory = await load(aws, region)
    # After the inventory was loaded, another image starts mapping the snapshot.
    newcomer = register_image(ec2, "newcomer", snapshot)

    images = chosen(inventory, going)
    cleanup = plan_deregister(
        inventory, images, await gather_facts(aws, images, SANDBOX_ACCOUNT_ID)
    )

    assert newcomer in excluded_reason(cleanup, snapshot)
    await run(aws, cleanup.plan, journal)
    assert snapshot in snapshots(ec2)


# --- rule 2: in use ------------------------------------------------------------------------


async def test_image_in_use_is_excluded_with_its_users_named(
    sandbox: Sandbox, aws: AwsSession, ec2: Any, region: str
) -> None:
    by_instance = register_image(ec2, "by-instance", make_snapshot(ec2, 8))
    by_template = register_image(ec2, "by-template", make_snapshot(ec2, 8))
    by_configuration = register_image(ec2, "by-config", make_snapshot(ec2, 8))
    unused = register_image(ec2, "unused", make_snapshot(ec2, 8))
    instance = ec2.run_instances(ImageId=by_instance, MinCount=1, MaxCount=1)["Instances"][0]
    ec2.stop_instances(InstanceIds=[instance["InstanceId"]])  # a stopped instance still uses it
    ec2.create_launch_template(
        LaunchTemplateName="web-prod", LaunchTemplateData={"ImageId": by_template}
    )
    autoscaling = client(sandbox.endpoint_url, region, "autoscaling")
    autoscaling.create_launch_configuration(
        LaunchConfigurationName="batch-lc", ImageId=by_configuration, InstanceType="t3.micro"
    )
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName="batch-asg",
        LaunchConfigurationName="batch-lc",
        MinSize=0,
        MaxSize=1,
        AvailabilityZones=[f"{region}a"],
    )
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName="web-asg",
        LaunchTemplate={"LaunchTemplateName": "web-prod", "Version": "$Latest"},
        MinSize=0,
        MaxSize=1,
        AvailabilityZones=[f"{region}a"],
    )

    _, cleanup = await plan(aws, region, by_instance, by_template, by_configuration, unused)

    assert f"instance {instance['InstanceId']}" in excluded_reason(cleanup, by_instance)
    template_reason = excluded_reason(cleanup, by_template)
    assert "launch template web-prod" in template_reason
    assert "Auto Scaling group web-asg (via launch template web-prod)" in template_reason
    configuration_reason = excluded_reason(cleanup, by_configuration)
    assert "launch configuration batch-lc" in configuration_reason
    assert (
        "Auto Scaling group batch-asg (via launch configuration batch-lc)" in configuration_reason
    )
    assert ("DeregisterImage", unused) in runnable(cleanup)
    assert {t for _, t in runnable(cleanup)} & {by_instance, by_template, by_configuration} == set()
    assert cleanup.plan.confirm_text == unused


async def test_an_image_only_a_hidden_managed_resource_uses_is_excluded(
    aws: AwsSession, ec2: Any, region: str
) -> None:
    # An account may hide the instances and launch templates AWS services manage (EKS nodes,
    # say) from Describe answers: GetManagedResourceVisibility "A value of hidden indicates
    # that managed resources are not included in Describe operation responses by default".
    # DescribeImageReferences cannot ask for them (the reference is silent on whether it
    # lists them; the sandbox does not), so the in-use rule asks DescribeInstances and
    # DescribeLaunchTemplateVersions with IncludeManagedResources ("the output includes
    # resources that are managed by Amazon Web Services services, even if managed resource
    # visibility is set to hidden").
    by_node = register_image(ec2, "eks-node", make_snapshot(ec2, 8))
    by_template = register_image(ec2, "eks-template", make_snapshot(ec2, 8))
    unused = register_image(ec2, "unused", make_snapshot(ec2, 8))
    node = ec2.run_instances(
        ImageId=by_node, MinCount=1, MaxCount=1, Operator={"Principal": "eks.amazonaws.com"}
    )["Instances"][0]["InstanceId"]
    ec2.create_launch_template(
        LaunchTemplateName=f"eks-nodes-{region}",
        LaunchTemplateData={"ImageId": by_template},
        Operator={"Principal": "eks.amazonaws.com"},
    )
    ec2.modify_managed_resource_visibility(DefaultVisibility="hidden")
    try:
        _, cleanup = await plan(aws, region, by_node, by_template, unused)
    finally:
        ec2.modify_managed_resource_visibility(DefaultVisibility="visible")

    assert f"instance {node} (managed by eks.amazonaws.com)" in excluded_reason(cleanup, by_node)
    template_reason = excluded_reason(cleanup, by_template)
    assert f"launch template eks-nodes-{region}" in template_reason
    assert "managed by eks.amazonaws.com" in template_reason
    assert {t for _, t in runnable(cleanup) if t.startswith("ami-")} == {unused}


async def test_failed_in_use_lookup_excludes_the_region(
    aws: AwsSession, fault_proxy: FaultProxy, ec2: Any, region: str
) -> None:
    image = register_image(ec2, "unknowable", make_snapshot(ec2, 8))
    fault_proxy.add_fault(
        AwsError("UnauthorizedOperation"), region=region, action="DescribeImageReferences"
    )

    _, cleanup = await plan(aws, region, image)

    assert "could not check what uses it" in excluded_reason(cleanup, image)
    assert "UnauthorizedOperation" in excluded_reason(cleanup, image)
    assert cleanup.plan.runnable == ()


async def test_failed_snapshot_recheck_keeps_every_snapshot(
    aws: AwsSession, fault_proxy: FaultProxy, ec2: Any, region: str
) -> None:
    snapshot = make_snapshot(ec2, 8)
    image = register_image(ec2, "going", snapshot)
    inventory = await load(aws, region)
    # Only the filtered DescribeImages (the re-check) fails: the ImageIds one comes first.
    fault_proxy.add_fault(
        AwsError("InternalError"), region=region, action="DescribeImages", after=1
    )

    images = chosen(inventory, image)
    cleanup = plan_deregister(
        inventory, images, await gather_facts(aws, images, SANDBOX_ACCOUNT_ID)
    )

    assert "could not verify" in excluded_reason(cleanup, snapshot)
    assert runnable(cleanup) == {("DeregisterImage", image)}


# --- rule 1: ownership and protection ----------------------------------------------------


async def test_protected_image_is_refused_with_the_way_out(
    aws: AwsSession, ec2: Any, region: str, journal: Journal
) -> None:
    snapshot = make_snapshot(ec2, 8)
    image = register_image(ec2, "golden", snapshot)
    ec2.enable_image_deregistration_protection(ImageId=image)

    _, cleanup = await plan(aws, region, image)

    reason = excluded_reason(cleanup, image)
    assert "deregistration protection is on (enabled-without-cooldown)" in reason
    assert "DisableImageDeregistrationProtection" in reason
    assert cleanup.plan.runnable == ()
    assert any("protected from deregistration" in n for n in cleanup.plan.notes)

    lift = await plan_lift(aws, region, image)
    assert [(s.operation, s.target) for s in lift.runnable] == [
        ("DisableImageDeregistrationProtection", image)
    ]
    # Lifting a guard is destructive: the image id is typed to confirm it.
    assert lift.destructive and lift.confirm_text == image
    assert [r.outcome async for r in execute(aws, lift, journal)] == [StepOutcome.OK]

    _, again = await plan(aws, region, image)
    assert runnable(again) == {("DeregisterImage", image), ("DeleteSnapshot", snapshot)}


async def test_cooldown_protection_says_when_it_ends(
    aws: AwsSession, ec2: Any, region: str
) -> None:
    image = register_image(ec2, "cooling", make_snapshot(ec2, 8))
    ec2.enable_image_deregistration_protection(ImageId=image, WithCooldown=True)
    ec2.disable_image_deregistration_protection(ImageId=image)

    _, cleanup = await plan(aws, region, image)

    assert "can be deregistered after 20" in excluded_reason(cleanup, image)
    lift = await plan_lift(aws, region, image)
    assert lift.runnable == ()
    assert "can be deregistered after 20" in lift.excluded[0].reason


async def test_image_of_another_account_is_not_deregistered(
    sandbox: Sandbox, aws: AwsSession, ec2: Any, region: str
) -> None:
    image = register_image(ec2, "theirs", make_snapshot(ec2, 8))
    inventory = await load(aws, region)
    await asyncio.to_thread(
        control, sandbox, f"images/{region}/{image}", {"OwnerId": "210987654321"}
    )

    images = chosen(inventory, image)
    cleanup = plan_deregister(
        inventory, images, await gather_facts(aws, images, SANDBOX_ACCOUNT_ID)
    )

    assert "not owned by this account (owner 210987654321)" in excluded_reason(cleanup, image)
    assert cleanup.plan.runnable == ()


# --- rule 4: ordering, retries, partial failure ------------------------------------------


async def test_snapshot_in_use_right_after_deregister_is_retried(
    aws: AwsSession, fault_proxy: FaultProxy, ec2: Any, region: str, journal: Journal
) -> None:
    snapshot = make_snapshot(ec2, 8)
    image = register_image(ec2, "going", snapshot)
    _, cleanup = await plan(aws, region, image)
    fault_proxy.add_fault(
        AwsError(
            "InvalidSnapshot.InUse", f"The snapshot {snapshot} is currently in use by {image}"
        ),
        region=region,
        action="DeleteSnapshot",
        count=2,
    )

    results = await run(aws, cleanup.plan, journal)

    result = results[f"delete-snapshot:{region}/{snapshot}"]
    assert result.outcome is StepOutcome.OK and "attempt 3" in result.detail
    assert snapshot not in snapshots(ec2)
    outcomes = [
        e.get("error", {}).get("code")
        for e in read_entries(journal.path)
        if e["target"] == snapshot and e["phase"] == "outcome"
    ]
    assert outcomes == ["InvalidSnapshot.InUse", "InvalidSnapshot.InUse", None]


async def test_partial_failure_reports_the_snapshot_left_behind(
    aws: AwsSession,
    fault_proxy: FaultProxy,
    ec2: Any,
    region: str,
    second_region: str,
    journal: Journal,
    sandbox: Sandbox,
) -> None:
    ec2_two = client(sandbox.endpoint_url, second_region)
    first_snaps = [make_snapshot(ec2, 8), make_snapshot(ec2, 2)]
    first = register_image(ec2, "first", *first_snaps)
    other_snap = make_snapshot(ec2_two, 4)
    other = register_image(ec2_two, "other", other_snap)
    inventory = await load(aws, region, second_region)
    images = chosen(inventory, first, other)
    cleanup = plan_deregister(
        inventory, images, await gather_facts(aws, images, SANDBOX_ACCOUNT_ID)
    )
    fault_proxy.add_fault(
        AwsError("InternalError", "We encountered an internal error."),
        region=region,
        action="DeleteSnapshot",
        count=1,
    )

    results = list((await run(aws, cleanup.plan, journal)).values())

    failed = [r for r in results if r.outcome is StepOutcome.FAILED]
    assert len(failed) == 1 and failed[0].step.operation == "DeleteSnapshot"
    assert failed[0].error is not None and failed[0].error.code == "InternalError"
    left = left_behind(results)
    assert [(x.operation, x.target) for x in left] == [("DeleteSnapshot", failed[0].step.target)]
    assert "InternalError" in left[0].reason
    # Everything else happened, across both regions.
    assert first not in registered(ec2) and other not in registered(ec2_two)
    assert other_snap not in snapshots(ec2_two)
    assert set(first_snaps) & snapshots(ec2) == {failed[0].step.target}
    errors = [e for e in read_entries(journal.path) if e.get("error")]
    assert [e["error"]["code"] for e in errors] == ["InternalError"]


# --- reruns converge ------------------------------------------------------------------------


def _only(plan_: Plan, operation: str) -> Plan:
    """The part of ``plan_`` an interrupted run got through: only ``operation`` steps."""
    return Plan(
        plan_.action,
        plan_.title,
        tuple(s for s in plan_.steps if s.operation == operation and not s.excluded),
    )


async def test_rerun_after_interruption_converges_without_repeating_calls(
    aws: AwsSession, fault_proxy: FaultProxy, ec2: Any, region: str, journal: Journal
) -> None:
    snaps = [make_snapshot(ec2, 8), make_snapshot(ec2, 8)]
    image = register_image(ec2, "half-done", *snaps)
    _, cleanup = await plan(aws, region, image)
    # The first run got as far as the deregistration, then stopped.
    await run(aws, _only(cleanup.plan, "DeregisterImage"), journal)
    assert image not in registered(ec2) and set(snaps) <= snapshots(ec2)
    fault_proxy.clear_requests()

    results = await run(aws, cleanup.plan, journal)

    assert {r.outcome for r in results.values()} == {StepOutcome.OK}
    assert "already done" in results[f"deregister:{region}/{image}"].detail
    assert sent(fault_proxy, "DeregisterImage") == 0
    assert sent(fault_proxy, "DeleteSnapshot") == 2
    assert not set(snaps) & snapshots(ec2)

    # A third run finds everything done in the journal and sends nothing.
    fault_proxy.clear_requests()
    results = await run(aws, cleanup.plan, journal)
    assert {r.outcome for r in results.values()} == {StepOutcome.OK}
    assert fault_proxy.actions() == []


async def test_rerun_without_journal_counts_gone_resources_as_done(
    aws: AwsSession, ec2: Any, region: str, journal: Journal, tmp_path: Path
) -> None:
    snaps = [make_snapshot(ec2, 8), make_snapshot(ec2, 8)]
    image = register_image(ec2, "done-elsewhere", *snaps)
    keeper_snap = make_snapshot(ec2, 4)
    _, cleanup = await plan(aws, region, image)
    # Someone else deregistered the image and deleted one snapshot; our journal knows nothing.
    ec2.deregister_image(ImageId=image)
    ec2.delete_snapshot(SnapshotId=snaps[0])

    results = await run(aws, cleanup.plan, journal)

    assert {r.outcome for r in results.values()} == {StepOutcome.OK}
    assert "InvalidAMIID" in results[f"deregister:{region}/{image}"].detail
    assert "InvalidSnapshot.NotFound" in results[f"delete-snapshot:{region}/{snaps[0]}"].detail
    assert not set(snaps) & snapshots(ec2)
    assert keeper_snap in snapshots(ec2)  # nothing beyond the plan


async def test_replanning_a_gone_image_deletes_nothing(
    aws: AwsSession, ec2: Any, region: str
) -> None:
    snapshot = make_snapshot(ec2, 8)
    image = register_image(ec2, "gone", snapshot)
    inventory = await load(aws, region)
    ec2.deregister_image(ImageId=image)  # the inventory still shows it

    images = chosen(inventory, image)
    cleanup = plan_deregister(
        inventory, images, await gather_facts(aws, images, SANDBOX_ACCOUNT_ID)
    )

    assert "already deregistered" in excluded_reason(cleanup, image)
    assert cleanup.plan.runnable == ()


def control(sandbox: Sandbox, path: str, body: dict[str, Any]) -> None:
    """POST to the sandbox control endpoint (what no EC2 call can set)."""
    request = urllib.request.Request(
        f"{sandbox.endpoint_url}/_amitui/{path}", data=json.dumps(body).encode(), method="POST"
    )
    urllib.request.urlopen(request).close()


# --- rule 5: what stays restorable ---------------------------------------------------------


async def test_plan_says_what_recycle_bin_keeps_restorable(
    sandbox: Sandbox, aws: AwsSession, ec2: Any, region: str
) -> None:
    rbin = client(sandbox.endpoint_url, region, "rbin")
    rbin.create_rule(
        ResourceType="EBS_SNAPSHOT",
        RetentionPeriod={"RetentionPeriodValue": 7, "RetentionPeriodUnit": "DAYS"},
        ResourceTags=[{"ResourceTagKey": "Keep", "ResourceTagValue": "yes"}],
    )
    rbin.create_rule(  # Region-level: every image
        ResourceType="EC2_IMAGE",
        RetentionPeriod={"RetentionPeriodValue": 14, "RetentionPeriodUnit": "DAYS"},
    )
    kept, plain = make_snapshot(ec2, 8), make_snapshot(ec2, 8)
    ec2.create_tags(Resources=[kept], Tags=[{"Key": "Keep", "Value": "yes"}])
    image = register_image(ec2, "retained", kept, plain)

    _, cleanup = await plan(aws, region, image)

    reasons = {s.target: s.reason for s in cleanup.plan.runnable}
    assert "restorable for 7 days" in reasons[kept]
    assert "Recycle Bin" not in reasons[plain]
    assert "restorable for 14 days" in reasons[image]
    notes = " ".join(cleanup.plan.notes)
    assert "1 of 1 image stay restorable for up to 14 days" in notes
    assert "1 of 2 snapshots stay restorable for up to 7 days" in notes
    assert "Final: 1 deregistration or deletion (no Recycle Bin rule" in notes


async def test_unreadable_recycle_bin_rules_are_said_so(
    aws: AwsSession, ec2: Any, region: str
) -> None:
    image = register_image(ec2, "unknown-retention", make_snapshot(ec2, 8))
    inventory = await load(aws, region)
    images = chosen(inventory, image)
    facts = await gather_facts(aws, images, SANDBOX_ACCOUNT_ID)
    denied = ModelAwsError(RegionStatus.DENIED, "AccessDeniedException", "no rbin:ListRules")
    facts = replace(facts, regions={region: replace(facts.regions[region], retention_error=denied)})

    cleanup = plan_deregister(inventory, images, facts)

    assert any(
        f"Recycle Bin rules in {region} could not be read (AccessDeniedException)" in n
        for n in cleanup.plan.notes
    )
    assert runnable(cleanup) != set()  # unknown retention informs; it does not block


async def test_dry_run_preflight_refusal_runs_nothing(
    aws: AwsSession, fault_proxy: FaultProxy, ec2: Any, region: str, journal: Journal
) -> None:
    snapshot = make_snapshot(ec2, 8)
    image = register_image(ec2, "checked-first", snapshot)
    _, cleanup = await plan(aws, region, image)
    fault_proxy.add_fault(AwsError("UnauthorizedOperation", status=403), action="DeleteSnapshot")

    results = await run(aws, cleanup.plan, journal, preflight=True)

    assert results[f"delete-snapshot:{region}/{snapshot}"].outcome is StepOutcome.FAILED
    assert results[f"deregister:{region}/{image}"].outcome is StepOutcome.SKIPPED
    assert image in registered(ec2) and snapshot in snapshots(ec2)
