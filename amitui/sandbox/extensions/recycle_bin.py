"""Recycle Bin: retention rules, and the images and snapshots they keep restorable.

moto has no Recycle Bin (``rbin``) at all: its server answers HTTP 500 to every call, which
botocore retries for seconds. What Recycle Bin does (API reference, CreateRule / GetRule /
ListRules; rest-json, signing name ``rbin``):

- ``CreateRule`` (POST /rules): ``ResourceType`` ``EBS_SNAPSHOT`` or ``EC2_IMAGE``;
  ``RetentionPeriod`` ``{RetentionPeriodValue, RetentionPeriodUnit: "DAYS"}``; optional
  ``ResourceTags`` ``[{ResourceTagKey, ResourceTagValue}]`` (a tag-level rule: it retains
  resources with one of these tags) or none (a Region-level rule: it retains every resource of
  the type, except those with one of the ``ExcludeResourceTags``). Answers 201 with the rule,
  ``Identifier`` and ``Status`` ``available``.
- ``GetRule`` (GET /rules/{identifier}): the rule; unknown: ``ResourceNotFoundException`` 404.
- ``ListRules`` (POST /list-rules): ``ResourceType`` is required; answers
  ``Rules: [{Identifier, Description, RetentionPeriod, LockState, RuleArn}]``.

And in EC2 (API reference, DeregisterImage, DeleteSnapshot, ListImagesInRecycleBin,
RestoreImageFromRecycleBin, ListSnapshotsInRecycleBin, RestoreSnapshotFromRecycleBin):

- DeregisterImage: "If you deregister an AMI that matches a Recycle Bin retention rule, the AMI
  is retained in the Recycle Bin for the specified retention period." DeleteSnapshot likewise
  for snapshots. Where several rules match, the longest retention period applies.
- ListImagesInRecycleBin "Lists one or more AMIs that are currently in the Recycle Bin":
  ``ImageId``, ``Name``, ``Description``, ``RecycleBinEnterTime`` "The date and time when the
  AMI entered the Recycle Bin", ``RecycleBinExitTime`` "The date and time when the AMI is to be
  permanently deleted from the Recycle Bin". ``ImageIds``: "You can specify up to 20 IDs in a
  single request." ListSnapshotsInRecycleBin likewise with ``SnapshotId``, ``Description``,
  ``VolumeId``. Both are paged (MaxResults ranges are checked in :mod:`.limits`).
- RestoreImageFromRecycleBin "Restores an AMI from the Recycle Bin" (``Return: true``);
  RestoreSnapshotFromRecycleBin "Restores a snapshot from the Recycle Bin" and answers the
  snapshot's fields. An id not in the bin is ``InvalidAMIID.NotFound`` /
  ``InvalidSnapshot.NotFound`` (the reference names no code; these are EC2's codes for an id
  it does not know). Past its exit time a resource is gone for good.

Rules and bins live on the region's EC2 backend of the account (the account of the request's
access key, so each account of an organization has its own), so a sandbox reset
(``POST /moto-api/reset``) empties them with everything else. Lock configuration,
UpdateRule and DeleteRule are not modelled.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from moto.core.responses import ActionResult
from moto.core.utils import utcnow
from moto.ec2.models.amis import AmiBackend
from moto.ec2.models.elastic_block_store import EBSBackend
from moto.ec2.responses.amis import AmisResponse
from moto.ec2.responses.elastic_block_store import ElasticBlockStore
from moto.iam.models import get_account_id_from
from moto.moto_server.werkzeug_app import DomainDispatcherApplication

from ._moto import ec2_backend, ec2_error, wrap
from .paging import MAX_PAGE, decode_token, page

StartResponse = Callable[[str, list[tuple[str, str]]], Any]

_SCOPE = re.compile(r"Credential=([^/,\s]+)/\d{8}/([a-z0-9-]+)/([a-z0-9-]+)/")
_lock = threading.Lock()
SNAPSHOTS = "EBS_SNAPSHOT"
IMAGES = "EC2_IMAGE"
RESOURCE_TYPES = (SNAPSHOTS, IMAGES)
MAX_LISTED_IDS = 20
#: Where a region's EC2 backend keeps its rules and its bins.
_RULES = "_amitui_rbin_rules"
_BIN = "_amitui_rbin_bin"


@dataclass
class Binned:
    """A deregistered image or deleted snapshot kept by a rule until ``exit_time``."""

    id: str
    kind: str  # IMAGES or SNAPSHOTS
    resource: Any  # the moto Ami or Snapshot, as it was
    enter_time: datetime
    exit_time: datetime


def install() -> None:
    wrap(DomainDispatcherApplication, "__call__", _call)
    wrap(AmiBackend, "deregister_image", _deregister_image)
    wrap(EBSBackend, "delete_snapshot", _delete_snapshot)
    AmisResponse.list_images_in_recycle_bin = _list_images  # type: ignore[attr-defined]
    AmisResponse.restore_image_from_recycle_bin = _restore_image  # type: ignore[attr-defined]
    ElasticBlockStore.list_snapshots_in_recycle_bin = _list_snapshots  # type: ignore[attr-defined]
    ElasticBlockStore.restore_snapshot_from_recycle_bin = _restore_snapshot  # type: ignore[attr-defined]


def rules_of(backend: Any) -> dict[str, dict[str, Any]]:
    """identifier -> rule, for the region of ``backend`` (an EC2 backend)."""
    rules: dict[str, dict[str, Any]] = backend.__dict__.setdefault(_RULES, {})
    return rules


def bin_of(backend: Any) -> dict[str, Binned]:
    """resource id -> what the region's Recycle Bin holds, expired entries dropped."""
    held: dict[str, Binned] = backend.__dict__.setdefault(_BIN, {})
    now = utcnow()
    for resource_id in [i for i, entry in held.items() if entry.exit_time <= now]:
        del held[resource_id]
    return held


