"""Undo a journaled run: the inverse of every step it did, re-checked against EC2 now.

Two pure functions and one read:

- :func:`inverses` turns a run's journal lines (:func:`amitui.journal.read_runs`) into the
  calls that put things back, from each step's parameters, its response and its ``before``
  (the state it changed, read when it was planned). A step EC2 offers no inverse for says so.
- :func:`gather_facts` reads what EC2 says now about every resource the inverses touch.
- :func:`plan_undo` checks each inverse against those facts (one that already holds is left
  out, with the reason), leaves out what an earlier undo of the same run already did, and
  returns a :class:`~amitui.model.Plan` to review, confirm and journal like any other.

The inverses:

=====================================  =======================================================
step                                   inverse
=====================================  =======================================================
ModifyImageAttribute (launch perms)    the same grants, Add and Remove swapped
ModifySnapshotAttribute (create-vol.)  the same, swapped
EnableImageDeprecation                 the previous time (``before``), or DisableImageDeprecation
DisableImageDeprecation                EnableImageDeprecation at the previous time
DisableImage                           EnableImage, then re-add the removed launch permissions
EnableImage                            DisableImage
Enable/DisableImageDeregistration…     the previous protection (``before``)
CreateTags / DeleteTags                the previous values back, tags that were absent removed
DeregisterImage                        RestoreImageFromRecycleBin, after its snapshots
DeleteSnapshot                         RestoreSnapshotFromRecycleBin
=====================================  =======================================================

No inverse: a resource the Recycle Bin did not keep (gone for good), a deprecation time now
in the past (EC2 refuses one), a restore from the bin, and a copy. A copy is a new image
that may already be launched or shared: undo does not deregister it, the user does that with
the deregister action (x), whose plan checks that nothing uses it.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from amitui.actions.cleanup import fresh_images
from amitui.actions.recycle_bin import RegionBin, live_snapshots, load_bin
from amitui.actions.share import Grantee, load_permissions
from amitui.aws import AwsSession
from amitui.journal import JournaledStep, JournalRun
from amitui.model import Image, Plan, Step, parse_time
from amitui.text import counted

UNDO_ACTION = "undo"
#: Outcomes whose effect may hold: "unknown" is a step sent when the run was interrupted.
_MAY_HAVE_HAPPENED = ("ok", "unknown")
#: Inverse operations that take something away or bring back what was deleted: the undo plan
#: is confirmed by typing when it holds one.
_DESTRUCTIVE = frozenset(
    {
        "DisableImage",
        "DisableImageDeregistrationProtection",
        "RestoreImageFromRecycleBin",
        "RestoreSnapshotFromRecycleBin",
    }
)

#: (region, resource id)
Ref = tuple[str, str]


def undo_step_id(run: str, step: str, part: str = "") -> str:
    """The id of an inverse step: it names the run and step it undoes (so a second undo of
    the same run can tell what the first did)."""
    return f"undo:{run}:{step}" + (f"#{part}" if part else "")


@dataclass(frozen=True, slots=True)
class Inverse:
    """What puts one journaled step back: its inverse steps, or why there are none."""

    original: JournaledStep
    steps: tuple[Step, ...] = ()
    none: str = ""


def _ec2_time(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:00Z")


def _grants(permission: Any) -> list[dict[str, str]]:
    return [dict(p) for p in permission or [] if isinstance(p, Mapping)]


def _tag_list(value: Any) -> list[Mapping[str, Any]]:
    return [t for t in value or [] if isinstance(t, Mapping) and t.get("Key")]


def inverses(run: JournalRun, *, now: datetime) -> list[Inverse]:
    """The inverse of every step of ``run``, in the run's order (pure)."""
    deleted_snapshots = {
        (s.region, s.target): s
        for s in run.steps
        if s.operation == "DeleteSnapshot" and s.outcome in _MAY_HAVE_HAPPENED
    }
    return [_inverse(run, step, now, deleted_snapshots) for step in run.steps]


