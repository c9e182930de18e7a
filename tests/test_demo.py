"""The demo fleet: what ``amitui --demo`` shows, checked through the EC2 API it is read with."""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest

from amitui.sandbox import Sandbox, demo

from .sandbox_api import KEYS, member_keys

ROOT = Path(__file__).resolve().parent.parent


class Account:
    """A seeded sandbox read through boto3. Nothing here writes, so reads are cached."""

    def __init__(
        self, endpoint_url: str, start_seconds: float, member: demo.DemoAccount | None = None
    ) -> None:
        self.endpoint_url = endpoint_url
        self.start_seconds = start_seconds
        # A member account is reached as on AWS: AssumeRole into its organization role.
        keys = member_keys(endpoint_url, member.account_id) if member else KEYS
        self.session = boto3.Session(**keys)
        self._clients: dict[str, Any] = {}
        self._images: dict[str, list[dict[str, Any]]] = {}
        self._snapshots: dict[str, list[dict[str, Any]]] = {}

    def ec2(self, region: str) -> Any:
        if region not in self._clients:
            self._clients[region] = self.session.client(
                "ec2", region_name=region, endpoint_url=self.endpoint_url
            )
        return self._clients[region]

    def images(self, region: str) -> list[dict[str, Any]]:
        if region not in self._images:
            pages = self.ec2(region).get_paginator("describe_images")
            self._images[region] = [
                image
                for page in pages.paginate(
                    Owners=["self"], IncludeDisabled=True, IncludeDeprecated=True
                )
                for image in page["Images"]
            ]
        return self._images[region]

    def snapshots(self, region: str) -> list[dict[str, Any]]:
        if region not in self._snapshots:
            pages = self.ec2(region).get_paginator("describe_snapshots")
            self._snapshots[region] = [
                s for page in pages.paginate(OwnerIds=["self"]) for s in page["Snapshots"]
            ]
        return self._snapshots[region]


@pytest.fixture(scope="module")
def account() -> Iterator[Account]:
    started = time.monotonic()
    with Sandbox(demo=True) as sandbox:
        yield Account(sandbox.endpoint_url, time.monotonic() - started)


@pytest.fixture(scope="module")
def images(account: Account) -> dict[str, list[dict[str, Any]]]:
    return {region: account.images(region) for region in demo.DEMO_REGIONS}


def by_name(images: dict[str, list[dict[str, Any]]], region: str, name: str) -> dict[str, Any]:
    [image] = [i for i in images[region] if i["Name"] == name]
    return image


def tags(record: dict[str, Any]) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in record.get("Tags", [])}


def test_description_is_deterministic_and_matches_the_headline_facts() -> None:
    fleet = demo.build_fleet()
    assert fleet == demo.build_fleet()
    assert fleet != demo.build_fleet(seed=1)
    expected = demo.expected_counts()
    assert expected.images >= 150
    assert len(expected.images_per_region) >= 6
    assert set(expected.images_per_region) == set(demo.DEMO_REGIONS)
    keys = [i.key for i in fleet.images]
    assert len(keys) == len(set(keys))
    oldest = min(i.created for i in fleet.images)
    assert demo.REFERENCE_DATE - oldest > timedelta(days=500)  # ~18 months of history
    assert all(i.created <= demo.REFERENCE_DATE for i in fleet.images)
    for name, (region, created) in demo.PINNED_IMAGES.items():
        assert demo._ec2_time(fleet.image(f"{region}/{name}").created) == created
    # Public images are never encrypted (EC2 refuses to share those publicly).
    assert all(not i.kms_key_id for i in fleet.images if i.public)


def test_seeding_time_is_reported(account: Account) -> None:
    print(f"\nSandbox(demo=True) started in {account.start_seconds:.2f} s")
    assert account.start_seconds < 60


def test_regions_and_image_count(images: dict[str, list[dict[str, Any]]]) -> None:
    expected = demo.expected_counts()
    assert {r: len(images[r]) for r in images} == dict(expected.images_per_region)
    assert sum(1 for r in images if images[r]) >= 6
    assert sum(len(v) for v in images.values()) == expected.images >= 150


