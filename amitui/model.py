"""The vocabulary of amitui: frozen records of images, snapshots and region loads.

This layer knows neither Textual nor AWS clients (an import-linter contract enforces it).
Records are built from the dictionaries EC2 returns; a load can keep that dictionary
(``raw``) so the JSON contract of ``amitui ls`` can print it exactly as AWS sent it. The App
does not keep it: it is most of an image's memory, and nothing on screen reads it.
"""

from __future__ import annotations

import enum
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple

#: An AWS account id: twelve digits.
ACCOUNT_ID_PATTERN = re.compile(r"^\d{12}$")
#: The owner value meaning "images other accounts shared with me": EC2 has no such owner,
#: it is DescribeImages' ``ExecutableUsers=self`` (see the loader).
SHARED_WITH_ME = "shared"
#: (owner value, label) offered as presets wherever an owner is picked.
OWNER_PRESETS: tuple[tuple[str, str], ...] = (
    ("self", "My images (self)"),
    (SHARED_WITH_ME, "Shared with me"),
    ("amazon", "Amazon"),
    ("aws-marketplace", "AWS Marketplace"),
)

# The ``Copied ami-… from region`` line AWS writes into a copy's description.
_COPIED_FROM = re.compile(r"\[Copied (ami-[0-9a-f]+) from ([a-z0-9-]+)\]")


def parse_time(value: Any) -> datetime | None:
    """EC2 sends image times as ISO strings and snapshot times as datetimes; normalise."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    text = str(value).replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _tags(record: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    return tuple((str(t.get("Key", "")), str(t.get("Value", ""))) for t in record.get("Tags", []))


def _flag(record: Mapping[str, Any], key: str) -> str | None:
    """Attributes EC2 sends either as a plain value or as ``{"Value": …}``."""
    value = record.get(key)
    if isinstance(value, str):  # the common case, ahead of the (slow) abstract Mapping test
        return value
    if isinstance(value, Mapping):
        value = value.get("Value")
    return None if value is None else str(value)


#: ``DeregistrationProtection`` while a cooldown runs out: ``disabled-until <ISO time>``.
_COOLDOWN_PREFIX = "disabled-until"


def cooldown_until(protection: str | None) -> datetime | None:
    """When a deregistration protection cooldown ends (DescribeImages says
    ``disabled-until <time>`` after a cooldown-protected image's protection is lifted)."""
    if not protection or not protection.startswith(_COOLDOWN_PREFIX):
        return None
    return parse_time(protection.removeprefix(_COOLDOWN_PREFIX).strip())


@dataclass(frozen=True, slots=True)
class DeviceSpec:
    """What a block device is, its snapshot aside: images built alike map alike devices,
    so one record per combination is shared by all of them (see :class:`BlockDevice`)."""

    device_name: str
    volume_size: int | None = None
    volume_type: str | None = None
    encrypted: bool = False
    kms_key_id: str | None = None
    delete_on_termination: bool | None = None
    iops: int | None = None
    throughput: int | None = None
    virtual_name: str | None = None  # instance-store (ephemeral) devices have no snapshot


_DEVICE_SPECS: dict[tuple[Any, ...], DeviceSpec] = {}


@dataclass(frozen=True, slots=True)
class BlockDevice:
    """One block device mapping: its snapshot and its shared :class:`DeviceSpec`, whose
    fields it reads by their names."""

    spec: DeviceSpec
    snapshot_id: str | None = None

    @classmethod
    def from_aws(cls, mapping: Mapping[str, Any]) -> BlockDevice:
        ebs = mapping.get("Ebs") or {}
        values = (
            str(mapping.get("DeviceName", "")),
            ebs.get("VolumeSize"),
            ebs.get("VolumeType"),
            bool(ebs.get("Encrypted", False)),
            ebs.get("KmsKeyId"),
            ebs.get("DeleteOnTermination"),
            ebs.get("Iops"),
            ebs.get("Throughput"),
            mapping.get("VirtualName"),
        )
        spec = _DEVICE_SPECS.get(values)
        if spec is None:
            spec = _DEVICE_SPECS[values] = DeviceSpec(*values)
        return cls(spec, ebs.get("SnapshotId"))

    @property
    def device_name(self) -> str:
        return self.spec.device_name

    @property
    def volume_size(self) -> int | None:
        return self.spec.volume_size

    @property
    def volume_type(self) -> str | None:
        return self.spec.volume_type

    @property
    def encrypted(self) -> bool:
        return self.spec.encrypted

    @property
    def kms_key_id(self) -> str | None:
        return self.spec.kms_key_id

    @property
    def delete_on_termination(self) -> bool | None:
        return self.spec.delete_on_termination

    @property
    def iops(self) -> int | None:
        return self.spec.iops

    @property
    def throughput(self) -> int | None:
        return self.spec.throughput

    @property
    def virtual_name(self) -> str | None:
        return self.spec.virtual_name


@dataclass(frozen=True, slots=True)
class ImageTraits:
    """What most images of a fleet have in common (owner, state, how they launch): one
    record per distinct combination, shared by every image that has it (see
    :func:`image_traits`), instead of ~20 slots and their values in each image."""

    owner_id: str
    state: str
    public: bool
    architecture: str | None
    virtualization_type: str | None
    root_device_type: str | None
    root_device_name: str | None
    boot_mode: str | None
    platform: str | None
    platform_details: str | None
    usage_operation: str | None
    ena_support: bool | None
    sriov_net_support: str | None
    tpm_support: str | None
    imds_support: str | None
    deregistration_protection: str | None
    kernel_id: str | None
    ramdisk_id: str | None
    image_owner_alias: str | None
    product_codes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ImageRare:
    """The fields most images do not have (None in an image without any of them)."""

    deprecation_time: datetime | None = None
    last_launched_time: datetime | None = None
    source_image_id: str | None = None
    source_image_region: str | None = None
    state_reason: str | None = None


#: The one ImageTraits of each combination of values, by those values; likewise the one tags
#: tuple of each distinct set of tags. The traits grow with a fleet's combinations (a
#: handful to thousands), the tags up to an entry per image whose tags no other image has
#: (~50 bytes, against ~170 saved per image whose tags repeat); a reload finds the same
#: entries.
_TRAITS: dict[tuple[Any, ...], ImageTraits] = {}
_TAGS: dict[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]] = {}