def _inverse(
    run: JournalRun, step: JournaledStep, now: datetime, deleted: Mapping[Ref, JournaledStep]
) -> Inverse:
    if step.outcome not in _MAY_HAVE_HAPPENED:
        return Inverse(step, none=f"nothing to undo: it {step.outcome}")

    def make(operation: str, target: str, params: Mapping[str, Any], reason: str, *,
             part: str = "", depends: Sequence[str] = (),
             before: Mapping[str, Any] | None = None) -> Step:  # fmt: skip
        return Step(
            undo_step_id(run.run, step.step, part),
            step.region,
            operation,
            target,
            dict(params),
            reason,
            depends_on=tuple(depends),
            account=step.account,
            before=dict(before or {}),
        )

    p, b, op = step.params, step.before, step.operation
    image_id = str(p.get("ImageId") or step.target)
    if op == "ModifyImageAttribute" and isinstance(p.get("LaunchPermission"), Mapping):
        perm = p["LaunchPermission"]
        swapped = {
            k: v
            for k, v in (("Add", _grants(perm.get("Remove"))), ("Remove", _grants(perm.get("Add"))))
            if v
        }
        return Inverse(
            step,
            (
                make(op, image_id, {"ImageId": image_id, "LaunchPermission": swapped},
                     _describe_grants(swapped)),
            ),
        )  # fmt: skip
    if op == "ModifySnapshotAttribute" and isinstance(p.get("CreateVolumePermission"), Mapping):
        perm = p["CreateVolumePermission"]
        swapped = {
            k: v
            for k, v in (("Add", _grants(perm.get("Remove"))), ("Remove", _grants(perm.get("Add"))))
            if v
        }
        snapshot_id = str(p.get("SnapshotId") or step.target)
        params = {
            "SnapshotId": snapshot_id,
            "Attribute": "createVolumePermission",
            "CreateVolumePermission": swapped,
        }
        return Inverse(
            step, (make(op, snapshot_id, params, "create-volume: " + _describe_grants(swapped)),)
        )
    if op in ("EnableImageDeprecation", "DisableImageDeprecation"):
        if "DeprecationTime" not in b:
            return Inverse(step, none="the journal does not say what the deprecation was before")
        previous = parse_time(b["DeprecationTime"])
        if previous is None:
            if op == "DisableImageDeprecation":
                return Inverse(step, none="no deprecation time was set before: nothing to undo")
            return Inverse(
                step,
                (make("DisableImageDeprecation", image_id, {"ImageId": image_id},
                      "cancel the deprecation (none was set before)"),),
            )  # fmt: skip
        if previous <= now:
            return Inverse(
                step,
                none=f"it was deprecated since {previous:%Y-%m-%d %H:%M} UTC; EC2 cannot set "
                "a deprecation time in the past",
            )
        return Inverse(
            step,
            (make("EnableImageDeprecation", image_id,
                  {"ImageId": image_id, "DeprecateAt": _ec2_time(previous)},
                  f"deprecate at {previous:%Y-%m-%d %H:%M} UTC again (as before)"),),
        )  # fmt: skip
    if op == "DisableImage":
        enable = make("EnableImage", image_id, {"ImageId": image_id}, "enable it again")
        permissions = _grants(b.get("LaunchPermissions"))
        if not permissions:
            return Inverse(step, (enable,))
        add = make(
            "ModifyImageAttribute", image_id,
            {"ImageId": image_id, "LaunchPermission": {"Add": permissions}},
            "re-add the launch permissions disabling removed: "
            + _describe_grants({"Add": permissions}),
            part="permissions", depends=(enable.step_id,),
        )  # fmt: skip
        return Inverse(step, (enable, add))
    if op == "EnableImage":
        return Inverse(
            step, (make("DisableImage", image_id, {"ImageId": image_id}, "disable again"),)
        )
    if op in ("EnableImageDeregistrationProtection", "DisableImageDeregistrationProtection"):
        if "DeregistrationProtection" not in b:
            return Inverse(step, none="the journal does not say what the protection was before")
        was = str(b.get("DeregistrationProtection") or "disabled")
        if was.startswith("enabled"):
            cooldown = was == "enabled-with-cooldown"
            return Inverse(
                step,
                (make("EnableImageDeregistrationProtection", image_id,
                      {"ImageId": image_id, "WithCooldown": cooldown},
                      f"protect it again ({was})"),),
            )  # fmt: skip
        return Inverse(
            step,
            (make("DisableImageDeregistrationProtection", image_id, {"ImageId": image_id},
                  f"lift protection again (it was {was})"),),
        )  # fmt: skip
    if op in ("CreateTags", "DeleteTags"):
        if "Tags" not in b:
            return Inverse(step, none="the journal does not say what the tags were before")
        tag_steps = tuple(_tag_inverse(step, make))
        return Inverse(step, tag_steps, "" if tag_steps else "nothing to put back: no tag changed")
    if op == "DeregisterImage":
        mapped = [str(s) for s in b.get("SnapshotIds") or []]
        results = step.result.get("DeleteSnapshotResults") or []
        also_deleted = [str(r.get("SnapshotId")) for r in results if isinstance(r, Mapping)]
        depends = [
            undo_step_id(run.run, deleted[(step.region, s)].step)
            for s in mapped
            if (step.region, s) in deleted
        ]
        steps = [
            make("RestoreSnapshotFromRecycleBin", s, {"SnapshotId": s},
                 f"deleted with {image_id}: restore it first", part=s)
            for s in also_deleted
        ]  # fmt: skip
        depends += [s.step_id for s in steps]
        steps.append(
            make("RestoreImageFromRecycleBin", image_id, {"ImageId": image_id},
                 "restore it from the Recycle Bin", depends=depends)
        )  # fmt: skip
        return Inverse(step, tuple(steps))
    if op == "DeleteSnapshot":
        snapshot_id = str(p.get("SnapshotId") or step.target)
        return Inverse(
            step,
            (make("RestoreSnapshotFromRecycleBin", snapshot_id, {"SnapshotId": snapshot_id},
                  "restore it from the Recycle Bin"),),
        )  # fmt: skip
    if op == "CopyImage":
        copy = step.result.get("ImageId") or "the copy"
        return Inverse(
            step,
            none=f"a copy ({copy} in {step.region}) is a new image: undo does not deregister "
            "it; deregister it with x, whose plan checks that nothing uses it",
        )
    if op in ("RestoreImageFromRecycleBin", "RestoreSnapshotFromRecycleBin"):
        return Inverse(
            step, none="restored from the Recycle Bin: deregister or delete it again (x) instead"
        )
    return Inverse(step, none=f"EC2 offers no inverse of {op} that amitui knows")


