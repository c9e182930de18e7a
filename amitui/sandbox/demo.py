"""The demo fleet behind ``amitui --demo``: a lived-in organization, built through the AWS API.

Three accounts (:data:`DEMO_ACCOUNTS`): the shared-services account, which is also the
organization's management account and the one ``amitui --demo`` opens, holds the long-lived
fleet below and shares its golden images with the organization or an OU; the staging and prod
member accounts launch instances and launch templates from them and own a few images of their
own. :data:`expected_counts` and :data:`PINNED_IMAGES` describe the shared-services account.

Two halves:

- :func:`build_fleet` is pure and deterministic: it describes every image, snapshot, instance
  and launch template as frozen dataclasses, with dates relative to the fixed
  :data:`REFERENCE_DATE` (so screenshots do not drift) and every random choice drawn from
  ``random.Random(DEMO_SEED)``.
- :func:`seed_in_process` applies a fleet inside the sandbox server before it serves, with the
  EC2 operations the app could make through the API, plus the sandbox's control-endpoint
  fields for what no EC2 call can set (CreationDate, LastLaunchedTime, snapshot StartTime).

Tests and screenshots rely on :data:`DEMO_REGIONS`, :func:`expected_counts` and
:data:`PINNED_IMAGES`, never on AMI ids (moto draws those at random).
"""

from __future__ import annotations

import random
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

#: "Now" for the demo account: every date in the fleet is at or before it.
REFERENCE_DATE = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
DEMO_SEED = 20261120
#: The account moto reports as ``self`` (kept here too so the pure half has no imports).
DEMO_ACCOUNT_ID = "123456789012"
HOME_REGION = "us-east-1"
#: Where a deprecation date is kept while the sandbox lacks EnableImageDeprecation.
DEMO_REGIONS: tuple[str, ...] = (
    "us-east-1",
    "us-west-2",
    "eu-west-1",
    "eu-central-1",
    "ap-southeast-2",
    "ap-northeast-1",
    "sa-east-1",
)
#: Accounts some images are shared with by id: staging and prod (members of the demo
#: organization) and the security team's account, outside it.
SHARED_ACCOUNTS: tuple[str, ...] = ("210987654321", "333344445555", "444455556666")


# --------------------------------------------------------------------------- organization
#
# The demo account is the management account of an organization and its shared-services
# account: it builds the golden images and shares them with the organization or an OU. The
# staging and prod member accounts launch instances and launch templates from them and own a
# few images of their own. Members are reached as on AWS, by STS AssumeRole into
# ``arn:aws:iam::<member>:role/OrganizationAccountAccessRole``. Every id is pinned (the
# sandbox's ``/_amitui/next-ids``), so screenshots do not drift.


@dataclass(frozen=True, slots=True)
class DemoAccount:
    name: str  # also the AWS config profile ``amitui --demo`` writes for it
    account_id: str
    ou: str | None  # the OU it sits in (None: the root)
    #: Its IAM account alias (iam:CreateAccountAlias), what the Account column shows.
    alias: str


@dataclass(frozen=True, slots=True)
class DemoOrganizationalUnit:
    name: str
    ou_id: str
    parent: str | None  # None: the root


ORGANIZATION_ID = "o-amituidemo1"
ROOT_ID = "r-d3m0"
ORGANIZATION_ROLE = "OrganizationAccountAccessRole"
SHARED_SERVICES = DemoAccount("shared-services", DEMO_ACCOUNT_ID, None, "acme-shared")
STAGING = DemoAccount("staging", SHARED_ACCOUNTS[0], "Staging", "acme-staging")
PROD = DemoAccount("prod", SHARED_ACCOUNTS[1], "Prod", "acme-prod")
#: Every demo account, the one ``amitui --demo`` opens first.
DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (SHARED_SERVICES, STAGING, PROD)
MEMBER_ACCOUNTS: tuple[DemoAccount, ...] = DEMO_ACCOUNTS[1:]
#: Root ── Workloads ─┬─ Prod (prod)
#:                    └─ Staging (staging)
ORGANIZATIONAL_UNITS: tuple[DemoOrganizationalUnit, ...] = (
    DemoOrganizationalUnit("Workloads", "ou-d3m0-workloads", None),
    DemoOrganizationalUnit("Prod", "ou-d3m0-produnit1", "Workloads"),
    DemoOrganizationalUnit("Staging", "ou-d3m0-stagunit1", "Workloads"),
)
ORGANIZATION_ARN = f"arn:aws:organizations::{DEMO_ACCOUNT_ID}:organization/{ORGANIZATION_ID}"


def ou_arn(name: str) -> str:
    [unit] = [u for u in ORGANIZATIONAL_UNITS if u.name == name]
    return f"arn:aws:organizations::{DEMO_ACCOUNT_ID}:ou/{ORGANIZATION_ID}/{unit.ou_id}"


def role_arn(account: DemoAccount) -> str:
    return f"arn:aws:iam::{account.account_id}:role/{ORGANIZATION_ROLE}"


_KEY_NAMESPACE = uuid.UUID("6f1c2a9e-3b7d-4c55-9a51-2f0d8e7b9c10")


def kms_key_arn(region: str, alias: str) -> str:
    """A stable key ARN per region and purpose: the seeders pin KMS key ids to these
    (``/_amitui/next-ids``), so the keys are real and their ARNs never drift."""
    key_id = uuid.uuid5(_KEY_NAMESPACE, f"{region}/{alias}")
    return f"arn:aws:kms:{region}:{DEMO_ACCOUNT_ID}:key/{key_id}"


AWS_MANAGED_KEY_ALIAS = "alias/aws/ebs"


def aws_managed_key(region: str) -> str:
    """The AWS managed key behind ``alias/aws/ebs`` in ``region`` (KeyManager ``AWS``)."""
    return kms_key_arn(region, AWS_MANAGED_KEY_ALIAS.removeprefix("alias/"))


CUSTOMER_KEY_ALIAS = "alias/data-platform"


def customer_key(region: str) -> str:
    """The data team's customer-managed key in ``region``."""
    return kms_key_arn(region, CUSTOMER_KEY_ALIAS.removeprefix("alias/"))


def _keys_used(fleet: Fleet, key_of: Callable[[str], str]) -> list[tuple[str, str]]:
    """(region, key id) of each region's ``key_of(region)`` that the fleet encrypts with."""
    used = {i.kms_key_id for i in fleet.images} | {s.kms_key_id for s in fleet.snapshots}
    regions = sorted({r for r in _regions(fleet) if key_of(r) in used})
    return [(r, key_of(r).rsplit("/", 1)[1]) for r in regions]


def customer_keys(fleet: Fleet) -> list[tuple[str, str]]:
    """(region, key id) of each customer key the fleet encrypts with: the seeders create
    them in the sandbox's KMS (with their alias), so they are real keys, not just ARNs."""
    return _keys_used(fleet, customer_key)


def aws_managed_keys(fleet: Fleet) -> list[tuple[str, str]]:
    """(region, key id) of each ``alias/aws/ebs`` key the fleet encrypts with: the seeders
    make KMS create them with these ids, so the "AWS managed keys can't be shared" guard
    sees KeyManager ``AWS``, as it would on AWS."""
    return _keys_used(fleet, aws_managed_key)


def _demo_keys(fleet: Fleet) -> list[tuple[str, str, str]]:
    """(region, alias, key id) of every KMS key the seeders create, in the order they create
    them (the order their ids are pinned in)."""
    return [(r, AWS_MANAGED_KEY_ALIAS, k) for r, k in aws_managed_keys(fleet)] + [
        (r, CUSTOMER_KEY_ALIAS, k) for r, k in customer_keys(fleet)
    ]


