"""Reverse lookup (amitui.lookup) and the Used-by data (references.used_by), against the demo
organization in the sandbox over HTTP: shared-services (123456789012), staging and prod, read
in us-east-1 and eu-west-1 as an account-set launch reads them.

The demo (amitui/sandbox/demo.py): shared-services runs ``web-prod`` instances and the
``web-prod`` launch template from ``web-golden-2026.11.10``, the Auto Scaling group
``web-prod-fleet`` launches from that template, the SSM parameter ``/golden/web/latest``
holds ``web-golden-2026.11.17``, and a ``reporting`` instance still runs an image
deregistered since; staging runs the newest golden image (shared with it) from its own
``web-staging-asg`` template and ``staging-web-fleet`` group.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from amitui.accounts import Account
from amitui.actions.cleanup import gather_facts, plan_deregister
from amitui.actions.references import region_use_counts, region_uses, used_by
from amitui.ancestry import image_ancestry
from amitui.loader import load_region
from amitui.lookup import LookupFailed, Place, resolve
from amitui.model import Image, ImageKey, Inventory
from amitui.sandbox import Sandbox, demo
from amitui.usage import (
    AUTO_SCALING,
    INSTANCES,
    LAUNCH_PERMISSIONS,
    LAUNCH_TEMPLATES,
    OTHER_ACCOUNTS,
    PARAMETERS,
)

from .sandbox_api import client, demo_sandbox_fixture, make_snapshot, member_keys, register_image
from .test_cross_account import demo_accounts

REGIONS = ("us-east-1", "eu-west-1")
HOME = "us-east-1"
SHARED, STAGING, PROD = (a.account_id for a in demo.DEMO_ACCOUNTS)
GOLDEN = "web-golden-2026.11.17"


sandbox = demo_sandbox_fixture("module")


@asynccontextmanager
async def loaded(sandbox: Sandbox) -> AsyncIterator[tuple[list[Account], list[Place], Inventory]]:
    """The three accounts, their places and an inventory of their own images."""
    async with demo_accounts(sandbox, demo.STAGING, demo.PROD) as accounts:
        inventory = Inventory()
        places = [Place(a.session, r, a.id, a.label) for a in accounts for r in REGIONS]
        loads = await asyncio.gather(
            *(load_region(p.session, p.region, account=p.label) for p in places)
        )
        for load in loads:
            assert load.error is None, load.error
            inventory.add(load)
        yield accounts, places, inventory


def ec2(sandbox: Sandbox, account_id: str = SHARED) -> Any:
    keys = member_keys(sandbox.endpoint_url, account_id) if account_id != SHARED else None
    return client(sandbox.endpoint_url, HOME, keys=keys)


def image_id(sandbox: Sandbox, name: str, account_id: str = SHARED) -> str:
    (image,) = ec2(sandbox, account_id).describe_images(
        Owners=["self"], Filters=[{"Name": "name", "Values": [name]}]
    )["Images"]
    return str(image["ImageId"])


def instance_named(sandbox: Sandbox, name: str, account_id: str = SHARED) -> str:
    reservations = ec2(sandbox, account_id).describe_instances(
        Filters=[{"Name": "tag:Name", "Values": [name]}]
    )["Reservations"]
    return str(reservations[0]["Instances"][0]["InstanceId"])


async def test_an_instance_id_leads_to_its_image_in_its_account(sandbox: Sandbox) -> None:
    """EC2 API reference, DescribeInstances: each Instance has "ImageId - The ID of the AMI
    used to launch the instance"; an id unknown in a region answers
    InvalidInstanceID.NotFound there, which is no error for the lookup."""
    instance = instance_named(sandbox, "web-prod")
    async with loaded(sandbox) as (_, places, inventory):
        (found,) = await resolve(instance, places, inventory)
    assert found.key == ImageKey(HOME, image_id(sandbox, demo.IN_USE_IMAGE), SHARED)
    assert found.unlisted is None
    assert found.path == (
        f"instance {instance} (running) in shared-services/us-east-1 → {found.key.image_id}"
    )


async def test_a_member_instance_of_a_shared_image_lands_on_the_owners_row(
    sandbox: Sandbox,
) -> None:
    """Staging's web instances run the golden image shared-services shares with it: staging
    does not list it (DescribeImages Owners=self), its owner's account does."""
    instance = instance_named(sandbox, "web-staging", STAGING)
    async with loaded(sandbox) as (_, places, inventory):
        (found,) = await resolve(instance, places, inventory)
    assert found.key == ImageKey(HOME, image_id(sandbox, GOLDEN), SHARED)
    assert found.hops == (f"instance {instance} (running) in staging/us-east-1",)


