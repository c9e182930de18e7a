"""ModifySnapshotAttribute honours ``CreateVolumePermission`` (Add/Remove), not only
``OperationType`` + ``UserIds``.

EC2 (API reference, ModifySnapshotAttribute / CreateVolumePermissionModifications):
``CreateVolumePermission``: "A JSON representation of the snapshot attribute modification",
with ``Add`` and ``Remove`` lists of ``CreateVolumePermission`` entries, each a ``UserId``
("The ID of the Amazon Web Services account to be added or removed") or ``Group``
(only ``all``). DescribeSnapshotAttribute(createVolumePermission) lists them back.
An account id that is not 12 digits is refused and nothing changes. moto reads only the
``OperationType`` form and silently ignores this one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.core.responses import EmptyResult
from moto.ec2.responses.elastic_block_store import ElasticBlockStore

from ._moto import ec2_error, wrap


def install() -> None:
    wrap(ElasticBlockStore, "modify_snapshot_attribute", _modify_snapshot_attribute)


def _split(entries: list[dict[str, str]]) -> tuple[list[str], list[str]]:
    users = [str(e["UserId"]) for e in entries if e.get("UserId")]
    groups = [str(e["Group"]) for e in entries if e.get("Group")]
    for user in users:
        if len(user) != 12 or not user.isdigit():
            raise ec2_error(
                "InvalidParameterValue", f"Invalid value '{user}' for userId: must be 12 digits."
            )
    return users, groups


def _modify_snapshot_attribute(original: Callable[..., Any], self: ElasticBlockStore) -> Any:
    modifications = self._get_param("CreateVolumePermission") or {}
    if not modifications:
        return original(self)
    snapshot_id = self._get_param("SnapshotId")
    add = _split(modifications.get("Add", []))
    remove = _split(modifications.get("Remove", []))
    self.error_on_dryrun()
    backend = self.ec2_backend
    backend.get_snapshot(snapshot_id)  # InvalidSnapshot.NotFound before any change
    if add[0] or add[1]:
        backend.add_create_volume_permission(snapshot_id, user_ids=add[0], groups=add[1])
    if remove[0] or remove[1]:
        backend.remove_create_volume_permission(snapshot_id, user_ids=remove[0], groups=remove[1])
    return EmptyResult()
