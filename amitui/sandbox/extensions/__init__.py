"""Fidelity extensions: where moto's EC2 image model is thinner than EC2 itself.

Each submodule patches one behaviour and documents the EC2 behaviour it copies; each is
pinned by a test in ``tests/sandbox/``. :func:`install` applies them all, once, in the
sandbox server process (never in the app's own process).
"""

from __future__ import annotations

import importlib

#: Extension modules, applied in this order.
EXTENSIONS: tuple[str, ...] = (
    "block_devices",  # first: copy_image and snapshots_in_use read its mappings
    "control",
    "snapshot_fields",
    "snapshots_in_use",
    "copy_image",
    "image_state",  # before paging: pages hold only the images DescribeImages lists
    "paging",
    "regions",
    "image_snapshot_filter",  # DescribeImages block-device-mapping.* filters
    "deregistration_protection",  # before deregister_snapshots: a refusal deletes nothing
    "deregister_snapshots",
    "image_attribute",  # DescribeImageAttribute deregistrationProtection; NotFound/Unavailable
    "image_references",
    "last_launched",
    "managed_resources",  # after image_references: Operator; hidden by the account's setting
    "recycle_bin",  # rbin rules; Deregister/DeleteSnapshot into the bin, list and restore
    "image_deprecation",  # Enable/DisableImageDeprecation, DeprecationTime; control field
    "image_block_public_access",  # Get/Enable/DisableImageBlockPublicAccess; blocks Group=all
    "launch_permissions",  # organization/OU ARN formats; encrypted AMIs never public
    "snapshot_permissions",  # ModifySnapshotAttribute CreateVolumePermission Add/Remove
    "kms_keys",  # alias/aws/* keys are AWS managed
    "platform",  # Windows images: Platform, PlatformDetails, UsageOperation
    "request_checks",  # every EC2 action: required parameters, filter values, MaxResults
    "error_answers",  # EC2's texts and codes where moto has none or fails
    "tag_lookup",  # a resource's tagSet by lookup (moto scans every tag per resource)
    "tag_rules",  # CreateTags/DeleteTags refuse aws: keys, keys > 128, values > 256
    "organization",  # images shared across accounts/OUs; AssumeRole checks trust; pinned ids
    "instance_image_metadata",  # DescribeInstanceImageMetadata (after last_launched)
    "image_ancestry",  # GetImageAncestry; CreateImage records its source AMI
    "image_usage_reports",  # Create/Describe/DeleteImageUsageReport(s), report entries
    "cross_account_copy",  # CopyImage of an image another account shares (after copy_image)
    "bulk_seed",  # benchmarks only: POST /_amitui/bulk/{region}
    "one_at_a_time",  # requests are handled in turn (moto has no locking of its own)
    "read_cache",  # benchmarks only, opt-in by env: replays read answers; last = outermost
)

_installed = False


def install() -> None:
    global _installed
    if _installed:
        return
    for name in EXTENSIONS:
        module = importlib.import_module(f"{__name__}.{name}")
        module.install()
    _installed = True