async def test_a_launch_template_name_says_its_default_version(sandbox: Sandbox) -> None:
    """EC2 API reference, DescribeLaunchTemplateVersions: "To describe one or more versions
    of a specified launch template, valid values are $Latest, $Default, and numbers"; the
    $Default version's LaunchTemplateData.ImageId is the image."""
    async with loaded(sandbox) as (_, places, inventory):
        (by_name,) = await resolve(demo.LAUNCH_TEMPLATE_NAME, places, inventory)
        template_id = ec2(sandbox).describe_launch_templates(
            LaunchTemplateNames=[demo.LAUNCH_TEMPLATE_NAME]
        )["LaunchTemplates"][0]["LaunchTemplateId"]
        (by_id,) = await resolve(template_id, places, inventory)
    assert by_name.key == by_id.key == ImageKey(HOME, image_id(sandbox, demo.IN_USE_IMAGE), SHARED)
    assert by_name.hops == ("launch template web-prod v1 ($Default) in shared-services/us-east-1",)


async def test_an_auto_scaling_group_goes_through_its_launch_template(sandbox: Sandbox) -> None:
    """Auto Scaling API reference, DescribeAutoScalingGroups: a group's LaunchTemplate is a
    LaunchTemplateSpecification whose Version is "The version number, $Latest, or $Default"
    ("The default value is $Default")."""
    async with loaded(sandbox) as (_, places, inventory):
        (found,) = await resolve(demo.AUTO_SCALING_GROUP_NAME, places, inventory)
        (member,) = await resolve("staging-web-fleet", places, inventory)
    assert found.key == ImageKey(HOME, image_id(sandbox, demo.IN_USE_IMAGE), SHARED)
    assert found.path.startswith(
        "Auto Scaling group web-prod-fleet in shared-services/us-east-1 → "
        "launch template web-prod v1 ($Default) → ami-"
    )
    assert member.key == ImageKey(HOME, image_id(sandbox, GOLDEN), SHARED)
    assert member.hops[0] == "Auto Scaling group staging-web-fleet in staging/us-east-1"


async def test_a_parameter_a_snapshot_and_an_image_id(sandbox: Sandbox) -> None:
    """SSM API reference, GetParameter: "Get information about a single parameter by
    specifying the parameter name" (its Value is the image id); EC2 DescribeImages filter
    block-device-mapping.snapshot-id: "The ID of the snapshot used for the Amazon EBS
    volume"."""
    golden = image_id(sandbox, GOLDEN)
    async with loaded(sandbox) as (_, places, inventory):
        (parameter,) = await resolve(demo.GOLDEN_PARAMETER, places, inventory)
        image = inventory.image(ImageKey(HOME, golden, SHARED))
        assert image is not None
        (snapshot,) = await resolve(image.snapshot_ids[0], places, inventory)
        (same,) = await resolve(golden, places, inventory)
    assert parameter.key == snapshot.key == same.key == image.key
    assert parameter.hops == ("SSM parameter /golden/web/latest in shared-services/us-east-1",)
    assert snapshot.hops == (f"snapshot {image.snapshot_ids[0]} in shared-services/us-east-1",)


async def test_an_instance_of_a_deregistered_image_is_not_listable_with_its_metadata(
    sandbox: Sandbox,
) -> None:
    """EC2 API reference, DescribeInstanceImageMetadata: "Describes the AMI that was used to
    launch an instance, even if the AMI is deprecated, deregistered, made private (no longer
    public or shared with your account), or not allowed." (the sandbox's
    instance_image_metadata extension)."""
    instance = instance_named(sandbox, "reporting")
    async with loaded(sandbox) as (_, places, inventory):
        (found,) = await resolve(instance, places, inventory)
    facts = found.unlisted
    assert facts is not None
    assert (facts.name, facts.owner_id, facts.state) == (demo.RETIRED_IMAGE, SHARED, "deregistered")
    assert facts.reason == "not listable: deregistered"
    assert facts.creation_date is not None and facts.creation_date.year == 2025
    assert inventory.image(found.key) is None