def _check_key(region: str, alias: str, key_id: str, made: str) -> None:
    # A key made earlier (a sandbox that was not fresh) would leave the pinned id unused.
    if made != key_id:
        raise RuntimeError(
            f"{alias} in {region} is key {made}, not the demo's {key_id}: "
            "seed the demo into a fresh sandbox"
        )


# --------------------------------------------------------------------------- description


@dataclass(frozen=True, slots=True)
class DemoDisk:
    """One block device mapping. Without ``virtual_name`` it is EBS, backed by a snapshot:
    ``snapshot`` names a :class:`DemoSnapshot` (shared), else a fresh one is taken."""

    device: str
    size_gib: int = 0
    volume_type: str = "gp3"
    virtual_name: str | None = None
    snapshot: str | None = None


@dataclass(frozen=True, slots=True)
class DemoImage:
    key: str  # "region/name": unique in the fleet, stable across seedings
    region: str
    name: str
    description: str
    created: datetime
    disks: tuple[DemoDisk, ...]
    tags: tuple[tuple[str, str], ...]
    architecture: str = "x86_64"
    windows: bool = False
    root_device: str = "/dev/xvda"
    boot_mode: str = "uefi-preferred"
    kms_key_id: str | None = None  # None: unencrypted snapshots
    copy_of: str | None = None  # key of the source image; CopyImage instead of RegisterImage
    deprecate_at: datetime | None = None
    disabled: bool = False
    public: bool = False
    shared_with: tuple[str, ...] = ()
    #: LaunchPermission OrganizationArn / OrganizationalUnitArn: "organization" or an OU name.
    org_shared: tuple[str, ...] = ()
    last_launched: datetime | None = None
    account: str = DEMO_ACCOUNT_ID
    protected: bool = False  # deregistration protection

    @property
    def family(self) -> str | None:
        return dict(self.tags).get("Family")

    @property
    def ebs_disks(self) -> tuple[DemoDisk, ...]:
        return tuple(d for d in self.disks if d.virtual_name is None)


@dataclass(frozen=True, slots=True)
class DemoSnapshot:
    """A snapshot created on its own: shared by images, orphaned, or a plain backup."""

    key: str
    region: str
    kind: str  # "shared" | "orphaned" | "plain"
    size_gib: int
    description: str
    started: datetime
    tags: tuple[tuple[str, str], ...] = ()
    kms_key_id: str | None = None
    account: str = DEMO_ACCOUNT_ID


@dataclass(frozen=True, slots=True)
class DemoInstance:
    region: str
    image: str  # image key (an image of this account, or one shared with it)
    name: str
    instance_type: str
    count: int = 1
    account: str = DEMO_ACCOUNT_ID


@dataclass(frozen=True, slots=True)
class DemoLaunchTemplate:
    region: str
    name: str
    image: str  # image key
    instance_type: str
    account: str = DEMO_ACCOUNT_ID


@dataclass(frozen=True, slots=True)
class DemoAutoScalingGroup:
    """A group launching from a launch template's ``$Default`` version (no instances of its
    own: the fleet's instances stand for them)."""

    region: str
    name: str
    launch_template: str  # a DemoLaunchTemplate's name in the same account and region
    account: str = DEMO_ACCOUNT_ID


@dataclass(frozen=True, slots=True)
class DemoParameter:
    """An SSM parameter of data type ``aws:ec2:image`` holding an image id."""

    region: str
    name: str
    image: str  # image key
    account: str = DEMO_ACCOUNT_ID


@dataclass(frozen=True, slots=True)
class DemoRetiredImage:
    """An image that was registered, launched, then deregistered (its snapshot deleted)
    while its instances kept running: DescribeImages no longer lists it, and
    DescribeInstanceImageMetadata still names it."""

    image: DemoImage  # one EBS disk; never listed, so in no count
    instance: DemoInstance


@dataclass(frozen=True, slots=True)
class Fleet:
    images: tuple[DemoImage, ...]
    snapshots: tuple[DemoSnapshot, ...]
    instances: tuple[DemoInstance, ...]
    launch_templates: tuple[DemoLaunchTemplate, ...]
    auto_scaling_groups: tuple[DemoAutoScalingGroup, ...] = ()
    parameters: tuple[DemoParameter, ...] = ()
    retired: tuple[DemoRetiredImage, ...] = ()
    _by_key: dict[str, DemoImage] = field(default_factory=dict, compare=False, repr=False)

    def image(self, key: str) -> DemoImage:
        if not self._by_key:
            self._by_key.update((i.key, i) for i in self.images)
        return self._by_key[key]

    def of(self, account: str) -> Fleet:
        """What ``account`` owns and runs."""
        return Fleet(
            images=tuple(i for i in self.images if i.account == account),
            snapshots=tuple(s for s in self.snapshots if s.account == account),
            instances=tuple(i for i in self.instances if i.account == account),
            launch_templates=tuple(t for t in self.launch_templates if t.account == account),
            auto_scaling_groups=tuple(g for g in self.auto_scaling_groups if g.account == account),
            parameters=tuple(p for p in self.parameters if p.account == account),
            retired=tuple(r for r in self.retired if r.image.account == account),
        )


@dataclass(frozen=True, slots=True)
class FleetCounts:
    """Headline facts of a fleet, for tests, screenshots and the README."""

    images: int
    images_per_region: Mapping[str, int]
    copies: int
    multi_disk: int
    encrypted: int
    customer_key: int
    windows: int
    arm64: int
    deprecated: int
    disabled: int
    public: int
    shared: int
    protected: int
    images_sharing_a_snapshot: int
    orphaned_snapshots: int
    plain_snapshots: int
    instances: int
    launch_templates: int


def counts(fleet: Fleet) -> FleetCounts:
    """The facts of the shared-services account (the one ``amitui --demo`` opens)."""
    fleet = fleet.of(DEMO_ACCOUNT_ID)
    images = fleet.images
    per_region: dict[str, int] = defaultdict(int)
    for image in images:
        per_region[image.region] += 1
    snapshot_users: dict[str, int] = defaultdict(int)
    for image in images:
        for disk in image.disks:
            if disk.snapshot:
                snapshot_users[disk.snapshot] += 1
    return FleetCounts(
        images=len(images),
        images_per_region=dict(per_region),
        copies=sum(1 for i in images if i.copy_of),
        multi_disk=sum(1 for i in images if len(i.ebs_disks) > 1),
        encrypted=sum(1 for i in images if i.kms_key_id),
        customer_key=sum(1 for i in images if i.kms_key_id == customer_key(i.region)),
        windows=sum(1 for i in images if i.windows),
        arm64=sum(1 for i in images if i.architecture == "arm64"),
        deprecated=sum(1 for i in images if i.deprecate_at and i.deprecate_at <= REFERENCE_DATE),
        disabled=sum(1 for i in images if i.disabled),
        public=sum(1 for i in images if i.public),
        shared=sum(1 for i in images if i.shared_with or i.org_shared),
        protected=sum(1 for i in images if i.protected),
        images_sharing_a_snapshot=sum(
            1 for i in images if any(d.snapshot and snapshot_users[d.snapshot] > 1 for d in i.disks)
        ),
        orphaned_snapshots=sum(1 for s in fleet.snapshots if s.kind == "orphaned"),
        plain_snapshots=sum(1 for s in fleet.snapshots if s.kind == "plain"),
        instances=sum(i.count for i in fleet.instances),
        launch_templates=len(fleet.launch_templates),
    )


def expected_counts() -> FleetCounts:
    """The headline facts of the demo fleet (:func:`build_fleet` with the defaults)."""
    return counts(build_fleet())