def test_pinned_images_keep_their_dates(images: dict[str, list[dict[str, Any]]]) -> None:
    for name, (region, created) in demo.PINNED_IMAGES.items():
        assert by_name(images, region, name)["CreationDate"] == created


def test_multi_disk_image_with_ephemeral(images: dict[str, list[dict[str, Any]]]) -> None:
    multi = [
        i
        for i in images["eu-west-1"]
        if sum(1 for m in i["BlockDeviceMappings"] if "Ebs" in m) >= 3
        and any(m.get("VirtualName") for m in i["BlockDeviceMappings"])
    ]
    assert multi
    sizes = {
        m["DeviceName"]: m["Ebs"]["VolumeSize"]
        for m in multi[0]["BlockDeviceMappings"]
        if "Ebs" in m
    }
    assert sizes["/dev/xvda"] == 20 and sizes["/dev/sdf"] == 100


def test_two_images_map_the_same_snapshot(images: dict[str, list[dict[str, Any]]]) -> None:
    names = [n for n in demo.PINNED_IMAGES if n.startswith("legacy-db")]
    roots = {
        by_name(images, "eu-central-1", n)["BlockDeviceMappings"][0]["Ebs"]["SnapshotId"]
        for n in names
    }
    assert len(names) == 2 and len(roots) == 1


def test_encrypted_snapshots_carry_their_key(account: Account) -> None:
    snapshots = account.snapshots("us-west-2")
    cmk = demo.customer_key("us-west-2")
    assert any(s["Encrypted"] and s.get("KmsKeyId") == cmk for s in snapshots)
    batch = [i for i in account.images("us-west-2") if i["Name"].startswith("batch-worker-")]
    assert batch and all(
        m["Ebs"]["Encrypted"] and m["Ebs"].get("KmsKeyId") == cmk
        for i in batch
        for m in i["BlockDeviceMappings"]
        if "Ebs" in m
    )


def test_disabled_image(account: Account) -> None:
    ec2 = account.ec2("us-west-2")
    listed = ec2.describe_images(Owners=["self"], IncludeDisabled=True)["Images"]
    assert sum(1 for i in listed if i["State"] == "disabled") == 2


def test_public_image_is_unencrypted(images: dict[str, list[dict[str, Any]]]) -> None:
    public = [i for i in images["us-east-1"] if i["Public"]]
    assert sorted(i["Name"] for i in public) == ["oss-bastion-2026.06.02", "oss-bastion-2026.10.06"]
    assert all(
        not m["Ebs"]["Encrypted"] for i in public for m in i["BlockDeviceMappings"] if "Ebs" in m
    )


def test_shared_image(account: Account, images: dict[str, list[dict[str, Any]]]) -> None:
    image = by_name(images, "us-east-1", "web-golden-2026.11.17")
    permissions = account.ec2("us-east-1").describe_image_attribute(
        ImageId=image["ImageId"], Attribute="launchPermission"
    )["LaunchPermissions"]
    assert {"UserId": demo.SHARED_ACCOUNTS[0]} in permissions


def test_instances_and_launch_template_use_demo_images(
    account: Account, images: dict[str, list[dict[str, Any]]]
) -> None:
    ec2 = account.ec2("us-east-1")
    in_use = by_name(images, "us-east-1", demo.IN_USE_IMAGE)["ImageId"]
    reservations = ec2.describe_instances()["Reservations"]
    running = [i for r in reservations for i in r["Instances"] if i["ImageId"] == in_use]
    assert len(running) == 3
    [template] = ec2.describe_launch_templates(LaunchTemplateNames=[demo.LAUNCH_TEMPLATE_NAME])[
        "LaunchTemplates"
    ]
    versions = ec2.describe_launch_template_versions(LaunchTemplateId=template["LaunchTemplateId"])
    assert versions["LaunchTemplateVersions"][0]["LaunchTemplateData"]["ImageId"] == in_use