async def test_nothing_found_says_what_was_searched(sandbox: Sandbox) -> None:
    async with loaded(sandbox) as (_, places, inventory):
        with pytest.raises(LookupFailed) as missing:
            await resolve("i-0123456789abcdef0", places, inventory)
        with pytest.raises(LookupFailed) as unnamed:
            await resolve("no-such-thing", places, inventory)
        with pytest.raises(LookupFailed, match="Go to what"):
            await resolve("  ", places, inventory)
    assert str(missing.value).startswith(
        "No instance i-0123456789abcdef0 in 6 account-regions (shared-services/us-east-1, "
    )
    assert "launch template, Auto Scaling group or SSM parameter no-such-thing" in str(
        unnamed.value
    )


async def test_used_by_lists_what_the_cleanup_leaves_the_image_out_for(sandbox: Sandbox) -> None:
    """The Used-by tab and the cleanup's in-use rule read the same lookups: every use the
    deregister plan leaves the in-use image out for is in the tab, plus the detail the tab
    adds (instance state, the template versions, other accounts, who may launch it)."""
    async with loaded(sandbox) as (accounts, _, inventory):
        shared = accounts[0]
        image = inventory.image(ImageKey(HOME, image_id(sandbox, demo.IN_USE_IMAGE), SHARED))
        assert image is not None
        uses = await used_by(shared, image, accounts)
        facts = await gather_facts(shared.session, [image], SHARED)
    (verdict,) = plan_deregister(inventory, [image], facts).verdicts
    assert not verdict.deregister and verdict.excluded_because.startswith("in use by ")
    named = {e.what for e in uses.entries}
    assert {f"{u.kind} {u.name}" for u in verdict.uses} <= named
    assert len(verdict.uses) == 5  # three instances, the template, the group
    for shown in verdict.excluded_because.removeprefix("in use by ").split(", ")[:3]:
        assert any(shown.startswith(what) for what in named), shown
    assert not uses.errors, uses.errors
    instances = uses.group(INSTANCES)
    assert len(instances) == 3 and all("(running)" in e.text for e in instances)
    (template,) = uses.group(LAUNCH_TEMPLATES)
    assert template.text.startswith("launch template web-prod (lt-")
    assert "v1 $Default $Latest" in template.text
    groups = [e.text for e in uses.group(AUTO_SCALING)]
    assert groups == ["Auto Scaling group web-prod-fleet (via launch template web-prod)"]
    others = [e.text for e in uses.group(OTHER_ACCOUNTS)]
    assert any(t.endswith(f"in account prod ({PROD})") for t in others), others
    assert uses.group(LAUNCH_PERMISSIONS)


async def test_used_by_finds_the_ssm_parameter_and_the_sharing(sandbox: Sandbox) -> None:
    """EC2 API reference, DescribeImageReferences: supported resource types "ec2:Instance |
    ec2:LaunchTemplate | ssm:Parameter | imagebuilder:ImageRecipe |
    imagebuilder:ContainerRecipe" (IncludeAllResourceTypes checks them all); the golden image
    is shared with staging by id and with the Workloads OU."""
    async with loaded(sandbox) as (accounts, _, inventory):
        image = inventory.image(ImageKey(HOME, image_id(sandbox, GOLDEN), SHARED))
        assert image is not None
        uses = await used_by(accounts[0], image, accounts)
        found = await region_uses(accounts[0].session, HOME, [image.image_id])
    assert [e.text for e in uses.group(PARAMETERS)] == ["SSM parameter /golden/web/latest"]
    assert any(u.kind == "SSM parameter" for u in found.of(image.image_id))
    launchers = [e.text for e in uses.group(LAUNCH_PERMISSIONS)]
    assert f"account {STAGING}" in launchers
    assert any(t.startswith("OU ") for t in launchers), launchers
    others = [e.text for e in uses.group(OTHER_ACCOUNTS)]
    assert any("in account staging" in t for t in others), others


