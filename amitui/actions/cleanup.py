"""Deregister with cleanup: plan, then execute. The feature users trust us with.

The safety rules (DESIGN.md, "Deregister with cleanup"), and where each one lives:

1. Only images the account owns; deregistration protection blocks, with the way out shown
   (:func:`plan_deregister`, :func:`protection_way_out`, :func:`plan_lift_protection`).
2. An image in use (any instance, launch template version, launch configuration or Auto
   Scaling group) is excluded, with its users named (:mod:`amitui.actions.references`);
   so is an image another loaded account uses, or an image usage report says an account
   uses, with that account named (:attr:`CleanupFacts.foreign`, :attr:`CleanupFacts.reports`).
3. A snapshot is deleted only when no other registered image (deprecated and disabled
   included) maps it. The plan re-checks with a fresh ``DescribeImages`` filtered by
   ``block-device-mapping.snapshot-id`` in the snapshot's region; a stale inventory is never
   trusted for a delete (it can only add reasons to keep). A kept snapshot names its keeper.
4. Deregister first, then delete snapshots: every ``DeleteSnapshot`` step depends on the
   ``DeregisterImage`` step of every planned image that maps it. ``InvalidSnapshot.InUse`` is
   retried briefly (:data:`RETRY_IN_USE`); a snapshot left behind is reported with the reason
   (:func:`left_behind`).
5. The plan shows GiB freed and an estimated monthly saving.

Reruns converge: :func:`execute_cleanup` skips steps the journal says already succeeded, and
an image already gone (``InvalidAMIID.NotFound``/``Unavailable``) or a snapshot already gone
(``InvalidSnapshot.NotFound``) counts as done for that step only - it never widens what the
plan deletes. An image that a fresh ``DescribeImages`` no longer finds is left out of a new
plan: its remaining snapshots become orphans, cleaned by their own reviewed plan
(:func:`plan_delete_orphans`).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncGenerator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from amitui.actions.execute import RetryPolicy, Sessions, execute
from amitui.actions.recycle_bin import IMAGES, SNAPSHOTS, RetentionRule, load_rules, retaining
from amitui.actions.references import (
    USAGE_REPORT_BLIND_SPOT,
    CrossAccountUses,
    ImageUse,
    RegionUses,
    UsageReport,
    region_uses,
)
from amitui.aws import AwsSession
from amitui.aws_errors import classify_error
from amitui.journal import Journal, succeeded_steps
from amitui.model import (
    AwsError,
    Image,
    ImageKey,
    Inventory,
    Plan,
    Snapshot,
    Step,
    StepOutcome,
    StepResult,
    cooldown_until,
)
from amitui.text import countdown, counted
from amitui.totals import SNAPSHOT_PRICE_PER_GIB_MONTH

DEREGISTER_ACTION = "deregister"
ORPHANS_ACTION = "delete-orphaned-snapshots"
UNPROTECT_ACTION = "lift-deregistration-protection"

#: Values per DescribeImages filter / ImageIds per call.
DESCRIBE_BATCH = 200

#: The errors that mean "this step's effect already holds" (a rerun, or another tool did it).
IMAGE_GONE = frozenset({"InvalidAMIID.NotFound", "InvalidAMIID.Unavailable"})
SNAPSHOT_GONE = frozenset({"InvalidSnapshot.NotFound"})
SNAPSHOT_IN_USE = "InvalidSnapshot.InUse"


def retry_in_use(delay: float = 1.0, attempts: int = 5) -> RetryPolicy:
    """Retry ``InvalidSnapshot.InUse`` briefly: EC2 is eventually consistent right after a
    deregistration (about 1+2+4+8 s by default)."""
    return RetryPolicy(frozenset({SNAPSHOT_IN_USE}), attempts=attempts, delay=delay)


RETRY_IN_USE = retry_in_use()


# --- facts: the read-only lookups a plan is made from -------------------------------------


@dataclass(frozen=True, slots=True)
class RegionFacts:
    """Fresh answers from one region, taken just before planning."""

    region: str
    #: DescribeImages of the images the user chose, by id (an image missing here is gone).
    images: Mapping[str, Image] = field(default_factory=dict)
    images_error: AwsError | None = None
    #: snapshot id -> every registered image that maps it (DescribeImages filtered by
    #: block-device-mapping.snapshot-id, deprecated and disabled images included).
    snapshot_users: Mapping[str, tuple[Image, ...]] = field(default_factory=dict)
    snapshot_users_error: AwsError | None = None
    uses: RegionUses | None = None
    #: Recycle Bin retention rules of the region (what stays restorable).
    retention: tuple[RetentionRule, ...] = ()
    retention_error: AwsError | None = None


@dataclass(frozen=True, slots=True)
class CleanupFacts:
    account_id: str
    regions: Mapping[str, RegionFacts]
    #: What other loaded accounts do with the images (None: not asked, one account loaded).
    foreign: CrossAccountUses | None = None
    #: Image usage reports the user asked for, by image key.
    reports: Mapping[ImageKey, UsageReport] = field(default_factory=dict)


async def _describe_images(
    aws: AwsSession, region: str, account: str = "", **params: Any
) -> list[Image]:
    found: list[Image] = []
    async for page in aws.paginate(
        region, "DescribeImages", IncludeDeprecated=True, IncludeDisabled=True, **params
    ):
        found.extend(Image.from_aws(region, record, account) for record in page.get("Images", []))
    return found


def _batches(items: Sequence[str], size: int = DESCRIBE_BATCH) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


async def fresh_images(
    aws: AwsSession, region: str, image_ids: Sequence[str], account: str = ""
) -> dict[str, Image]:
    """The images among ``image_ids`` that are still registered, as EC2 says right now (each
    with its DescribeImages record; ``account``: the account they are keyed by)."""
    found: dict[str, Image] = {}
    for batch in _batches(image_ids):
        try:
            images = await _describe_images(aws, region, account, ImageIds=batch)
        except Exception as exc:
            # EC2 refuses the whole call when one id is unknown; ask one by one then.
            if classify_error(exc).code not in IMAGE_GONE:
                raise
            images = []
            for image_id in batch:
                try:
                    images += await _describe_images(aws, region, account, ImageIds=[image_id])
                except Exception as single:
                    if classify_error(single).code not in IMAGE_GONE:
                        raise
        found.update((i.image_id, i) for i in images if i.state != "deregistered")
    return found


async def snapshot_users(
    aws: AwsSession, region: str, snapshot_ids: Sequence[str]
) -> dict[str, tuple[Image, ...]]:
    """snapshot id -> every registered image of the account that maps it, asked fresh."""
    users: dict[str, list[Image]] = defaultdict(list)
    wanted = set(snapshot_ids)
    for batch in _batches(sorted(wanted)):
        for image in await _describe_images(
            aws,
            region,
            Owners=["self"],
            Filters=[{"Name": "block-device-mapping.snapshot-id", "Values": batch}],
        ):
            for snapshot_id in dict.fromkeys(image.snapshot_ids):
                if snapshot_id in wanted:
                    users[snapshot_id].append(image)
    return {k: tuple(v) for k, v in users.items()}


async def _region_facts(
    aws: AwsSession, region: str, image_ids: Sequence[str], extra_snapshots: Sequence[str]
) -> RegionFacts:
    uses_task = asyncio.create_task(region_uses(aws, region, image_ids))
    retention_task = asyncio.create_task(_retention(aws, region))
    images: dict[str, Image] = {}
    images_error = None
    try:
        images = await fresh_images(aws, region, image_ids)
    except Exception as exc:
        images_error = classify_error(exc, region=region, profile=aws.profile)
    # The snapshots to re-check are the ones the images map NOW (plus the inventory's view).
    wanted = sorted({s for i in images.values() for s in i.snapshot_ids} | set(extra_snapshots))
    users: dict[str, tuple[Image, ...]] = {}
    users_error = None
    try:
        users = await snapshot_users(aws, region, wanted) if wanted else {}
    except Exception as exc:
        users_error = classify_error(exc, region=region, profile=aws.profile)
    retention, retention_error = await retention_task
    return RegionFacts(
        region,
        images,
        images_error,
        users,
        users_error,
        await uses_task,
        retention,
        retention_error,
    )


async def _retention(
    aws: AwsSession, region: str
) -> tuple[tuple[RetentionRule, ...], AwsError | None]:
    try:
        return await load_rules(aws, region), None
    except Exception as exc:  # shown as a note: then nothing counts as restorable
        return (), classify_error(exc, region=region, profile=aws.profile)


async def gather_facts(aws: AwsSession, images: Sequence[Image], account_id: str) -> CleanupFacts:
    """Every read-only lookup :func:`plan_deregister` needs, all regions concurrently."""
    by_region: dict[str, list[Image]] = defaultdict(list)
    for image in images:
        by_region[image.region].append(image)
    results = await asyncio.gather(
        *(
            _region_facts(
                aws,
                region,
                sorted({i.image_id for i in chosen}),
                sorted({s for i in chosen for s in i.snapshot_ids}),
            )
            for region, chosen in by_region.items()
        )
    )
    return CleanupFacts(account_id, {r.region: r for r in results})


# --- the plan -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SnapshotFate:
    region: str
    snapshot_id: str
    size_gib: int
    storage_tier: str
    delete: bool
    reason: str
    #: Images (other than the ones being deregistered) that map it and so keep it.
    kept_by: tuple[str, ...] = ()
    #: Days a Recycle Bin rule keeps it restorable after deletion (None: not retained).
    restorable_days: int | None = None

    @property
    def monthly_cost(self) -> float:
        price = SNAPSHOT_PRICE_PER_GIB_MONTH.get(
            self.storage_tier, SNAPSHOT_PRICE_PER_GIB_MONTH["standard"]
        )
        return self.size_gib * price


@dataclass(frozen=True, slots=True)
class ImageVerdict:
    """What the plan does with one chosen image, and why."""

    image: Image
    deregister: bool
    #: Why it is left out (empty when it is deregistered).
    excluded_because: str = ""
    uses: tuple[ImageUse, ...] = ()
    protection: str | None = None
    #: For a protected image: how to lift the protection.
    way_out: str = ""
    snapshots: tuple[SnapshotFate, ...] = ()
    #: Days a Recycle Bin rule keeps the image restorable (None: not retained).
    restorable_days: int | None = None


@dataclass(frozen=True, slots=True)
class CleanupPlan:
    plan: Plan
    verdicts: tuple[ImageVerdict, ...]
    snapshots: tuple[SnapshotFate, ...]

    @property
    def freed_gib(self) -> int:
        return sum(s.size_gib for s in self.snapshots if s.delete)

    @property
    def monthly_saving(self) -> float:
        return sum(s.monthly_cost for s in self.snapshots if s.delete)

    @property
    def protected(self) -> tuple[ImageVerdict, ...]:
        return tuple(v for v in self.verdicts if v.protection and not v.deregister)


def deregister_step_id(key: ImageKey) -> str:
    return f"deregister:{key.region}/{key.image_id}"


def delete_snapshot_step_id(region: str, snapshot_id: str) -> str:
    return f"delete-snapshot:{region}/{snapshot_id}"


def is_protected(protection: str | None) -> bool:
    """``DeregistrationProtection`` as DescribeImages reports it: anything but "disabled"
    blocks (``enabled-…``, or ``disabled-until <time>`` while a cooldown runs)."""
    return bool(protection) and protection != "disabled"


def protection_way_out(image: Image) -> str:
    protection = image.deregistration_protection or ""
    if protection.startswith("disabled-until"):
        until = protection.removeprefix("disabled-until").strip()
        return (
            f"protection was lifted with a 24-hour cooldown; it can be deregistered after {until}"
        )
    if protection == "enabled-with-cooldown":
        return (
            "lift it (DisableImageDeregistrationProtection); its 24-hour cooldown must then "
            "pass before it can be deregistered"
        )
    return "lift it (DisableImageDeregistrationProtection), then deregister it"


def _uses_text(uses: Sequence[ImageUse], limit: int = 4) -> str:
    shown = ", ".join(u.describe() for u in uses[:limit])
    more = len(uses) - limit
    return f"{shown} and {more} more" if more > 0 else shown


def _judge(image: Image, facts: CleanupFacts) -> ImageVerdict:
    """Rules 1 and 2 for one image, from fresh facts."""
    region = facts.regions.get(image.region)
    if region is None or region.images_error is not None:
        why = region.images_error.describe() if region and region.images_error else "no answer"
        return ImageVerdict(image, False, f"could not re-read the image from EC2: {why}")
    fresh = region.images.get(image.image_id)
    if fresh is None:
        return ImageVerdict(
            image,
            False,
            "already deregistered (EC2 no longer finds it); any snapshots it left are "
            "listed as orphaned snapshots",
        )
    if fresh.owner_id != facts.account_id:
        return ImageVerdict(
            fresh,
            False,
            f"not owned by this account (owner {fresh.owner_id or 'unknown'}); "
            "only the owner can deregister it",
        )
    if is_protected(fresh.deregistration_protection):
        way_out = protection_way_out(fresh)
        why = f"deregistration protection is on ({fresh.deregistration_protection}): {way_out}"
        # Lifting the protection would not make it deletable: say so now, with who uses it.
        elsewhere = _judge_elsewhere(image, fresh, facts)
        if elsewhere.uses:
            why += f"; and it is {elsewhere.excluded_because}"
        return ImageVerdict(
            fresh,
            False,
            why,
            uses=elsewhere.uses,
            protection=fresh.deregistration_protection,
            way_out=way_out,
        )
    if region.uses is None or region.uses.error is not None:
        why = region.uses.error.describe() if region.uses and region.uses.error else "no answer"
        return ImageVerdict(fresh, False, f"could not check what uses it: {why}")
    uses = region.uses.of(fresh.image_id)
    if uses:
        return ImageVerdict(fresh, False, f"in use by {_uses_text(uses)}", uses=uses)
    return _judge_elsewhere(image, fresh, facts)


def _judge_elsewhere(image: Image, fresh: Image, facts: CleanupFacts) -> ImageVerdict:
    """Rule 2 across accounts: used by another loaded account, or in a usage report."""
    foreign = facts.foreign
    if foreign is not None:
        if image.key in foreign.errors:
            return ImageVerdict(fresh, False, foreign.errors[image.key])
        uses = foreign.of(image.key)
        if uses:
            by_account: dict[str, list[ImageUse]] = defaultdict(list)
            for use in uses:
                by_account[use.account].append(replace(use, account=""))
            parts = [f"account {a}: {_uses_text(found)}" for a, found in by_account.items()]
            return ImageVerdict(fresh, False, "in use in " + "; ".join(parts), uses=uses)
    report = facts.reports.get(image.key)
    if report is not None and report.error is not None:
        return ImageVerdict(
            fresh, False, f"the image usage report failed: {report.error.describe()}"
        )
    if report is not None and report.entries:
        found = ", ".join(e.describe() for e in report.entries)
        reported = tuple(
            ImageUse(e.resource_type, f"x{e.count}", "per an image usage report", e.account_id)
            for e in report.entries
        )
        return ImageVerdict(
            fresh, False, f"in use in another account per an image usage report: {found}",
            uses=reported,
        )  # fmt: skip
    return ImageVerdict(fresh, True)


def _size_and_tier(inventory: Inventory, image: Image, snapshot_id: str) -> tuple[int, str]:
    snapshot: Snapshot | None = inventory.snapshot(image.region, snapshot_id)
    if snapshot is not None:
        return snapshot.volume_size, snapshot.storage_tier or "standard"
    size = next(
        (d.volume_size or 0 for d in image.block_devices if d.snapshot_id == snapshot_id), 0
    )
    return size, "standard"


def _image_label(image: Image) -> str:
    return f"{image.image_id} ({image.name})" if image.name else image.image_id


def plan_deregister(
    inventory: Inventory, images: Sequence[Image], facts: CleanupFacts
) -> CleanupPlan:
    """Pure: the deregister-with-cleanup plan for ``images`` from ``facts``."""
    chosen = list({i.key: i for i in images}.values())
    verdicts = [_judge(image, facts) for image in chosen]
    going = {v.image.key for v in verdicts if v.deregister}

    fates: dict[tuple[str, str], SnapshotFate] = {}
    depends: dict[tuple[str, str], list[str]] = defaultdict(list)
    image_fates: dict[ImageKey, list[SnapshotFate]] = defaultdict(list)
    for verdict in verdicts:
        if not verdict.deregister:
            continue
        image = verdict.image
        region = facts.regions[image.region]
        for snapshot_id in dict.fromkeys(image.snapshot_ids):
            key = (image.region, snapshot_id)
            depends[key].append(deregister_step_id(image.key))
            if key not in fates:
                fates[key] = _snapshot_fate(inventory, image, snapshot_id, region, going)
            image_fates[image.key].append(fates[key])

    steps: list[Step] = []
    final_verdicts: list[ImageVerdict] = []
    for verdict in verdicts:
        image = verdict.image
        if not verdict.deregister:
            final_verdicts.append(verdict)
            steps.append(
                Step(
                    deregister_step_id(image.key),
                    image.region,
                    "DeregisterImage",
                    image.image_id,
                    {"ImageId": image.image_id},
                    f"{image.name}: left out, {verdict.excluded_because}",
                    excluded=True,
                )
            )
            continue
        own = tuple(image_fates[image.key])
        image_rule = retaining(facts.regions[image.region].retention, IMAGES, image.tags)
        final_verdicts.append(
            ImageVerdict(
                image, True, snapshots=own, restorable_days=image_rule.days if image_rule else None
            )
        )
        deleted = [f for f in own if f.delete]
        kept = [f for f in own if not f.delete]
        summary = f"{image.name}: deletes {counted(len(deleted), 'snapshot')}"
        if deleted:
            summary += f" ({sum(f.size_gib for f in deleted)} GiB)"
        if kept:
            summary += f", keeps {len(kept)}"
        if image_rule is not None:
            summary += f"; Recycle Bin keeps it restorable for {image_rule.days} days"
        steps.append(
            Step(
                deregister_step_id(image.key),
                image.region,
                "DeregisterImage",
                image.image_id,
                {"ImageId": image.image_id},
                summary,
                # What a restore from the Recycle Bin needs to know: EC2's bin does not say.
                before={"SnapshotIds": list(image.snapshot_ids)},
            )
        )
    for key, fate in fates.items():
        snapshot_region, snapshot_id = key
        if fate.delete:
            steps.append(
                Step(
                    delete_snapshot_step_id(snapshot_region, snapshot_id),
                    snapshot_region,
                    "DeleteSnapshot",
                    snapshot_id,
                    {"SnapshotId": snapshot_id},
                    fate.reason,
                    depends_on=tuple(dict.fromkeys(depends[key])),
                )
            )
        else:
            steps.append(
                Step(
                    f"keep-snapshot:{snapshot_region}/{snapshot_id}",
                    snapshot_region,
                    "DeleteSnapshot",
                    snapshot_id,
                    {"SnapshotId": snapshot_id},
                    fate.reason,
                    excluded=True,
                )
            )
    cleanup = CleanupPlan(Plan("", "", ()), tuple(final_verdicts), tuple(fates.values()))
    retention_errors = {
        r: f.retention_error for r, f in facts.regions.items() if f.retention_error is not None
    }
    runnable_images = [v for v in final_verdicts if v.deregister]
    deletes = sum(1 for f in fates.values() if f.delete)
    return CleanupPlan(
        Plan(
            action=DEREGISTER_ACTION,
            title=f"Deregister {counted(len(runnable_images), 'image')} "
            f"and delete {counted(deletes, 'snapshot')}",
            steps=tuple(steps),
            notes=_notes(cleanup, retention_errors, facts),
            destructive=True,
            confirm_text=_confirm_text([v.image.image_id for v in runnable_images]),
        ),
        cleanup.verdicts,
        cleanup.snapshots,
    )


def plan_deregister_accounts(
    inventory: Inventory, chosen: Sequence[tuple[Sequence[Image], CleanupFacts]]
) -> CleanupPlan:
    """Pure: one deregister-with-cleanup plan over several accounts, each account's images
    judged on its own facts; every step names the account whose credentials send it
    (``Step.account`` = ``facts.account_id``). One account: :func:`plan_deregister`'s plan,
    its steps so named."""
    parts = [plan_deregister(inventory, images, facts) for images, facts in chosen]
    if len(chosen) == 1:
        (part,), ((_, facts),) = parts, chosen
        steps = tuple(replace(s, account=facts.account_id) for s in part.plan.steps)
        return replace(part, plan=replace(part.plan, steps=steps))
    steps = tuple(
        replace(step, account=facts.account_id)
        for part, (_, facts) in zip(parts, chosen, strict=True)
        for step in part.plan.steps
    )
    verdicts = tuple(v for part in parts for v in part.verdicts)
    going = [v.image.image_id for v in verdicts if v.deregister]
    deletes = sum(1 for s in steps if s.operation == "DeleteSnapshot" and not s.excluded)
    return CleanupPlan(
        Plan(
            action=DEREGISTER_ACTION,
            title=f"Deregister {counted(len(going), 'image')} and delete "
            f"{counted(deletes, 'snapshot')} in {len(chosen)} accounts",
            steps=steps,
            notes=tuple(dict.fromkeys(n for part in parts for n in part.plan.notes)),
            destructive=True,
            confirm_text=_confirm_text(going),
        ),
        verdicts,
        tuple(f for part in parts for f in part.snapshots),
    )


def _confirm_text(targets: Sequence[str]) -> str:
    """The image id (or snapshot id) for one target, else how many there are."""
    if not targets:
        return ""
    return targets[0] if len(targets) == 1 else str(len(targets))


def _snapshot_fate(
    inventory: Inventory,
    image: Image,
    snapshot_id: str,
    region: RegionFacts,
    going: set[ImageKey],
) -> SnapshotFate:
    size, tier = _size_and_tier(inventory, image, snapshot_id)

    def keep(reason: str, kept_by: tuple[str, ...] = ()) -> SnapshotFate:
        return SnapshotFate(image.region, snapshot_id, size, tier, False, reason, kept_by)

    if region.snapshot_users_error is not None:
        return keep(
            "kept: could not verify that no other image maps it "
            f"({region.snapshot_users_error.describe()})"
        )
    # Fresh answer decides; the inventory can only add keepers (never remove one).
    users = {i.key: i for i in region.snapshot_users.get(snapshot_id, ())}
    for stale in inventory.images_mapping(image.region, snapshot_id):
        users.setdefault(stale.key, stale)
    keepers = [i for k, i in sorted(users.items()) if k not in going]
    if keepers:
        labels = tuple(_image_label(i) for i in keepers)
        return keep(f"kept: also mapped by {', '.join(labels)}", tuple(i.image_id for i in keepers))
    snapshot = inventory.snapshot(image.region, snapshot_id)
    if snapshot is not None and snapshot.owner_id and snapshot.owner_id != image.owner_id:
        return keep(f"kept: owned by another account ({snapshot.owner_id})")
    mappers = sorted(k.image_id for k in users if k in going) or [image.image_id]
    tags = snapshot.tags if snapshot is not None else ()
    rule = retaining(region.retention, SNAPSHOTS, tags)
    reason = f"{size} GiB {tier}; mapped only by {', '.join(mappers)} (deregistered first)"
    if rule is not None:
        reason += f"; Recycle Bin keeps it restorable for {rule.days} days"
    return SnapshotFate(
        image.region,
        snapshot_id,
        size,
        tier,
        True,
        reason,
        restorable_days=rule.days if rule else None,
    )


def _elsewhere_notes(cleanup: CleanupPlan, facts: CleanupFacts | None) -> list[str]:
    """What could not be checked in other accounts, and what a usage report may miss."""
    if facts is None:
        return []
    notes: list[str] = []
    going = [v.image for v in cleanup.verdicts if v.deregister]
    foreign = facts.foreign
    for image in going:
        unread = foreign.unread.get(image.key, ()) if foreign else ()
        report = facts.reports.get(image.key)
        if unread and report is None:
            notes.append(
                f"{_image_label(image)} is shared with {counted(len(unread), 'account')} "
                f"amitui cannot read ({', '.join(unread)}): their use is not checked. An "
                "image usage report can check it."
            )
        wide = foreign.wide.get(image.key, ()) if foreign else ()
        if wide and report is None:
            notes.append(
                f"{_image_label(image)} is shared with {', '.join(wide)}: only the loaded "
                "accounts were checked. An image usage report can check the others."
            )
    if any(r.error is None for r in facts.reports.values()):
        notes.append(f"Image usage reports: {USAGE_REPORT_BLIND_SPOT}.")
    return notes


def _notes(
    cleanup: CleanupPlan,
    retention_errors: Mapping[str, AwsError] | None = None,
    facts: CleanupFacts | None = None,
) -> tuple[str, ...]:
    notes: list[str] = []
    deleted = [s for s in cleanup.snapshots if s.delete]
    if deleted:
        notes.append(
            f"Frees {cleanup.freed_gib} GiB of snapshots: about ${cleanup.monthly_saving:,.2f} "
            "a month (estimate: $0.05/GiB-month standard, $0.0125 archive; EBS bills "
            "changed blocks, so the real saving may be lower)."
        )
    kept = [s for s in cleanup.snapshots if not s.delete]
    if kept:
        notes.append(f"{counted(len(kept), 'snapshot')} kept because another image maps them.")
    for verdict in cleanup.verdicts:
        if verdict.protection:
            notes.append(
                f"{_image_label(verdict.image)} is protected from deregistration: "
                f"{verdict.way_out}."
            )
    in_use = [v for v in cleanup.verdicts if v.uses]
    if in_use:
        notes.append(
            f"Left out, in use: {counted(len(in_use), 'image')}; nothing that uses them changes."
        )
    notes.extend(_elsewhere_notes(cleanup, facts))
    notes.extend(_restorable_notes(cleanup, retention_errors or {}))
    return tuple(notes)


def _restorable_notes(cleanup: CleanupPlan, errors: Mapping[str, AwsError]) -> list[str]:
    """Rule 5's second half: what a Recycle Bin rule keeps restorable, and what is final."""
    images = [v for v in cleanup.verdicts if v.deregister]
    deleted = [s for s in cleanup.snapshots if s.delete]
    if not images and not deleted:
        return []
    notes = []
    kept_images = [v for v in images if v.restorable_days is not None]
    kept_snaps = [s for s in deleted if s.restorable_days is not None]
    if kept_images:
        days = max(v.restorable_days or 0 for v in kept_images)
        notes.append(
            f"Recycle Bin: {len(kept_images)} of {counted(len(images), 'image')} stay restorable "
            f"for up to {days} days."
        )
    if kept_snaps:
        days = max(s.restorable_days or 0 for s in kept_snaps)
        notes.append(
            f"Recycle Bin: {len(kept_snaps)} of {counted(len(deleted), 'snapshot')} stay "
            "restorable "
            f"for up to {days} days (and keep costing until then)."
        )
    for verdict in kept_images:
        days = verdict.restorable_days or 0
        # EC2 User Guide, Considerations for Recycle Bin: snapshots retained shorter than
        # their AMI "would make the AMI unrecoverable".
        short = [
            s.snapshot_id
            for s in verdict.snapshots
            if s.delete and (s.restorable_days is None or s.restorable_days < days)
        ]
        if short:
            notes.append(
                f"Warning: a Recycle Bin rule keeps {_image_label(verdict.image)} for {days} days,"
                f" but no snapshot rule keeps {', '.join(short)} as long: restored after they "
                "are gone, the image would be unusable."
            )
    final = (len(images) - len(kept_images)) + (len(deleted) - len(kept_snaps))
    if final:
        notes.append(
            f"Final: {counted(final, 'deregistration or deletion', 'deregistrations or deletions')}"
            " (no Recycle Bin rule covers them)."
        )
    for region, error in sorted(errors.items()):
        notes.append(
            f"Recycle Bin rules in {region} could not be read ({error.code}): "
            "assume nothing there is restorable."
        )
    return notes