def test_orphaned_and_plain_snapshots(
    account: Account, images: dict[str, list[dict[str, Any]]]
) -> None:
    orphaned = 0
    plain = 0
    for region in demo.DEMO_REGIONS:
        mapped = {
            m["Ebs"]["SnapshotId"]
            for i in images[region]
            for m in i["BlockDeviceMappings"]
            if "Ebs" in m
        }
        for snapshot in account.snapshots(region):
            if snapshot["SnapshotId"] in mapped:
                continue
            description = snapshot.get("Description", "")
            if description.startswith("Created by CreateImage(i-"):
                ami = description.rsplit(" ", 1)[-1]
                assert ami not in {i["ImageId"] for i in images[region]}
                orphaned += 1
            else:
                plain += 1
    expected = demo.expected_counts()
    assert orphaned == expected.orphaned_snapshots
    # No scaffolding (staging snapshots) is left behind.
    assert plain == expected.plain_snapshots


def test_copies_record_their_source(images: dict[str, list[dict[str, Any]]]) -> None:
    copy = by_name(images, "sa-east-1", "web-golden-2026.11.17")
    source = by_name(images, "us-east-1", "web-golden-2026.11.17")
    if "SourceImageId" not in copy:
        pytest.skip("the sandbox's CopyImage does not report SourceImageId")
    assert copy["SourceImageId"] == source["ImageId"]
    assert copy["SourceImageRegion"] == "us-east-1"
    assert tags(copy)["Family"] == "web-golden"


def test_deprecated_images(images: dict[str, list[dict[str, Any]]]) -> None:
    old = by_name(images, "us-east-1", "web-golden-2026.08.04")
    assert old["DeprecationTime"] < demo._ec2_time(demo.REFERENCE_DATE)


def test_an_organization_of_three_accounts(account: Account) -> None:
    """Organizations API reference, DescribeOrganization / ListAccounts: the demo account
    manages an organization with the staging and prod members, each in its OU."""
    org = account.session.client(
        "organizations", region_name="us-east-1", endpoint_url=account.endpoint_url
    )
    assert org.describe_organization()["Organization"]["Arn"] == demo.ORGANIZATION_ARN
    listed = {a["Id"]: a["Name"] for a in org.list_accounts()["Accounts"]}
    assert {a.account_id for a in demo.DEMO_ACCOUNTS} == set(listed)
    for member in demo.MEMBER_ACCOUNTS:
        assert listed[member.account_id] == member.name
        [parent] = org.list_parents(ChildId=member.account_id)["Parents"]
        assert demo.ou_arn(member.ou or "").endswith(parent["Id"])


@pytest.mark.parametrize("member", demo.MEMBER_ACCOUNTS, ids=lambda m: m.name)
def test_member_accounts_run_shared_golden_images_and_own_some(
    account: Account, member: demo.DemoAccount
) -> None:
    """Each member: its own images, instances and launch templates, several of them from the
    shared-services account's golden images shared with its OU or the organization
    (DescribeImages ExecutableUsers=self, Owners=<shared-services>)."""
    fleet = demo.build_fleet().of(member.account_id)
    seen = Account(account.endpoint_url, 0.0, member)
    ec2 = seen.ec2("us-east-1")
    assert ec2.meta.region_name == "us-east-1"
    sts = seen.session.client("sts", region_name="us-east-1", endpoint_url=account.endpoint_url)
    assert sts.get_caller_identity()["Account"] == member.account_id
    own = {i["Name"] for i in seen.images("us-east-1")}
    assert own == {i.name for i in fleet.images} and own
    shared = {
        i["ImageId"]: i
        for i in ec2.describe_images(ExecutableUsers=["self"], Owners=[demo.DEMO_ACCOUNT_ID])[
            "Images"
        ]
    }
    instances = [i for r in ec2.describe_instances()["Reservations"] for i in r["Instances"]]
    assert len(instances) == sum(i.count for i in fleet.instances)
    from_golden = [i for i in instances if i["ImageId"] in shared]
    assert {shared[i["ImageId"]]["Name"] for i in from_golden} >= {
        i.image.split("/", 1)[1] for i in fleet.instances if i.image.startswith("us-east-1/")
    }
    templates = ec2.describe_launch_templates()["LaunchTemplates"]
    assert {t["LaunchTemplateName"] for t in templates} == {t.name for t in fleet.launch_templates}
    # Nothing of the member leaks into the shared-services account.
    assert not own & {i["Name"] for i in account.images("us-east-1")}


