"""DescribeInstanceImageMetadata: the AMI each instance was launched from, even once it is gone.

EC2 (API reference, DescribeInstanceImageMetadata):

- "Describes the AMI that was used to launch an instance, even if the AMI is deprecated,
  deregistered, made private (no longer public or shared with your account), or not allowed."
- "If you specify instance IDs, the output includes information for only the specified
  instances. If you specify filters, the output includes information for only those instances
  that meet the filter criteria. If you do not specify instance IDs or filters, the output
  includes information for all instances".
- "If you specify an instance ID that is not valid, an instance that doesn't exist, or an
  instance that you do not own, an error (InvalidInstanceID.NotFound) is returned."
- Filters: ``availability-zone``, ``instance-id``, ``image-allowed``, ``instance-state-name``,
  ``instance-type``, ``launch-time`` ("You can use a wildcard (*)"), ``owner-alias``,
  ``owner-id``, ``tag:<key>``, ``tag-key``, ``zone-id``.
- ``MaxResults``: 1 to 1000, "Default: 1000", with ``NextToken``.
- Each entry: InstanceId, InstanceType, LaunchTime, AvailabilityZone, ZoneId, State, OwnerId,
  Tags, and ``ImageMetadata`` {ImageId, Name, OwnerId, State, ImageOwnerAlias, CreationDate,
  DeprecationTime, ImageAllowed, IsPublic}.

So the image's identity is kept from the moment of RunInstances (moto keeps only the id): a
deregistered image answers with what was known then and ``State: deregistered`` (the reference
does not say which fields a deregistered image keeps). The sandbox has no Allowed AMIs
settings, so every image is allowed (``ImageAllowed: true``), as in an account that never
enabled them.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Mapping
from typing import Any

from moto.core.responses import ActionResult
from moto.ec2.exceptions import InvalidInstanceIdError
from moto.ec2.models.instances import InstanceBackend
from moto.ec2.responses.instances import InstanceResponse

from ._moto import ec2_error, format_time, wrap
from .organization import find_image

MAX_RESULTS = 1000
#: Where an instance keeps the image it was launched from (the moto Ami object).
_IMAGE = "_amitui_launch_image"


def install() -> None:
    wrap(InstanceBackend, "run_instances", _run_instances)
    InstanceResponse.describe_instance_image_metadata = _describe  # type: ignore[attr-defined]


def _run_instances(original: Callable[..., Any], self: Any, *args: Any, **kwargs: Any) -> Any:
    reservation = original(self, *args, **kwargs)
    for instance in reservation.instances:
        image = find_image(self.region_name, instance.image_id)
        if image is not None:
            instance.__dict__[_IMAGE] = image
    return reservation


def image_metadata(instance: Any) -> dict[str, Any]:
    """The ``ImageMetadata`` of an instance, from the image it was launched with."""
    image = instance.__dict__.get(_IMAGE)
    if image is None:
        return {"ImageId": instance.image_id}
    registered = image.id in image.ec2_backend.amis
    created = image.creation_date
    metadata: dict[str, Any] = {
        "ImageId": image.id,
        "Name": image.name,
        "OwnerId": image.owner_id,
        "State": image.state if registered else "deregistered",
        "CreationDate": created if isinstance(created, str) else format_time(created),
        "ImageAllowed": True,
        "IsPublic": bool(registered and image.is_public),
    }
    if image.owner_alias:
        metadata["ImageOwnerAlias"] = image.owner_alias
    if registered and getattr(image, "deprecation_time", None):
        metadata["DeprecationTime"] = image.deprecation_time
    return metadata


def _entry(backend: Any, instance: Any) -> dict[str, Any]:
    zone = instance.placement.zone
    zone_ids = {z.name: z.zone_id for z in backend.describe_availability_zones()}
    entry: dict[str, Any] = {
        "InstanceId": instance.id,
        "InstanceType": instance.instance_type,
        "LaunchTime": instance.launch_time,
        "AvailabilityZone": zone,
        "ZoneId": zone_ids.get(zone, ""),
        "State": {"Code": instance._state.code, "Name": instance._state.name},
        "OwnerId": backend.account_id,
        "Tags": [{"Key": t["key"], "Value": t["value"]} for t in instance.get_tags()],
        "ImageMetadata": image_metadata(instance),
    }
    return entry


def _matches(entry: Mapping[str, Any], filters: Mapping[str, list[str]]) -> bool:
    image = entry["ImageMetadata"]
    tags = {t["Key"]: t["Value"] for t in entry["Tags"]}
    fields = {
        "availability-zone": [entry["AvailabilityZone"]],
        "zone-id": [entry["ZoneId"]],
        "instance-id": [entry["InstanceId"]],
        "instance-type": [entry["InstanceType"]],
        "instance-state-name": [entry["State"]["Name"]],
        "launch-time": [format_time(entry["LaunchTime"])],
        "image-allowed": [str(image.get("ImageAllowed", True)).lower()],
        "owner-alias": [image.get("ImageOwnerAlias", "")],
        "owner-id": [image.get("OwnerId", "")],
        "tag-key": list(tags),
    }
    for name, wanted in filters.items():
        if name.startswith("tag:"):
            have = [tags[name[4:]]] if name[4:] in tags else []
        elif name in fields:
            have = fields[name]
        else:
            raise ec2_error("InvalidParameterValue", f"The filter '{name}' is invalid")
        if not any(fnmatch.fnmatchcase(h, w) for h in have for w in wanted):
            return False
    return True


def _describe(self: InstanceResponse) -> ActionResult:
    instance_ids: list[str] = self._get_param("InstanceIds", [])
    filters = {f["Name"]: list(f.get("Values", [])) for f in self._get_param("Filters", [])}
    limit = int(self._get_param("MaxResults") or MAX_RESULTS)
    if not 1 <= limit <= MAX_RESULTS:
        raise ec2_error(
            "InvalidParameterValue",
            f"Value ( {limit} ) for parameter maxResults is invalid. "
            f"Expecting a value between 1 and {MAX_RESULTS}.",
        )
    token = self._get_param("NextToken")
    self.error_on_dryrun()
    backend = self.ec2_backend
    instances = {i.id: i for i in backend.all_instances()}
    missing = [i for i in instance_ids if i not in instances]
    if missing:
        raise InvalidInstanceIdError(missing[0])
    chosen = [instances[i] for i in instance_ids] if instance_ids else list(instances.values())
    entries = sorted(
        (e for e in (_entry(backend, i) for i in chosen) if _matches(e, filters)),
        key=lambda e: str(e["InstanceId"]),
    )
    if token:
        entries = [e for e in entries if e["InstanceId"] > token]
    page = entries[:limit]
    result: dict[str, Any] = {"InstanceImageMetadata": page}
    if len(entries) > limit:
        result["NextToken"] = page[-1]["InstanceId"]
    return ActionResult(result)
