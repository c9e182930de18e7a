"""RegisterImage honours BlockDeviceMappings and the launch attributes.

moto ignores every RegisterImage parameter but Name and Description and invents one 15 GiB
snapshot per image, so multi-disk images and snapshots shared by images are impossible.
What EC2 does (API reference, RegisterImage / EbsBlockDevice / BlockDeviceMapping):

- "BlockDeviceMappings: The block device mapping entries." Each entry names a DeviceName and
  either an ``Ebs`` volume, a ``VirtualName`` (instance store, ``ephemeral0``…) or ``NoDevice``.
- Ebs.SnapshotId must name an existing snapshot, else ``InvalidSnapshot.NotFound``
  ("The snapshot 'snap-…' does not exist.").
- Ebs.VolumeSize: "If you specify a snapshot, the default is the snapshot size. You can
  specify a volume size that is equal to or larger than the snapshot size."
- Encryption: "If a snapshot is the basis for a volume, it is not blank and its encryption
  status is used for the volume encryption status" -- Encrypted/KmsKeyId come from the snapshot.
- DeleteOnTermination defaults to true; VolumeType to gp2.
- Architecture "Default: For Amazon EBS-backed AMIs, i386"; VirtualizationType
  "Default: paravirtual"; RootDeviceName, BootMode, EnaSupport, SriovNetSupport,
  TpmSupport, ImdsSupport and Description are reported back by DescribeImages as given.
- Nothing else is created: the image maps exactly the snapshots it was given, so one
  snapshot may back two images.

Without BlockDeviceMappings moto's own behaviour (one invented snapshot) is kept, with the
launch attributes applied. :func:`new_image` and :func:`set_block_devices` are shared with
:mod:`.copy_image`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from moto.core.responses import ActionResult
from moto.ec2.models.amis import Ami
from moto.ec2.responses.amis import AmisResponse
from moto.ec2.utils import random_ami_id

from ._moto import ec2_error, wrap

#: Where a registered image keeps its mappings; None means moto's invented one.
_BDMS = "amitui_block_devices"


def install() -> None:
    original = Ami.block_device_mappings
    assert isinstance(original, property)

    def block_device_mappings(self: Ami) -> list[dict[str, Any]]:
        mappings = self.__dict__.get(_BDMS)
        return list(mappings) if mappings is not None else original.fget(self)

    Ami.block_device_mappings = property(block_device_mappings)
    wrap(AmisResponse, "register_image", _register_image)


def new_image(backend: Any, **ami_kwargs: Any) -> Ami:
    """An ``Ami`` in ``backend`` without moto's invented snapshot; the caller maps devices."""
    ami = Ami(backend, random_ami_id(), **ami_kwargs)
    # Ami.__init__ always snapshots a throw-away volume; EC2 creates nothing of the sort.
    backend.snapshots.pop(ami.ebs_snapshot.id, None)
    set_block_devices(ami, [])
    backend.amis[ami.id] = ami
    return ami


def set_block_devices(ami: Ami, mappings: Sequence[Mapping[str, Any]]) -> None:
    """Make DescribeImages report ``mappings`` (already resolved) for ``ami``."""
    setattr(ami, _BDMS, [dict(m) for m in mappings])


def mapped_snapshot_ids(ami: Ami) -> list[str]:
    """The snapshot ids an image's EBS mappings name (moto's invented one included)."""
    return [
        m["Ebs"]["SnapshotId"]
        for m in ami.block_device_mappings
        if m.get("Ebs", {}).get("SnapshotId")
    ]