async def test_an_image_shared_with_us_says_only_its_owner_reads_who_launches_it(
    sandbox: Sandbox,
) -> None:
    async with loaded(sandbox) as (accounts, _, _inventory):
        staging = accounts[1]
        (record,) = ec2(sandbox, STAGING).describe_images(ImageIds=[image_id(sandbox, GOLDEN)])[
            "Images"
        ]
        image = Image.from_aws(HOME, record, STAGING)
        uses = await used_by(staging, image, [staging])
    (launchers,) = uses.group(LAUNCH_PERMISSIONS)
    assert launchers.text.startswith(f"owned by {SHARED}: only its owner may read")
    assert {e.text.split(" ")[0] for e in uses.group(INSTANCES)} == {"instance"}


async def test_hidden_managed_instances_are_found_said_and_counted(sandbox: Sandbox) -> None:
    """An account that hides managed resources (GetManagedResourceVisibility: "A value of
    hidden indicates that managed resources are not included in Describe operation responses
    by default"): the Used-by tab still lists an EKS node (DescribeInstances with
    IncludeManagedResources: "the output includes resources that are managed by Amazon Web
    Services services, even if managed resource visibility is set to hidden"), says the
    setting, the Used by count includes it, and the node's id still leads to its image."""
    shared = ec2(sandbox)
    image = register_image(shared, "eks-node-2026.12", make_snapshot(shared, 8))
    node = shared.run_instances(
        ImageId=image, MinCount=1, MaxCount=1, Operator={"Principal": "eks.amazonaws.com"}
    )["Instances"][0]["InstanceId"]
    shared.modify_managed_resource_visibility(DefaultVisibility="hidden")
    try:
        async with loaded(sandbox) as (accounts, places, inventory):
            uses = await used_by(accounts[0], described(sandbox, HOME, image), accounts)
            counts = await region_use_counts(accounts[0].session, HOME)
            (found,) = await resolve(node, places, inventory)
    finally:
        shared.modify_managed_resource_visibility(DefaultVisibility="visible")
        shared.terminate_instances(InstanceIds=[node])
    assert [e.text for e in uses.group(INSTANCES)] == [
        f"instance {node} (running) (managed by eks.amazonaws.com)"
    ]
    assert any("hides managed resources" in note for note in uses.notes), uses.notes
    assert counts[image] == 1
    assert found.key == ImageKey(HOME, image, SHARED)


async def test_use_counts_sweep_a_region_not_each_image(sandbox: Sandbox) -> None:
    """EC2 API reference, DescribeLaunchTemplateVersions: "To describe all launch templates
    in your account that are defined as the default version, the valid value is $Default"
    (and $Latest likewise): with DescribeInstances, two paginated calls count a region."""
    in_use = image_id(sandbox, demo.IN_USE_IMAGE)
    async with loaded(sandbox) as (accounts, _, _inventory):
        counts = await region_use_counts(accounts[0].session, HOME)
        staging = await region_use_counts(accounts[1].session, HOME)
    assert counts[in_use] == 3 + 1  # the web-prod instances and the web-prod template
    assert image_id(sandbox, GOLDEN) not in counts  # shared-services runs none of it
    # Staging's two web instances and its web-staging-asg template run the shared golden image.
    assert staging[image_id(sandbox, GOLDEN)] == 2 + 1


# --- ancestry ----------------------------------------------------------------------------


def described(sandbox: Sandbox, region: str, image: str) -> Image:
    ec2_there = client(sandbox.endpoint_url, region)
    (record,) = ec2_there.describe_images(ImageIds=[image])["Images"]
    return Image.from_aws(region, record, SHARED)