def test_windows_and_arm64(images: dict[str, list[dict[str, Any]]]) -> None:
    assert any(i["Architecture"] == "arm64" for i in images["us-west-2"])
    windows = [i for i in images["us-east-1"] if i["Name"].startswith("win2022-base-")]
    assert windows and all(i["RootDeviceName"] == "/dev/sda1" for i in windows)


# --------------------------------------------------------------------------- fidelity
#
# The sandbox seeds the demo inside its own process (demo.seed_in_process), calling moto's
# backends directly: what each account then describes through the EC2 API must be what
# demo.build_fleet() declares, every image, snapshot, instance and launch template of it.


def declared_image(image: demo.DemoImage) -> dict[str, Any]:
    """What DescribeImages (plus DescribeImageAttribute launchPermission) is to say of
    ``image``, as declared; compared with :func:`described_image`."""
    devices: dict[str, object] = {}
    for disk in image.disks:
        if disk.virtual_name:
            devices[disk.device] = disk.virtual_name
        else:
            devices[disk.device] = (disk.size_gib, disk.volume_type, image.kms_key_id)
    grantees = [{"UserId": a} for a in image.shared_with]
    grantees += [
        {"OrganizationArn": demo.ORGANIZATION_ARN}
        if target == "organization"
        else {"OrganizationalUnitArn": demo.ou_arn(target)}
        for target in image.org_shared
    ]
    if image.public:
        grantees.append({"Group": "all"})
    return {
        "State": "disabled" if image.disabled else "available",
        "Description": image.description,
        "CreationDate": demo._ec2_time(image.created),
        "Architecture": image.architecture,
        "RootDeviceName": image.root_device,
        "BootMode": image.boot_mode,
        "Platform": "windows" if image.windows else None,
        "Public": image.public,
        "DeprecationTime": demo._ec2_time(image.deprecate_at) if image.deprecate_at else None,
        "protected": image.protected,
        "copied": image.copy_of is not None,
        "tags": dict(image.tags),
        "devices": devices,
        "launch permissions": sorted(grantees, key=repr),
    }


def described_image(ec2: Any, record: dict[str, Any]) -> dict[str, Any]:
    devices = {
        m["DeviceName"]: m["VirtualName"]
        if "VirtualName" in m
        else (
            m["Ebs"]["VolumeSize"],
            m["Ebs"]["VolumeType"],
            m["Ebs"].get("KmsKeyId") if m["Ebs"].get("Encrypted") else None,
        )
        for m in record["BlockDeviceMappings"]
    }
    permissions = ec2.describe_image_attribute(
        ImageId=record["ImageId"], Attribute="launchPermission"
    )["LaunchPermissions"]
    return {
        "State": record["State"],
        "Description": record.get("Description", ""),
        "CreationDate": record["CreationDate"],
        "Architecture": record["Architecture"],
        "RootDeviceName": record["RootDeviceName"],
        "BootMode": record.get("BootMode"),
        "Platform": record.get("Platform"),
        "Public": record["Public"],
        "DeprecationTime": record.get("DeprecationTime"),
        "protected": record.get("DeregistrationProtection", "disabled") != "disabled",
        "copied": "SourceImageId" in record,
        "tags": tags(record),
        "devices": devices,
        "launch permissions": sorted(permissions, key=repr),
    }


