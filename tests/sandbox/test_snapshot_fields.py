"""Snapshots report StorageTier and their volume's encryption (extensions.snapshot_fields)."""

from __future__ import annotations

from typing import Any


def test_snapshot_keeps_volume_encryption_and_reports_storage_tier(
    ec2: Any, make_snapshot: Any
) -> None:
    """A snapshot of an encrypted volume is encrypted with the volume's KMS key; a snapshot
    of a plain volume is not; both are in the ``standard`` storage tier."""
    key = "arn:aws:kms:us-east-1:123456789012:key/data-key"
    encrypted = make_snapshot(ec2, 8, Encrypted=True, KmsKeyId=key)
    plain = make_snapshot(ec2, 8)
    described = {
        s["SnapshotId"]: s
        for s in ec2.describe_snapshots(SnapshotIds=[encrypted, plain])["Snapshots"]
    }
    assert described[encrypted]["Encrypted"] is True
    assert described[encrypted]["KmsKeyId"] == key
    assert described[plain]["Encrypted"] is False
    assert "KmsKeyId" not in described[plain]
    assert {s["StorageTier"] for s in described.values()} == {"standard"}
