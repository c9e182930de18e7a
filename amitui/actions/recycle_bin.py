"""Recycle Bin: the retention rules (what a cleanup leaves restorable), what the bin holds, and
the plan that restores from it.

A rule retains deleted EBS snapshots (``EBS_SNAPSHOT``) or deregistered EBS-backed images
(``EC2_IMAGE``) of its Region for its retention period. A tag-level rule (``ResourceTags``)
retains resources carrying one of its tags; a Region-level rule (no ``ResourceTags``)
retains every resource of its type except those with one of its ``ExcludeResourceTags``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from amitui.aws import AwsSession
from amitui.aws_errors import classify_error
from amitui.model import AwsError, Plan, Step, parse_time
from amitui.text import counted

SNAPSHOTS = "EBS_SNAPSHOT"
IMAGES = "EC2_IMAGE"

Tags = Iterable[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class RetentionRule:
    identifier: str
    resource_type: str
    days: int
    description: str = ""
    #: (key, value or None for any value)
    resource_tags: tuple[tuple[str, str | None], ...] = ()
    exclude_tags: tuple[tuple[str, str | None], ...] = ()

    @classmethod
    def from_aws(cls, record: Mapping[str, Any]) -> RetentionRule:
        def tags(key: str) -> tuple[tuple[str, str | None], ...]:
            return tuple(
                (str(t.get("ResourceTagKey", "")), t.get("ResourceTagValue"))
                for t in record.get(key) or []
            )

        period = record.get("RetentionPeriod") or {}
        return cls(
            identifier=str(record.get("Identifier", "")),
            resource_type=str(record.get("ResourceType", "")),
            days=int(period.get("RetentionPeriodValue") or 0),
            description=str(record.get("Description") or ""),
            resource_tags=tags("ResourceTags"),
            exclude_tags=tags("ExcludeResourceTags"),
        )

    def applies_to(self, tags: Tags) -> bool:
        present = list(tags)

        def has(wanted: Sequence[tuple[str, str | None]]) -> bool:
            return any(
                k == key and (v is None or v == value) for k, v in wanted for key, value in present
            )

        if self.resource_tags:
            return has(self.resource_tags)
        return not has(self.exclude_tags)


async def load_rules(aws: AwsSession, region: str) -> tuple[RetentionRule, ...]:
    """Every snapshot and image retention rule of ``region`` (ListRules, then GetRule each
    for its tags). Errors propagate: the caller says the rules could not be read."""
    rules: list[RetentionRule] = []
    for resource_type in (SNAPSHOTS, IMAGES):
        async for page in aws.paginate(
            region, "ListRules", service="rbin", ResourceType=resource_type
        ):
            for summary in page.get("Rules", []):
                detail = await aws.call(
                    region, "GetRule", service="rbin", Identifier=summary["Identifier"]
                )
                rules.append(RetentionRule.from_aws({"ResourceType": resource_type, **detail}))
    return tuple(rules)


def retaining(
    rules: Iterable[RetentionRule], resource_type: str, tags: Tags
) -> RetentionRule | None:
    """The rule that keeps a resource restorable longest, if any applies."""
    matching = [r for r in rules if r.resource_type == resource_type and r.applies_to(tags)]
    return max(matching, key=lambda r: r.days, default=None)


# --- what the bin holds, and restoring it ---------------------------------------------------
#
# ListImagesInRecycleBin / ListSnapshotsInRecycleBin say when a resource entered and when it
# leaves for good, not which rule keeps it, nor (for an image) which snapshots it maps. The rule
# is inferred from the retention period (exit minus enter); the snapshots come from the journal
# of the deregistration that binned it (its DeregisterImage step's ``before``), when amitui made it.


@dataclass(frozen=True, slots=True)
class Binned:
    """One image or snapshot in a region's Recycle Bin."""

    kind: str  # IMAGES or SNAPSHOTS
    region: str
    resource_id: str
    name: str  # an image's name; "" for a snapshot
    description: str
    entered: datetime | None
    leaves: datetime | None
    volume_id: str | None = None
    account: str = ""

    @property
    def ref(self) -> BinRef:
        return (self.region, self.resource_id)

    @property
    def days(self) -> int | None:
        """The retention period it was binned with, in whole days."""
        if self.entered is None or self.leaves is None:
            return None
        return round((self.leaves - self.entered).total_seconds() / 86400)

    def held_by(self, rules: Iterable[RetentionRule]) -> tuple[RetentionRule, ...]:
        """The rules that may hold it: those of its type with its retention period (EC2 does
        not say which one did; several may match, none if the rule has been changed)."""
        return tuple(r for r in rules if r.resource_type == self.kind and r.days == self.days)