#: A few images tests and screenshots can name: name -> (region, CreationDate as EC2 prints it).
#: Checked against :func:`build_fleet` by the tests, so a change to the fleet shows up here.
PINNED_IMAGES: Mapping[str, tuple[str, str]] = {
    "web-golden-2026.11.17": ("us-east-1", "2026-11-17T03:12:00.000Z"),
    "legacy-db-2025.06.12": ("eu-central-1", "2025-06-12T16:40:00.000Z"),
    "legacy-db-2025.06.12-uefi": ("eu-central-1", "2025-06-12T17:05:00.000Z"),
}
#: The image the us-east-1 web fleet still runs (one release behind), and the launch template.
IN_USE_IMAGE = "web-golden-2026.11.10"
LAUNCH_TEMPLATE_NAME = "web-prod"
#: The Auto Scaling group launching from LAUNCH_TEMPLATE_NAME.
AUTO_SCALING_GROUP_NAME = "web-prod-fleet"
#: The SSM parameter the web pipeline publishes its newest golden image under.
GOLDEN_PARAMETER = "/golden/web/latest"
#: The image the reporting host was launched from, deregistered since (it keeps running).
RETIRED_IMAGE = "reporting-2025.02.11"


def build_fleet(seed: int = DEMO_SEED) -> Fleet:
    """Describe the demo fleet. Pure: the same seed gives an equal fleet."""
    return _Builder(random.Random(seed)).build()


def _ec2_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + "000Z"


def _weekday_on_or_before(day: datetime, weekday: int) -> datetime:
    return day - timedelta(days=(day.weekday() - weekday) % 7)


