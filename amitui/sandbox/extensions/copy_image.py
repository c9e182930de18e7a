"""CopyImage copies the image's disks, records its source, and is idempotent by ClientToken.

EC2 (API reference, CopyImage and Image):

- The copy is made in the Region the request is sent to, from ``SourceRegion``. Its own
  backing snapshots are created there, one copy of each source snapshot, same sizes and the
  same block device layout; architecture, virtualization type, root device, boot mode, ENA,
  SR-IOV, TPM and IMDS support are copied. "We don't copy launch permissions, user-defined
  tags, or Amazon S3 bucket permissions from the source AMI to the new AMI."
- DescribeImages reports ``SourceImageId`` "The ID of the source AMI from which the AMI was
  created" and ``SourceImageRegion`` "The Region of the source AMI".
- ``Description`` "A description for the new AMI"; when omitted the source's description is
  kept. Each copied snapshot is described as EC2 writes it (the reference does not give the
  text; this is EC2's, as AWS accounts show it): "Copied for DestinationAmi ami-… from
  SourceAmi ami-… for SourceSnapshot snap-…. Task created on 1,566,308,778,174." -- the task's
  start in milliseconds since the epoch, digits grouped by commas.
- "Copies of encrypted backing snapshots for the AMI are encrypted. Copies of unencrypted
  backing snapshots remain unencrypted, unless you set Encrypted during the copy operation."
  ``KmsKeyId``: "If this parameter is not specified, your Amazon Web Services managed KMS key
  for Amazon EBS is used. If you specify a KMS key, you must also set the encrypted state to
  true."
- ``CopyImageTags``: "Indicates whether to include your user-defined AMI tags when copying
  the AMI" (never ``aws:`` system tags); ``TagSpecifications`` tag the new image/snapshots.
- ``ClientToken``: a retry with the same token and parameters returns the same ImageId and
  copies nothing; the same token with other parameters is ``IdempotentParameterMismatch``.
- The copy is ``pending`` until its snapshots are copied, then ``available``. The sandbox
  keeps it pending for ``AMITUI_SANDBOX_COPY_DELAY`` seconds (default 0: available at once).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from moto.core.responses import ActionResult
from moto.core.utils import utcnow
from moto.ec2.exceptions import InvalidAMIIdError
from moto.ec2.models import ec2_backends
from moto.ec2.models.amis import Ami
from moto.ec2.responses.amis import AmisResponse

from ._moto import ec2_backend, ec2_error, wrap
from .block_devices import new_image, set_block_devices

COPY_DELAY_ENV = "AMITUI_SANDBOX_COPY_DELAY"

#: Launch attributes a copy inherits, by moto attribute name (shape name and moto's short one).
COPIED_ATTRIBUTES = (
    "architecture", "virtualization_type", "root_device_name", "root_device_type",
    "boot_mode", "ena_support", "sriov_net_support", "sriov", "tpm_support", "tmp",
    "imds_support", "imds", "hypervisor", "platform", "platform_details",
    "usage_operation", "kernel_id",
)  # fmt: skip

#: CopyImage parameters the handler and :func:`copy_image` read.
COPY_PARAMETERS = (
    "SourceImageId", "SourceRegion", "Name", "Description", "Encrypted", "KmsKeyId",
    "CopyImageTags", "TagSpecifications",
)  # fmt: skip


# The server is threaded: two retries of one ClientToken must not both copy.
_token_lock = threading.Lock()


def install() -> None:
    def get_state(self: Ami) -> str:
        state: str = self.__dict__.get("_amitui_state", "available")
        ready_at = self.__dict__.get("_amitui_ready_at")
        if state == "available" and ready_at is not None and time.monotonic() < ready_at:
            return "pending"
        return state

    def set_state(self: Ami, value: str) -> None:
        self.__dict__["_amitui_state"] = value

    Ami.state = property(get_state, set_state)  # type: ignore[assignment]
    wrap(AmisResponse, "copy_image", _copy_image)


def _copy_image(original: Callable[..., Any], self: AmisResponse) -> ActionResult:
    params = {name: self._get_param(name) for name in COPY_PARAMETERS}
    self.error_on_dryrun()
    if params["KmsKeyId"] and not _true(params["Encrypted"]):
        raise ec2_error(
            "InvalidParameterDependency",
            "The parameter KmsKeyId requires the parameter Encrypted to be set.",
        )
    backend = self.ec2_backend
    token = self._get_param("ClientToken")
    with _token_lock:
        tokens: dict[str, tuple[str, dict[str, Any]]] = backend.__dict__.setdefault(
            "_amitui_copy_tokens", {}
        )
        if token and token in tokens:
            image_id, first_params = tokens[token]
            if first_params != params:
                raise ec2_error(
                    "IdempotentParameterMismatch",
                    f"Client token {token} was used with different parameters.",
                )
            return ActionResult({"ImageId": image_id})
        copy = _copy(backend, params, self._parse_tag_specification())
        if token:
            tokens[token] = (copy.id, params)
    return ActionResult({"ImageId": copy.id})


def copy_image(backend: Any, params: Mapping[str, Any], tags: dict[str, dict[str, str]]) -> Ami:
    """CopyImage in-process (the demo seeder): ``params`` by CopyImage parameter name, ``tags``
    by resource type as moto parses TagSpecifications. No ClientToken bookkeeping."""
    return _copy(backend, {name: params.get(name) for name in COPY_PARAMETERS}, tags)


def _source(backend: Any, region: str, image_id: str) -> tuple[Ami, Mapping[str, Any]]:
    """The image to copy and the snapshots it may be copied from: the caller's own here
    (:mod:`.cross_account_copy` adds images other accounts share with the caller)."""
    own = ec2_backend(region, backend.account_id)
    source = own.amis.get(image_id)
    if source is None:
        raise InvalidAMIIdError(image_id)
    return source, own.snapshots


def _copy(backend: Any, params: dict[str, Any], tags: dict[str, dict[str, str]]) -> Ami:
    source_id, source_region = params["SourceImageId"], params["SourceRegion"]
    if source_region not in ec2_backends[backend.account_id].regions:
        # The reference names no code for an unknown SourceRegion; moto failed with a 500.
        raise ec2_error(
            "InvalidParameterValue", f"Invalid value '{source_region}' for SourceRegion."
        )
    source, source_snapshots = _source(backend, source_region, source_id)
    copy = new_image(
        backend,
        name=params["Name"] or source.name,
        description=params["Description"] or source.description,
        image_location=f"{backend.account_id}/{params['Name'] or source.name}",
    )
    for attribute in COPIED_ATTRIBUTES:
        if hasattr(source, attribute):
            setattr(copy, attribute, getattr(source, attribute))
    copy.source_image_id = source_id  # type: ignore[attr-defined]
    copy.source_image_region = source_region  # type: ignore[attr-defined]

    mappings = []
    for mapping in source.block_device_mappings:
        mapping = {**mapping}
        ebs = mapping.get("Ebs")
        if ebs and ebs.get("SnapshotId") in source_snapshots:
            snapshot = _copy_snapshot(
                backend, copy, source_snapshots[ebs["SnapshotId"]], params, tags
            )
            mapping["Ebs"] = {**ebs, "SnapshotId": snapshot.id, "Encrypted": snapshot.encrypted}
            mapping["Ebs"].pop("KmsKeyId", None)
            if snapshot.kms_key_id:
                mapping["Ebs"]["KmsKeyId"] = snapshot.kms_key_id
        mappings.append(mapping)
    set_block_devices(copy, mappings)

    if _true(params["CopyImageTags"]):
        user_tags = {
            t["key"]: t["value"] for t in source.get_tags() if not t["key"].startswith("aws:")
        }
        copy.add_tags(user_tags)
    copy.add_tags(tags.get("image", {}))
    delay = float(os.environ.get(COPY_DELAY_ENV) or 0)
    if delay > 0:
        copy.__dict__["_amitui_ready_at"] = time.monotonic() + delay
    return copy


def _copy_snapshot(
    backend: Any, copy: Ami, source: Any, params: dict[str, Any], tags: dict[str, dict[str, str]]
) -> Any:
    encrypted = bool(source.encrypted) or _true(params["Encrypted"])
    kms_key_id = params["KmsKeyId"]
    if encrypted and not kms_key_id:
        # KMS keys are regional: without a key, the destination's aws/ebs key is used.
        if not backend.default_kms_key_id:
            backend._create_default_encryption_key()
        kms_key_id = backend.default_kms_key_id
    snapshot = backend.copy_snapshot(
        source_snapshot_id=source.id,
        source_region=source.ec2_backend.region_name,
        description=(
            f"Copied for DestinationAmi {copy.id} from SourceAmi {params['SourceImageId']} "
            f"for SourceSnapshot {source.id}. Task created on {_epoch_millis(utcnow()):,}."
        ),
        kms_key_id=kms_key_id if encrypted else None,
    )
    snapshot.add_tags(tags.get("snapshot", {}))
    return snapshot


def _epoch_millis(moment: datetime) -> int:
    return int(moment.replace(tzinfo=UTC).timestamp() * 1000)


def _true(value: Any) -> bool:
    return value is True or str(value).lower() == "true"