def _why_not_lift(image: Image | None, account_id: str) -> str:
    """Why protection cannot or need not be lifted from ``image`` (fresh), or ""."""
    if image is None:
        return "already deregistered (EC2 no longer finds it)"
    if image.owner_id != account_id:
        return f"not owned by this account (owner {image.owner_id or 'unknown'})"
    if (image.deregistration_protection or "").startswith("disabled-until"):
        return protection_way_out(image)
    if not is_protected(image.deregistration_protection):
        return "deregistration protection is already off"
    return ""


def plan_lift_protection(
    chosen: Sequence[Image],
    fresh: Mapping[ImageKey, Image],
    account_id: str,
    *,
    clock: datetime | None = None,
) -> Plan:
    """Lift deregistration protection from ``chosen`` (``DisableImageDeregistrationProtection``
    each), judged on ``fresh`` (what EC2 says right now, by key; a missing key is gone).
    With ``clock`` (the explorer's now), a running cooldown is shown as a countdown.

    Lifting a guard is destructive: the plan is confirmed by typing, and it is only ever its
    own action - never offered as the next screen of another one.
    """
    steps: list[Step] = []
    lifted: list[str] = []
    for image in chosen:
        now = fresh.get(image.key)
        step = Step(
            f"unprotect:{image.region}/{image.image_id}",
            image.region,
            "DisableImageDeregistrationProtection",
            image.image_id,
            {"ImageId": image.image_id},
            "",
        )
        why = _why_not_lift(now, account_id)
        until = cooldown_until(now.deregistration_protection) if now else None
        if why and until is not None and clock is not None and until > clock:
            why += f" ({countdown(until, clock)} left)"
        name = (now or image).name
        if why or now is None:
            reason = f"{name}: {why}" if name else why
            steps.append(replace(step, params={}, reason=reason, excluded=True))
            continue
        reason = f"protection {now.deregistration_protection}"
        if now.deregistration_protection == "enabled-with-cooldown":
            reason += "; a 24-hour cooldown follows"
        steps.append(
            replace(
                step,
                reason=f"{name}: {reason}" if name else reason,
                before={"DeregistrationProtection": now.deregistration_protection or "disabled"},
            )
        )
        lifted.append(image.image_id)
    notes = ["Nothing is deregistered now: deregister (x) separately afterwards."]
    if any(s.reason.endswith("cooldown follows") for s in steps if not s.excluded):
        notes.append(
            "Images protected with a cooldown stay protected for 24 hours after this runs."
        )
    count = len(lifted)
    return Plan(
        action=UNPROTECT_ACTION,
        title=f"Lift deregistration protection from {count} image{'' if count == 1 else 's'}",
        steps=tuple(steps),
        notes=tuple(notes),
        destructive=True,
        confirm_text=_confirm_text(lifted),
    )