def retaining_rule(
    backend: Any, resource_type: str, tags: Iterable[dict[str, str]]
) -> dict[str, Any] | None:
    """The rule that keeps a resource with ``tags`` longest, if any applies."""
    present = [(t["key"], t["value"]) for t in tags]

    def has(wanted: Sequence[dict[str, str]]) -> bool:
        return any(
            key == w.get("ResourceTagKey") and w.get("ResourceTagValue") in (None, "", value)
            for w in wanted
            for key, value in present
        )

    def applies(rule: dict[str, Any]) -> bool:
        if rule["ResourceTags"]:
            return has(rule["ResourceTags"])
        return not has(rule["ExcludeResourceTags"])

    matching = [
        rule
        for rule in rules_of(backend).values()
        if rule["ResourceType"] == resource_type and applies(rule)
    ]
    return max(matching, key=_days, default=None)


def _days(rule: dict[str, Any]) -> int:
    return int(rule["RetentionPeriod"].get("RetentionPeriodValue") or 0)


def _keep(backend: Any, kind: str, resource: Any, rule: dict[str, Any]) -> None:
    now = utcnow()
    bin_of(backend)[resource.id] = Binned(
        resource.id, kind, resource, now, now + timedelta(days=_days(rule))
    )


# --- EC2: into the bin -------------------------------------------------------------------


def _deregister_image(original: Callable[..., Any], self: Any, ami_id: str) -> Any:
    image = self.amis.get(ami_id)
    rule = retaining_rule(self, IMAGES, image.get_tags()) if image is not None else None
    result = original(self, ami_id)  # refusals (protected, unknown) raise before anything moves
    if rule is not None:
        _keep(self, IMAGES, image, rule)
    return result


def _delete_snapshot(original: Callable[..., Any], self: Any, snapshot_id: str) -> Any:
    snapshot = self.snapshots.get(snapshot_id)
    rule = retaining_rule(self, SNAPSHOTS, snapshot.get_tags()) if snapshot is not None else None
    result = original(self, snapshot_id)  # in use or unknown: raises, nothing moves
    if rule is not None:
        _keep(self, SNAPSHOTS, snapshot, rule)
    return result


# --- EC2: list and restore ---------------------------------------------------------------


def _listed(self: Any, kind: str, ids_param: str) -> tuple[list[Binned], str | None]:
    ids: list[str] = self._get_param(ids_param, [])
    if len(ids) > MAX_LISTED_IDS:
        raise ec2_error(
            "InvalidParameterValue",
            f"You can specify up to {MAX_LISTED_IDS} IDs in a single request, not {len(ids)}.",
        )
    self.error_on_dryrun()
    entries = [e for e in bin_of(self.ec2_backend).values() if e.kind == kind]
    if ids:
        entries = [e for e in entries if e.id in ids]
    token = self._get_param("NextToken")
    limit = min(int(self._get_param("MaxResults") or MAX_PAGE), MAX_PAGE)
    return page(entries, limit, decode_token(token) if token else None)


def _list_images(self: AmisResponse) -> ActionResult:
    entries, next_token = _listed(self, IMAGES, "ImageIds")
    result: dict[str, Any] = {
        "Images": [
            {
                "ImageId": e.id,
                "Name": e.resource.name,
                "Description": e.resource.description,
                "RecycleBinEnterTime": e.enter_time,
                "RecycleBinExitTime": e.exit_time,
            }
            for e in entries
        ]
    }
    if next_token:
        result["NextToken"] = next_token
    return ActionResult(result)


def _list_snapshots(self: ElasticBlockStore) -> ActionResult:
    entries, next_token = _listed(self, SNAPSHOTS, "SnapshotIds")
    result: dict[str, Any] = {
        "Snapshots": [
            {
                "SnapshotId": e.id,
                "Description": e.resource.description,
                "VolumeId": e.resource.volume.id,
                "RecycleBinEnterTime": e.enter_time,
                "RecycleBinExitTime": e.exit_time,
            }
            for e in entries
        ]
    }
    if next_token:
        result["NextToken"] = next_token
    return ActionResult(result)


