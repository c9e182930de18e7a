"""DeleteSnapshot refuses a snapshot that a registered image maps.

EC2 (API reference, DeleteSnapshot): "You cannot delete a snapshot of the root device of an
EBS volume used by a registered AMI. You must first deregister the AMI before you can delete
the snapshot." In practice any snapshot in a registered image's block device mapping is
refused, disabled images included (a disabled image is still registered), with
``InvalidSnapshot.InUse``: "The snapshot snap-… is currently in use by ami-…".
moto only knows the one snapshot it invented per image; this reads every mapping.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.ec2.exceptions import InvalidSnapshotInUse
from moto.ec2.models.elastic_block_store import EBSBackend

from ._moto import wrap
from .block_devices import mapped_snapshot_ids


def install() -> None:
    wrap(EBSBackend, "delete_snapshot", _delete_snapshot)


def _delete_snapshot(original: Callable[..., Any], self: Any, snapshot_id: str) -> Any:
    for image in list(self.amis.values()):
        if snapshot_id in mapped_snapshot_ids(image):
            raise InvalidSnapshotInUse(snapshot_id, image.id)
    return original(self, snapshot_id)
