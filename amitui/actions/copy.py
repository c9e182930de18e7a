"""Copy images to other regions: plan the CopyImage calls, then follow each copy to ``available``.

:func:`plan_copy` is pure over the inventory: one ``CopyImage`` step per (image, destination),
sent to the destination region, with a ``ClientToken`` derived from what is copied where, so
a retry or a rerun of the same plan never makes a second copy (EC2 returns the first copy's
ImageId for a repeated token). Refused (excluded, with the reason):

- the destination is the image's own region;
- the image is encrypted and the destination asks for no encryption (EC2 never decrypts);
- the KMS key is an ARN in another region (KMS keys are regional);
- the image is not ``available`` (EC2 copies only available images);
- the destination already has an image of the same name (AMI names are unique per region).

:func:`track_copy` polls a started copy until it is ``available`` (or ``failed``), yielding
its state and the progress of its snapshot copies.

Into another account (a DR account), :func:`plan_copy_to_account` makes one plan: share the
image with the target account (launch permission) and its snapshots (createVolumePermission,
which EC2 requires to copy a shared image), CopyImage sent with the target account's
credentials (after the shares), and optionally remove the shares the plan added, once every
copy is available (:func:`copy_settled` tells the executor when that is).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

from amitui.actions.validate import InvalidInput, kms_key, kms_key_in_region
from amitui.aws import AwsSession
from amitui.aws_errors import classify_error
from amitui.model import Image, ImageKey, Inventory, Plan, Step, StepResult
from amitui.text import counted

OPERATION = "CopyImage"


@dataclass(frozen=True, slots=True)
class CopyDestination:
    """Where to copy, and how to encrypt there."""

    region: str
    #: True: encrypt the copy (Encrypted=true); False: keep the source's encryption state.
    encrypt: bool = False
    #: A key in ``region`` (id, alias or ARN); None: the region's ``aws/ebs`` key.
    kms_key_id: str | None = None


@dataclass(frozen=True, slots=True)
class CopyRequest:
    destinations: tuple[CopyDestination, ...]
    #: Name and description of the copy; None keeps each source's own.
    name: str | None = None
    description: str | None = None
    copy_tags: bool = True
    #: Copy into this other loaded account (its id; "" = the images' own account).
    account: str = ""
    #: With ``account``: remove the shares the plan adds once every copy is available.
    remove_share: bool = False


def client_token(
    image: Image, destination: CopyDestination, name: str, description: str, copy_tags: bool
) -> str:
    """Idempotency token (at most 64 ASCII characters) for one copy: same copy, same token."""
    canonical = json.dumps(
        [
            image.region,
            image.image_id,
            destination.region,
            destination.encrypt,
            destination.kms_key_id,
            name,
            description,
            copy_tags,
        ]
    )
    return "amitui-" + hashlib.sha256(canonical.encode()).hexdigest()[:40]


def step_id(image: Image, region: str) -> str:
    return f"copy:{image.region}/{image.image_id}->{region}"


#: (destination region, key as typed) -> the key's ARN there, or None: KMS says it is not there.
KeyLookup = Mapping[tuple[str, str], str | None]


def _refusal(
    inventory: Inventory,
    image: Image,
    destination: CopyDestination,
    name: str,
    keys: KeyLookup,
) -> str | None:
    if destination.region == image.region:
        return f"{image.image_id} is already in {image.region}: pick another destination"
    if image.encrypted and not destination.encrypt:
        return (
            f"{image.image_id} has encrypted snapshots; EC2 cannot copy it unencrypted "
            "(turn encryption on for this destination)"
        )
    if destination.kms_key_id:
        try:
            kms_key_in_region(kms_key(destination.kms_key_id), destination.region)
        except InvalidInput as exc:
            return exc.message
        if not destination.encrypt:
            return "a KMS key needs encryption on (EC2: KmsKeyId requires Encrypted)"
        lookup = (destination.region, destination.kms_key_id)
        if lookup in keys and keys[lookup] is None:
            return (
                f"KMS key {destination.kms_key_id} does not exist in {destination.region}; "
                "KMS keys are regional: pick a key in the destination region"
            )
    if image.state != "available":
        return f"{image.image_id} is {image.state}; EC2 copies only available images"
    for other in inventory.images():
        if (
            other.region == destination.region
            and other.name == name
            and other.owner_id == image.owner_id
        ):
            return f"{destination.region} already has an image named {name!r} ({other.image_id})"
    return None


def plan_copy(
    inventory: Inventory,
    images: Sequence[Image],
    request: CopyRequest,
    *,
    keys: KeyLookup | None = None,
) -> Plan:
    """One CopyImage step per image and destination (excluded steps say why not).

    ``keys`` is :func:`lookup_keys`'s answer; keys it does not cover are not checked.
    """
    keys = keys or {}
    steps: list[Step] = []
    notes: list[str] = []
    for image in images:
        name = request.name if request.name and len(images) == 1 else image.name
        description = (
            request.description
            if request.description is not None and len(images) == 1
            else image.description
        )
        for destination in request.destinations:
            params: dict[str, object] = {
                "SourceImageId": image.image_id,
                "SourceRegion": image.region,
                "Name": name,
                "CopyImageTags": request.copy_tags,
                "ClientToken": client_token(
                    image, destination, name, description, request.copy_tags
                ),
            }
            if description:
                params["Description"] = description
            if destination.encrypt:
                params["Encrypted"] = True
                if destination.kms_key_id:
                    params["KmsKeyId"] = destination.kms_key_id
            refusal = _refusal(inventory, image, destination, name, keys)
            if destination.encrypt:
                key = destination.kms_key_id or "the aws/ebs key"
                how = f"encrypted with {key}"
            else:
                how = "encrypted as the source" if image.encrypted else "unencrypted"
            steps.append(
                Step(
                    step_id=step_id(image, destination.region),
                    region=destination.region,
                    operation=OPERATION,
                    target=f"{image.image_id} → {destination.region}",
                    params=params,
                    reason=refusal or f"copy {name!r} from {image.region}, {how}",
                    excluded=refusal is not None,
                )
            )
    unchecked = [
        d.kms_key_id
        for d in request.destinations
        if d.kms_key_id and (d.region, d.kms_key_id) not in keys
    ]
    if unchecked:
        notes.append(
            f"Could not check the KMS keys {', '.join(unchecked)} (no kms:DescribeKey?); "
            "a key not in the destination region makes that copy fail with the AWS error."
        )
    if steps and not request.copy_tags:
        notes.append("Tags are not copied (EC2 copies no tags unless asked).")
    notes.append("Launch permissions are never copied: share the copies separately.")
    count = len([s for s in steps if not s.excluded])
    regions = sorted({d.region for d in request.destinations})
    return Plan(
        action="copy",
        title=f"Copy {counted(len(images), 'image')} to {', '.join(regions)}: {count} copies",
        steps=tuple(steps),
        notes=tuple(notes),
    )


async def lookup_keys(
    aws: AwsSession, destinations: Sequence[CopyDestination]
) -> dict[tuple[str, str], str | None]:
    """KMS DescribeKey of each destination's key in its region: ARN, or None if not found.

    Keys KMS will not tell us about (access denied, KMS unreachable) are left out.
    """
    wanted = {(d.region, d.kms_key_id) for d in destinations if d.kms_key_id}

    async def one(region: str, key: str) -> tuple[tuple[str, str], str | None] | None:
        try:
            response = await aws.call(region, "DescribeKey", service="kms", KeyId=key)
        except Exception as exc:  # classified: only "not found" is an answer
            if classify_error(exc, region=region).code == "NotFoundException":
                return (region, key), None
            return None
        return (region, key), str(response.get("KeyMetadata", {}).get("Arn") or key)

    answers = await asyncio.gather(*(one(region, key) for region, key in wanted))
    return dict(answer for answer in answers if answer is not None)


@dataclass(frozen=True, slots=True)
class CopyProgress:
    region: str
    image_id: str
    state: str  # pending | available | failed | …
    percent: int | None  # mean snapshot copy progress, when EC2 reports it
    seconds: float
    message: str = ""

    @property
    def finished(self) -> bool:
        return self.state not in ("pending", "transient")

    def describe(self) -> str:
        text = f"{self.image_id} {self.state}"
        if self.percent is not None and self.state == "pending":
            text += f" {self.percent}%"
        text += f" ({self.seconds:.0f} s)"
        return f"{text}: {self.message}" if self.message else text


def _percent(snapshots: Sequence[dict[str, object]]) -> int | None:
    values = []
    for snapshot in snapshots:
        raw = str(snapshot.get("Progress") or "").rstrip("%")
        if raw.isdigit():
            values.append(int(raw))
    return round(sum(values) / len(values)) if values else None


async def track_copy(
    aws: AwsSession,
    region: str,
    image_id: str,
    *,
    poll: float = 2.0,
    give_up_after: float = 4 * 3600.0,
) -> AsyncIterator[CopyProgress]:
    """Yield the copy's progress at each poll until it is no longer pending (or times out)."""
    started = time.monotonic()
    while True:
        elapsed = time.monotonic() - started
        response = await aws.call(region, "DescribeImages", ImageIds=[image_id])
        images = response.get("Images", [])
        if not images:
            yield CopyProgress(region, image_id, "unknown", None, elapsed, "not found yet")
        else:
            record = images[0]
            state = str(record.get("State") or "unknown")
            percent = None
            snapshot_ids = [
                m["Ebs"]["SnapshotId"]
                for m in record.get("BlockDeviceMappings", [])
                if m.get("Ebs", {}).get("SnapshotId")
            ]
            if state == "pending" and snapshot_ids:
                snapshots = await aws.call(region, "DescribeSnapshots", SnapshotIds=snapshot_ids)
                percent = _percent(snapshots.get("Snapshots", []))
            reason = (record.get("StateReason") or {}).get("Message", "")
            progress = CopyProgress(region, image_id, state, percent, elapsed, str(reason))
            yield progress
            if progress.finished:
                return
        if elapsed > give_up_after:
            yield CopyProgress(region, image_id, "timeout", None, elapsed, "stopped following")
            return
        await asyncio.sleep(poll)