@pytest.mark.parametrize("owner", demo.DEMO_ACCOUNTS, ids=lambda a: a.name)
def test_each_account_describes_the_fleet_it_declares(
    account: Account, owner: demo.DemoAccount
) -> None:
    """Every declared image is listed (DescribeImages, deprecated and disabled included) in
    its region with the declared fields, disks and grantees; nothing undeclared is; every
    declared snapshot exists beside the images' own; instances and launch templates run the
    declared images."""
    whole = demo.build_fleet()
    fleet = whole.of(owner.account_id)
    seen = account if owner is demo.SHARED_SERVICES else Account(account.endpoint_url, 0.0, owner)
    checked = 0
    for region in demo.DEMO_REGIONS:
        ec2 = seen.ec2(region)
        declared = {i.name: i for i in fleet.images if i.region == region}
        listed = {i["Name"]: i for i in seen.images(region)}
        assert set(listed) == set(declared), region
        for name, image in declared.items():
            assert described_image(ec2, listed[name]) == declared_image(image), image.key
            checked += 1
        mapped = {
            m["Ebs"]["SnapshotId"]
            for i in listed.values()
            for m in i["BlockDeviceMappings"]
            if "Ebs" in m
        }
        loose = [s for s in seen.snapshots(region) if s["SnapshotId"] not in mapped]
        shared_snapshots = sum(
            1 for s in fleet.snapshots if s.region == region and s.kind == "shared"
        )
        assert sorted((s["VolumeSize"], s.get("Description", "")) for s in loose) == sorted(
            (s.size_gib, s.description)
            for s in fleet.snapshots
            if s.region == region and s.kind != "shared"
        ), region
        assert len(mapped) >= shared_snapshots
        ids = {name: i["ImageId"] for name, i in listed.items()}
        running = Counter(
            i["ImageId"]
            for r in ec2.describe_instances()["Reservations"]
            for i in r["Instances"]
            if i["State"]["Name"] != "terminated"
        )
        expected_running: Counter[str] = Counter()
        for instance in (i for i in fleet.instances if i.region == region):
            launched = whole.image(instance.image)
            if launched.account == owner.account_id:  # else another account's shared image
                expected_running[ids[launched.name]] += instance.count
        assert {k: v for k, v in running.items() if k in ids.values()} == dict(expected_running), (
            region
        )
        templates = {
            t["LaunchTemplateName"]: t for t in ec2.describe_launch_templates()["LaunchTemplates"]
        }
        assert set(templates) == {t.name for t in fleet.launch_templates if t.region == region}
    assert checked == len(fleet.images) > 0


# --------------------------------------------------------------------------- AWS profiles


def test_each_demo_profile_resolves_to_its_account(account: Account, tmp_path: Path) -> None:
    """``amitui --demo`` writes one AWS profile per demo account: members by ``role_arn`` +
    ``source_profile`` (AWS CLI User Guide, "Use an IAM role in the AWS CLI": "role_arn -
    Specifies the ARN of an IAM role that you want to use"; "source_profile - Specifies a named
    profile with long-term credentials that the AWS CLI can use to assume a role"). Through
    botocore, STS GetCallerIdentity on each profile answers that profile's account ("Account:
    The Amazon Web Services account ID number of the account that owns or contains the calling
    entity")."""
    import botocore.session

    from amitui.backend import AWS_CONFIG_VARIABLES, demo_aws_config

    before = {name: os.environ.get(name) for name in AWS_CONFIG_VARIABLES.values()}
    with demo_aws_config(account.endpoint_url) as paths:
        assert os.environ["AWS_CONFIG_FILE"] == str(paths["config"])
        assert os.environ["AWS_SHARED_CREDENTIALS_FILE"] == str(paths["credentials"])
        assert "role_arn = arn:aws:iam::333344445555:role/OrganizationAccountAccessRole" in (
            paths["config"].read_text()
        )
        resolved = {
            profile.name: botocore.session.Session(profile=profile.name)
            .create_client("sts")
            .get_caller_identity()["Account"]
            for profile in demo.DEMO_ACCOUNTS
        }
    assert resolved == {a.name: a.account_id for a in demo.DEMO_ACCOUNTS}
    # Only for as long as the demo runs: afterwards the variables are as they were, the
    # files gone.
    assert {name: os.environ.get(name) for name in AWS_CONFIG_VARIABLES.values()} == before
    assert not paths["config"].exists()