def _tag_inverse(step: JournaledStep, make: Any) -> list[Step]:
    """CreateTags/DeleteTags undone: previous values back, keys that were absent removed.

    ``before``: ``{"Tags": [{"Key", "Value"}]}`` with the previous value of every key the
    step changed; a key missing from it (or listed without ``Value``) was absent."""
    previous = {str(t["Key"]): t.get("Value") for t in _tag_list(step.before.get("Tags"))}
    changed = [str(t["Key"]) for t in _tag_list(step.params.get("Tags"))]
    restore = [
        {"Key": k, "Value": str(previous[k])} for k in changed if previous.get(k) is not None
    ]
    remove = [{"Key": k} for k in changed if previous.get(k) is None]
    steps: list[Step] = []
    for resource in [str(r) for r in step.params.get("Resources") or [step.target]]:
        if restore:
            steps.append(
                make("CreateTags", resource, {"Resources": [resource], "Tags": restore},
                     "put back " + ", ".join(f"{t['Key']}={t['Value']}" for t in restore),
                     part=f"{resource}:restore")
            )  # fmt: skip
        if remove and step.operation == "CreateTags":
            steps.append(
                make("DeleteTags", resource, {"Resources": [resource], "Tags": remove},
                     "remove " + ", ".join(t["Key"] for t in remove) + " (absent before)",
                     part=f"{resource}:remove")
            )  # fmt: skip
    return steps


def _describe_grants(change: Mapping[str, Sequence[Mapping[str, str]]]) -> str:
    def label(grant: Mapping[str, str]) -> str:
        grantee = Grantee.from_aws(grant)
        return grantee.describe() if grantee else str(dict(grant))

    parts = [f"+ {label(g)}" for g in change.get("Add", [])]
    parts += [f"- {label(g)}" for g in change.get("Remove", [])]
    return "; ".join(parts) or "no change"


# --- what EC2 says now ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UndoFacts:
    """What EC2 says now about every resource the inverses touch (read by gather_facts)."""

    #: The session's account: steps journaled for another account are left out.
    account: str = ""
    #: Registered images by (region, id); a missing one is not registered.
    images: Mapping[Ref, Image] = field(default_factory=dict)
    launch_permissions: Mapping[Ref, frozenset[Grantee]] = field(default_factory=dict)
    #: Snapshots that exist (not binned, not deleted).
    snapshots: frozenset[Ref] = frozenset()
    #: Tags of those images and snapshots.
    tags: Mapping[Ref, Mapping[str, str]] = field(default_factory=dict)
    bins: Mapping[str, RegionBin] = field(default_factory=dict)


