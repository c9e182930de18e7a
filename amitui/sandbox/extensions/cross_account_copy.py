"""CopyImage of an image another account shares with the caller.

EC2 (User Guide, "Copy an Amazon EC2 AMI"): cross-account copying creates "a copy of an AMI
that another AWS account has shared with your AWS account"; "To copy an AMI that was shared
with you from another account, the owner of the source AMI must grant you read permissions
for the storage that backs the AMI, either the associated EBS snapshot (for an Amazon
EBS-backed AMI) or an associated S3 bucket (for an instance store-backed AMI)." The caller
owns the copy.

moto (and :mod:`.copy_image`) look the source up in the caller's own account only, so a
shared image could not be copied at all. Here the source may be another account's image
the caller may launch (:func:`.organization.may_launch`: its id, organization or OU, or
public), and then every backing snapshot must grant the caller createVolumePermission (its
id, or the ``all`` group). The reference names no error code for missing snapshot
permission; the sandbox answers ``InvalidRequest`` with the message users report from EC2
("You do not have permission to access the storage of this ami"). An image the caller may
not launch is ``InvalidAMIID.NotFound``, as for any image it cannot see. Not modelled: KMS
key policies (a copy of a shared encrypted image needs the key shared too; the sandbox
does not check it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from moto.ec2.exceptions import InvalidAMIIdError
from moto.ec2.models.amis import Ami
from moto.ec2.models.elastic_block_store import EBSBackend, Snapshot
from moto.ec2.utils import random_snapshot_id

from . import copy_image
from ._moto import ec2_backend, ec2_error, wrap
from .organization import find_image, foreign_backends, may_launch, principals


def install() -> None:
    wrap(copy_image, "_source", _source)  # type: ignore[arg-type]
    wrap(EBSBackend, "copy_snapshot", _copy_snapshot)


def _may_read(snapshot: Any, account_id: str) -> bool:
    return (
        account_id in snapshot.create_volume_permission_userids
        or "all" in snapshot.create_volume_permission_groups
    )


def _source(
    original: Callable[..., tuple[Ami, Mapping[str, Any]]],
    backend: Any,
    region: str,
    image_id: str,
) -> tuple[Ami, Mapping[str, Any]]:
    try:
        return original(backend, region, image_id)
    except InvalidAMIIdError:
        shared = find_image(region, image_id)
        if shared is None or not may_launch(shared, principals(backend.account_id)):
            raise
    owner = shared.ec2_backend
    snapshots = {}
    for mapping in shared.block_device_mappings:
        snapshot_id = (mapping.get("Ebs") or {}).get("SnapshotId")
        snapshot = owner.snapshots.get(snapshot_id) if snapshot_id else None
        if snapshot is None:
            continue
        if not _may_read(snapshot, backend.account_id):
            raise ec2_error(
                "InvalidRequest", "You do not have permission to access the storage of this ami"
            )
        snapshots[snapshot.id] = snapshot
    return shared, snapshots


def _copy_snapshot(
    original: Callable[..., Any],
    self: Any,
    source_snapshot_id: str,
    source_region: str,
    description: str,
    kms_key_id: str | None,
) -> Any:
    """moto copies only from the caller's own snapshots: copy a shared one as moto does."""
    mine = ec2_backend(source_region, self.account_id).snapshots
    if source_snapshot_id not in mine:
        for other in foreign_backends(source_region, self.account_id):
            source = other.snapshots.get(source_snapshot_id)
            if source is not None and _may_read(source, self.account_id):
                snapshot = Snapshot(
                    self,
                    random_snapshot_id(),
                    volume=source.volume,
                    description=description,
                    encrypted=source.encrypted,
                    kms_key_id=kms_key_id,
                )
                self.snapshots[snapshot.id] = snapshot
                return snapshot
    return original(self, source_snapshot_id, source_region, description, kms_key_id)