#: (region, image or snapshot id)
BinRef = tuple[str, str]


@dataclass(frozen=True, slots=True)
class RegionBin:
    """A region's Recycle Bin as read once: what it holds, and the rules that put it there."""

    region: str
    account: str = ""
    images: tuple[Binned, ...] = ()
    snapshots: tuple[Binned, ...] = ()
    rules: tuple[RetentionRule, ...] = ()
    #: Listing the bin failed (nothing is shown as held).
    error: AwsError | None = None
    #: Reading the rules failed (the items are shown, their rules unknown).
    rules_error: AwsError | None = None

    @property
    def items(self) -> tuple[Binned, ...]:
        return (*self.images, *self.snapshots)

    def find(self, resource_id: str) -> Binned | None:
        return next((b for b in self.items if b.resource_id == resource_id), None)


def _binned(kind: str, region: str, account: str, record: Mapping[str, Any]) -> Binned:
    return Binned(
        kind,
        region,
        str(record.get("ImageId") or record.get("SnapshotId") or ""),
        str(record.get("Name") or ""),
        str(record.get("Description") or ""),
        parse_time(record.get("RecycleBinEnterTime")),
        parse_time(record.get("RecycleBinExitTime")),
        record.get("VolumeId"),
        account,
    )


async def load_bin(aws: AwsSession, region: str, account: str = "") -> RegionBin:
    """Everything ``region``'s Recycle Bin holds, and its rules. Errors are data."""
    images: list[Binned] = []
    snapshots: list[Binned] = []
    try:
        async for page in aws.paginate(region, "ListImagesInRecycleBin"):
            images.extend(_binned(IMAGES, region, account, r) for r in page.get("Images", []))
        async for page in aws.paginate(region, "ListSnapshotsInRecycleBin"):
            snapshots.extend(
                _binned(SNAPSHOTS, region, account, r) for r in page.get("Snapshots", [])
            )
    except Exception as exc:  # one region's failure is shown in its place
        return RegionBin(region, account, error=classify_error(exc, region=region))
    try:
        rules = await load_rules(aws, region)
    except Exception as exc:  # the bin is still worth showing without its rules
        return RegionBin(
            region,
            account,
            tuple(images),
            tuple(snapshots),
            rules_error=classify_error(exc, region=region),
        )
    return RegionBin(region, account, tuple(images), tuple(snapshots), rules)


@dataclass(frozen=True, slots=True)
class RestoreFacts:
    """What a restore plan is decided on, read fresh just before planning."""

    bins: Mapping[str, RegionBin]
    #: region -> the ids, among the snapshots the chosen images map, that exist (not binned).
    live_snapshots: Mapping[str, frozenset[str]] = field(default_factory=dict)
    #: (region, image id) -> the snapshots it mapped when amitui deregistered it. Absent:
    #: unknown (deregistered elsewhere).
    mapped: Mapping[BinRef, tuple[str, ...]] = field(default_factory=dict)


RESTORE_ACTION = "restore"


def restore_step_id(kind: str, ref: BinRef) -> str:
    word = "image" if kind == IMAGES else "snapshot"
    return f"restore-{word}:{ref[0]}/{ref[1]}"


def _restore_step(item: Binned, reason: str, *, account: str, depends: Sequence[str] = ()) -> Step:
    if item.kind == IMAGES:
        operation, params = "RestoreImageFromRecycleBin", {"ImageId": item.resource_id}
    else:
        operation, params = "RestoreSnapshotFromRecycleBin", {"SnapshotId": item.resource_id}
    return Step(
        restore_step_id(item.kind, item.ref),
        item.region,
        operation,
        item.resource_id,
        params,
        reason,
        depends_on=tuple(depends),
        account=account,
    )