def _targets(found: Iterable[Inverse]) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    images: dict[str, set[str]] = defaultdict(set)
    snapshots: dict[str, set[str]] = defaultdict(set)
    for inverse in found:
        for step in inverse.steps:
            for resource in step.params.get("Resources") or [step.target]:
                kind = images if str(resource).startswith("ami-") else snapshots
                kind[step.region].add(str(resource))
    return images, snapshots


async def gather_facts(aws: AwsSession, found: Sequence[Inverse], account: str = "") -> UndoFacts:
    """Read, per region the inverses touch: the images and snapshots as they are now, the
    images' launch permissions, and the Recycle Bin. Errors propagate (nothing is planned)."""
    image_ids, snapshot_ids = _targets(found)
    regions = sorted(set(image_ids) | set(snapshot_ids))
    images: dict[Ref, Image] = {}
    snapshots: set[Ref] = set()
    tags: dict[Ref, Mapping[str, str]] = {}

    async def region_facts(region: str) -> RegionBin:
        fresh = await fresh_images(aws, region, sorted(image_ids.get(region, ())))
        for image in fresh.values():
            images[(region, image.image_id)] = image
            tags[(region, image.image_id)] = dict(image.tags)
        wanted = sorted(snapshot_ids.get(region, ()))
        if wanted:
            for snapshot_id, record in (await live_snapshots(aws, region, wanted)).items():
                snapshots.add((region, snapshot_id))
                tags[(region, snapshot_id)] = {
                    str(t["Key"]): str(t.get("Value", "")) for t in record.get("Tags") or []
                }
        return await load_bin(aws, region, account)

    bins = dict(
        zip(regions, await asyncio.gather(*(region_facts(r) for r in regions)), strict=True)
    )
    errors = [b.error for b in bins.values() if b.error is not None]
    if errors:
        raise RuntimeError(f"the Recycle Bin could not be read: {errors[0].describe()}")
    permissions = await load_permissions(aws, images.values())
    return UndoFacts(
        account=account,
        images=images,
        launch_permissions={(k.region, k.image_id): v for k, v in permissions.items()},
        snapshots=frozenset(snapshots),
        tags=tags,
        bins=bins,
    )


# --- the plan ---------------------------------------------------------------------------------


def undone_steps(run: str, history: Iterable[JournalRun]) -> dict[str, JournalRun]:
    """Inverse step id -> the earlier undo run that did it, for undos of ``run``."""
    prefix = undo_step_id(run, "")
    done: dict[str, JournalRun] = {}
    for earlier in history:
        if earlier.action != UNDO_ACTION:
            continue
        for step in earlier.steps:
            if step.step.startswith(prefix) and step.outcome == "ok":
                done.setdefault(step.step, earlier)
    return done


def already_undone(run: JournalRun, history: Iterable[JournalRun], *, now: datetime) -> str:
    """Why undoing ``run`` again would send nothing (every inverse was done by an earlier
    undo), or "" when something is left to undo."""
    done = undone_steps(run.run, history)
    wanted = [s.step_id for inverse in inverses(run, now=now) for s in inverse.steps]
    if not done or not wanted or any(step_id not in done for step_id in wanted):
        return ""
    earlier = sorted({r.run: r for r in done.values()}.values(), key=lambda r: r.started)
    when = ", ".join(f"run {r.run} at {r.started[:19].replace('T', ' ')} UTC" for r in earlier)
    return f"{run.action} run {run.run} was already undone ({when}); nothing was sent"


