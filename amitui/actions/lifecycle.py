"""Disable / enable, deregistration protection on, and tags: the lifecycle actions.

Each planner is pure over fresh facts (:func:`gather_facts`: DescribeImages, the launch
permissions, what uses each image, the snapshots' tags) and returns a :class:`Plan` whose
steps carry ``before`` (the state the call changes, as read when planning; journaled so an
undo can put it back, never sent). The shapes, which undo relies on:

- ``DisableImage``: ``{"LaunchPermissions": [<DescribeImageAttribute launchPermission
  entries as EC2 returns them: {"UserId": …} / {"Group": "all"} / {"OrganizationArn": …} /
  {"OrganizationalUnitArn": …}>]}``
- ``EnableImage``: ``{"State": "disabled"}``
- ``EnableImageDeregistrationProtection`` (and the lift,
  :func:`amitui.actions.cleanup.plan_lift_protection`): ``{"DeregistrationProtection":
  <DescribeImages' previous value, or "disabled">}``
- ``CreateTags``: ``{"Tags": [{"Key": k, "Value": previous} for keys that existed],
  "Absent": [keys that did not exist]}``
- ``DeleteTags``: ``{"Tags": [{"Key": k, "Value": v} removed]}``

Safety: disabling removes every launch permission (EC2 restores none on enable), so it is a
destructive plan (typed confirmation) and an image in use (the cleanup's rule,
:mod:`amitui.actions.references`) is left out unless the user overrides it explicitly.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from amitui.actions.cleanup import fresh_images
from amitui.actions.references import ImageUse, RegionUses, region_uses
from amitui.actions.validate import InvalidInput
from amitui.aws import AwsSession
from amitui.aws_errors import classify_error
from amitui.model import AwsError, Image, ImageKey, Plan, Step
from amitui.text import counted, protection_text

DISABLE_ACTION = "disable"
ENABLE_ACTION = "enable"
PROTECT_ACTION = "protect"
TAGS_ACTION = "tags"

#: EC2 tag rules (user guide, "Tag your Amazon EC2 resources", tag restrictions).
MAX_TAGS_PER_RESOURCE = 50
MAX_KEY_LENGTH = 128
MAX_VALUE_LENGTH = 256
RESERVED_PREFIX = "aws:"

#: Snapshot ids per DescribeSnapshots call.
SNAPSHOT_BATCH = 200


# --- facts ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ImageFacts:
    """What EC2 says about one chosen image right now."""

    #: The image as DescribeImages answers it; None: no longer registered.
    image: Image | None
    #: DescribeImageAttribute launchPermission entries; None when not asked for or failed.
    launch_permissions: tuple[Mapping[str, str], ...] | None = None
    uses: tuple[ImageUse, ...] = ()
    #: Why a lookup failed (the image is then left out: a plan never guesses).
    error: AwsError | None = None


@dataclass(frozen=True, slots=True)
class LifecycleFacts:
    account_id: str
    images: Mapping[ImageKey, ImageFacts]
    #: (region, snapshot id) -> its tags; a snapshot missing here was not found (or not ours).
    snapshot_tags: Mapping[tuple[str, str], tuple[tuple[str, str], ...]] = field(
        default_factory=dict
    )
    #: region -> why its snapshots could not be read.
    snapshot_errors: Mapping[str, AwsError] = field(default_factory=dict)

    def of(self, image: Image) -> ImageFacts:
        return self.images.get(image.key, ImageFacts(None))


async def _launch_permissions(
    aws: AwsSession, region: str, image_id: str
) -> tuple[Mapping[str, str], ...]:
    answer = await aws.call(
        region, "DescribeImageAttribute", ImageId=image_id, Attribute="launchPermission"
    )
    return tuple(dict(p) for p in answer.get("LaunchPermissions", []))


async def _snapshot_tags(
    aws: AwsSession, region: str, snapshot_ids: Sequence[str]
) -> dict[tuple[str, str], tuple[tuple[str, str], ...]]:
    found: dict[tuple[str, str], tuple[tuple[str, str], ...]] = {}

    async def describe(ids: list[str]) -> None:
        async for page in aws.paginate(region, "DescribeSnapshots", SnapshotIds=ids):
            for snapshot in page.get("Snapshots", []):
                found[(region, str(snapshot["SnapshotId"]))] = tuple(
                    (str(t["Key"]), str(t.get("Value", ""))) for t in snapshot.get("Tags", [])
                )

    for start in range(0, len(snapshot_ids), SNAPSHOT_BATCH):
        batch = list(snapshot_ids[start : start + SNAPSHOT_BATCH])
        try:
            await describe(batch)
        except Exception as exc:
            # EC2 refuses the whole call when one id is unknown: ask one by one then.
            if classify_error(exc).code != "InvalidSnapshot.NotFound":
                raise
            for snapshot_id in batch:
                try:
                    await describe([snapshot_id])
                except Exception as single:
                    if classify_error(single).code != "InvalidSnapshot.NotFound":
                        raise
    return found


async def gather_facts(
    aws: AwsSession,
    images: Sequence[Image],
    account_id: str,
    *,
    permissions: bool = False,
    uses: bool = False,
    snapshots: bool = False,
) -> LifecycleFacts:
    """Fresh lookups for ``images``, per region concurrently; failures are data."""
    by_region: dict[str, list[Image]] = {}
    for image in images:
        by_region.setdefault(image.region, []).append(image)
    facts: dict[ImageKey, ImageFacts] = {}
    snapshot_tags: dict[tuple[str, str], tuple[tuple[str, str], ...]] = {}
    snapshot_errors: dict[str, AwsError] = {}

    async def one_region(region: str, chosen: list[Image]) -> None:
        ids = [i.image_id for i in chosen]
        try:
            fresh = await fresh_images(aws, region, ids)
        except Exception as exc:  # the region's images are left out, with the reason
            error = classify_error(exc, region=region, profile=aws.profile)
            facts.update((i.key, ImageFacts(i, error=error)) for i in chosen)
            return
        found_uses = await region_uses(aws, region, ids) if uses else RegionUses(region)
        if snapshots:
            wanted = sorted({s for i in fresh.values() for s in i.snapshot_ids})
            try:
                snapshot_tags.update(await _snapshot_tags(aws, region, wanted))
            except Exception as exc:
                snapshot_errors[region] = classify_error(exc, region=region, profile=aws.profile)

        async def one_image(image: Image) -> None:
            now = fresh.get(image.image_id)
            if now is None:
                facts[image.key] = ImageFacts(None)
                return
            now = replace(now, account=image.account)
            error = found_uses.error
            perms: tuple[Mapping[str, str], ...] | None = None
            if permissions and error is None:
                try:
                    perms = await _launch_permissions(aws, region, image.image_id)
                except Exception as exc:
                    error = classify_error(exc, region=region, profile=aws.profile)
            facts[image.key] = ImageFacts(now, perms, found_uses.of(image.image_id), error)

        await asyncio.gather(*(one_image(i) for i in chosen))

    await asyncio.gather(*(one_region(r, chosen) for r, chosen in by_region.items()))
    return LifecycleFacts(account_id, facts, snapshot_tags, snapshot_errors)


# --- shared judgement -------------------------------------------------------------------


def _confirm_text(targets: Sequence[str]) -> str:
    """The image id for one target, else how many there are (DESIGN's typed confirmation)."""
    if not targets:
        return ""
    return targets[0] if len(targets) == 1 else str(len(targets))


def _not_ours(image: Image | None, account_id: str, what: str) -> str:
    """Why ``image`` (fresh) cannot be acted on at all, or ""."""
    if image is None:
        return "no longer registered (EC2 no longer finds it)"
    if account_id and image.owner_id and image.owner_id != account_id:
        return f"owned by {image.owner_id}: only the owner can {what} it"
    return ""


def _label(image: Image, reason: str) -> str:
    return f"{image.name}: {reason}" if image.name else reason


def permission_text(permission: Mapping[str, str]) -> str:
    """One launch permission as a reader says it."""
    if permission.get("Group") == "all":
        return "public (everyone)"
    if "UserId" in permission:
        return f"account {permission['UserId']}"
    if "OrganizationArn" in permission:
        return f"organization {permission['OrganizationArn']}"
    if "OrganizationalUnitArn" in permission:
        return f"OU {permission['OrganizationalUnitArn']}"
    return ", ".join(f"{k}={v}" for k, v in permission.items())


def _uses_text(uses: Sequence[ImageUse], limit: int = 3) -> str:
    shown = ", ".join(u.describe() for u in uses[:limit])
    more = len(uses) - limit
    return f"{shown} and {more} more" if more > 0 else shown


# --- disable / enable -------------------------------------------------------------------


def disable_step_id(key: ImageKey) -> str:
    return f"disable:{key.region}/{key.image_id}"


def plan_disable(
    images: Sequence[Image], facts: LifecycleFacts, *, override_in_use: bool = False
) -> Plan:
    """DisableImage for each image: it removes every launch permission (listed, in
    ``before``); an image in use is left out unless ``override_in_use``."""
    steps: list[Step] = []
    overridden = 0
    for image in images:
        fact = facts.of(image)
        now = fact.image
        step = Step(
            disable_step_id(image.key),
            image.region,
            "DisableImage",
            image.image_id,
            {"ImageId": image.image_id},
            "",
            account=image.account,
        )
        why = _not_ours(now, facts.account_id, "disable")
        if not why and fact.error is not None:
            why = f"could not check it (needed before disabling): {fact.error.describe()}"
        if not why and now is not None and now.state == "disabled":
            why = "already disabled"
        if not why and fact.launch_permissions is None:
            why = "its launch permissions could not be read (needed to put them back)"
        if not why and fact.uses and not override_in_use:
            why = (
                f"in use by {_uses_text(fact.uses)}; disabling stops new launches from it "
                "(override in the dialog to disable anyway)"
            )
        if why:
            steps.append(replace(step, params={}, reason=_label(now or image, why), excluded=True))
            continue
        assert now is not None and fact.launch_permissions is not None
        removed = list(fact.launch_permissions)
        if removed:
            reason = "removes launch permissions: " + ", ".join(permission_text(p) for p in removed)
        else:
            reason = "no launch permissions to remove (only the owner launches it)"
        if fact.uses:
            overridden += 1
            reason += f"; IN USE by {_uses_text(fact.uses)} (override)"
        steps.append(
            replace(step, reason=_label(now, reason), before={"LaunchPermissions": removed})
        )
    runnable = [s.target for s in steps if not s.excluded]
    notes = [
        "Disabling removes EVERY launch permission (listed per image above; the journal keeps "
        "them so they can be put back). Enabling the image later restores none of them.",
        "A disabled image can't be launched or shared, and is hidden from DescribeImages "
        "unless asked for (IncludeDisabled).",
    ]
    if overridden:
        notes.append(
            f"{counted(overridden, 'image')} in use will be disabled anyway (you chose to "
            "override): whatever launches from them will fail to launch."
        )
    return Plan(
        action=DISABLE_ACTION,
        title=f"Disable {counted(len(runnable), 'image')}",
        steps=tuple(steps),
        notes=tuple(notes),
        destructive=True,
        confirm_text=_confirm_text(runnable),
    )


def plan_enable(images: Sequence[Image], facts: LifecycleFacts) -> Plan:
    """EnableImage for each disabled image; it restores no launch permission."""
    steps: list[Step] = []
    for image in images:
        now = facts.of(image).image
        step = Step(
            f"enable:{image.region}/{image.image_id}",
            image.region,
            "EnableImage",
            image.image_id,
            {"ImageId": image.image_id},
            "",
            account=image.account,
        )
        why = _not_ours(now, facts.account_id, "enable")
        if not why and now is not None and now.state != "disabled":
            why = f"not disabled (state {now.state}): nothing to enable"
        if why:
            steps.append(replace(step, params={}, reason=_label(now or image, why), excluded=True))
            continue
        assert now is not None
        steps.append(
            replace(
                step,
                reason=_label(now, "disabled -> available; no launch permission comes back"),
                before={"State": "disabled"},
            )
        )
    runnable = sum(1 for s in steps if not s.excluded)
    return Plan(
        action=ENABLE_ACTION,
        title=f"Enable {counted(runnable, 'image')}",
        steps=tuple(steps),
        notes=(
            "Enabling restores no launch permission: accounts, organizations and OUs that lost "
            "access when the image was disabled must be shared with again (s).",
        ),
    )


# --- deregistration protection on -------------------------------------------------------


def plan_protect(
    images: Sequence[Image], facts: LifecycleFacts, *, with_cooldown: bool, now: datetime
) -> Plan:
    """EnableImageDeregistrationProtection for each image (``WithCooldown`` as asked)."""
    wanted = "enabled-with-cooldown" if with_cooldown else "enabled-without-cooldown"
    steps: list[Step] = []
    for image in images:
        fresh = facts.of(image).image
        step = Step(
            f"protect:{image.region}/{image.image_id}",
            image.region,
            "EnableImageDeregistrationProtection",
            image.image_id,
            {"ImageId": image.image_id, "WithCooldown": with_cooldown},
            "",
            account=image.account,
        )
        why = _not_ours(fresh, facts.account_id, "protect")
        previous = (fresh.deregistration_protection if fresh else None) or "disabled"
        if not why and previous == wanted:
            why = f"already {wanted}"
        if why:
            steps.append(
                replace(step, params={}, reason=_label(fresh or image, why), excluded=True)
            )
            continue
        assert fresh is not None
        reason = f"{protection_text(previous, now)} -> {wanted}"
        steps.append(
            replace(
                step, reason=_label(fresh, reason), before={"DeregistrationProtection": previous}
            )
        )
    runnable = sum(1 for s in steps if not s.excluded)
    notes = ["Protected images can't be deregistered until protection is lifted (P)."]
    if with_cooldown:
        notes.append(
            "With the cooldown, lifting protection later leaves the image protected for 24 "
            "more hours (EC2: WithCooldown 'enforces deregistration protection for 24 hours "
            "after deregistration protection is disabled')."
        )
    return Plan(
        action=PROTECT_ACTION,
        title=f"Protect {counted(runnable, 'image')} from deregistration"
        + (" (24-hour cooldown)" if with_cooldown else ""),
        steps=tuple(steps),
        notes=tuple(notes),
    )


# --- tags -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TagEdit:
    """Tags to add or change (key -> value) and keys to remove."""

    set: tuple[tuple[str, str], ...] = ()
    remove: tuple[str, ...] = ()
    include_snapshots: bool = False

    @property
    def empty(self) -> bool:
        return not self.set and not self.remove


def _check_key(key: str, field_name: str) -> str:
    if not key:
        raise InvalidInput(field_name, "a tag key is empty (write key=value)")
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidInput(
            field_name, f"key {key[:20]!r}… is {len(key)} characters; EC2 allows {MAX_KEY_LENGTH}"
        )
    if key.lower().startswith(RESERVED_PREFIX):
        raise InvalidInput(
            field_name,
            f"key {key!r}: the aws: prefix is reserved for AWS use; such tags can't be set, "
            "changed or removed",
        )
    return key


def _split(text: str) -> list[str]:
    """Comma- or newline-separated items, blanks dropped."""
    return [part.strip() for part in text.replace("\n", ",").split(",") if part.strip()]


def parse_tag_edit(set_text: str, remove_text: str, *, include_snapshots: bool) -> TagEdit:
    """``Key=Value, Key2=Value2`` to set and ``Key3, Key4`` to remove, checked against EC2's
    tag rules; :class:`InvalidInput` (shown in the dialog, nothing sent) otherwise."""
    pairs: dict[str, str] = {}
    for item in _split(set_text):
        if "=" not in item:
            raise InvalidInput("Set", f"{item!r} has no '=': write Key=Value")
        key, value = (part.strip() for part in item.split("=", 1))
        _check_key(key, "Set")
        if len(value) > MAX_VALUE_LENGTH:
            raise InvalidInput(
                "Set", f"the value of {key!r} is {len(value)} characters; EC2 allows 256"
            )
        if value.lower().startswith(RESERVED_PREFIX):
            raise InvalidInput("Set", f"the value of {key!r}: the aws: prefix is reserved")
        if key in pairs and pairs[key] != value:
            raise InvalidInput("Set", f"{key!r} is given twice with different values")
        pairs[key] = value
    removed = list(dict.fromkeys(_check_key(k, "Remove") for k in _split(remove_text)))
    both = sorted(set(pairs) & set(removed))
    if both:
        raise InvalidInput("Remove", f"{', '.join(both)} is both set and removed; choose one")
    if len(pairs) > MAX_TAGS_PER_RESOURCE:
        raise InvalidInput(
            "Set", f"{len(pairs)} tags; EC2 allows at most {MAX_TAGS_PER_RESOURCE} per resource"
        )
    if not pairs and not removed:
        raise InvalidInput("Set", "nothing to do: type Key=Value to set or keys to remove")
    return TagEdit(tuple(pairs.items()), tuple(removed), include_snapshots)


def _user_tags(tags: Iterable[tuple[str, str]]) -> dict[str, str]:
    return dict(tags)


def _tag_steps(
    region: str,
    resource: str,
    current: Mapping[str, str],
    edit: TagEdit,
    label: str,
    account: str,
) -> list[Step]:
    changes = [(k, v) for k, v in edit.set if current.get(k) != v]
    removals = [k for k in edit.remove if k in current]
    steps: list[Step] = []
    counted_now = sum(1 for k in current if not k.lower().startswith(RESERVED_PREFIX))
    after = counted_now + sum(1 for k, _ in changes if k not in current) - len(removals)
    if after > MAX_TAGS_PER_RESOURCE:
        return [
            Step(
                f"tag:{region}/{resource}",
                region,
                "CreateTags",
                resource,
                {},
                f"{label}: would have {after} tags; EC2 allows at most "
                f"{MAX_TAGS_PER_RESOURCE} per resource",
                excluded=True,
                account=account,
            )
        ]
    if changes:
        described = ", ".join(
            f"{k}={v}" + (f" (was {current[k]})" if k in current else " (new)") for k, v in changes
        )
        steps.append(
            Step(
                f"tag:{region}/{resource}",
                region,
                "CreateTags",
                resource,
                {"Resources": [resource], "Tags": [{"Key": k, "Value": v} for k, v in changes]},
                f"{label}: {described}",
                account=account,
                before={
                    "Tags": [{"Key": k, "Value": current[k]} for k, _ in changes if k in current],
                    "Absent": [k for k, _ in changes if k not in current],
                },
            )
        )
    if removals:
        steps.append(
            Step(
                f"untag:{region}/{resource}",
                region,
                "DeleteTags",
                resource,
                {"Resources": [resource], "Tags": [{"Key": k} for k in removals]},
                f"{label}: remove " + ", ".join(f"{k} (was {current[k]})" for k in removals),
                account=account,
                before={"Tags": [{"Key": k, "Value": current[k]} for k in removals]},
            )
        )
    if not steps:
        steps.append(
            Step(
                f"tag:{region}/{resource}",
                region,
                "CreateTags",
                resource,
                {},
                f"{label}: already tagged so (nothing to change)",
                excluded=True,
                account=account,
            )
        )
    return steps


def plan_tags(images: Sequence[Image], facts: LifecycleFacts, edit: TagEdit) -> Plan:
    """CreateTags / DeleteTags per image (and, if asked, per snapshot of it), judged on the
    fresh tags; one step per resource and call, so each step's ``before`` is exact."""
    steps: list[Step] = []
    seen: set[tuple[str, str]] = set()
    for image in images:
        now = facts.of(image).image
        why = _not_ours(now, facts.account_id, "tag")
        if why or now is None:
            steps.append(
                Step(
                    f"tag:{image.region}/{image.image_id}",
                    image.region,
                    "CreateTags",
                    image.image_id,
                    {},
                    _label(now or image, why),
                    excluded=True,
                    account=image.account,
                )
            )
            continue
        steps += _tag_steps(
            image.region,
            image.image_id,
            _user_tags(now.tags),
            edit,
            now.name or image.image_id,
            image.account,
        )
        if not edit.include_snapshots:
            continue
        for snapshot_id in now.snapshot_ids:
            if (image.region, snapshot_id) in seen:
                continue  # a snapshot two chosen images map is tagged once
            seen.add((image.region, snapshot_id))
            label = f"snapshot of {now.name or image.image_id}"
            tags = facts.snapshot_tags.get((image.region, snapshot_id))
            if tags is None:
                error = facts.snapshot_errors.get(image.region)
                reason = (
                    f"could not read it: {error.describe()}"
                    if error
                    else "not found among this account's snapshots (another account owns it?)"
                )
                steps.append(
                    Step(
                        f"tag:{image.region}/{snapshot_id}",
                        image.region,
                        "CreateTags",
                        snapshot_id,
                        {},
                        f"{label}: {reason}",
                        excluded=True,
                        account=image.account,
                    )
                )
                continue
            steps += _tag_steps(
                image.region, snapshot_id, _user_tags(tags), edit, label, image.account
            )
    resources = {s.target for s in steps if not s.excluded}
    what = []
    if edit.set:
        what.append("set " + ", ".join(k for k, _ in edit.set))
    if edit.remove:
        what.append("remove " + ", ".join(edit.remove))
    return Plan(
        action=TAGS_ACTION,
        title=f"Tags on {counted(len(resources), 'resource')}: {'; '.join(what)}",
        steps=tuple(steps),
        notes=("Tags are visible to anyone who can describe the resource; keep secrets out.",),
    )


__all__ = [
    "DISABLE_ACTION",
    "ENABLE_ACTION",
    "PROTECT_ACTION",
    "TAGS_ACTION",
    "ImageFacts",
    "LifecycleFacts",
    "TagEdit",
    "gather_facts",
    "parse_tag_edit",
    "permission_text",
    "plan_disable",
    "plan_enable",
    "plan_protect",
    "plan_tags",
]