def test_open_session_for_the_demo_sets_the_profiles_for_its_own_lifetime() -> None:
    """The demo session itself stays the shared-services account's (the single-account view
    the app shows); while it is open the process's AWS config names the demo profiles."""
    import asyncio

    from amitui.backend import LaunchOptions, open_session

    outside = os.environ.get("AWS_CONFIG_FILE")

    async def run() -> tuple[str, str]:
        async with open_session(LaunchOptions(demo=True)) as aws:
            config = await asyncio.to_thread(Path(os.environ["AWS_CONFIG_FILE"]).read_text)
            assert aws is not None
            return config, os.environ["AWS_CONFIG_FILE"]

    config, path = asyncio.run(run())
    assert path != outside and not Path(path).exists()
    assert "[profile shared-services]" in config and "[profile prod]" in config
    assert os.environ.get("AWS_CONFIG_FILE") == outside


def test_customer_keys_exist_in_kms_in_their_regions(account: Account) -> None:
    """KMS API reference, DescribeKey ``KeyManager``: "The manager of the KMS key. KMS keys in
    your Amazon Web Services account are either customer managed or Amazon Web Services
    managed"; ``CUSTOMER`` for a key made by CreateKey. Every customer key the demo encrypts
    with is a real key of the shared-services account in its Region, under its alias (both
    seeders)."""
    keys = demo.customer_keys(demo.build_fleet())
    assert keys, "the demo encrypts something with a customer key"
    for region, key_id in keys:
        kms = account.session.client("kms", region_name=region, endpoint_url=account.endpoint_url)
        described = kms.describe_key(KeyId=demo.customer_key(region))["KeyMetadata"]
        assert described["KeyId"] == key_id
        assert described["Arn"] == demo.customer_key(region)
        assert described["KeyManager"] == "CUSTOMER"
        aliases = kms.list_aliases(KeyId=key_id)["Aliases"]
        assert [a["AliasName"] for a in aliases] == [demo.CUSTOMER_KEY_ALIAS]


def _keys_in_use(seeded: Account, region: str) -> set[str]:
    """Every KMS key an image's or a snapshot's encryption names in ``region``."""
    mapped = {
        m["Ebs"]["KmsKeyId"]
        for i in seeded.images(region)
        for m in i["BlockDeviceMappings"]
        if m.get("Ebs", {}).get("Encrypted")
    }
    return mapped | {s["KmsKeyId"] for s in seeded.snapshots(region) if s["Encrypted"]}


def test_every_key_the_demo_encrypts_with_exists_in_kms(account: Account) -> None:
    """KMS API reference, KeyMetadata ``KeyManager``: "The manager of the KMS key. KMS keys in
    your Amazon Web Services account are either customer managed or Amazon Web Services
    managed." DescribeKey ``KeyId``: "If you specify a predefined Amazon Web Services alias
    (an Amazon Web Services alias with no key ID), KMS associates the alias with an Amazon
    Web Services managed key and returns its KeyId and Arn in the response."

    Each key a demo image or snapshot is encrypted with is a key of its Region's KMS: the
    ``alias/aws/ebs`` one AWS managed, under its pinned id (so its ARN, shown in the UI, does
    not drift), the data team's customer managed."""
    fleet = demo.build_fleet()
    managed = dict(demo.aws_managed_keys(fleet))
    customer = dict(demo.customer_keys(fleet))
    assert len(managed) >= 3, "the demo encrypts with aws/ebs in several regions"
    for region in demo.DEMO_REGIONS:
        kms = account.session.client("kms", region_name=region, endpoint_url=account.endpoint_url)
        managers = {
            key: kms.describe_key(KeyId=key)["KeyMetadata"]["KeyManager"]
            for key in _keys_in_use(account, region)
        }
        expected = {demo.aws_managed_key(region): "AWS"} if region in managed else {}
        if region in customer:
            expected[demo.customer_key(region)] = "CUSTOMER"
        assert managers == expected, region
        if region in managed:
            alias = kms.describe_key(KeyId=demo.AWS_MANAGED_KEY_ALIAS)["KeyMetadata"]
            assert (alias["KeyId"], alias["Arn"], alias["KeyManager"]) == (
                managed[region], demo.aws_managed_key(region), "AWS"
            )  # fmt: skip