def plan_restore(chosen: Sequence[BinRef], facts: RestoreFacts, *, account: str = "") -> Plan:
    """Restore the chosen images and snapshots; an image's binned snapshots come with it.

    An image whose snapshots are gone for good (neither in the account nor in the bin) is
    left out: restored, it would be registered but unusable."""
    steps: dict[str, Step] = {}
    notes: list[str] = []
    wanted_snapshots: list[Binned] = []
    for region, resource_id in chosen:
        region_bin = facts.bins.get(region, RegionBin(region))
        item = region_bin.find(resource_id)
        if item is None:
            kind = IMAGES if resource_id.startswith("ami-") else SNAPSHOTS
            step = _restore_step(
                Binned(kind, region, resource_id, "", "", None, None),
                "left out: no longer in the Recycle Bin (restored, or its retention ran out)",
                account=account,
            )
            steps[step.step_id] = replace(step, excluded=True)
            continue
        if item.kind == SNAPSHOTS:
            wanted_snapshots.append(item)
            continue
        mapped = facts.mapped.get(item.ref)
        if mapped is None:
            steps[restore_step_id(IMAGES, item.ref)] = _restore_step(
                item, f"restore {item.name or item.resource_id}", account=account
            )
            notes.append(
                f"{item.resource_id}: amitui did not deregister it, so it cannot tell which "
                "snapshots it maps; if they are gone, the restored image will not launch."
            )
            continue
        live = facts.live_snapshots.get(region, frozenset())
        binned = [s for s in mapped if s not in live and region_bin.find(s) is not None]
        gone = [s for s in mapped if s not in live and region_bin.find(s) is None]
        if gone:
            step_id = restore_step_id(IMAGES, item.ref)
            steps[step_id] = replace(
                _restore_step(item, "", account=account),
                reason=f"left out: its snapshots {', '.join(gone)} are gone for good (neither "
                "in the account nor in the Recycle Bin); restored, the image would be unusable",
                excluded=True,
            )
            notes.append(
                f"{item.resource_id} cannot be restored usefully: {counted(len(gone), 'snapshot')}"
                " it maps no longer exist."
            )
            continue
        depends = []
        for snapshot_id in binned:
            snapshot = region_bin.find(snapshot_id)
            assert snapshot is not None  # chosen above from the bin
            step = _restore_step(
                snapshot, f"mapped by {item.resource_id}: restored with it", account=account
            )
            steps.setdefault(step.step_id, step)
            depends.append(step.step_id)
        with_snapshots = f" after its {counted(len(binned), 'snapshot')}" if binned else ""
        steps[restore_step_id(IMAGES, item.ref)] = _restore_step(
            item, f"restore {item.name or item.resource_id}{with_snapshots}",
            account=account, depends=depends,
        )  # fmt: skip
    for snapshot in wanted_snapshots:
        step = _restore_step(snapshot, f"restore {snapshot.resource_id}", account=account)
        steps.setdefault(step.step_id, step)
    runnable = [s for s in steps.values() if not s.excluded]
    images = sum(1 for s in runnable if s.operation == "RestoreImageFromRecycleBin")
    snapshots = len(runnable) - images
    return Plan(
        action=RESTORE_ACTION,
        title=f"Restore {counted(images, 'image')} and {counted(snapshots, 'snapshot')} "
        "from the Recycle Bin",
        steps=tuple(steps.values()),
        notes=tuple(notes),
    )


async def live_snapshots(
    aws: AwsSession, region: str, snapshot_ids: Sequence[str]
) -> dict[str, Mapping[str, Any]]:
    """The snapshots among ``snapshot_ids`` that exist, by id (a filter, not SnapshotIds:
    EC2 refuses a whole SnapshotIds call when one of them is unknown)."""
    found: dict[str, Mapping[str, Any]] = {}
    if not snapshot_ids:
        return found
    async for page in aws.paginate(
        region,
        "DescribeSnapshots",
        OwnerIds=["self"],
        Filters=[{"Name": "snapshot-id", "Values": list(snapshot_ids)}],
    ):
        for record in page.get("Snapshots", []):
            found[str(record["SnapshotId"])] = record
    return found


def journaled_mappings(entries: Iterable[Mapping[str, Any]]) -> dict[BinRef, tuple[str, ...]]:
    """(region, image id) -> the snapshots it mapped, from the DeregisterImage steps amitui
    journaled (their ``before``): what EC2's bin cannot say about a binned image."""
    mapped: dict[BinRef, tuple[str, ...]] = {}
    for entry in entries:
        before = entry.get("before")
        if entry.get("operation") != "DeregisterImage" or not isinstance(before, Mapping):
            continue
        ids = before.get("SnapshotIds")
        if isinstance(ids, list):
            mapped[(str(entry.get("region")), str(entry.get("target")))] = tuple(map(str, ids))
    return mapped


async def restore_facts(
    aws: AwsSession,
    bins: Mapping[str, RegionBin],
    chosen: Sequence[BinRef],
    mapped: Mapping[BinRef, tuple[str, ...]],
) -> RestoreFacts:
    """Which snapshots of the chosen images still exist, read fresh, per region."""
    wanted: dict[str, set[str]] = {}
    for ref in chosen:
        for snapshot_id in mapped.get(ref, ()):
            wanted.setdefault(ref[0], set()).add(snapshot_id)
    live = {
        region: frozenset(await live_snapshots(aws, region, sorted(ids)))
        for region, ids in wanted.items()
    }
    return RestoreFacts(bins, live, {ref: mapped[ref] for ref in chosen if ref in mapped})
