"""plan_copy / plan_share / plan_deprecate against the sandbox, executed with execute()."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from amitui.actions.copy import (
    CopyDestination,
    CopyRequest,
    lookup_keys,
    plan_copy,
    track_copy,
)
from amitui.actions.deprecate import DeprecateRequest, plan_deprecate
from amitui.actions.execute import execute
from amitui.actions.share import (
    PUBLIC,
    Grantee,
    ShareContext,
    ShareRequest,
    load_block_public_access,
    load_permissions,
    parse_grantee,
    plan_share,
)
from amitui.aws import AwsSession
from amitui.journal import Journal, read_entries
from amitui.loader import load_region
from amitui.model import Image, ImageKey, Inventory, StepOutcome, StepResult
from amitui.sandbox import Sandbox
from amitui.sandbox.proxy import FaultProxy

from ..sandbox_api import client, make_snapshot, register_image
from .conftest import COPY_DELAY

SOURCE = "ap-south-1"
DESTINATIONS = ("eu-west-2", "ap-northeast-2", "sa-east-1")
ORG = "arn:aws:organizations::123456789012:organization/o-abc123defg"
CUSTOMER_KEY = "arn:aws:kms:{region}:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


async def inventory_of(aws: AwsSession, *regions: str) -> Inventory:
    inventory = Inventory()
    for region in regions:
        inventory.add(await load_region(aws, region))
    return inventory


def the(inventory: Inventory, region: str, image_id: str) -> Image:
    image = inventory.image(ImageKey(region, image_id))
    assert image is not None
    return image


async def run(aws: AwsSession, plan: Any, journal: Journal) -> dict[str, StepResult]:
    return {r.step.step_id: r async for r in execute(aws, plan, journal)}


async def test_copy_to_three_regions_runs_concurrently(
    aws: AwsSession, journal: Journal, fault_proxy: FaultProxy, ec2_in: Callable[[str], Any]
) -> None:
    """Each destination answers CopyImage after 500 ms: three copies take ~0.5 s, not 1.5 s;
    every copy is followed from pending to available; the copies name their source."""
    ec2 = ec2_in(SOURCE)
    image_id = register_image(
        ec2,
        f"web-golden-{time.time_ns()}",
        make_snapshot(ec2, 2),
        TagSpecifications=[{"ResourceType": "image", "Tags": [{"Key": "team", "Value": "web"}]}],
    )
    inventory = await inventory_of(aws, SOURCE)
    source = the(inventory, SOURCE, image_id)
    request = CopyRequest(tuple(CopyDestination(r) for r in DESTINATIONS), copy_tags=True)
    plan = plan_copy(inventory, [source], request)
    assert len(plan.runnable) == 3 and not plan.excluded

    for region in DESTINATIONS:
        await aws.call(region, "DescribeRegions")  # warm the clients outside the measurement
        fault_proxy.set_latency(region, 500)
    started = time.perf_counter()
    results = await run(aws, plan, journal)
    wall = time.perf_counter() - started
    assert all(r.outcome is StepOutcome.OK for r in results.values()), results
    assert wall < 1.2, f"3 copies x 500 ms took {wall:.2f} s: not concurrent"

    for region in DESTINATIONS:
        fault_proxy.set_latency(region, 0)
    copies = {r.step.region: r.response["ImageId"] for r in results.values()}
    states = []
    for region, copy_id in copies.items():
        async for progress in track_copy(aws, region, copy_id, poll=0.1):
            states.append((region, progress.state))
        assert states[-1] == (region, "available")
    # The sandbox keeps copies pending COPY_DELAY s: the first one followed was seen pending.
    assert states[0][1] == "pending", states

    after = await inventory_of(aws, SOURCE, *DESTINATIONS)
    family = {i.key for i in after.family(the(after, SOURCE, image_id))}
    assert family == {ImageKey(SOURCE, image_id), *(ImageKey(r, i) for r, i in copies.items())}
    assert the(after, "sa-east-1", copies["sa-east-1"]).tag("team") == "web"


async def test_copy_retry_with_the_same_token_makes_no_second_copy(
    aws: AwsSession, journal: Journal, ec2_in: Callable[[str], Any]
) -> None:
    ec2 = ec2_in(SOURCE)
    image_id = register_image(ec2, f"idem-{time.time_ns()}", make_snapshot(ec2, 1))
    inventory = await inventory_of(aws, SOURCE)
    plan = plan_copy(
        inventory, [the(inventory, SOURCE, image_id)], CopyRequest((CopyDestination("eu-west-2"),))
    )
    first = await run(aws, plan, journal)
    again = await run(aws, plan, journal)
    (step_id,) = first
    assert first[step_id].response["ImageId"] == again[step_id].response["ImageId"]


async def test_copy_refusals(aws: AwsSession, ec2_in: Callable[[str], Any]) -> None:
    ec2 = ec2_in(SOURCE)
    encrypted = register_image(ec2, f"enc-{time.time_ns()}", make_snapshot(ec2, 1, Encrypted=True))
    plain = register_image(ec2, f"plain-{time.time_ns()}", make_snapshot(ec2, 1))
    inventory = await inventory_of(aws, SOURCE)
    request = CopyRequest(
        (
            CopyDestination(SOURCE),
            CopyDestination("eu-west-2"),  # unencrypted
            CopyDestination(
                "sa-east-1", encrypt=True, kms_key_id=CUSTOMER_KEY.format(region="eu-west-1")
            ),
            CopyDestination(
                "ap-northeast-2",
                encrypt=True,
                kms_key_id=CUSTOMER_KEY.format(region="ap-northeast-2"),
            ),
        )
    )
    plan = plan_copy(
        inventory, [the(inventory, SOURCE, encrypted), the(inventory, SOURCE, plain)], request
    )
    reasons = {s.step_id: s.reason for s in plan.excluded}
    assert "is already in ap-south-1" in reasons[f"copy:{SOURCE}/{encrypted}->{SOURCE}"]
    assert "cannot copy it unencrypted" in reasons[f"copy:{SOURCE}/{encrypted}->eu-west-2"]
    assert (
        "is in eu-west-1, but the copy is made in sa-east-1"
        in reasons[f"copy:{SOURCE}/{plain}->sa-east-1"]
    )
    runnable = {s.step_id: s for s in plan.runnable}
    assert set(runnable) == {
        f"copy:{SOURCE}/{plain}->eu-west-2",
        f"copy:{SOURCE}/{encrypted}->ap-northeast-2",
        f"copy:{SOURCE}/{plain}->ap-northeast-2",
    }
    step = runnable[f"copy:{SOURCE}/{plain}->ap-northeast-2"]
    assert step.params["Encrypted"] is True
    assert step.params["KmsKeyId"] == CUSTOMER_KEY.format(region="ap-northeast-2")
    assert len(str(step.params["ClientToken"])) <= 64


async def test_share_add_remove_org_and_snapshots(
    aws: AwsSession, journal: Journal, ec2_in: Callable[[str], Any]
) -> None:
    ec2 = ec2_in(SOURCE)
    snapshot = make_snapshot(ec2, 1)
    image_id = register_image(ec2, f"share-{time.time_ns()}", snapshot)
    ec2.modify_image_attribute(
        ImageId=image_id, LaunchPermission={"Add": [{"UserId": "333344445555"}]}
    )
    inventory = await inventory_of(aws, SOURCE)
    image = the(inventory, SOURCE, image_id)
    context = ShareContext(permissions=await load_permissions(aws, [image]))
    assert context.permissions[image.key] == {Grantee("account", "333344445555")}
    request = ShareRequest(
        add=(parse_grantee("210987654321"), parse_grantee(ORG), parse_grantee("333344445555")),
        remove=(parse_grantee("333344445555"),),
        share_snapshots=True,
    )
    plan = plan_share([image], request, context)
    assert not plan.destructive
    share = next(s for s in plan.runnable if s.step_id.startswith("share:"))
    assert share.params["LaunchPermission"] == {
        "Add": [{"UserId": "210987654321"}, {"OrganizationArn": ORG}],
        "Remove": [{"UserId": "333344445555"}],
    }
    results = await run(aws, plan, journal)
    assert all(r.outcome is StepOutcome.OK for r in results.values()), results
    after = await load_permissions(aws, [image])
    assert after[image.key] == {Grantee("account", "210987654321"), Grantee("organization", ORG)}
    volume = ec2.describe_snapshot_attribute(
        SnapshotId=snapshot, Attribute="createVolumePermission"
    )
    assert volume["CreateVolumePermissions"] == [{"UserId": "210987654321"}]
    assert any("accounts only" in n for n in plan.notes)


async def test_public_sharing_is_checked_and_confirmed(
    aws: AwsSession, journal: Journal, ec2_in: Callable[[str], Any]
) -> None:
    ec2 = ec2_in("eu-central-1")
    plain = register_image(ec2, f"pub-{time.time_ns()}", make_snapshot(ec2, 1))
    encrypted = register_image(
        ec2, f"pub-enc-{time.time_ns()}", make_snapshot(ec2, 1, Encrypted=True)
    )
    inventory = await inventory_of(aws, "eu-central-1")
    images = [the(inventory, "eu-central-1", plain), the(inventory, "eu-central-1", encrypted)]
    request = ShareRequest(add=(Grantee(PUBLIC),))

    context = ShareContext(
        block_public_access=await load_block_public_access(aws, ["eu-central-1"])
    )
    assert context.block_public_access == {"eu-central-1": "unblocked"}
    plan = plan_share(images, request, context)
    assert plan.destructive and plan.confirm_text == plain
    (refused,) = plan.excluded
    assert refused.target == encrypted and "encrypted snapshots" in refused.reason

    ec2.enable_image_block_public_access(ImageBlockPublicAccessState="block-new-sharing")
    try:
        blocked = ShareContext(
            block_public_access=await load_block_public_access(aws, ["eu-central-1"])
        )
        blocked_plan = plan_share(images[:1], request, blocked)
        assert not blocked_plan.runnable
        assert "block-new-sharing" in blocked_plan.excluded[0].reason
    finally:
        ec2.disable_image_block_public_access()

    results = await run(aws, plan, journal)
    assert [r.outcome for r in results.values()] == [StepOutcome.OK]
    assert ec2.describe_images(ImageIds=[plain])["Images"][0]["Public"] is True


async def test_share_notes_the_kms_key(aws: AwsSession, ec2_in: Callable[[str], Any]) -> None:
    ec2 = ec2_in("eu-central-1")
    key = CUSTOMER_KEY.format(region="eu-central-1")
    image_id = register_image(
        ec2, f"cmk-{time.time_ns()}", make_snapshot(ec2, 1, Encrypted=True, KmsKeyId=key)
    )
    inventory = await inventory_of(aws, "eu-central-1")
    image = the(inventory, "eu-central-1", image_id)
    plan = plan_share(
        [image],
        ShareRequest(add=(Grantee("account", "210987654321"),)),
        ShareContext(key_managers={key: "CUSTOMER"}),
    )
    assert any(key in note and "grantees need access" in note for note in plan.notes)
    aws_managed = plan_share(
        [image],
        ShareRequest(add=(Grantee("account", "210987654321"),)),
        ShareContext(key_managers={key: "AWS"}),
    )
    assert not aws_managed.runnable and "cannot be shared" in aws_managed.excluded[0].reason


async def test_deprecate_family_and_cancel(
    aws: AwsSession, journal: Journal, ec2_in: Callable[[str], Any]
) -> None:
    source_ec2 = ec2_in("eu-south-1")
    image_id = register_image(source_ec2, f"fam-{time.time_ns()}", make_snapshot(source_ec2, 1))
    copy_id = ec2_in("me-south-1").copy_image(
        SourceImageId=image_id, SourceRegion="eu-south-1", Name="fam-copy"
    )["ImageId"]
    inventory = await inventory_of(aws, "eu-south-1", "me-south-1")
    image = the(inventory, "eu-south-1", image_id)
    now = datetime.now(UTC)
    when = (now + timedelta(days=30)).replace(second=0, microsecond=0)
    plan = plan_deprecate(inventory, [image], DeprecateRequest(when, include_family=True))
    assert {s.target for s in plan.runnable} == {image_id, copy_id}
    results = await run(aws, plan, journal)
    assert all(r.outcome is StepOutcome.OK for r in results.values()), results

    after = await inventory_of(aws, "eu-south-1", "me-south-1")
    assert the(after, "me-south-1", copy_id).deprecation_time == when
    cancel = plan_deprecate(after, [the(after, "eu-south-1", image_id)], DeprecateRequest(None))
    assert [s.operation for s in cancel.runnable] == ["DisableImageDeprecation"]
    await run(aws, cancel, journal)
    final = await inventory_of(aws, "eu-south-1")
    assert the(final, "eu-south-1", image_id).deprecation_time is None
    again = plan_deprecate(final, [the(final, "eu-south-1", image_id)], DeprecateRequest(None))
    assert not again.runnable and "nothing to cancel" in again.excluded[0].reason
    operations = [e["operation"] for e in read_entries(journal.path) if e["phase"] == "sent"]
    assert operations.count("EnableImageDeprecation") == 2
    assert operations.count("DisableImageDeprecation") == 1
    assert COPY_DELAY > 0


async def test_copy_refuses_a_key_that_is_not_in_the_destination(
    aws: AwsSession, sandbox: Sandbox, ec2_in: Callable[[str], Any]
) -> None:
    """KMS keys are regional: alias/team exists in eu-west-2 only, so a copy to
    ap-northeast-2 with it is refused in the plan (KMS DescribeKey answers NotFound)."""
    kms = client(sandbox.endpoint_url, "eu-west-2", "kms")
    alias = f"alias/team-{time.time_ns()}"
    key = kms.create_key(Description="team")["KeyMetadata"]
    kms.create_alias(AliasName=alias, TargetKeyId=key["KeyId"])
    ec2 = ec2_in(SOURCE)
    image_id = register_image(ec2, f"kms-{time.time_ns()}", make_snapshot(ec2, 1))
    inventory = await inventory_of(aws, SOURCE)
    destinations = (
        CopyDestination("eu-west-2", encrypt=True, kms_key_id=alias),
        CopyDestination("ap-northeast-2", encrypt=True, kms_key_id=alias),
    )
    keys = await lookup_keys(aws, destinations)
    assert keys == {("eu-west-2", alias): key["Arn"], ("ap-northeast-2", alias): None}
    plan = plan_copy(
        inventory, [the(inventory, SOURCE, image_id)], CopyRequest(destinations), keys=keys
    )
    assert [s.region for s in plan.runnable] == ["eu-west-2"]
    (refused,) = plan.excluded
    assert f"{alias} does not exist in ap-northeast-2" in refused.reason


def test_share_leaves_out_images_another_account_owns() -> None:
    foreign = Image.from_aws(
        "eu-west-1", {"ImageId": "ami-0abc", "OwnerId": "999988887777", "State": "available"}
    )
    plan = plan_share(
        [foreign],
        ShareRequest(add=(Grantee("account", "210987654321"),)),
        ShareContext(account="123456789012"),
    )
    assert not plan.runnable
    assert "owned by 999988887777" in plan.excluded[0].reason