# --- orphaned snapshots -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OrphanFacts:
    """Fresh answers for orphan candidates in one region."""

    region: str
    snapshot_users: Mapping[str, tuple[Image, ...]] = field(default_factory=dict)
    #: Former images (per the snapshot descriptions) that EC2 still finds.
    still_registered: frozenset[str] = frozenset()
    error: AwsError | None = None
    retention: tuple[RetentionRule, ...] = ()
    retention_error: AwsError | None = None


async def gather_orphan_facts(
    aws: AwsSession, snapshots: Sequence[tuple[Snapshot, str]]
) -> dict[str, OrphanFacts]:
    """For (snapshot, former image id) pairs: fresh users and whether the image exists."""
    by_region: dict[str, list[tuple[Snapshot, str]]] = defaultdict(list)
    for snapshot, former in snapshots:
        by_region[snapshot.region].append((snapshot, former))

    async def one(region: str, pairs: list[tuple[Snapshot, str]]) -> OrphanFacts:
        try:
            users = await snapshot_users(aws, region, [s.snapshot_id for s, _ in pairs])
            formers = sorted({f for _, f in pairs if f})
            alive = await fresh_images(aws, region, formers) if formers else {}
        except Exception as exc:
            return OrphanFacts(
                region, error=classify_error(exc, region=region, profile=aws.profile)
            )
        retention, retention_error = await _retention(aws, region)
        return OrphanFacts(region, users, frozenset(alive), None, retention, retention_error)

    results = await asyncio.gather(*(one(r, p) for r, p in by_region.items()))
    return {r.region: r for r in results}


