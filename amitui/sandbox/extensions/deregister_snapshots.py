"""DeregisterImage with ``DeleteAssociatedSnapshots`` deletes the image's own snapshots.

EC2 (API reference, DeregisterImage):

- ``DeleteAssociatedSnapshots``: "Specifies whether to delete the snapshots associated with the
  AMI during deregistration. If a snapshot is associated with multiple AMIs, it is not deleted,
  regardless of this setting. Default: The snapshots are not deleted."
- The answer carries ``DeleteSnapshotResults``, one ``DeleteSnapshotReturnCode`` per snapshot:
  ``success`` "The snapshot was successfully deleted", ``skipped`` "The snapshot was not
  deleted because it's associated with other AMIs", ``internal-error`` / ``client-error`` /
  ``missing-permissions`` otherwise. The image is deregistered either way.
- Without the parameter (or false) the answer is just ``{"Return": true}`` and every snapshot
  stays.

moto ignores the parameter. Other images are every registered image of the region, disabled
and deprecated ones included (they still map the snapshot).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.core.responses import ActionResult
from moto.ec2.exceptions import EC2ClientError
from moto.ec2.responses.amis import AmisResponse

from ._moto import wrap
from .block_devices import mapped_snapshot_ids


def install() -> None:
    wrap(AmisResponse, "deregister_image", _deregister_image)


def _deregister_image(original: Callable[..., Any], self: AmisResponse) -> Any:
    delete = str(self._get_param("DeleteAssociatedSnapshots", False)).lower() == "true"
    image = self.ec2_backend.amis.get(self._get_param("ImageId"))
    snapshot_ids = mapped_snapshot_ids(image) if (delete and image is not None) else []
    result = original(self)  # refusals (unknown, protected) raise before anything is deleted
    if not delete:
        return result
    return ActionResult(
        {
            "Return": True,
            "DeleteSnapshotResults": [
                {"SnapshotId": s, "ReturnCode": _delete(self.ec2_backend, s)}
                for s in dict.fromkeys(snapshot_ids)
            ],
        }
    )


def _delete(backend: Any, snapshot_id: str) -> str:
    if any(snapshot_id in mapped_snapshot_ids(other) for other in backend.amis.values()):
        return "skipped"
    try:
        backend.delete_snapshot(snapshot_id)
    except EC2ClientError:
        return "client-error"
    return "success"