async def test_sharing_a_demo_image_encrypted_with_the_aws_managed_key_is_refused(
    account: Account,
) -> None:
    """EC2 User Guide, "Share an AMI with specific AWS accounts": "You can't share AMIs that
    are backed by snapshots that are encrypted with the default AWS managed key." The plan,
    from the KMS facts the share flow gathers (amitui.flows.share: load_permissions,
    load_key_managers, the caller's account), knows the demo's aws/ebs key as AWS managed
    and refuses that image, while an image under the customer key is shared with a note."""
    from amitui.actions.share import (
        ACCOUNT,
        Grantee,
        ShareContext,
        ShareRequest,
        load_key_managers,
        load_permissions,
        plan_share,
    )
    from amitui.backend import sandbox_session
    from amitui.loader import load_images
    from amitui.model import ImageQuery

    async with sandbox_session(account.endpoint_url, read_only=True) as aws:
        api = await load_images(aws, "eu-west-1", ImageQuery())
        batch = await load_images(aws, "us-west-2", ImageQuery())
        managed = next(i for i in api if i.name.startswith("api-base-"))
        customer = next(
            i for i in batch if i.name.startswith("batch-worker-") and i.state == "available"
        )
        images = [managed, customer]
        key_managers = await load_key_managers(aws, images)
        context = ShareContext(
            permissions=await load_permissions(aws, images),
            key_managers=key_managers,
            account=await aws.account_id(),
        )
    assert key_managers == {
        demo.aws_managed_key("eu-west-1"): "AWS",
        demo.customer_key("us-west-2"): "CUSTOMER",
    }
    plan = plan_share(
        images, ShareRequest(add=(Grantee(ACCOUNT, demo.STAGING.account_id),)), context
    )
    (refused,) = plan.excluded
    assert refused.target == managed.image_id
    assert "AWS managed key aws/ebs" in refused.reason
    assert [s.target for s in plan.runnable] == [customer.image_id]
    assert any(
        demo.customer_key("us-west-2") in note and "grantees need access" in note
        for note in plan.notes
    )


def test_windows_images_carry_platform_windows(account: Account) -> None:
    """EC2 API reference, Image ``Platform``: "This value is set to windows for Windows AMIs;
    otherwise, it is blank."; ``PlatformDetails`` / ``UsageOperation`` per the user guide's
    "AMI billing information fields": ``Windows`` / ``RunInstances:0002``, and ``Linux/UNIX``
    / ``RunInstances`` for Linux. Copies of the Windows images are Windows too."""
    fleet = demo.build_fleet().of(demo.DEMO_ACCOUNT_ID)
    windows = {i.key for i in fleet.images if i.windows}
    assert len(windows) == demo.expected_counts().windows
    assert len({key.split("/")[0] for key in windows}) >= 2  # sources and their copies
    billing = {
        f"{region}/{i['Name']}": (
            i.get("Platform"), i["PlatformDetails"], i["UsageOperation"]
        )
        for region in demo.DEMO_REGIONS
        for i in account.images(region)
    }  # fmt: skip
    assert {k for k, v in billing.items() if v[0] == "windows"} == windows
    assert {billing[k] for k in windows} == {("windows", "Windows", "RunInstances:0002")}
    assert {v for k, v in billing.items() if k not in windows} == {
        (None, "Linux/UNIX", "RunInstances")
    }