def plan_delete_orphans(
    snapshots: Sequence[tuple[Snapshot, str]], facts: Mapping[str, OrphanFacts]
) -> CleanupPlan:
    """Pure: delete snapshots whose image is gone, each re-checked fresh."""
    fates: list[SnapshotFate] = []
    steps: list[Step] = []
    for snapshot, former in snapshots:
        region = facts.get(snapshot.region)
        tier = snapshot.storage_tier or "standard"
        reason = ""
        keepers: tuple[str, ...] = ()
        if region is None or region.error is not None:
            why = region.error.describe() if region and region.error else "no answer"
            reason = f"kept: could not verify that no image maps it ({why})"
        elif region.snapshot_users.get(snapshot.snapshot_id):
            keepers = tuple(i.image_id for i in region.snapshot_users[snapshot.snapshot_id])
            reason = f"kept: mapped by {', '.join(keepers)}"
        elif former and former in region.still_registered:
            reason = f"kept: its image {former} is still registered"
        delete = not reason
        rule = None
        if delete and region is not None:
            reason = f"{snapshot.volume_size} GiB {tier}; its image {former or '?'} is gone"
            rule = retaining(region.retention, SNAPSHOTS, snapshot.tags)
            if rule is not None:
                reason += f"; Recycle Bin keeps it restorable for {rule.days} days"
        fate = SnapshotFate(
            snapshot.region,
            snapshot.snapshot_id,
            snapshot.volume_size,
            tier,
            delete,
            reason,
            keepers,
            rule.days if rule else None,
        )
        fates.append(fate)
        steps.append(
            Step(
                delete_snapshot_step_id(snapshot.region, snapshot.snapshot_id)
                if delete
                else f"keep-snapshot:{snapshot.region}/{snapshot.snapshot_id}",
                snapshot.region,
                "DeleteSnapshot",
                snapshot.snapshot_id,
                {"SnapshotId": snapshot.snapshot_id},
                reason,
                excluded=not delete,
            )
        )
    cleanup = CleanupPlan(Plan("", "", ()), (), tuple(fates))
    deleted = [f.snapshot_id for f in fates if f.delete]
    errors = {r: f.retention_error for r, f in facts.items() if f.retention_error is not None}
    notes = _notes(cleanup, errors)
    return CleanupPlan(
        Plan(
            action=ORPHANS_ACTION,
            title=f"Delete {counted(len(deleted), 'orphaned snapshot')}",
            steps=tuple(steps),
            notes=tuple(notes),
            destructive=True,
            confirm_text=_confirm_text(deleted),
        ),
        (),
        tuple(fates),
    )


