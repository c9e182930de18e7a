"""Reverse lookup: from an instance, launch template, Auto Scaling group, snapshot, SSM
parameter or image (by id or name) to the image it runs, in whichever loaded account and
region it lives, with the path taken.

Each kind is one chain of read-only calls:

- ``i-…``: DescribeInstances → its ImageId. When DescribeImages cannot list that image
  (deregistered, no longer shared, another account's), DescribeInstanceImageMetadata still
  names it: id, name, owner, creation date and state, kept as "not listable" with the reason.
- ``lt-…`` or a template name: DescribeLaunchTemplateVersions of ``$Default`` (the version
  is said), its ImageId (``resolve:ssm:NAME`` is followed to the parameter).
- an Auto Scaling group name: DescribeAutoScalingGroups → its launch template (the version
  the group names) or launch configuration (DescribeLaunchConfigurations) → ImageId.
- ``snap-…``: DescribeImages filtered by ``block-device-mapping.snapshot-id``.
- ``ami-…``: the loaded inventory first, else DescribeImages.
- anything else: a launch template, an Auto Scaling group and an SSM parameter of that name
  (GetParameter), all tried.

Every loaded (account, region) is searched at once, at most :data:`CONCURRENCY` lookups in
flight (each session also caps its own calls). "Not found here" answers are expected and
quiet; any other failure is kept and said when nothing is found.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from amitui.aws import AwsSession
from amitui.aws_errors import classify_error
from amitui.model import ImageKey, Inventory, parse_time
from amitui.usage import ImageFacts, Resolution

#: Lookups in flight at once across every account-region.
CONCURRENCY = 16

#: Error codes that only mean "no such thing in this account-region".
_ABSENT = frozenset(
    {
        "InvalidInstanceID.NotFound",
        "InvalidInstanceID.Malformed",
        "InvalidLaunchTemplateId.NotFound",
        "InvalidLaunchTemplateId.Malformed",
        "InvalidLaunchTemplateName.NotFoundException",
        "InvalidLaunchTemplateName.MalformedException",
        "InvalidLaunchTemplateId.VersionNotFound",
        "InvalidAMIID.NotFound",
        "InvalidAMIID.Malformed",
        "InvalidAMIID.Unavailable",
        "InvalidSnapshot.NotFound",
        "ParameterNotFound",
        "ValidationError",
        "ValidationException",
    }
)

_INSTANCE = re.compile(r"^i-[0-9a-f]{8,17}$")
_TEMPLATE = re.compile(r"^lt-[0-9a-f]{8,17}$")
_SNAPSHOT = re.compile(r"^snap-[0-9a-f]{8,17}$")
_IMAGE = re.compile(r"^ami-[0-9a-f]{8,17}$")
_RESOLVE_SSM = "resolve:ssm:"


class LookupFailed(LookupError):
    """Nothing was found; the message says what was searched (and what could not be)."""


@dataclass(frozen=True, slots=True)
class Place:
    """One loaded account-region to search."""

    session: AwsSession
    region: str
    #: The label the account's keys carry (:attr:`ImageKey.account`).
    label: str = ""
    #: How the path names the account ("prod"); "" for the one account of a plain launch.
    name: str = ""

    @property
    def where(self) -> str:
        return f"{self.name}/{self.region}" if self.name else self.region


@dataclass(frozen=True, slots=True)
class _Hit:
    """A chain that reached an image id (not yet placed in the table)."""

    place: Place
    image_id: str
    hops: tuple[str, ...]
    #: The instance it came from, for DescribeInstanceImageMetadata.
    instance_id: str = ""


class _Absent(Exception):
    """The thing is not in this account-region."""


def kind_of(target: str) -> str:
    """What ``target`` names, as the "nothing found" message says it."""
    if _INSTANCE.match(target):
        return "instance"
    if _TEMPLATE.match(target):
        return "launch template"
    if _SNAPSHOT.match(target):
        return "snapshot"
    if _IMAGE.match(target):
        return "image"
    return "launch template, Auto Scaling group or SSM parameter"


async def resolve(target: str, places: Sequence[Place], inventory: Inventory) -> list[Resolution]:
    """Every image ``target`` leads to across ``places``, each keyed where the table shows
    it (the inventory), or with the facts known of it when it is not there. Raises
    :class:`LookupFailed` when nothing is found (or ``target`` is empty)."""
    target = target.strip()
    if not target:
        raise LookupFailed(
            "Go to what? Give an instance, launch template, Auto Scaling group, snapshot or "
            "image id, or a launch template, Auto Scaling group or SSM parameter name"
        )
    if not places:
        raise LookupFailed(f"cannot look up {target}: no account-region is loaded yet")
    if _IMAGE.match(target):
        loaded = [i.key for i in inventory.images() if i.image_id == target]
        if loaded:
            return [Resolution(target, key, ()) for key in sorted(loaded)]
    gate = asyncio.Semaphore(CONCURRENCY)
    errors: list[str] = []

    async def search(place: Place) -> list[_Hit]:
        async with gate:
            try:
                return await _search(target, place)
            except _Absent:
                return []
            except Exception as exc:  # errors are data: said if nothing else is found
                error = classify_error(exc, region=place.region, profile=place.session.profile)
                if error.code in _ABSENT:
                    return []
                errors.append(f"{place.where}: {error.describe()}")
                return []

    found = [hit for hits in await asyncio.gather(*(search(p) for p in places)) for hit in hits]
    if not found:
        searched = ", ".join(p.where for p in places)
        message = f"No {kind_of(target)} {target} in {len(places)} account-regions ({searched})"
        if errors:
            message += ". Could not search: " + "; ".join(errors)
        raise LookupFailed(message)
    resolutions = await asyncio.gather(*(_land(target, hit, inventory) for hit in found))
    unique: dict[ImageKey, Resolution] = {}
    for resolution in resolutions:
        unique.setdefault(resolution.key, resolution)
    # Images in the table first, so that the caller lands on one when it can.
    return sorted(unique.values(), key=lambda r: (r.unlisted is not None, r.key))


async def _search(target: str, place: Place) -> list[_Hit]:
    if _INSTANCE.match(target):
        return [await _instance(target, place)]
    if _TEMPLATE.match(target):
        return [await _template(place, {"LaunchTemplateId": target}, "$Default", ())]
    if _SNAPSHOT.match(target):
        return await _snapshot(target, place)
    if _IMAGE.match(target):
        return await _image(target, place)
    return await _named(target, place)


async def _instance(instance_id: str, place: Place) -> _Hit:
    answer = await place.session.call(
        place.region, "DescribeInstances", InstanceIds=[instance_id], IncludeManagedResources=True
    )
    for reservation in answer.get("Reservations", []):
        for instance in reservation.get("Instances", []):
            state = str((instance.get("State") or {}).get("Name", ""))
            hop = f"instance {instance_id} ({state}) in {place.where}"
            return _Hit(place, str(instance["ImageId"]), (hop,), instance_id)
    raise _Absent


async def _template(
    place: Place, which: Mapping[str, str], version: str, before: tuple[str, ...]
) -> _Hit:
    answer = await place.session.call(
        place.region,
        "DescribeLaunchTemplateVersions",
        Versions=[version],
        IncludeManagedResources=True,
        **which,
    )
    versions = answer.get("LaunchTemplateVersions", [])
    if not versions:
        raise _Absent
    chosen = versions[0]
    name = str(chosen.get("LaunchTemplateName") or chosen.get("LaunchTemplateId"))
    number = chosen.get("VersionNumber")
    default = " ($Default)" if chosen.get("DefaultVersion") and version == "$Default" else ""
    where = f" in {place.where}" if not before else ""
    hop = f"launch template {name} v{number}{default}{where}"
    image_id = str((chosen.get("LaunchTemplateData") or {}).get("ImageId") or "")
    if not image_id:
        raise LookupFailed(f"launch template {name} v{number} in {place.where} names no image")
    if image_id.startswith(_RESOLVE_SSM):
        return await _parameter(place, image_id[len(_RESOLVE_SSM) :], (*before, hop))
    return _Hit(place, image_id, (*before, hop))


async def _parameter(place: Place, name: str, before: tuple[str, ...]) -> _Hit:
    answer = await place.session.call(place.region, "GetParameter", service="ssm", Name=name)
    value = str((answer.get("Parameter") or {}).get("Value") or "")
    if not _IMAGE.match(value):
        raise _Absent  # a parameter, but not one holding an image id
    where = f" in {place.where}" if not before else ""
    return _Hit(place, value, (*before, f"SSM parameter {name}{where}"))


async def _group(name: str, place: Place) -> _Hit:
    answer = await place.session.call(
        place.region,
        "DescribeAutoScalingGroups",
        service="autoscaling",
        AutoScalingGroupNames=[name],
    )
    groups = answer.get("AutoScalingGroups", [])
    if not groups:
        raise _Absent
    group = groups[0]
    hop = (f"Auto Scaling group {name} in {place.where}",)
    spec = group.get("LaunchTemplate") or (
        ((group.get("MixedInstancesPolicy") or {}).get("LaunchTemplate") or {}).get(
            "LaunchTemplateSpecification"
        )
    )
    if spec:
        which = (
            {"LaunchTemplateId": str(spec["LaunchTemplateId"])}
            if spec.get("LaunchTemplateId")
            else {"LaunchTemplateName": str(spec["LaunchTemplateName"])}
        )
        return await _template(place, which, str(spec.get("Version") or "$Default"), hop)
    configuration = str(group.get("LaunchConfigurationName") or "")
    if configuration:
        answer = await place.session.call(
            place.region,
            "DescribeLaunchConfigurations",
            service="autoscaling",
            LaunchConfigurationNames=[configuration],
        )
        for found in answer.get("LaunchConfigurations", []):
            return _Hit(
                place,
                str(found["ImageId"]),
                (*hop, f"launch configuration {configuration}"),
            )
    raise LookupFailed(f"Auto Scaling group {name} in {place.where} names no launch template "
                       "or launch configuration amitui can read")  # fmt: skip


async def _snapshot(snapshot_id: str, place: Place) -> list[_Hit]:
    answer = await place.session.call(
        place.region,
        "DescribeImages",
        Filters=[{"Name": "block-device-mapping.snapshot-id", "Values": [snapshot_id]}],
        IncludeDeprecated=True,
        IncludeDisabled=True,
    )
    hop = f"snapshot {snapshot_id} in {place.where}"
    return [_Hit(place, str(i["ImageId"]), (hop,)) for i in answer.get("Images", [])]


async def _image(image_id: str, place: Place) -> list[_Hit]:
    answer = await place.session.call(
        place.region,
        "DescribeImages",
        ImageIds=[image_id],
        IncludeDeprecated=True,
        IncludeDisabled=True,
    )
    return [_Hit(place, str(i["ImageId"]), ()) for i in answer.get("Images", [])]


async def _named(name: str, place: Place) -> list[_Hit]:
    """A launch template, an Auto Scaling group or an SSM parameter called ``name``."""
    tries: list[Callable[[], Awaitable[_Hit]]] = [
        lambda: _template(place, {"LaunchTemplateName": name}, "$Default", ()),
        lambda: _group(name, place),
        lambda: _parameter(place, name, ()),
    ]
    hits: list[_Hit] = []
    failures: list[Exception] = []
    for outcome in await asyncio.gather(*(t() for t in tries), return_exceptions=True):
        if isinstance(outcome, _Hit):
            hits.append(outcome)
        elif isinstance(outcome, LookupFailed):
            failures.append(outcome)
        elif isinstance(outcome, Exception) and not isinstance(outcome, _Absent):
            if classify_error(outcome).code not in _ABSENT:
                failures.append(outcome)
        elif isinstance(outcome, BaseException) and not isinstance(outcome, Exception):
            raise outcome
    if not hits and failures:
        raise failures[0]
    return hits


async def _land(target: str, hit: _Hit, inventory: Inventory) -> Resolution:
    """Key ``hit``'s image where the table shows it: the account it was found in, else any
    loaded account listing it (a shared image is listed by its owner); else say what is
    known of it and why it is not there."""
    place = hit.place
    for label in (place.label, *sorted({k.account for k in inventory.loads} - {place.label})):
        key = ImageKey(place.region, hit.image_id, label)
        if inventory.image(key) is not None:
            return Resolution(target, key, hit.hops)
    key = ImageKey(place.region, hit.image_id, place.label)
    return Resolution(target, key, hit.hops, await _facts(hit))


async def _facts(hit: _Hit) -> ImageFacts:
    place = hit.place
    try:
        answer = await place.session.call(
            place.region,
            "DescribeImages",
            ImageIds=[hit.image_id],
            IncludeDeprecated=True,
            IncludeDisabled=True,
        )
        images = answer.get("Images", [])
    except Exception as exc:  # not listable: the metadata below says what is known
        if classify_error(exc).code not in _ABSENT:
            raise
        images = []
    if images:
        record = images[0]
        return ImageFacts(
            hit.image_id,
            place.region,
            str(record.get("Name") or ""),
            str(record.get("OwnerId") or ""),
            parse_time(record.get("CreationDate")),
            str(record.get("State") or ""),
            "listable, but not among the loaded images (see the owner scope, w)",
        )
    if not hit.instance_id:
        return ImageFacts(
            hit.image_id,
            place.region,
            reason="not listable: DescribeImages does not find it (deregistered, or not "
            "shared with this account)",
        )
    answer = await place.session.call(
        place.region, "DescribeInstanceImageMetadata", InstanceIds=[hit.instance_id]
    )
    entries = answer.get("InstanceImageMetadata", [])
    metadata: Mapping[str, Any] = (entries[0].get("ImageMetadata") or {}) if entries else {}
    return _facts_of(hit, metadata)


def _facts_of(hit: _Hit, metadata: Mapping[str, Any]) -> ImageFacts:
    state = str(metadata.get("State") or "")
    owner = str(metadata.get("OwnerId") or "")
    if state == "deregistered":
        reason = "not listable: deregistered"
    elif owner and state:
        reason = f"not listable: owned by {owner} and not shared with this account"
    else:
        reason = "not listable: DescribeImages does not find it"
    return ImageFacts(
        hit.image_id,
        hit.place.region,
        str(metadata.get("Name") or ""),
        owner,
        parse_time(metadata.get("CreationDate")),
        state,
        reason,
    )


__all__ = ["CONCURRENCY", "LookupFailed", "Place", "kind_of", "resolve"]