def _take(self: Any, kind: str, resource_id: str) -> Any:
    held = bin_of(self.ec2_backend)
    entry = held.get(resource_id)
    if entry is None or entry.kind != kind:
        if kind == IMAGES:
            raise ec2_error(
                "InvalidAMIID.NotFound", f"The image id '[{resource_id}]' does not exist"
            )
        raise ec2_error("InvalidSnapshot.NotFound", f"The snapshot '{resource_id}' does not exist.")
    self.error_on_dryrun()
    del held[resource_id]
    return entry.resource


def _restore_image(self: AmisResponse) -> ActionResult:
    image_id = self._get_param("ImageId")
    image = _take(self, IMAGES, image_id)
    backend = self.ec2_backend
    backend.amis[image_id] = image
    if image_id in backend.deleted_amis:
        backend.deleted_amis.remove(image_id)
    return ActionResult({"Return": True})


def _restore_snapshot(self: ElasticBlockStore) -> ActionResult:
    snapshot_id = self._get_param("SnapshotId")
    snapshot = _take(self, SNAPSHOTS, snapshot_id)
    self.ec2_backend.snapshots[snapshot_id] = snapshot
    return ActionResult(
        {
            "SnapshotId": snapshot.id,
            "Description": snapshot.description,
            "Encrypted": bool(snapshot.encrypted),
            "OwnerId": snapshot.owner_id,
            "Progress": "100%",
            "StartTime": snapshot.start_time,
            "State": snapshot.status,
            "VolumeId": snapshot.volume.id,
            "VolumeSize": snapshot.volume.size,
        }
    )


# --- rbin: the rules ---------------------------------------------------------------------


def _call(
    original: Callable[..., Iterable[bytes]],
    self: DomainDispatcherApplication,
    environ: dict[str, Any],
    start_response: StartResponse,
) -> Iterable[bytes]:
    match = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    if match is None or match.group(3) != "rbin":
        return original(self, environ, start_response)
    # Each account has its own rules, as its own EC2 backend (the account of the access key,
    # as moto decides it for every other service).
    account = get_account_id_from(match.group(1))
    region = match.group(2)
    status, body = _handle(
        account,
        region,
        environ.get("REQUEST_METHOD", "GET"),
        environ.get("PATH_INFO", ""),
        environ,
    )
    payload = json.dumps(body).encode()
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))]
    if status.startswith("4"):
        headers.append(("x-amzn-ErrorType", str(body.get("__type", ""))))
    start_response(status, headers)
    return [payload]


def _error(status: str, kind: str, message: str) -> tuple[str, dict[str, Any]]:
    return status, {"__type": kind, "message": message, "Message": message}


def _body(environ: dict[str, Any]) -> dict[str, Any]:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    raw = environ["wsgi.input"].read(length) if length else b""
    parsed = json.loads(raw or b"{}")
    return parsed if isinstance(parsed, dict) else {}


def _handle(
    account: str, region: str, method: str, path: str, environ: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    try:
        body = _body(environ)
    except ValueError:
        return _error("400 Bad Request", "ValidationException", "The request body is not JSON.")
    with _lock:
        rules = rules_of(ec2_backend(region, account))
        if method == "POST" and path == "/rules":
            return _create(account, region, rules, body)
        if method == "POST" and path == "/list-rules":
            kind = body.get("ResourceType")
            if kind not in RESOURCE_TYPES:
                return _error("400 Bad Request", "ValidationException", "ResourceType is required.")
            return "200 OK", {
                "Rules": [
                    {
                        k: rule[k]
                        for k in (
                            "Identifier",
                            "Description",
                            "RetentionPeriod",
                            "LockState",
                            "RuleArn",
                        )
                        if k in rule
                    }
                    for rule in rules.values()
                    if rule["ResourceType"] == kind
                ]
            }
        if method == "GET" and path.startswith("/rules/"):
            rule = rules.get(path.removeprefix("/rules/"))
            if rule is None:
                return _error("404 Not Found", "ResourceNotFoundException", "Rule not found.")
            return "200 OK", rule
    return _error("400 Bad Request", "ValidationException", f"Not supported: {method} {path}")


def _create(
    account: str, region: str, rules: dict[str, dict[str, Any]], body: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    kind = body.get("ResourceType")
    period = body.get("RetentionPeriod") or {}
    if kind not in RESOURCE_TYPES or not period.get("RetentionPeriodValue"):
        return _error(
            "400 Bad Request",
            "ValidationException",
            "ResourceType and RetentionPeriod are required.",
        )
    identifier = uuid.uuid4().hex[:11]
    rule = {
        "Identifier": identifier,
        "Description": body.get("Description", ""),
        "ResourceType": kind,
        "RetentionPeriod": period,
        "ResourceTags": body.get("ResourceTags", []),
        "ExcludeResourceTags": body.get("ExcludeResourceTags", []),
        "Status": "available",
        "LockState": "unlocked",
        "RuleArn": f"arn:aws:rbin:{region}:{account}:rule/{identifier}",
    }
    rules[identifier] = rule
    return "201 Created", rule
