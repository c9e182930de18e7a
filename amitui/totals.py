"""The figures that matter for cleanup: images, GiB in snapshots and the estimated monthly
cost, per region and per family, and the age histogram of a view. Pure (no Textual, no AWS):
the Totals screen (:mod:`amitui.screens.totals`) shows what :func:`compute` returns.

- **Family**: the image's ``Family`` tag, else its name without the trailing date or
  version (``web-golden-2026.11.03`` → ``web-golden``, ``api-base-v42`` → ``api-base``,
  ``batch-worker-20260403-4ca8c32`` → ``batch-worker``). Guided cleanup's "keep the newest N
  of each family" uses the same rule (:func:`family_of`). A family spans regions and
  accounts: its copies are its members.
- **GiB in snapshots**: each snapshot counted once per group, however many of the group's
  images map it (two images sharing a data disk do not double it); its size is the
  snapshot's ``VolumeSize`` when the snapshot is listed, else the block device's.
- **Cost**: GiB x the EBS snapshot price of the snapshot's storage tier
  (:data:`SNAPSHOT_PRICE_PER_GIB_MONTH`). An estimate of full-size snapshots: EBS bills a
  standard-tier snapshot for the blocks it stores that no earlier snapshot of the volume
  holds, so the bill is usually less (archive-tier snapshots are full copies).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from amitui.model import Image, Inventory, RegionKey

#: EBS snapshot storage, USD per GiB-month: the us-east-1 list prices on
#: https://aws.amazon.com/ebs/pricing/ (Snapshots: Standard $0.05/GB-month, Archive
#: $0.0125/GB-month). An estimate, never a bill; the standard price can be set in the config
#: (``[cost] snapshot_gib_month``) for other regions or negotiated rates.
SNAPSHOT_PRICE_PER_GIB_MONTH: Mapping[str, float] = {"standard": 0.05, "archive": 0.0125}

#: A trailing date or version in an image name: web-golden-2026.11.03, api-base-v42, x-20261103.
_TRAILING_VERSION = re.compile(
    r"[-_. ]+(v\d+(\.\d+)*|\d{4}[-_.]?\d{2}([-_.]?\d{2})?([-_.T]?\d+)*)([-_.][0-9a-f]{6,})?$",
    re.IGNORECASE,
)

#: The age histogram's buckets: (label, up to this many days old, exclusive; None: no bound).
AGE_BUCKETS: tuple[tuple[str, int | None], ...] = (
    ("< 30 days", 30),
    ("30-90 days", 90),
    ("90-180 days", 180),
    ("180 days-1 year", 365),
    ("1-2 years", 730),
    ("> 2 years", None),
)
#: The bucket of images EC2 gives no creation date.
UNKNOWN_AGE = "no creation date"


def family_of(image: Image) -> str:
    """The ``Family`` tag, else the name without its trailing date or version."""
    tagged = image.tag("Family")
    if tagged:
        return tagged
    stripped = _TRAILING_VERSION.sub("", image.name)
    return stripped or image.name or image.image_id


def prices(standard: float | None = None) -> dict[str, float]:
    """The price per storage tier, with the standard tier's set to ``standard`` if given."""
    table = dict(SNAPSHOT_PRICE_PER_GIB_MONTH)
    if standard is not None:
        table["standard"] = standard
    return table


@dataclass(frozen=True, slots=True)
class Group:
    """One line of a totals table."""

    #: The region (with its account, see :attr:`where`) or the family name.
    name: str
    images: int
    #: GiB in the group's snapshots, each snapshot once.
    gib: int
    #: Estimated USD per month for those snapshots.
    monthly_cost: float
    #: For a region line: which (account, region); for a family: the regions it is in.
    where: RegionKey | None = None
    regions: int = 0


@dataclass(frozen=True, slots=True)
class AgeBucket:
    label: str
    images: int