def _already(step: Step, facts: UndoFacts) -> tuple[Step | None, str]:
    """``step`` as it is still needed now (grants and tags already in place dropped), or
    None and why it is not (its effect already holds, or cannot be had)."""
    ref = (step.region, step.target)
    image = facts.images.get(ref)
    op = step.operation
    if op == "RestoreImageFromRecycleBin":
        if image is not None:
            return None, "already registered (restored since)"
        region_bin = facts.bins.get(step.region)
        if region_bin is None or region_bin.find(step.target) is None:
            return None, "not in the Recycle Bin: deregistered for good"
        return step, ""
    if op == "RestoreSnapshotFromRecycleBin":
        if ref in facts.snapshots:
            return None, "the snapshot exists (restored since)"
        region_bin = facts.bins.get(step.region)
        if region_bin is None or region_bin.find(step.target) is None:
            return None, "not in the Recycle Bin: deleted for good"
        return step, ""
    if op in ("CreateTags", "DeleteTags"):
        if ref not in facts.tags:
            return None, f"{step.target} no longer exists"
        tags = facts.tags[ref]
        wanted = _tag_list(step.params.get("Tags"))
        if op == "CreateTags":
            tags_left = [t for t in wanted if tags.get(str(t["Key"])) != t.get("Value")]
        else:
            tags_left = [t for t in wanted if str(t["Key"]) in tags]
        if not tags_left:
            return None, "the tags are already as before"
        return replace(step, params={**step.params, "Tags": tags_left}), ""
    if op == "ModifySnapshotAttribute":
        return step, ""  # adding a grant that holds, or removing one that does not, changes nothing
    if image is None:
        return None, f"{step.target} is no longer registered"
    if op == "ModifyImageAttribute":
        current = facts.launch_permissions.get(ref, frozenset())
        change = step.params.get("LaunchPermission") or {}
        add = [g for g in change.get("Add", []) if Grantee.from_aws(g) not in current]
        remove = [g for g in change.get("Remove", []) if Grantee.from_aws(g) in current]
        if not add and not remove:
            return None, "the launch permissions are already as before"
        left = {k: v for k, v in (("Add", add), ("Remove", remove)) if v}
        return replace(
            step, params={**step.params, "LaunchPermission": left}, reason=_describe_grants(left)
        ), ""
    if op == "DisableImageDeprecation":
        if image.deprecation_time is None:
            return None, "no deprecation time is set"
        return step, ""
    if op == "EnableImageDeprecation":
        if image.deprecation_time == parse_time(step.params.get("DeprecateAt")):
            return None, "already deprecates at that time"
        return step, ""
    if op == "EnableImage":
        if image.state != "disabled":
            return None, f"not disabled (it is {image.state})"
        return step, ""
    if op == "DisableImage":
        if image.state == "disabled":
            return None, "already disabled"
        granted = facts.launch_permissions.get(ref, frozenset())
        # The new DisableImage is journaled with what it removes, so it can be undone too.
        removed = [g.to_aws() for g in sorted(granted, key=repr)]
        return replace(step, before={"LaunchPermissions": removed}), ""
    if op in ("EnableImageDeregistrationProtection", "DisableImageDeregistrationProtection"):
        protection = image.deregistration_protection or "disabled"
        previous = {"DeregistrationProtection": image.deregistration_protection}
        if op == "DisableImageDeregistrationProtection":
            if protection.startswith("disabled"):
                return None, f"protection is already off ({protection})"
            return replace(step, before=previous), ""
        mode = (
            "enabled-with-cooldown"
            if step.params.get("WithCooldown")
            else "enabled-without-cooldown"
        )
        if protection == mode:
            return None, f"already {mode}"
        return replace(step, before=previous), ""
    return step, ""


def plan_undo(
    run: JournalRun, facts: UndoFacts, history: Iterable[JournalRun], *, now: datetime
) -> Plan:
    """The inverse steps of ``run`` still needed now (pure over ``facts``)."""
    done = undone_steps(run.run, history)
    steps: list[Step] = []
    notes: list[str] = []
    for inverse in inverses(run, now=now):
        if not inverse.steps:
            notes.append(f"{inverse.original.operation} {inverse.original.target}: {inverse.none}")
            continue
        for step in inverse.steps:
            if step.step_id in done:
                earlier = done[step.step_id]
                steps.append(
                    replace(step, reason=f"already undone (run {earlier.run})", excluded=True)
                )
                continue
            if facts.account and step.account and step.account != facts.account:
                steps.append(
                    replace(
                        step,
                        reason=f"run in account {step.account}; this session is account "
                        f"{facts.account}",
                        excluded=True,
                    )
                )
                continue
            needed, why = _already(step, facts)
            steps.append(needed or replace(step, reason=f"skipped: {why}", excluded=True))
    # A step left out needs no waiting for: its effect already holds (or cannot be had).
    left_out = {s.step_id for s in steps if s.excluded}
    steps = [
        replace(s, depends_on=tuple(d for d in s.depends_on if d not in left_out)) for s in steps
    ]
    runnable = [s for s in steps if not s.excluded]
    destructive = any(s.operation in _DESTRUCTIVE for s in runnable)
    targets = list(dict.fromkeys(s.target for s in runnable))
    started = run.started[:16].replace("T", " ")
    return Plan(
        action=UNDO_ACTION,
        title=f"Undo {run.action} run {run.run} ({started} UTC): {counted(len(runnable), 'call')}",
        steps=tuple(steps),
        notes=tuple(notes),
        destructive=destructive,
        confirm_text=(targets[0] if len(targets) == 1 else str(len(targets)))
        if destructive
        else "",
    )
