"""Snapshots keep the encryption of their volume and report their storage tier.

EC2 (API reference, CreateSnapshot / Snapshot): "Snapshots that are taken from encrypted
volumes are automatically encrypted", with the volume's key -- DescribeSnapshots reports
``Encrypted`` and ``KmsKeyId`` ("The Amazon Resource Name (ARN) of the KMS key that was used
to protect the volume encryption key for the parent volume"). moto keeps ``Encrypted`` but
drops the volume's ``KmsKeyId``. ``StorageTier`` is "The storage tier in which the snapshot
is stored. standard indicates that the snapshot is stored in the standard snapshot storage
tier"; moto's model already defaults it to ``standard`` and this module pins that.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.ec2.models.elastic_block_store import EBSBackend, Snapshot

from ._moto import wrap


def install() -> None:
    wrap(EBSBackend, "create_snapshot", _create_snapshot)


def _create_snapshot(
    original: Callable[..., Snapshot], self: Any, volume_id: str, *args: Any, **kwargs: Any
) -> Snapshot:
    snapshot = original(self, volume_id, *args, **kwargs)
    volume = self.get_volume(volume_id)
    if volume.encrypted and volume.kms_key_id:
        snapshot.kms_key_id = volume.kms_key_id
    snapshot.storage_tier = snapshot.storage_tier or "standard"
    return snapshot