def resolve_mappings(backend: Any, requested: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Validate RegisterImage mappings against ``backend``'s snapshots and fill EC2's defaults."""
    resolved: list[dict[str, Any]] = []
    for entry in requested:
        device: dict[str, Any] = {"DeviceName": entry["DeviceName"]}
        if entry.get("VirtualName"):
            device["VirtualName"] = entry["VirtualName"]
        elif "NoDevice" in entry:
            device["NoDevice"] = ""
        elif entry.get("Ebs") is not None:
            device["Ebs"] = _resolve_ebs(backend, entry["Ebs"])
        resolved.append(device)
    return resolved


def _resolve_ebs(backend: Any, ebs: Mapping[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {
        "DeleteOnTermination": _bool(ebs.get("DeleteOnTermination"), default=True),
        "VolumeType": ebs.get("VolumeType") or "gp2",
    }
    snapshot_id = ebs.get("SnapshotId")
    size = ebs.get("VolumeSize")
    if snapshot_id:
        snapshot = backend.snapshots.get(snapshot_id)
        if snapshot is None:
            raise ec2_error(
                "InvalidSnapshot.NotFound", f"The snapshot '{snapshot_id}' does not exist."
            )
        if size is not None and int(size) < snapshot.volume_size:
            raise ec2_error(
                "InvalidBlockDeviceMapping",
                f"Volume of size {size}GB is smaller than snapshot '{snapshot_id}', "
                f"expect size >= {snapshot.volume_size}GB",
            )
        result["SnapshotId"] = snapshot_id
        result["VolumeSize"] = int(size) if size is not None else snapshot.volume_size
        result["Encrypted"] = bool(snapshot.encrypted)
        if snapshot.kms_key_id:
            result["KmsKeyId"] = snapshot.kms_key_id
    else:
        # A blank volume: its size is required, encryption is whatever was asked for.
        if size is None:
            raise ec2_error(
                "InvalidBlockDeviceMapping",
                "The request must contain the parameter size/snapshotId",
            )
        result["VolumeSize"] = int(size)
        result["Encrypted"] = _bool(ebs.get("Encrypted"), default=False)
        if ebs.get("KmsKeyId"):
            result["KmsKeyId"] = ebs["KmsKeyId"]
    for key in ("Iops", "Throughput"):
        if ebs.get(key) is not None:
            result[key] = int(ebs[key])
    return result


def _bool(value: Any, *, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    return str(value).lower() == "true"


#: RegisterImage parameters :func:`register_image` reads (besides BlockDeviceMappings).
REGISTER_PARAMETERS = (
    "Name", "Description", "RootDeviceName", "Architecture", "VirtualizationType", "BootMode",
    "EnaSupport", "SriovNetSupport", "TpmSupport", "ImdsSupport",
)  # fmt: skip


def _register_image(original: Callable[..., Any], self: AmisResponse) -> Any:
    requested = self._get_param("BlockDeviceMappings", [])
    params = {name: self._get_param(name) for name in REGISTER_PARAMETERS}
    if not requested:
        result = original(self)
        ami = self.ec2_backend.amis[result.result["ImageId"]]
        apply_launch_attributes(ami, params)
        ami.add_tags(self._parse_tag_specification().get("image", {}))
        return result
    self.error_on_dryrun()
    ami = register_image(self.ec2_backend, params, requested)
    ami.add_tags(self._parse_tag_specification().get("image", {}))
    return ActionResult({"ImageId": ami.id})


def register_image(
    backend: Any, params: Mapping[str, Any], requested: Sequence[Mapping[str, Any]]
) -> Ami:
    """RegisterImage with BlockDeviceMappings, in-process (the HTTP handler and the demo seeder
    share it): ``params`` by RegisterImage parameter name; tags are the caller's."""
    mappings = resolve_mappings(backend, requested)
    name = params.get("Name")
    root = params.get("RootDeviceName") or mappings[0]["DeviceName"]
    ami = new_image(
        backend,
        name=name,
        description=params.get("Description"),
        root_device_name=root,
        root_device_type="ebs"
        if any(m["DeviceName"] == root and "Ebs" in m for m in mappings)
        else "instance-store",
        image_location=f"{backend.account_id}/{name}",
    )
    set_block_devices(ami, mappings)
    apply_launch_attributes(ami, params)
    return ami


def apply_launch_attributes(ami: Ami, params: Mapping[str, Any]) -> None:
    """Copy RegisterImage's launch attributes onto ``ami`` under the names moto serializes."""
    param: Callable[[str], Any] = params.get  # request values are untyped, as _get_param's
    ami.architecture = param("Architecture") or "i386"
    ami.virtualization_type = param("VirtualizationType") or "paravirtual"
    ami.hypervisor = "xen"
    ami.boot_mode = param("BootMode")
    ena = param("EnaSupport")
    ami.ena_support = _bool(ena, default=False) if ena is not None else None  # type: ignore[attr-defined]
    # DescribeImages reads the shape names, DescribeImageAttribute moto's short ones.
    ami.sriov_net_support = ami.sriov = param("SriovNetSupport")  # type: ignore[attr-defined]
    ami.tpm_support = ami.tmp = param("TpmSupport")  # type: ignore[attr-defined]
    ami.imds_support = ami.imds = param("ImdsSupport")  # type: ignore[attr-defined]
    ami.platform_details = "Linux/UNIX"  # type: ignore[attr-defined]
    ami.usage_operation = "RunInstances"  # type: ignore[attr-defined]
