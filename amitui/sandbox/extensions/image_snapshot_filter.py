"""DescribeImages filters by block device mapping, snapshot id included.

EC2 (API reference, DescribeImages, Filter.N):

- ``block-device-mapping.snapshot-id`` - "The ID of the snapshot used for the Amazon EBS volume."
- ``block-device-mapping.device-name`` - "The device name specified in the block device mapping
  (for example, /dev/sdh or xvdh)."
- ``block-device-mapping.volume-size`` / ``block-device-mapping.volume-type`` /
  ``block-device-mapping.encrypted`` - the EBS volume's size in GiB, type and encryption.

As with every EC2 filter, an image matches when any one of its mappings has any one of the
filter's values. amitui relies on the snapshot-id filter to re-check, just before deleting a
snapshot, that no registered image (deprecated and disabled ones included) still maps it.
moto raises FilterNotImplementedError for all of these.
"""

from __future__ import annotations

import fnmatch
import functools
from typing import Any

import moto.ec2.utils
from moto.ec2.models.amis import Ami

_EBS_FIELDS: dict[str, str] = {
    "block-device-mapping.snapshot-id": "SnapshotId",
    "block-device-mapping.volume-size": "VolumeSize",
    "block-device-mapping.volume-type": "VolumeType",
    "block-device-mapping.encrypted": "Encrypted",
}
_DEVICE_NAME = "block-device-mapping.device-name"


def install() -> None:
    # moto's generic filter reads this module-level function at call time.
    original = moto.ec2.utils.is_filter_matching

    @functools.wraps(original)
    def is_filter_matching(obj: Any, name: str, filter_value: Any) -> bool:
        if isinstance(obj, Ami) and (name in _EBS_FIELDS or name == _DEVICE_NAME):
            patterns = filter_value if isinstance(filter_value, list) else [filter_value]
            return any(
                fnmatch.fnmatchcase(value, str(pattern))
                for value in mapping_values(obj, name)
                for pattern in patterns
            )
        matched: bool = original(obj, name, filter_value)
        return matched

    moto.ec2.utils.is_filter_matching = is_filter_matching  # type: ignore[assignment]


def mapping_values(image: Ami, name: str) -> list[str]:
    """The values of filter ``name`` over ``image``'s block device mappings, as strings."""
    if name == _DEVICE_NAME:
        return [str(m.get("DeviceName")) for m in image.block_device_mappings]
    field = _EBS_FIELDS[name]
    values = []
    for mapping in image.block_device_mappings:
        value = (mapping.get("Ebs") or {}).get(field)
        if value is not None:
            # EC2 filter values are strings; booleans are "true"/"false".
            values.append(str(value).lower() if isinstance(value, bool) else str(value))
    return values