@dataclass(frozen=True, slots=True)
class Totals:
    total: Group
    #: Largest GiB first.
    regions: tuple[Group, ...]
    families: tuple[Group, ...]
    ages: tuple[AgeBucket, ...]
    #: USD per GiB-month by storage tier, as used.
    prices: Mapping[str, float]


class _Tally:
    """Images and distinct snapshots of one group."""

    def __init__(self) -> None:
        self.images = 0
        self.snapshots: dict[tuple[str, str, str], tuple[int, str]] = {}
        self.regions: set[RegionKey] = set()

    def add(self, image: Image, snapshots: Iterable[tuple[str, int, str]]) -> None:
        self.images += 1
        self.regions.add(RegionKey(image.account, image.region))
        for snapshot_id, size, tier in snapshots:
            self.snapshots[(image.account, image.region, snapshot_id)] = (size, tier)

    def group(self, name: str, price: Mapping[str, float], where: RegionKey | None) -> Group:
        gib = sum(size for size, _ in self.snapshots.values())
        cost = sum(
            size * price.get(tier, price["standard"]) for size, tier in self.snapshots.values()
        )
        return Group(name, self.images, gib, cost, where, len(self.regions))


def _snapshots(image: Image, inventory: Inventory | None) -> list[tuple[str, int, str]]:
    """(snapshot id, GiB, storage tier) of each disk of ``image`` backed by a snapshot."""
    found = []
    for device in image.block_devices:
        if not device.snapshot_id:
            continue
        snapshot = (
            inventory.snapshot(image.region, device.snapshot_id, image.account)
            if inventory is not None
            else None
        )
        size = snapshot.volume_size if snapshot is not None else device.volume_size or 0
        tier = (snapshot.storage_tier if snapshot is not None else None) or "standard"
        found.append((device.snapshot_id, size, tier))
    return found


def age_bucket(image: Image, now: datetime) -> str:
    if image.creation_date is None:
        return UNKNOWN_AGE
    days = max(0, (now - image.creation_date).days)
    for label, bound in AGE_BUCKETS:
        if bound is None or days < bound:
            return label
    raise AssertionError("the last bucket has no bound")


def compute(
    images: Sequence[Image],
    now: datetime,
    *,
    inventory: Inventory | None = None,
    standard_price: float | None = None,
) -> Totals:
    """The totals of ``images`` (the view), with snapshot sizes and tiers from
    ``inventory`` where it lists them."""
    price = prices(standard_price)
    total = _Tally()
    by_region: dict[RegionKey, _Tally] = defaultdict(_Tally)
    by_family: dict[str, _Tally] = defaultdict(_Tally)
    ages: dict[str, int] = dict.fromkeys([label for label, _ in AGE_BUCKETS] + [UNKNOWN_AGE], 0)
    for image in images:
        snapshots = _snapshots(image, inventory)
        total.add(image, snapshots)
        by_region[RegionKey(image.account, image.region)].add(image, snapshots)
        by_family[family_of(image)].add(image, snapshots)
        ages[age_bucket(image, now)] += 1

    def largest_first(group: Group) -> tuple[int, int, str]:
        return (-group.gib, -group.images, group.name)

    regions = sorted(
        (tally.group(key.region, price, key) for key, tally in by_region.items()),
        key=largest_first,
    )
    families = sorted(
        (tally.group(name, price, None) for name, tally in by_family.items()), key=largest_first
    )
    if not ages[UNKNOWN_AGE]:
        del ages[UNKNOWN_AGE]
    return Totals(
        total.group("total", price, None),
        tuple(regions),
        tuple(families),
        tuple(AgeBucket(label, count) for label, count in ages.items()),
        price,
    )


__all__ = [
    "AGE_BUCKETS",
    "SNAPSHOT_PRICE_PER_GIB_MONTH",
    "UNKNOWN_AGE",
    "AgeBucket",
    "Group",
    "Totals",
    "age_bucket",
    "compute",
    "family_of",
    "prices",
]