class _Builder:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.images: list[DemoImage] = []
        self.snapshots: list[DemoSnapshot] = []
        self.instances: list[DemoInstance] = []
        self.templates: list[DemoLaunchTemplate] = []
        self.groups: list[DemoAutoScalingGroup] = []
        self.parameters: list[DemoParameter] = []
        self.retired: list[DemoRetiredImage] = []

    def build(self) -> Fleet:
        self._web_golden()
        self._api_base()
        self._batch_worker()
        self._win2022()
        self._graviton()
        self._base_images()
        self._public_bastion()
        self._legacy_db_shared_snapshot()
        self._debug_images()
        self._loose_snapshots()
        self._members()
        self._triage()
        return Fleet(
            images=tuple(self.images),
            snapshots=tuple(self.snapshots),
            instances=tuple(self.instances),
            launch_templates=tuple(self.templates),
            auto_scaling_groups=tuple(self.groups),
            parameters=tuple(self.parameters),
            retired=tuple(self.retired),
        )

    # -- helpers

    def commit(self) -> str:
        return f"{self.rng.getrandbits(28):07x}"

    def at(self, day: datetime, hour: int, spread_minutes: int = 50) -> datetime:
        """``day`` at ``hour`` UTC plus a few minutes: builds never land on the hour."""
        minute = self.rng.randrange(0, spread_minutes // 5 + 1) * 5 + 2
        return day.replace(hour=hour, minute=0, second=0, microsecond=0) + timedelta(minutes=minute)

    def add(self, image: DemoImage) -> DemoImage:
        self.images.append(image)
        return image

    def copy(
        self,
        source: DemoImage,
        region: str,
        lag: timedelta,
        *,
        deprecate_at: datetime | None = None,
        last_launched: datetime | None = None,
    ) -> DemoImage:
        # EC2 re-encrypts a copy with a key of the destination region.
        kms: str | None = None
        if source.kms_key_id == customer_key(source.region):
            kms = customer_key(region)
        elif source.kms_key_id:
            kms = aws_managed_key(region)
        return self.add(
            DemoImage(
                key=f"{region}/{source.name}",
                region=region,
                name=source.name,
                description=source.description,
                created=source.created + lag,
                disks=source.disks,
                tags=(*source.tags, ("CopiedFrom", source.region)),
                architecture=source.architecture,
                windows=source.windows,
                root_device=source.root_device,
                boot_mode=source.boot_mode,
                kms_key_id=kms,
                copy_of=source.key,
                deprecate_at=deprecate_at,
                last_launched=last_launched,
            )
        )

    # -- families

    def _web_golden(self) -> None:
        """Weekly golden web image, built Tuesdays in us-east-1, copied for DR."""
        last = _weekday_on_or_before(REFERENCE_DATE, 1)  # Tuesday 2026-11-17
        builds: list[DemoImage] = []
        for week in range(20, 0, -1):
            day = last - timedelta(weeks=week - 1)
            created = self.at(day, 3, 20) if week != 1 else day.replace(hour=3, minute=12)
            name = f"web-golden-{day:%Y.%m.%d}"
            builds.append(
                self.add(
                    DemoImage(
                        key=f"{HOME_REGION}/{name}",
                        region=HOME_REGION,
                        name=name,
                        description=f"Golden web server image, nginx + app runtime, {day:%Y-%m-%d}",
                        created=created,
                        disks=(
                            DemoDisk("/dev/xvda", 30),
                            DemoDisk("/dev/sdb", virtual_name="ephemeral0"),
                        ),
                        tags=(
                            ("Name", name),
                            ("Team", "web"),
                            ("Env", "prod"),
                            ("Family", "web-golden"),
                            ("BuiltBy", "packer"),
                            ("GitCommit", self.commit()),
                        ),
                        # Eight weeks of support, then the pipeline deprecates the build.
                        deprecate_at=created + timedelta(weeks=8),
                        shared_with=(SHARED_ACCOUNTS[0],) if week <= 2 else (),
                        org_shared=("Workloads",) if week <= 4 else (),
                        protected=week == 1,
                        last_launched=(
                            REFERENCE_DATE - timedelta(hours=self.rng.randrange(1, 30))
                            if week <= 3
                            else created + timedelta(days=self.rng.randrange(1, 6))
                        ),
                    )
                )
            )
        for index, image in enumerate(reversed(builds)):
            if index < 8:
                self.copy(image, "us-west-2", timedelta(minutes=35))
                self.copy(image, "eu-west-1", timedelta(minutes=48))
            if index < 4:
                self.copy(image, "ap-southeast-2", timedelta(hours=1, minutes=10))
                self.copy(image, "sa-east-1", timedelta(hours=1, minutes=25))
        in_use = f"{HOME_REGION}/{IN_USE_IMAGE}"
        self.instances.append(DemoInstance(HOME_REGION, in_use, "web-prod", "m7i.large", 3))
        self.templates.append(
            DemoLaunchTemplate(HOME_REGION, LAUNCH_TEMPLATE_NAME, in_use, "m7i.large")
        )
        self.templates.append(
            DemoLaunchTemplate(
                "us-west-2", "web-dr", f"us-west-2/web-golden-{last:%Y.%m.%d}", "m7i.large"
            )
        )

    def _api_base(self) -> None:
        """Fortnightly API base in eu-west-1: root, data and log volumes, AWS-managed key."""
        region = "eu-west-1"
        last = _weekday_on_or_before(REFERENCE_DATE - timedelta(days=2), 2)
        builds = []
        for n in range(16, 0, -1):
            day = last - timedelta(weeks=2 * (n - 1))
            name = f"api-base-{day:%Y.%m.%d}"
            created = self.at(day, 9)
            builds.append(
                self.add(
                    DemoImage(
                        key=f"{region}/{name}",
                        region=region,
                        name=name,
                        description="API service base: JVM 21, otel collector, data + log volumes",
                        created=created,
                        disks=(
                            DemoDisk("/dev/xvda", 20),
                            DemoDisk("/dev/sdf", 100),
                            DemoDisk("/dev/sdg", 50, "st1" if n % 4 == 0 else "gp3"),
                            DemoDisk("/dev/sdb", virtual_name="ephemeral0"),
                        )
                        if n <= 6
                        else (DemoDisk("/dev/xvda", 20), DemoDisk("/dev/sdf", 100)),
                        tags=(
                            ("Name", name),
                            ("Team", "api"),
                            ("Env", "prod" if n <= 4 else "staging"),
                            ("Family", "api-base"),
                            ("BuiltBy", "image-builder"),
                            ("GitCommit", self.commit()),
                        ),
                        kms_key_id=aws_managed_key(region),
                        deprecate_at=created + timedelta(days=120),
                        protected=n == 1,
                        last_launched=created + timedelta(days=self.rng.randrange(1, 14)),
                    )
                )
            )
        for index, image in enumerate(reversed(builds)):
            if index < 4:
                self.copy(image, "eu-central-1", timedelta(minutes=55))
            if index < 2:
                self.copy(image, HOME_REGION, timedelta(hours=2))
        latest = builds[-1]
        self.instances.append(DemoInstance(region, latest.key, "api-prod", "c7i.xlarge", 2))
        self.templates.append(DemoLaunchTemplate(region, "api-prod", latest.key, "c7i.xlarge"))

    def _batch_worker(self) -> None:
        """Monthly batch workers in us-west-2, encrypted with the data team's own key."""
        region = "us-west-2"
        for n in range(12, 0, -1):
            day = (REFERENCE_DATE - timedelta(days=30 * n - 14)).replace(day=3)
            commit = self.commit()
            name = f"batch-worker-{day:%Y%m%d}-{commit}"
            created = self.at(day, 22)
            self.add(
                DemoImage(
                    key=f"{region}/{name}",
                    region=region,
                    name=name,
                    description=f"Spark batch worker, scratch on instance store, build {commit}",
                    created=created,
                    disks=(
                        DemoDisk("/dev/xvda", 50),
                        DemoDisk("/dev/sdf", 200),
                        DemoDisk("/dev/sdb", virtual_name="ephemeral0"),
                        DemoDisk("/dev/sdc", virtual_name="ephemeral1"),
                    ),
                    tags=(
                        ("Name", name),
                        ("Team", "data"),
                        ("Env", "prod"),
                        ("Family", "batch-worker"),
                        ("BuiltBy", "jenkins"),
                        ("GitCommit", commit),
                        ("CostCenter", "cc-4410"),
                    ),
                    kms_key_id=customer_key(region),
                    # Two broken builds were disabled rather than deleted, pending a post-mortem.
                    disabled=n in (7, 9),
                    shared_with=(SHARED_ACCOUNTS[2],) if n == 1 else (),
                    last_launched=(
                        REFERENCE_DATE - timedelta(days=self.rng.randrange(1, 4))
                        if n == 1
                        else created + timedelta(days=self.rng.randrange(2, 25))
                    ),
                )
            )

    def _win2022(self) -> None:
        """Windows Server 2022, rebuilt the day after each Patch Tuesday."""
        region = HOME_REGION
        builds = []
        for n in range(12, 0, -1):
            month = (REFERENCE_DATE.replace(day=15) - timedelta(days=30 * (n - 1))).replace(day=1)
            first_tuesday = month + timedelta(days=(1 - month.weekday()) % 7)
            day = first_tuesday + timedelta(days=8)  # Wednesday after the second Tuesday
            if day > REFERENCE_DATE:
                continue
            name = f"win2022-base-{day:%Y.%m}"
            created = self.at(day, 14)
            builds.append(
                self.add(
                    DemoImage(
                        key=f"{region}/{name}",
                        region=region,
                        name=name,
                        description="Windows Server 2022 Datacenter, CIS L1, SSM + CloudWatch",
                        created=created,
                        disks=(DemoDisk("/dev/sda1", 50),),
                        tags=(
                            ("Name", name),
                            ("Team", "platform"),
                            ("Env", "prod"),
                            ("Family", "win2022-base"),
                            ("BuiltBy", "image-builder"),
                            ("OS", "windows-server-2022"),
                        ),
                        windows=True,
                        root_device="/dev/sda1",
                        boot_mode="uefi",
                        kms_key_id=aws_managed_key(region),
                        deprecate_at=created + timedelta(days=90),
                        last_launched=created + timedelta(days=self.rng.randrange(1, 20)),
                    )
                )
            )
        for index, image in enumerate(reversed(builds)):
            if index < 3:
                self.copy(image, "eu-central-1", timedelta(hours=1))
                self.copy(image, "eu-west-1", timedelta(hours=1, minutes=20))

    def _graviton(self) -> None:
        """arm64 Amazon Linux 2023 images for Graviton, every three weeks in us-west-2."""
        region = "us-west-2"
        last = _weekday_on_or_before(REFERENCE_DATE, 3)
        builds = []
        for n in range(14, 0, -1):
            day = last - timedelta(weeks=3 * (n - 1))
            name = f"graviton-al2023-{day:%Y.%m.%d}"
            created = self.at(day, 6)
            builds.append(
                self.add(
                    DemoImage(
                        key=f"{region}/{name}",
                        region=region,
                        name=name,
                        description="Amazon Linux 2023 arm64 for Graviton (m7g, c7g)",
                        created=created,
                        disks=(DemoDisk("/dev/xvda", 16),),
                        tags=(
                            ("Name", name),
                            ("Team", "platform"),
                            ("Env", "prod"),
                            ("Family", "graviton-al2023"),
                            ("BuiltBy", "packer"),
                            ("GitCommit", self.commit()),
                        ),
                        architecture="arm64",
                        boot_mode="uefi",
                        deprecate_at=created + timedelta(days=180),
                        last_launched=created + timedelta(days=self.rng.randrange(1, 21)),
                    )
                )
            )
        for index, image in enumerate(reversed(builds)):
            if index < 4:
                self.copy(image, "ap-northeast-1", timedelta(minutes=40))
                self.copy(image, "ap-southeast-2", timedelta(minutes=50))
        latest = builds[-1]
        self.instances.append(DemoInstance(region, latest.key, "ingest-arm", "m7g.large", 2))

    def _base_images(self) -> None:
        """Plain OS bases everything else starts from: AL2023 monthly, Ubuntu in Frankfurt."""
        builds = []
        for n in range(18, 0, -1):
            day = (REFERENCE_DATE - timedelta(days=30 * (n - 1))).replace(day=5)
            if day > REFERENCE_DATE:
                continue
            name = f"base-al2023-x86_64-{day:%Y.%m.%d}"
            created = self.at(day, 1)
            builds.append(
                self.add(
                    DemoImage(
                        key=f"{HOME_REGION}/{name}",
                        region=HOME_REGION,
                        name=name,
                        description="Hardened Amazon Linux 2023 base (CIS L1), no application",
                        created=created,
                        disks=(DemoDisk("/dev/xvda", 8),),
                        tags=(
                            ("Name", name),
                            ("Team", "platform"),
                            ("Env", "shared"),
                            ("Family", "base-al2023"),
                            ("BuiltBy", "image-builder"),
                        ),
                        boot_mode="uefi-preferred",
                        shared_with=SHARED_ACCOUNTS[:2] if n <= 3 else (),
                        org_shared=("organization",) if n <= 3 else (),
                        last_launched=created + timedelta(days=self.rng.randrange(1, 9)),
                    )
                )
            )
        for index, image in enumerate(reversed(builds)):
            if index < 2:
                for region in DEMO_REGIONS[1:]:
                    self.copy(image, region, timedelta(minutes=30 + 7 * DEMO_REGIONS.index(region)))
        region = "eu-central-1"
        for n in range(10, 0, -1):
            day = (REFERENCE_DATE - timedelta(days=30 * (n - 1))).replace(day=12)
            if day > REFERENCE_DATE:
                continue
            name = f"base-ubuntu-24.04-{day:%Y%m%d}"
            self.add(
                DemoImage(
                    key=f"{region}/{name}",
                    region=region,
                    name=name,
                    description="Ubuntu 24.04 LTS base with unattended-upgrades",
                    created=self.at(day, 2),
                    disks=(DemoDisk("/dev/sda1", 10),),
                    tags=(
                        ("Name", name),
                        ("Team", "platform"),
                        ("Env", "shared"),
                        ("Family", "base-ubuntu"),
                        ("BuiltBy", "packer"),
                    ),
                    root_device="/dev/sda1",
                    boot_mode="legacy-bios",
                )
            )

    def _public_bastion(self) -> None:
        """Open-source bastion the company publishes: public, so never encrypted."""
        for day in (datetime(2026, 6, 2, tzinfo=UTC), datetime(2026, 10, 6, tzinfo=UTC)):
            name = f"oss-bastion-{day:%Y.%m.%d}"
            self.add(
                DemoImage(
                    key=f"{HOME_REGION}/{name}",
                    region=HOME_REGION,
                    name=name,
                    description="Public SSH bastion (github.com/example/oss-bastion), MIT",
                    created=self.at(day, 15),
                    disks=(DemoDisk("/dev/xvda", 8),),
                    tags=(
                        ("Name", name),
                        ("Team", "platform"),
                        ("Env", "public"),
                        ("Family", "oss-bastion"),
                        ("BuiltBy", "github-actions"),
                        ("GitCommit", self.commit()),
                    ),
                    public=True,
                )
            )

    def _legacy_db_shared_snapshot(self) -> None:
        """One root snapshot registered twice (BIOS, then UEFI): a snapshot two images map."""
        region = "eu-central-1"
        snapshot = DemoSnapshot(
            key=f"{region}/legacy-db-root",
            region=region,
            kind="shared",
            size_gib=40,
            description="legacy-db root volume before the UEFI migration",
            started=datetime(2025, 6, 12, 16, 31, tzinfo=UTC),
            tags=(("Name", "legacy-db-root"), ("Team", "dba")),
        )
        self.snapshots.append(snapshot)
        pinned = PINNED_IMAGES
        variants = (("legacy-db-2025.06.12", "legacy-bios"), ("legacy-db-2025.06.12-uefi", "uefi"))
        for name, boot in variants:
            created = datetime.fromisoformat(pinned[name][1].replace("Z", "+00:00"))
            self.add(
                DemoImage(
                    key=f"{region}/{name}",
                    region=region,
                    name=name,
                    description=f"Legacy PostgreSQL 12 host ({boot})",
                    created=created,
                    disks=(
                        DemoDisk("/dev/xvda", 40, snapshot=snapshot.key),
                        DemoDisk("/dev/sdf", 250, "io2" if boot == "uefi" else "gp3"),
                    ),
                    tags=(
                        ("Name", name),
                        ("Team", "dba"),
                        ("Env", "prod"),
                        ("Family", "legacy-db"),
                        ("BuiltBy", "manual"),
                    ),
                    boot_mode=boot,
                    # The DBA team protects what they still restore from.
                    protected=boot == "uefi",
                    # The BIOS registration was retired once the UEFI one proved itself.
                    deprecate_at=(
                        datetime(2026, 3, 1, tzinfo=UTC) if boot == "legacy-bios" else None
                    ),
                    last_launched=created + timedelta(days=40),
                )
            )

    def _debug_images(self) -> None:
        """One-off images engineers made while debugging and never cleaned up."""
        topics = [
            ("jsmith", "oom-repro", HOME_REGION),
            ("jsmith", "kernel-6.1-panic", "us-west-2"),
            ("akumar", "tls-handshake", "eu-west-1"),
            ("akumar", "jvm-heapdump", "eu-west-1"),
            ("mlopez", "nvme-timeouts", "ap-northeast-1"),
            ("mlopez", "dns-flaps", "sa-east-1"),
            ("tnguyen", "ena-driver", "ap-southeast-2"),
            ("tnguyen", "clock-skew", "eu-central-1"),
        ]
        for index, (user, topic, region) in enumerate(topics):
            day = REFERENCE_DATE - timedelta(days=self.rng.randrange(20, 520))
            name = f"debug-{user}-{topic}-{day:%Y%m%d}"
            self.add(
                DemoImage(
                    key=f"{region}/{name}",
                    region=region,
                    name=name,
                    description=f"debugging {topic}: snapshot of broken host, do not launch",
                    created=self.at(day, self.rng.randrange(8, 20)),
                    disks=(DemoDisk("/dev/xvda", self.rng.choice((8, 16, 30))),),
                    tags=(("Name", name), ("Owner", user), ("Env", "dev"), ("BuiltBy", user)),
                    # One was disabled by the security team after it leaked a key in /root.
                    disabled=index == 2,
                )
            )

    def _members(self) -> None:
        """Staging and prod: instances and templates from the shared golden images, plus a
        few images of their own (an app image each, built on the shared base)."""
        golden = f"{HOME_REGION}/web-golden-{_weekday_on_or_before(REFERENCE_DATE, 1):%Y.%m.%d}"
        base = f"{HOME_REGION}/" + next(
            i.name for i in reversed(self.images) if i.family == "base-al2023" and not i.copy_of
        )
        in_use = f"{HOME_REGION}/{IN_USE_IMAGE}"
        for account, team, fleet_image, count in (
            (STAGING, "checkout", golden, 2),
            (PROD, "payments", in_use, 4),
        ):
            region = HOME_REGION
            own: list[DemoImage] = []
            for n in range(3, 0, -1):
                day = REFERENCE_DATE - timedelta(days=14 * n + self.rng.randrange(0, 5))
                name = f"{team}-api-{day:%Y.%m.%d}"
                created = self.at(day, 11)
                own.append(
                    self.add(
                        DemoImage(
                            key=f"{account.name}:{region}/{name}",
                            region=region,
                            name=name,
                            description=f"{team} API on the shared AL2023 base ({account.name})",
                            created=created,
                            disks=(DemoDisk("/dev/xvda", 12), DemoDisk("/dev/sdf", 20)),
                            tags=(
                                ("Name", name),
                                ("Team", team),
                                ("Env", account.name),
                                ("Family", f"{team}-api"),
                                ("BuiltBy", "codebuild"),
                            ),
                            deprecate_at=created + timedelta(days=30),
                            last_launched=created + timedelta(days=1),
                            account=account.account_id,
                        )
                    )
                )
            latest = own[-1]
            self.instances += [
                DemoInstance(region, fleet_image, f"web-{account.name}", "m7i.large", count,
                             account.account_id),
                DemoInstance(region, base, f"bastion-{account.name}", "t3.small", 1,
                             account.account_id),
                DemoInstance(region, latest.key, f"{team}-api", "c7i.large", 2,
                             account.account_id),
            ]  # fmt: skip
            self.templates += [
                DemoLaunchTemplate(region, f"web-{account.name}-asg", fleet_image, "m7i.large",
                                   account.account_id),
                DemoLaunchTemplate(region, f"{team}-api", latest.key, "c7i.large",
                                   account.account_id),
            ]  # fmt: skip

    def _triage(self) -> None:
        """What an on-call engineer starts from instead of an image id: Auto Scaling groups
        on the launch templates, the golden image's SSM parameter, and a host still running
        an image deregistered since. Uses no randomness, so the fleet before it is as it was."""
        golden = f"{HOME_REGION}/web-golden-{_weekday_on_or_before(REFERENCE_DATE, 1):%Y.%m.%d}"
        self.groups.append(
            DemoAutoScalingGroup(HOME_REGION, AUTO_SCALING_GROUP_NAME, LAUNCH_TEMPLATE_NAME)
        )
        self.groups += [
            DemoAutoScalingGroup(
                HOME_REGION, f"{a.name}-web-fleet", f"web-{a.name}-asg", a.account_id
            )
            for a in MEMBER_ACCOUNTS
        ]
        self.parameters.append(DemoParameter(HOME_REGION, GOLDEN_PARAMETER, golden))
        created = datetime(2025, 2, 11, 14, 7, tzinfo=UTC)
        image = DemoImage(
            key=f"{HOME_REGION}/{RETIRED_IMAGE}",
            region=HOME_REGION,
            name=RETIRED_IMAGE,
            description="reporting host (retired image; the host was never rebuilt)",
            created=created,
            disks=(DemoDisk("/dev/xvda", 16),),
            tags=(("Name", RETIRED_IMAGE), ("Team", "finance"), ("Family", "reporting")),
        )
        instance = DemoInstance(HOME_REGION, image.key, "reporting", "r7i.large")
        self.retired.append(DemoRetiredImage(image, instance))

    def _loose_snapshots(self) -> None:
        """Snapshots of deregistered images (orphaned) and plain volume backups."""
        for index, region in enumerate(DEMO_REGIONS):
            for n in range(2 if index < 4 else 1):
                instance = f"i-{self.rng.getrandbits(68):017x}"
                ami = f"ami-{self.rng.getrandbits(68):017x}"
                self.snapshots.append(
                    DemoSnapshot(
                        key=f"{region}/orphan-{n}",
                        region=region,
                        kind="orphaned",
                        size_gib=self.rng.choice((8, 20, 30, 50)),
                        description=f"Created by CreateImage({instance}) for {ami}",
                        started=REFERENCE_DATE - timedelta(days=self.rng.randrange(90, 540)),
                    )
                )
        for region, size, description, tags in (
            (HOME_REGION, 100, "pre-upgrade backup of grafana data volume", (("Team", "sre"),)),
            ("eu-west-1", 500, "kafka-broker-3 before disk resize", (("Team", "data"),)),
            ("us-west-2", 200, "nightly backup vol data-warehouse-scratch", (("Team", "data"),)),
        ):
            self.snapshots.append(
                DemoSnapshot(
                    key=f"{region}/plain-{size}",
                    region=region,
                    kind="plain",
                    size_gib=size,
                    description=description,
                    started=REFERENCE_DATE - timedelta(days=self.rng.randrange(5, 200)),
                    tags=(("Name", description.split(" ")[0]), *tags),
                    kms_key_id=aws_managed_key(region) if size >= 200 else None,
                )
            )


# --------------------------------------------------------------------------- seeding
#
# :class:`_Seeder` applies a fleet inside the sandbox server before it serves, calling moto's
# backends and the sandbox extensions the way the EC2 request handlers do (~1 s, where the
# same requests over HTTP took ~12 s). Its requests are built by the pure helpers below, by
# EC2 API parameter name; tests/test_demo.py reads the result back through the EC2 API and
# checks it against the fleet's description.


@dataclass(slots=True)
class SeedReport:
    """What :func:`seed_in_process` did and how long it took."""

    seconds: float = 0.0
    calls: int = 0  # backend calls, one per EC2 (or Organizations) operation
    control_calls: int = 0  # what the control endpoint would have set (pinned ids)
    image_ids: dict[str, str] = field(default_factory=dict)  # image key -> ami id


#: Set by :func:`seed_in_process`; the last seeding's report.
last_report: SeedReport | None = None


def seed_in_process(fleet: Fleet | None = None) -> SeedReport:
    """Create ``fleet`` in this process's moto EC2 backends (moto's default account).

    For the sandbox server, before it serves: single-threaded, nothing can observe a
    half-seeded account. Installs the sandbox extensions if they are not yet installed.
    """
    global last_report
    started = time.monotonic()
    fleet = fleet or build_fleet()
    report = SeedReport()
    members = _members_in(fleet)
    if members:
        _create_organization_in_process(report)
    _name_accounts_in_process((SHARED_SERVICES, *members), report)
    images: dict[str, Any] = {}  # image key -> moto Ami, across accounts
    for account in (SHARED_SERVICES, *members):
        _Seeder(fleet.of(account.account_id), report, account.account_id, images).run()
    report.image_ids = {key: ami.id for key, ami in images.items()}
    report.seconds = time.monotonic() - started
    last_report = report
    return report


# -- the requests the seeder makes (by EC2 API parameter name)


def _members_in(fleet: Fleet) -> tuple[DemoAccount, ...]:
    used = {i.account for i in fleet.images} | {i.account for i in fleet.instances}
    return tuple(a for a in MEMBER_ACCOUNTS if a.account_id in used)


def _pinned_ids() -> dict[str, Any]:
    """The ids the organization's CreateOrganization/CreateOrganizationalUnit/CreateAccount
    calls are to take, in the order :func:`_organization_calls` makes them."""
    return {
        "OrganizationId": ORGANIZATION_ID,
        "RootId": ROOT_ID,
        "OrganizationalUnitIds": [u.ou_id for u in ORGANIZATIONAL_UNITS],
        "AccountIds": [a.account_id for a in MEMBER_ACCOUNTS],
    }


def _organization_calls() -> list[tuple[str, dict[str, Any]]]:
    """Organizations operations (by API name and parameters) that build the demo tree."""
    units = {u.name: u.ou_id for u in ORGANIZATIONAL_UNITS}
    calls: list[tuple[str, dict[str, Any]]] = [("CreateOrganization", {"FeatureSet": "ALL"})]
    calls += [
        ("CreateOrganizationalUnit", {"ParentId": units[u.parent] if u.parent else ROOT_ID,
                                      "Name": u.name})
        for u in ORGANIZATIONAL_UNITS
    ]  # fmt: skip
    for account in MEMBER_ACCOUNTS:
        calls.append(
            ("CreateAccount", {"AccountName": account.name,
                               "Email": f"aws+{account.name}@example.com"})
        )  # fmt: skip
        if account.ou:
            calls.append(
                ("MoveAccount", {"AccountId": account.account_id, "SourceParentId": ROOT_ID,
                                 "DestinationParentId": units[account.ou]})
            )  # fmt: skip
    return calls


def _regions(fleet: Fleet) -> list[str]:
    return sorted(
        {i.region for i in fleet.images}
        | {s.region for s in fleet.snapshots}
        | {i.region for i in fleet.instances}
        | {t.region for t in fleet.launch_templates}
    )


def _disk_snapshot_tags(image: DemoImage, disk: DemoDisk) -> tuple[tuple[str, str], ...]:
    return (("Name", f"{image.name}{disk.device.replace('/dev', '')}"),)


def _disk_snapshot_started(image: DemoImage) -> datetime:
    """Image snapshots are taken a few minutes before the image is registered."""
    return image.created - timedelta(minutes=6)


def _copied_snapshot_started(image: DemoImage) -> datetime:
    return image.created - timedelta(minutes=2)


def _block_device_mapping(image: DemoImage, disk: DemoDisk, snapshot_id: str) -> dict[str, Any]:
    """One RegisterImage BlockDeviceMappings entry; ``snapshot_id`` unused for instance store."""
    if disk.virtual_name:
        return {"DeviceName": disk.device, "VirtualName": disk.virtual_name}
    ebs: dict[str, Any] = {
        "SnapshotId": snapshot_id,
        "VolumeSize": disk.size_gib,
        "VolumeType": disk.volume_type,
        "DeleteOnTermination": disk.device == image.root_device,
    }
    if disk.volume_type in ("io1", "io2"):
        ebs["Iops"] = 3000
    return {"DeviceName": disk.device, "Ebs": ebs}


def _register_params(image: DemoImage) -> dict[str, Any]:
    """RegisterImage parameters besides BlockDeviceMappings and TagSpecifications."""
    return {
        "Name": image.name,
        "Description": image.description,
        "Architecture": image.architecture,
        "RootDeviceName": image.root_device,
        "VirtualizationType": "hvm",
        "BootMode": image.boot_mode,
        "EnaSupport": True,
        "SriovNetSupport": "simple",
        "ImdsSupport": "v2.0",
    }


def _launch_permissions(image: DemoImage) -> list[dict[str, str]]:
    permissions = [{"UserId": a} for a in image.shared_with]
    for target in image.org_shared:
        if target == "organization":
            permissions.append({"OrganizationArn": ORGANIZATION_ARN})
        else:
            permissions.append({"OrganizationalUnitArn": ou_arn(target)})
    if image.public:
        permissions.append({"Group": "all"})
    return permissions


def _image_control_fields(image: DemoImage) -> dict[str, Any]:
    """What the control endpoint sets on an image: the dates EC2 owns, and the platform
    (EC2 derives it from the image's origin; no RegisterImage parameter sets it)."""
    fields: dict[str, Any] = {"CreationDate": _ec2_time(image.created)}
    if image.windows:
        fields["Platform"] = "windows"
    if image.deprecate_at:
        # EnableImageDeprecation refuses past dates, as EC2 does: seed them directly.
        fields["DeprecationTime"] = _ec2_time(image.deprecate_at)
    if image.last_launched:
        fields["LastLaunchedTime"] = _ec2_time(min(image.last_launched, REFERENCE_DATE))
    return fields


STAGING_DESCRIPTION = "amitui demo staging"
#: KMS CreateKey parameters of the data team's customer key.
_CUSTOMER_KEY = {
    "Description": "data platform: batch workers and their volumes",
    "KeyUsage": "ENCRYPT_DECRYPT",
    "KeySpec": "SYMMETRIC_DEFAULT",
}
LAUNCH_TEMPLATE_VERSION = "demo fleet"


def _create_organization_in_process(report: SeedReport) -> None:
    """The demo organization (:func:`_organization_calls`, after pinning its ids) on the
    management account's Organizations backend."""
    import re

    from moto.organizations.models import organizations_backends

    from amitui.sandbox import extensions
    from amitui.sandbox.extensions.organization import pin_next_ids

    extensions.install()
    pin_next_ids(_pinned_ids())
    report.control_calls += 1
    backend = organizations_backends[DEMO_ACCOUNT_ID]["aws"]
    for operation, params in _organization_calls():
        report.calls += 1
        method = getattr(backend, re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower())
        if operation == "CreateOrganization":
            method(region=HOME_REGION, **params)  # what its handler passes
        else:
            method(**params)


def _name_accounts_in_process(accounts: Sequence[DemoAccount], report: SeedReport) -> None:
    """Each account's IAM alias, as CreateAccountAlias sets it (IAM is a global service:
    its backends are per account, under the partition)."""
    from moto.iam.models import iam_backends

    for account in accounts:
        report.calls += 1
        iam_backends[account.account_id]["aws"].create_account_alias(account.alias)


class _Seeder:
    """A fleet as calls on moto's backends: each step is the backend call (or extension
    helper) the matching EC2 request handler makes, minus HTTP and parsing.

    Moto objects are kept rather than ids, so nothing is looked up twice.
    """

    def __init__(
        self, fleet: Fleet, report: SeedReport, account_id: str, images: dict[str, Any]
    ) -> None:
        from amitui.sandbox import extensions
        from amitui.sandbox.extensions._moto import ec2_backend
        from amitui.sandbox.extensions.control import set_fields

        extensions.install()  # idempotent; the server has usually installed them already
        self.set_fields = set_fields
        self.fleet = fleet
        self.report = report
        self.account_id = account_id
        self.backends: dict[str, Any] = {r: ec2_backend(r, account_id) for r in _regions(fleet)}
        self.images = images  # image key -> moto Ami, shared images of other accounts included
        self.snapshots: dict[str, Any] = {}  # DemoSnapshot key -> moto Snapshot
        self.start_times: list[tuple[Any, datetime]] = []  # (moto Snapshot, StartTime)
        self.volumes: dict[tuple[str, int], Any] = {}
        self.staging: dict[tuple[str, int], Any] = {}

    def run(self) -> None:
        images = self.fleet.images
        self.create_keys()
        for region in sorted({i.region for i in images if not i.copy_of}):
            self.seed_sources(region)
        for image in images:  # copies, in fleet order (regions are independent)
            if image.copy_of:
                self.copy(image)
        for region in self.backends:
            self.seed_region_extras(region)
        for image in images:
            self.seed_states(image)
        for snapshot, started in self.start_times:
            self.report.control_calls += 1
            self.set_fields("snapshots", snapshot, {"StartTime": _ec2_time(started)})
        # Last, so that every id made before is the same as without them.
        for retired in self.fleet.retired:
            self.retire(retired)
        for group in self.fleet.auto_scaling_groups:
            self.auto_scaling_group(group)
        for parameter in self.fleet.parameters:
            self.parameter(parameter)

    def create_keys(self) -> None:
        from moto.kms.models import kms_backends

        from amitui.sandbox.extensions.organization import pin_next_ids

        keys = _demo_keys(self.fleet)
        if not keys:
            return
        pin_next_ids({"KmsKeyIds": [key_id for _, _, key_id in keys]})
        self.report.control_calls += 1
        for region, alias, key_id in keys:
            kms = kms_backends[self.account_id][region]
            # What KMS DescribeKey's, CreateKey's and CreateAlias's handlers pass.
            if alias == AWS_MANAGED_KEY_ALIAS:
                self.report.calls += 1
                made = kms.describe_key(alias).id
            else:
                self.report.calls += 2
                made = kms.create_key(
                    None,
                    _CUSTOMER_KEY["KeyUsage"],
                    _CUSTOMER_KEY["KeySpec"],
                    _CUSTOMER_KEY["Description"],
                    None,
                ).id
                kms.create_alias(made, alias)
            _check_key(region, alias, key_id, made)

    def volume(self, region: str, size: int) -> Any:
        if (region, size) not in self.volumes:
            self.report.calls += 1
            self.volumes[(region, size)] = self.backends[region].create_volume(
                size=size, zone_name=f"{region}a", volume_type="gp3"
            )
        return self.volumes[(region, size)]

    def staging_snapshot(self, region: str, size: int) -> Any:
        if (region, size) not in self.staging:
            self.report.calls += 1
            self.staging[(region, size)] = self.backends[region].create_snapshot(
                self.volume(region, size).id, STAGING_DESCRIPTION
            )
        return self.staging[(region, size)]

    def new_snapshot(
        self,
        region: str,
        size: int,
        description: str,
        started: datetime,
        tags: Sequence[tuple[str, str]],
        kms_key_id: str | None,
    ) -> Any:
        backend = self.backends[region]
        self.report.calls += 1
        if kms_key_id:
            # CopySnapshot of a staging snapshot under the key, as EC2 encrypts with a key.
            snapshot = backend.copy_snapshot(
                source_snapshot_id=self.staging_snapshot(region, size).id,
                source_region=region,
                description=description,
                kms_key_id=kms_key_id,
            )
        else:
            snapshot = backend.create_snapshot(self.volume(region, size).id, description)
        snapshot.add_tags(dict(tags))
        self.start_times.append((snapshot, started))
        return snapshot

    def loose_snapshot(self, spec: DemoSnapshot) -> Any:
        return self.new_snapshot(
            spec.region, spec.size_gib, spec.description, spec.started, spec.tags, spec.kms_key_id
        )

    def seed_sources(self, region: str) -> None:
        for spec in self.fleet.snapshots:
            if spec.region == region and spec.kind == "shared":
                self.snapshots[spec.key] = self.loose_snapshot(spec)
        for image in self.fleet.images:
            if image.region == region and not image.copy_of:
                self.register(image)

    def disk_snapshot_id(self, image: DemoImage, disk: DemoDisk) -> str:
        if disk.virtual_name:
            return ""
        if disk.snapshot:
            return str(self.snapshots[disk.snapshot].id)
        snapshot = self.new_snapshot(
            image.region,
            disk.size_gib,
            f"{image.name} {disk.device}",
            _disk_snapshot_started(image),
            _disk_snapshot_tags(image, disk),
            image.kms_key_id,
        )
        return str(snapshot.id)

    def register(self, image: DemoImage) -> None:
        from amitui.sandbox.extensions.block_devices import register_image

        mappings = [
            _block_device_mapping(image, disk, self.disk_snapshot_id(image, disk))
            for disk in image.disks
        ]
        self.report.calls += 1
        ami = register_image(self.backends[image.region], _register_params(image), mappings)
        ami.add_tags(dict(image.tags))
        self.images[image.key] = ami

    def copy(self, image: DemoImage) -> None:
        from amitui.sandbox.extensions.copy_image import copy_image

        source = self.fleet.image(image.copy_of or "")
        params: dict[str, Any] = {
            "Name": image.name,
            "SourceImageId": self.images[source.key].id,
            "SourceRegion": source.region,
        }
        if image.kms_key_id:
            params.update(Encrypted=True, KmsKeyId=image.kms_key_id)
        tags = {"image": dict(image.tags)}
        self.report.calls += 1
        ami = copy_image(self.backends[image.region], params, tags)
        self.images[image.key] = ami
        # CopyImage made the copy's snapshots; date them like the copy.
        snapshots = self.backends[image.region].snapshots
        for mapping in ami.block_device_mappings:
            snapshot_id = mapping.get("Ebs", {}).get("SnapshotId")
            if snapshot_id:
                self.start_times.append((snapshots[snapshot_id], _copied_snapshot_started(image)))

    def seed_region_extras(self, region: str) -> None:
        """Loose snapshots, instances and launch templates; then the scaffolding goes."""
        backend = self.backends[region]
        for spec in self.fleet.snapshots:
            if spec.region == region and spec.kind != "shared":
                self.snapshots[spec.key] = self.loose_snapshot(spec)
        for instance in self.fleet.instances:
            if instance.region == region:
                self.report.calls += 1
                backend.run_instances(
                    self.images[instance.image].id,
                    instance.count,
                    None,
                    [],
                    **_run_instances_kwargs(
                        region, instance.instance_type, {"instance": {"Name": instance.name}}
                    ),
                )
        for template in self.fleet.launch_templates:
            if template.region == region:
                self.report.calls += 1
                # What CreateLaunchTemplate's handler passes: the data plus a parsed UserData.
                data = {
                    "ImageId": self.images[template.image].id,
                    "InstanceType": template.instance_type,
                    "UserData": None,
                }
                backend.create_launch_template(template.name, LAUNCH_TEMPLATE_VERSION, data, {})
        for (staging_region, _), snapshot in list(self.staging.items()):
            if staging_region == region:
                self.report.calls += 1
                backend.delete_snapshot(snapshot.id)
        for (staging_region, _), volume in list(self.volumes.items()):
            if staging_region == region:
                self.report.calls += 1
                backend.delete_volume(volume.id)

    def retire(self, retired: DemoRetiredImage) -> None:
        """Register, launch, then deregister with the snapshot (DeregisterImage's
        DeleteAssociatedSnapshots): the instance keeps running an image that is gone."""
        from amitui.sandbox.extensions.block_devices import register_image

        image, instance = retired.image, retired.instance
        backend = self.backends[image.region]
        (disk,) = image.ebs_disks
        volume = backend.create_volume(
            size=disk.size_gib, zone_name=f"{image.region}a", volume_type="gp3"
        )
        snapshot = backend.create_snapshot(volume.id, f"{image.name} {disk.device}")
        mapping = _block_device_mapping(image, disk, snapshot.id)
        ami = register_image(backend, _register_params(image), [mapping])
        ami.add_tags(dict(image.tags))
        self.set_fields("images", ami, _image_control_fields(image))
        backend.run_instances(
            ami.id,
            instance.count,
            None,
            [],
            **_run_instances_kwargs(
                image.region, instance.instance_type, {"instance": {"Name": instance.name}}
            ),
        )
        backend.deregister_image(ami.id)
        backend.delete_snapshot(snapshot.id)
        backend.delete_volume(volume.id)
        self.report.calls += 7
        self.report.control_calls += 1

    def auto_scaling_group(self, group: DemoAutoScalingGroup) -> None:
        from moto.autoscaling.models import autoscaling_backends

        self.report.calls += 1
        # What CreateAutoScalingGroup's handler passes for a group on a template's $Default.
        autoscaling_backends[self.account_id][group.region].create_auto_scaling_group(
            name=group.name,
            availability_zones=[f"{group.region}a"],
            desired_capacity=0,
            max_size=6,
            min_size=0,
            launch_config_name=None,  # type: ignore[arg-type]  # the handler passes None
            launch_template={"LaunchTemplateName": group.launch_template, "Version": "$Default"},
            vpc_zone_identifier=None,
            default_cooldown=None,
            health_check_period=None,
            health_check_type=None,
            load_balancers=[],
            target_group_arns=[],
            placement_group=None,
            termination_policies=[],
            tags=[],
        )

    def parameter(self, parameter: DemoParameter) -> None:
        from moto.ssm.models import ssm_backends

        self.report.calls += 1
        ssm_backends[self.account_id][parameter.region].put_parameter(
            name=parameter.name,
            description="the newest golden web image (the pipeline updates it)",
            value=self.images[parameter.image].id,
            parameter_type="String",
            allowed_pattern=None,  # type: ignore[arg-type]  # what the handler passes
            keyid=None,  # type: ignore[arg-type]
            overwrite=False,
            tags=[],
            data_type="aws:ec2:image",
            tier=None,
            policies=None,
        )

    def seed_states(self, image: DemoImage) -> None:
        from amitui.sandbox.extensions.deregistration_protection import enable_protection

        backend = self.backends[image.region]
        ami = self.images[image.key]
        permissions = _launch_permissions(image)
        if permissions:
            self.report.calls += 1
            backend.modify_image_attribute(ami.id, permissions, [])
        if image.disabled:
            self.report.calls += 1
            backend.disable_image(ami.id)
        if image.protected:
            self.report.calls += 1
            enable_protection(ami)
        self.report.control_calls += 1
        self.set_fields("images", ami, _image_control_fields(image))


def _run_instances_kwargs(
    region: str, instance_type: str, tags: dict[str, dict[str, str]]
) -> dict[str, Any]:
    """What RunInstances' handler passes to the backend for ImageId, InstanceType, Min/MaxCount
    and TagSpecifications, every other parameter left out."""
    return {
        "instance_type": instance_type,
        "is_instance_type_default": False,
        "placement": None,
        "placement_hostid": None,
        "region_name": region,
        "subnet_id": None,
        "key_name": None,
        "security_group_ids": [],
        "nics": [],
        "private_ip": None,
        "associate_public_ip": None,
        "tags": tags,
        "ebs_optimized": False,
        "disable_api_stop": False,
        "instance_market_options": {},
        "instance_initiated_shutdown_behavior": None,
        "launch_template": {},
        "hibernation_options": {},
        "iam_instance_profile_name": None,
        "iam_instance_profile_arn": None,
        "monitoring_state": "disabled",
        "ipv6_address_count": None,
        "metadata_options": {},
        "client_token": "ABCDE",
    }