def image_traits(*values: Any) -> ImageTraits:
    """The shared :class:`ImageTraits` of these values (ImageTraits' fields, in order)."""
    traits = _TRAITS.get(values)
    if traits is None:
        traits = _TRAITS[values] = ImageTraits(*values)
    return traits


def shared_tags(tags: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """The one tuple of these tags (images built alike are often tagged alike)."""
    return _TAGS.setdefault(tags, tags)


@dataclass(frozen=True, slots=True)
class Image:
    """One image. Most of its fields live in records shared with or absent from most other
    images (:class:`ImageTraits`, :class:`ImageRare`): at a million images every slot and
    value per image costs megabytes. Read them through the properties of the same names."""

    region: str
    image_id: str
    name: str
    description: str
    creation_date: datetime | None
    traits: ImageTraits
    tags: tuple[tuple[str, str], ...]
    block_devices: tuple[BlockDevice, ...]
    #: None when the image has none of the rare fields (most images).
    rare: ImageRare | None = None
    #: The DescribeImages record as AWS sent it, if the load kept it (see :attr:`record`).
    raw: Mapping[str, Any] | None = field(default=None, compare=False, hash=False, repr=False)
    #: The account the image was listed from (see :class:`ImageKey`).
    account: str = ""
    #: :attr:`key`, made once: the inventory and the table each ask every image for it.
    _key: ImageKey = field(init=False, compare=False, hash=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_key", ImageKey(self.region, self.image_id, self.account))

    @classmethod
    def from_aws(
        cls, region: str, record: Mapping[str, Any], account: str = "", *, keep_raw: bool = True
    ) -> Image:
        get = record.get
        reason = get("StateReason") or {}
        source_id = get("SourceImageId")
        source_region = get("SourceImageRegion")
        description = str(get("Description") or "")
        if not source_id:
            # Older copies only say where they came from in their description.
            match = _COPIED_FROM.search(description)
            if match:
                source_id, source_region = match.group(1), match.group(2)
        traits = image_traits(
            str(get("OwnerId") or ""),
            str(get("State") or "unknown"),
            bool(get("Public", False)),
            get("Architecture"),
            get("VirtualizationType"),
            get("RootDeviceType"),
            get("RootDeviceName"),
            get("BootMode"),
            get("Platform"),
            get("PlatformDetails"),
            get("UsageOperation"),
            get("EnaSupport"),
            _flag(record, "SriovNetSupport"),
            _flag(record, "TpmSupport"),
            _flag(record, "ImdsSupport"),
            get("DeregistrationProtection"),
            get("KernelId"),
            get("RamdiskId"),
            get("ImageOwnerAlias"),
            tuple(str(p.get("ProductCodeId", "")) for p in get("ProductCodes", ())),
        )
        deprecation = parse_time(get("DeprecationTime"))
        launched = parse_time(get("LastLaunchedTime"))
        state_reason = reason.get("Message") or reason.get("Code")
        rare = None
        rare_values = (deprecation, launched, source_id, source_region, state_reason)
        if any(value is not None for value in rare_values):
            rare = ImageRare(*rare_values)
        return cls(
            region=region,
            image_id=str(record["ImageId"]),
            name=str(get("Name") or ""),
            description=description,
            creation_date=parse_time(get("CreationDate")),
            traits=traits,
            tags=shared_tags(_tags(record)),
            block_devices=tuple(BlockDevice.from_aws(m) for m in get("BlockDeviceMappings", ())),
            rare=rare,
            raw=record if keep_raw else None,
            account=account,
        )

    # The shared traits, by their names.
    @property
    def owner_id(self) -> str:
        return self.traits.owner_id

    @property
    def state(self) -> str:
        return self.traits.state

    @property
    def public(self) -> bool:
        return self.traits.public

    @property
    def architecture(self) -> str | None:
        return self.traits.architecture

    @property
    def virtualization_type(self) -> str | None:
        return self.traits.virtualization_type

    @property
    def root_device_type(self) -> str | None:
        return self.traits.root_device_type

    @property
    def root_device_name(self) -> str | None:
        return self.traits.root_device_name

    @property
    def boot_mode(self) -> str | None:
        return self.traits.boot_mode

    @property
    def platform(self) -> str | None:
        return self.traits.platform

    @property
    def platform_details(self) -> str | None:
        return self.traits.platform_details

    @property
    def usage_operation(self) -> str | None:
        return self.traits.usage_operation

    @property
    def ena_support(self) -> bool | None:
        return self.traits.ena_support

    @property
    def sriov_net_support(self) -> str | None:
        return self.traits.sriov_net_support

    @property
    def tpm_support(self) -> str | None:
        return self.traits.tpm_support

    @property
    def imds_support(self) -> str | None:
        return self.traits.imds_support

    @property
    def deregistration_protection(self) -> str | None:
        return self.traits.deregistration_protection

    @property
    def kernel_id(self) -> str | None:
        return self.traits.kernel_id

    @property
    def ramdisk_id(self) -> str | None:
        return self.traits.ramdisk_id

    @property
    def image_owner_alias(self) -> str | None:
        return self.traits.image_owner_alias

    @property
    def product_codes(self) -> tuple[str, ...]:
        return self.traits.product_codes

    # The rare fields, by their names (None when the image has no rare record).
    @property
    def deprecation_time(self) -> datetime | None:
        return self.rare.deprecation_time if self.rare else None

    @property
    def last_launched_time(self) -> datetime | None:
        return self.rare.last_launched_time if self.rare else None

    @property
    def source_image_id(self) -> str | None:
        return self.rare.source_image_id if self.rare else None

    @property
    def source_image_region(self) -> str | None:
        return self.rare.source_image_region if self.rare else None

    @property
    def state_reason(self) -> str | None:
        return self.rare.state_reason if self.rare else None

    @property
    def record(self) -> Mapping[str, Any]:
        """The DescribeImages record as AWS sent it (``amitui ls`` keeps it; the App does not)."""
        if self.raw is None:
            raise LookupError(f"{self.image_id} was loaded without its AWS record")
        return self.raw

    @property
    def key(self) -> ImageKey:
        return self._key

    def tag(self, key: str) -> str | None:
        for k, v in self.tags:
            if k == key:
                return v
        return None

    @property
    def snapshot_ids(self) -> tuple[str, ...]:
        return tuple(d.snapshot_id for d in self.block_devices if d.snapshot_id)

    @property
    def encrypted(self) -> bool:
        return any(d.encrypted for d in self.block_devices)

    def is_deprecated(self, now: datetime) -> bool:
        deprecation = self.deprecation_time
        return deprecation is not None and deprecation <= now

    @property
    def size_gib(self) -> int:
        return sum(d.volume_size or 0 for d in self.block_devices if d.snapshot_id)


@dataclass(frozen=True, slots=True, order=True)
class ImageKey:
    """Image ids are unique per region, not globally: (region, id) names an image, as seen
    from one account (the same shared image listed from two accounts is two rows).

    ``account`` names the account the image was listed from: the label the explorer gives
    each session, ``""`` for the one session of a plain launch (the common case)."""

    region: str
    image_id: str
    account: str = ""

    def __str__(self) -> str:
        where = f"{self.account}/{self.region}" if self.account else self.region
        return f"{where}/{self.image_id}"


class RegionKey(NamedTuple):
    """One region as seen from one account: what a region load, its token and the
    inventory's regions are keyed by (``account`` as in :class:`ImageKey`)."""

    account: str
    region: str


@dataclass(frozen=True, slots=True)
class Snapshot:
    region: str
    snapshot_id: str
    volume_id: str | None
    volume_size: int
    encrypted: bool
    kms_key_id: str | None
    state: str
    storage_tier: str | None
    start_time: datetime | None
    description: str
    owner_id: str
    tags: tuple[tuple[str, str], ...]
    #: The DescribeSnapshots record as AWS sent it, if the load kept it.
    raw: Mapping[str, Any] | None = field(default=None, compare=False, hash=False, repr=False)
    #: The account the snapshot was listed from (see :class:`ImageKey`).
    account: str = ""

    @classmethod
    def from_aws(
        cls, region: str, record: Mapping[str, Any], account: str = "", *, keep_raw: bool = True
    ) -> Snapshot:
        return cls(
            region=region,
            snapshot_id=str(record["SnapshotId"]),
            volume_id=record.get("VolumeId"),
            volume_size=int(record.get("VolumeSize") or 0),
            encrypted=bool(record.get("Encrypted", False)),
            kms_key_id=record.get("KmsKeyId"),
            state=str(record.get("State") or "unknown"),
            storage_tier=record.get("StorageTier"),
            start_time=parse_time(record.get("StartTime")),
            description=str(record.get("Description") or ""),
            owner_id=str(record.get("OwnerId") or ""),
            tags=_tags(record),
            raw=record if keep_raw else None,
            account=account,
        )


def owner_label(owner: str) -> str:
    for value, label in OWNER_PRESETS:
        if value == owner:
            return label
    return f"account {owner}"


@dataclass(frozen=True, slots=True)
class ImageQuery:
    """What to list: whose images (the owner scope), and whether deprecated and disabled
    images are included. The loader turns it into DescribeImages parameters."""

    owners: tuple[str, ...] = ("self",)
    include_deprecated: bool = True
    include_disabled: bool = True

    def describe(self) -> str:
        text = ", ".join(owner_label(o) for o in self.owners)
        hidden = [
            name
            for name, included in (
                ("deprecated", self.include_deprecated),
                ("disabled", self.include_disabled),
            )
            if not included
        ]
        return text + (f" (without {' and '.join(hidden)})" if hidden else "")

    @property
    def others_only(self) -> bool:
        """Only images other accounts shared with the caller ("Shared with me")."""
        return SHARED_WITH_ME in self.owners and "self" not in self.owners

    @property
    def shows_everything(self) -> bool:
        return self.include_deprecated and self.include_disabled

    def shows(self, image: Image, now: datetime) -> bool:
        """Whether the view shows ``image`` (EC2 ignores IncludeDeprecated for an owner's own
        images, so the toggles are applied to what it answers as well)."""
        if not self.include_deprecated and image.is_deprecated(now):
            return False
        return self.include_disabled or image.state != "disabled"

    def with_owner(self, owner: str) -> ImageQuery:
        return ImageQuery((owner,), self.include_deprecated, self.include_disabled)

    def toggled_deprecated(self) -> ImageQuery:
        return ImageQuery(self.owners, not self.include_deprecated, self.include_disabled)

    def toggled_disabled(self) -> ImageQuery:
        return ImageQuery(self.owners, self.include_deprecated, not self.include_disabled)


@dataclass(frozen=True, slots=True)
class ImageExtras:
    """What DescribeImages does not say, fetched per image on demand."""

    #: Account ids / "all" (public) / organization and OU ARNs; None while unknown.
    launch_permissions: tuple[str, ...] | None = None
    last_launched: datetime | None = None
    deregistration_protection: str | None = None
    #: Why an extra could not be fetched (e.g. not the owner), shown instead of the value.
    error: str = ""

    @property
    def shared(self) -> bool:
        """The launch permissions (when known) name someone besides the owner."""
        return any(g != "all" for g in self.launch_permissions or ())


class RegionStatus(enum.Enum):
    PENDING = "pending"
    LOADING = "loading"
    LOADED = "loaded"
    DENIED = "denied"
    THROTTLED = "throttled"
    EXPIRED_CREDENTIALS = "expired-credentials"
    FAILED = "failed"

    @property
    def is_error(self) -> bool:
        return self in _ERROR_STATUSES


_ERROR_STATUSES = frozenset(
    {
        RegionStatus.DENIED,
        RegionStatus.THROTTLED,
        RegionStatus.EXPIRED_CREDENTIALS,
        RegionStatus.FAILED,
    }
)


@dataclass(frozen=True, slots=True)
class AwsError:
    """An AWS failure kept as data: what AWS said and what the user can do about it."""

    status: RegionStatus
    code: str
    message: str
    hint: str = ""

    def describe(self) -> str:
        text = f"{self.code}: {self.message}" if self.code else self.message
        return f"{text} ({self.hint})" if self.hint else text


@dataclass(frozen=True, slots=True)
class RegionLoad:
    """The outcome of loading one region."""

    region: str
    status: RegionStatus
    images: tuple[Image, ...] = ()
    snapshots: tuple[Snapshot, ...] = ()
    error: AwsError | None = None
    seconds: float = 0.0
    #: The images are in and the region's snapshots are still being listed; the complete
    #: load of the region follows (see ``stream_regions(images_first=True)``).
    snapshots_pending: bool = False
    #: The account the region was listed from (see :class:`ImageKey`).
    account: str = ""

    @property
    def key(self) -> RegionKey:
        return RegionKey(self.account, self.region)


@dataclass(frozen=True, slots=True)
class OrphanedSnapshot:
    """A snapshot that says it was made for an image which no longer exists."""

    snapshot: Snapshot
    former_image_id: str


# The descriptions EC2 writes on the snapshots it makes for an image, naming that image:
#   CreateImage: "Created by CreateImage(i-…) for ami-…" (older ones add " from vol-…")
#   CopyImage:   "Copied for DestinationAmi ami-… from SourceAmi ami-… for SourceSnapshot
#                snap-…. Task created on …" (the snapshot belongs to the destination)
# ImportImage's "… for import-ami-…" names an import task, not an image: not an orphan clue.
_CREATED_FOR = re.compile(
    r"^(?:Created by CreateImage\([^)]*\) for|Copied for DestinationAmi) (ami-[0-9a-f]+)\b"
)


class Inventory:
    """Every loaded region's images and snapshots, joined both ways.

    Each block device links to its snapshot; each snapshot knows every image that maps it.
    Regions are replaced whole as they (re)load, so the indexes are rebuilt per region.
    Everything is keyed by account too (:class:`RegionKey`, :class:`ImageKey`); lookups
    by region take the ``account`` the region was listed from (``""``: the one session).
    """

    def __init__(self) -> None:
        self._loads: dict[RegionKey, RegionLoad] = {}
        self._images: dict[ImageKey, Image] = {}
        #: (account, region) -> snapshot id -> the snapshot / the images that map it: one
        #: mapping per region, replaced whole when the region reloads (a flat index keyed by
        #: (account, region, id) was scanned whole for each region's reload, and its keys
        #: and lists cost ~100 bytes an image).
        self._snapshots: dict[RegionKey, dict[str, Snapshot]] = {}
        #: The image that maps a snapshot, or the images when several do: most snapshots
        #: belong to one image, and a tuple of one costs ~60 bytes an image.
        self._users: dict[RegionKey, dict[str, ImageKey | tuple[ImageKey, ...]]] = {}

    def add(self, load: RegionLoad) -> None:
        account, region = load.key
        self.remove_region(region, account)
        self._loads[load.key] = load
        users: dict[str, ImageKey | tuple[ImageKey, ...]] = {}
        for image in load.images:
            key = image.key
            self._images[key] = image
            for snapshot_id in image.snapshot_ids:
                known = users.setdefault(snapshot_id, key)
                if known is not key:
                    users[snapshot_id] = (*_image_keys(known), key)
        self._users[load.key] = users
        self._snapshots[load.key] = {s.snapshot_id: s for s in load.snapshots}

    def remove_region(self, region: str, account: str = "") -> None:
        old = self._loads.pop(RegionKey(account, region), None)
        if old is None:
            return
        for image in old.images:
            self._images.pop(image.key, None)
        self._users.pop(old.key, None)
        self._snapshots.pop(old.key, None)

    def clear(self) -> None:
        for key in list(self._loads):
            self.remove_region(key.region, key.account)

    @property
    def loads(self) -> Mapping[RegionKey, RegionLoad]:
        """Every loaded region, by account and region."""
        return self._loads

    @property
    def regions(self) -> Mapping[str, RegionLoad]:
        """The loaded regions by name (of every account; with one account, its regions)."""
        return {key.region: load for key, load in self._loads.items()}

    def snapshots_pending(self, region: str, account: str = "") -> bool:
        """``region``'s images are loaded but its snapshots not yet."""
        load = self._loads.get(RegionKey(account, region))
        return load is not None and load.snapshots_pending

    def images(self) -> Iterator[Image]:
        return iter(self._images.values())

    def __len__(self) -> int:
        return len(self._images)

    def image(self, key: ImageKey) -> Image | None:
        return self._images.get(key)

    def snapshot(self, region: str, snapshot_id: str, account: str = "") -> Snapshot | None:
        return self._snapshots.get(RegionKey(account, region), {}).get(snapshot_id)

    def snapshots(self, region: str | None = None) -> Iterator[Snapshot]:
        return (
            snapshot
            for (_, r), snapshots in self._snapshots.items()
            if region is None or r == region
            for snapshot in snapshots.values()
        )

    def images_mapping(self, region: str, snapshot_id: str, account: str = "") -> tuple[Image, ...]:
        """Every loaded image (any state) that maps ``snapshot_id``."""
        keys = _image_keys(self._users.get(RegionKey(account, region), {}).get(snapshot_id, ()))
        return tuple(self._images[k] for k in keys if k in self._images)

    def orphaned_snapshots(self, region: str | None = None) -> list[OrphanedSnapshot]:
        """Snapshots made for an image (per their description) that no loaded image maps
        and whose image is gone from the region."""
        orphans = []
        for snapshot in self.snapshots(region):
            match = _CREATED_FOR.search(snapshot.description)
            if match is None:
                continue
            former = match.group(1)
            users = self._users.get(RegionKey(snapshot.account, snapshot.region), {})
            if users.get(snapshot.snapshot_id):
                continue
            if ImageKey(snapshot.region, former, snapshot.account) in self._images:
                continue
            orphans.append(OrphanedSnapshot(snapshot, former))
        return orphans

    def family(self, image: Image) -> list[Image]:
        """The image, its source and every copy of the same source across regions."""
        root = image.key
        seen: set[ImageKey] = set()
        # Walk up to the oldest known ancestor, then collect everything descending from it.
        current: Image | None = image
        while current is not None and current.key not in seen:
            seen.add(current.key)
            root = current.key
            if current.source_image_id and current.source_image_region:
                current = self.image(
                    ImageKey(current.source_image_region, current.source_image_id, current.account)
                )
            else:
                current = None
        children: dict[ImageKey, list[Image]] = defaultdict(list)
        for candidate in self._images.values():
            if candidate.source_image_id and candidate.source_image_region:
                parent = ImageKey(
                    candidate.source_image_region, candidate.source_image_id, candidate.account
                )
                children[parent].append(candidate)
        members: list[Image] = []
        stack = [root]
        visited: set[ImageKey] = set()
        while stack:
            key = stack.pop()
            if key in visited:
                continue
            visited.add(key)
            found = self.image(key)
            if found is not None:
                members.append(found)
            stack.extend(child.key for child in children.get(key, []))
        if image not in members:
            members.append(image)
        return sorted(members, key=lambda i: (i.region, i.image_id))


def _image_keys(users: ImageKey | tuple[ImageKey, ...]) -> tuple[ImageKey, ...]:
    """An inventory's users of a snapshot (one key, or several) as a tuple."""
    return (users,) if isinstance(users, ImageKey) else users


def merge_loads(loads: Iterable[RegionLoad]) -> Inventory:
    inventory = Inventory()
    for load in loads:
        inventory.add(load)
    return inventory


# --- plans: what a mutating action will do, shown before it is done ---------------------


class StepOutcome(enum.Enum):
    OK = "ok"
    FAILED = "failed"
    SKIPPED = "skipped"  # a step it depended on failed, or the run was cancelled


@dataclass(frozen=True, slots=True)
class Step:
    """One API call a plan will make, and why; or a target the plan leaves out, and why."""

    step_id: str  # unique within its plan, e.g. "deregister:us-east-1/ami-0abc"
    region: str
    operation: str  # EC2 API name, e.g. "DeregisterImage"
    target: str  # the resource the call acts on: ami-…, snap-…
    params: Mapping[str, Any]
    reason: str
    depends_on: tuple[str, ...] = ()
    excluded: bool = False  # shown in the plan, never executed
    #: The account whose credentials send the call (an account id); "" for the one account
    #: of a single-account launch.
    account: str = ""
    #: What the call changes, as read when planning (e.g. the launch permissions a
    #: DisableImage removes): journaled, so an undo can put it back. Never sent.
    before: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True, slots=True)
class Plan:
    """The result of an action's pure ``plan(...)``: reviewed by the user, then executed."""

    action: str  # "copy", "share", "deprecate", "deregister", …
    title: str
    steps: tuple[Step, ...]
    notes: tuple[str, ...] = ()  # warnings the user must read (e.g. grantees need the KMS key)
    destructive: bool = False
    #: What the user types to confirm a destructive plan: the image id, or the image count.
    confirm_text: str = ""

    @property
    def runnable(self) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if not s.excluded)

    @property
    def excluded(self) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if s.excluded)


@dataclass(frozen=True, slots=True)
class StepResult:
    step: Step
    outcome: StepOutcome
    response: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)
    error: AwsError | None = None
    detail: str = ""