# --- into another account ---------------------------------------------------------------

DR_ACTION = "copy-to-account"


def share_step_id(image: Image, target: str) -> str:
    return f"dr-share:{image.region}/{image.image_id}->{target}"


async def load_volume_permissions(
    aws: AwsSession, images: Sequence[Image]
) -> dict[tuple[str, str], frozenset[str]]:
    """(region, snapshot id) -> account ids with createVolumePermission on it."""

    async def one(region: str, snapshot_id: str) -> tuple[tuple[str, str], frozenset[str]]:
        answer = await aws.call(
            region,
            "DescribeSnapshotAttribute",
            SnapshotId=snapshot_id,
            Attribute="createVolumePermission",
        )
        users = frozenset(
            str(p["UserId"]) for p in answer.get("CreateVolumePermissions", []) if p.get("UserId")
        )
        return (region, snapshot_id), users

    wanted = {(i.region, s) for i in images for s in dict.fromkeys(i.snapshot_ids)}
    return dict(await asyncio.gather(*(one(r, s) for r, s in sorted(wanted))))


def plan_copy_to_account(
    images: Sequence[Image],
    request: CopyRequest,
    *,
    source_account: str,
    target: str,
    target_label: str,
    launch_grants: Mapping[ImageKey, frozenset[str]],
    volume_grants: Mapping[tuple[str, str], frozenset[str]],
    remove_share: bool = False,
    key_managers: Mapping[str, str] | None = None,
) -> Plan:
    """Pure: copy ``images`` (owned by ``source_account``) into ``target`` in each of
    ``request.destinations``. ``launch_grants``: account ids each image is shared with now;
    ``volume_grants``: account ids each snapshot grants createVolumePermission now. Only
    what the plan itself adds is removed afterwards (``remove_share``)."""
    key_managers = key_managers or {}
    steps: list[Step] = []
    notes: list[str] = []
    copies = 0
    for image in images:
        refusal = None
        if image.state != "available":
            refusal = f"{image.image_id} is {image.state}; EC2 copies only available images"
        keys = sorted({d.kms_key_id for d in image.block_devices if d.encrypted and d.kms_key_id})
        if any(key_managers.get(k) == "AWS" for k in keys):
            refusal = (
                f"{image.image_id} is encrypted with the AWS managed key aws/ebs, which cannot "
                "be shared with another account; copy it with a customer managed key first"
            )
        added: list[str] = []
        if target not in launch_grants.get(image.key, frozenset()):
            added.append(share_step_id(image, target))
            steps.append(
                Step(
                    share_step_id(image, target),
                    image.region,
                    "ModifyImageAttribute",
                    image.image_id,
                    {"ImageId": image.image_id, "LaunchPermission": {"Add": [{"UserId": target}]}},
                    refusal
                    or f"let {target_label} launch (and copy) {image.name or image.image_id}",
                    excluded=refusal is not None,
                    account=source_account,
                )
            )
        for snapshot_id in dict.fromkeys(image.snapshot_ids):
            if target in volume_grants.get((image.region, snapshot_id), frozenset()):
                continue
            step_id_ = f"dr-snapshot:{image.region}/{snapshot_id}->{target}"
            added.append(step_id_)
            steps.append(
                Step(
                    step_id_,
                    image.region,
                    "ModifySnapshotAttribute",
                    snapshot_id,
                    {
                        "SnapshotId": snapshot_id,
                        "Attribute": "createVolumePermission",
                        "CreateVolumePermission": {"Add": [{"UserId": target}]},
                    },
                    refusal or f"backing snapshot of {image.image_id}: {target_label} may read it",
                    excluded=refusal is not None,
                    account=source_account,
                )
            )
        name = request.name if request.name and len(images) == 1 else image.name
        copy_ids: list[str] = []
        for destination in request.destinations:
            why = refusal
            if why is None and image.encrypted and not destination.encrypt:
                why = (
                    f"{image.image_id} has encrypted snapshots; EC2 cannot copy it unencrypted "
                    "(turn encryption on for this destination)"
                )
            params: dict[str, object] = {
                "SourceImageId": image.image_id,
                "SourceRegion": image.region,
                "Name": name,
                # The source's tags are its owner's: another account does not see them.
                "CopyImageTags": False,
                "ClientToken": client_token(
                    image, destination, f"{target}/{name}", image.description, False
                ),
            }
            if image.description:
                params["Description"] = image.description
            if destination.encrypt:
                params["Encrypted"] = True
                if destination.kms_key_id:
                    params["KmsKeyId"] = destination.kms_key_id
            copy_id = f"copy:{image.region}/{image.image_id}->{target}/{destination.region}"
            copy_ids.append(copy_id)
            copies += why is None
            steps.append(
                Step(
                    copy_id,
                    destination.region,
                    OPERATION,
                    f"{image.image_id} → {target_label} {destination.region}",
                    params,
                    why or f"copy {name!r} into {target_label}, sent with its credentials",
                    depends_on=tuple(added),
                    excluded=why is not None,
                    account=target,
                )
            )
        if remove_share and added:
            for step in [s for s in steps if s.step_id in added]:
                undo = dict(step.params)
                if step.operation == "ModifyImageAttribute":
                    undo["LaunchPermission"] = {"Remove": [{"UserId": target}]}
                else:
                    undo["CreateVolumePermission"] = {"Remove": [{"UserId": target}]}
                steps.append(
                    Step(
                        step.step_id.replace("dr-", "dr-un", 1),
                        step.region,
                        step.operation,
                        step.target,
                        undo,
                        f"remove the share again once every copy of {image.image_id} is available",
                        depends_on=tuple(copy_ids),
                        excluded=step.excluded,
                        account=source_account,
                    )
                )
        if keys and refusal is None:
            notes.append(
                f"{image.image_id} is encrypted with {', '.join(keys)}: that key must be shared "
                f"with {target_label} (its key policy must let the account use it: "
                "kms:DescribeKey, kms:CreateGrant, kms:Decrypt, kms:ReEncrypt*, "
                "kms:GenerateDataKey*), or the copy fails."
            )
    notes.append(
        f"The copies belong to {target_label}: its credentials send CopyImage. Tags and launch "
        "permissions are not copied."
    )
    if remove_share:
        notes.append(
            "The shares this plan adds are removed once every copy is available; shares that "
            "were already there stay."
        )
    regions = sorted({d.region for d in request.destinations})
    return Plan(
        action=DR_ACTION,
        title=f"Copy {counted(len(images), 'image')} into {target_label} "
        f"({', '.join(regions)}): {copies} copies",
        steps=tuple(steps),
        notes=tuple(dict.fromkeys(notes)),
    )


def copy_settled(
    sessions: Callable[[str], AwsSession], *, poll: float = 2.0, give_up_after: float = 4 * 3600
) -> Callable[[StepResult], Awaitable[str | None]]:
    """For the executor's ``settle``: a CopyImage step is complete when its copy is
    ``available`` (followed with the session of the step's account); others at once."""

    async def settle(result: StepResult) -> str | None:
        step = result.step
        image_id = str(result.response.get("ImageId") or "")
        if step.operation != OPERATION or not image_id:
            return None
        last = None
        async for progress in track_copy(
            sessions(step.account), step.region, image_id, poll=poll, give_up_after=give_up_after
        ):
            last = progress
        if last is None or last.state != "available":
            return f"the copy {image_id} is {last.state if last else 'unknown'}"
        return None

    return settle