async def test_ancestry_goes_to_the_root_across_regions_and_says_a_deprecated_base(
    sandbox: Sandbox,
) -> None:
    """EC2 API reference, GetImageAncestry: "Retrieves the ancestry chain of the specified
    AMI, tracing its lineage back to the root AMI", entries "from the specified AMI to the
    root AMI", each with "SourceImageRegion - The Amazon Web Services Region of the parent
    AMI" (the sandbox's image_ancestry extension; CopyImage records the source)."""
    source_region = demo.PINNED_IMAGES["legacy-db-2025.06.12"][0]
    source = client(sandbox.endpoint_url, source_region).describe_images(
        Owners=["self"], Filters=[{"Name": "name", "Values": ["legacy-db-2025.06.12"]}]
    )["Images"][0]
    assert source["DeprecationTime"] < "2026-11-20"  # the BIOS registration was retired
    copy = client(sandbox.endpoint_url, "ap-northeast-1").copy_image(
        Name="legacy-db-dr", SourceImageId=source["ImageId"], SourceRegion=source_region
    )["ImageId"]
    async with loaded(sandbox) as (accounts, _, _inventory):
        ancestry = await image_ancestry(
            accounts[0].session, described(sandbox, "ap-northeast-1", copy), demo.REFERENCE_DATE
        )
    assert not ancestry.error
    assert [(a.image_id, a.region) for a in ancestry.chain] == [
        (copy, "ap-northeast-1"),
        (source["ImageId"], source_region),
    ]
    assert ancestry.chain[1].name == "legacy-db-2025.06.12" and ancestry.chain[1].deprecated
    assert ancestry.staleness == (
        "built from a base that is now deprecated or deregistered: "
        f"{source['ImageId']} (deprecated)"
    )


async def test_a_base_deregistered_since_is_named_and_a_current_chain_is_not_stale(
    sandbox: Sandbox,
) -> None:
    """The reference is silent about an ancestor deregistered since: the sandbox ends the
    chain at the last AMI it finds, whose entry still names the parent (SourceImageId);
    amitui names that parent as deregistered or no longer visible (DescribeImages does not
    find it)."""
    region = "ap-northeast-1"
    ec2_there = client(sandbox.endpoint_url, region)
    volume = ec2_there.create_volume(Size=8, AvailabilityZone=f"{region}a")["VolumeId"]
    snapshot = ec2_there.create_snapshot(VolumeId=volume)["SnapshotId"]
    base = ec2_there.register_image(
        Name="base-to-retire", RootDeviceName="/dev/xvda", VirtualizationType="hvm",
        BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"SnapshotId": snapshot}}],
    )["ImageId"]  # fmt: skip
    copy = ec2_there.copy_image(Name="built-on-it", SourceImageId=base, SourceRegion=region)[
        "ImageId"
    ]
    ec2_there.deregister_image(ImageId=base)
    golden_copy = client(sandbox.endpoint_url, "us-west-2").describe_images(
        Owners=["self"], Filters=[{"Name": "name", "Values": [GOLDEN]}]
    )["Images"][0]["ImageId"]
    async with loaded(sandbox) as (accounts, _, _inventory):
        session = accounts[0].session
        gone = await image_ancestry(session, described(sandbox, region, copy), demo.REFERENCE_DATE)
        current = await image_ancestry(
            session, described(sandbox, "us-west-2", golden_copy), demo.REFERENCE_DATE
        )
    assert [a.image_id for a in gone.chain] == [copy, base]
    assert gone.staleness.endswith(f"{base} (deregistered or no longer visible)")
    assert [a.region for a in current.chain] == ["us-west-2", HOME]
    assert current.chain[1].name == GOLDEN and current.staleness == ""


async def test_a_text_parameter_holding_an_image_id_is_no_reference(sandbox: Sandbox) -> None:
    """The sandbox's DescribeImageReferences counts String parameters of data type
    aws:ec2:image (SSM API reference, PutParameter DataType: "Supported data types include
    plain text and Amazon Machine Image (AMI) IDs"); the EC2 reference is silent on text
    parameters, which EC2 is not told hold an image, so they are not counted."""
    golden = image_id(sandbox, GOLDEN)
    ssm = client(sandbox.endpoint_url, HOME, service="ssm")
    ssm.put_parameter(Name="/notes/golden-as-text", Value=golden, Type="String", DataType="text")
    references = ec2(sandbox).describe_image_references(
        ImageIds=[golden], ResourceTypes=[{"ResourceType": "ssm:Parameter"}]
    )["ImageReferences"]
    assert [r["Arn"] for r in references] == [
        f"arn:aws:ssm:{HOME}:{SHARED}:parameter{demo.GOLDEN_PARAMETER}"
    ]