# --- execution ------------------------------------------------------------------------------


def cleanup_policy(step: Step, *, retry_delay: float = 1.0) -> RetryPolicy:
    """Per-step policy: snapshots retry ``InUse`` briefly; "already gone" counts as done."""
    if step.operation == "DeleteSnapshot":
        return RetryPolicy(
            frozenset({SNAPSHOT_IN_USE}),
            attempts=5,
            delay=retry_delay,
            done_codes=SNAPSHOT_GONE,
        )
    if step.operation == "DeregisterImage":
        return RetryPolicy(done_codes=IMAGE_GONE)
    return RetryPolicy()


async def execute_cleanup(
    aws: Sessions,
    plan: Plan,
    journal: Journal,
    *,
    retry_delay: float = 1.0,
    cancel: asyncio.Event | None = None,
    journal_path: Path | None = None,
    preflight: bool = False,
) -> AsyncGenerator[StepResult, None]:
    """Execute a cleanup plan; steps an earlier run already did (journal) are not resent.
    ``preflight``: an EC2 DryRun of every call first (nothing runs unless all are allowed)."""
    done = succeeded_steps(plan, journal_path or journal.path, account=journal.account or None)
    async for result in execute(
        aws,
        plan,
        journal,
        retry=lambda step: cleanup_policy(step, retry_delay=retry_delay),
        done=done,
        cancel=cancel,
        preflight=preflight and not done,
    ):
        yield result


@dataclass(frozen=True, slots=True)
class LeftBehind:
    region: str
    operation: str
    target: str
    reason: str


def left_behind(results: Iterable[StepResult]) -> list[LeftBehind]:
    """Everything a run did not get done, with the reason: failed and skipped steps."""
    left = []
    for result in results:
        if result.outcome is StepOutcome.OK:
            continue
        if result.error is not None:
            reason = result.error.describe()
            if result.detail:
                reason += f" ({result.detail})"
        else:
            reason = result.detail or result.outcome.value
        step = result.step
        left.append(LeftBehind(step.region, step.operation, step.target, reason))
    return sorted(left, key=lambda x: (x.operation != "DeregisterImage", x.region, x.target))
