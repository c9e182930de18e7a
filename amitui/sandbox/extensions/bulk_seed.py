"""Bulk seeding for benchmarks: create many images and their snapshots in one request.

Not an EC2 behaviour. Registering 100,000 images through the EC2 API (CreateVolume,
CreateSnapshot, RegisterImage each) takes many minutes against the sandbox; benchmarks need
a fleet of that size in seconds. What is created is exactly what RegisterImage with one EBS
BlockDeviceMapping would create (see :mod:`.block_devices`): an ``available`` image owned by
the account that maps one ``completed`` snapshot of its own, launch attributes set as an
x86_64 HVM UEFI image reports them.

Usage (plain HTTP POST of a JSON object to the sandbox's endpoint URL)::

    POST {endpoint_url}/_amitui/bulk/{region}
        {"Images": 5000,             # how many images (and snapshots) to create; 1..200000
         "NamePrefix": "bench",      # names are "{prefix}-{family:03d}-{n:06d}"; default "bench"
         "Families": 50,             # how many name families the images spread over; default 50
         "VolumeSize": 8,            # GiB of each snapshot and mapping; default 8
         "Account": "210987654321"}  # whose images; default the sandbox's own account

Answers ``200 {"Region": region, "Images": n, "Snapshots": n, "Seconds": s}`` or
``400 {"Error": why}``. Creation dates are spread over the 1,000 days before 2026-11-20
deterministically (by index), so sorting by date is meaningful. Images are created with the
same code path tests pin (:func:`.block_devices.new_image`), so DescribeImages/Snapshots,
paging and deregistration see them like any other.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.ec2.models.elastic_block_store import Snapshot
from moto.ec2.utils import random_snapshot_id
from moto.moto_server.werkzeug_app import DomainDispatcherApplication

from ._moto import ec2_backend, wrap
from .block_devices import new_image, set_block_devices

PREFIX = "/_amitui/bulk/"
MAX_IMAGES = 200_000
_EPOCH = datetime(2026, 11, 20, 12, 0)  # naive UTC, as moto stores times
_SPREAD_MINUTES = 1000 * 24 * 60

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


def install() -> None:
    wrap(DomainDispatcherApplication, "__call__", _call)


def _call(
    original: Callable[..., Iterable[bytes]],
    self: DomainDispatcherApplication,
    environ: dict[str, Any],
    start_response: StartResponse,
) -> Iterable[bytes]:
    path: str = environ.get("PATH_INFO", "")
    if not path.startswith(PREFIX) or environ.get("REQUEST_METHOD") != "POST":
        return original(self, environ, start_response)
    status, body = _handle(path[len(PREFIX) :].strip("/"), environ)
    payload = json.dumps(body).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))]
    )
    return [payload]


def _handle(region: str, environ: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        fields = json.loads(environ["wsgi.input"].read(length) or b"{}")
        if not isinstance(fields, dict):
            raise ValueError("the body must be a JSON object")
        count = int(fields.get("Images", 0))
        prefix = str(fields.get("NamePrefix", "bench"))
        families = max(1, int(fields.get("Families", 50)))
        size = int(fields.get("VolumeSize", 8))
        account = str(fields.get("Account", DEFAULT_ACCOUNT_ID))
        if not re.fullmatch(r"\d{12}", account):
            raise ValueError(f"Account must be 12 digits, not {account!r}")
    except (ValueError, TypeError) as exc:
        return "400 Bad Request", {"Error": f"bad JSON body: {exc}"}
    if not region or "/" in region:
        return "400 Bad Request", {"Error": "POST /_amitui/bulk/{region}"}
    if not 1 <= count <= MAX_IMAGES:
        return "400 Bad Request", {"Error": f"Images must be 1..{MAX_IMAGES}, not {count}"}
    started = time.perf_counter()
    seed_images(region, count, prefix=prefix, families=families, volume_size=size, account=account)
    return "200 OK", {
        "Region": region,
        "Account": account,
        "Images": count,
        "Snapshots": count,
        "Seconds": round(time.perf_counter() - started, 3),
    }


def seed_images(
    region: str,
    count: int,
    *,
    prefix: str = "bench",
    families: int = 50,
    volume_size: int = 8,
    account: str = DEFAULT_ACCOUNT_ID,
) -> None:
    """Create ``count`` images of ``account`` in ``region``, each mapping one snapshot."""
    backend = ec2_backend(region, account)
    # Snapshots need a source volume; EC2 keeps the id after the volume is gone, so one
    # short-lived volume serves them all.
    volume = backend.create_volume(size=volume_size, zone_name=f"{region}a")
    for n in range(count):
        family = n % families
        name = f"{prefix}-{family:03d}-{n:06d}"
        created = _EPOCH - timedelta(minutes=(n * 7919) % _SPREAD_MINUTES)
        snapshot = Snapshot(
            backend, random_snapshot_id(), volume, f"Created by CreateImage for {name}"
        )
        snapshot.start_time = created
        snapshot.storage_tier = "standard"
        backend.snapshots[snapshot.id] = snapshot
        ami = new_image(
            backend,
            name=name,
            description=f"{prefix} family {family:03d} build {n}",
            root_device_name="/dev/xvda",
            root_device_type="ebs",
            image_location=f"{backend.account_id}/{name}",
            creation_date=created,
        )
        set_block_devices(
            ami,
            [
                {
                    "DeviceName": "/dev/xvda",
                    "Ebs": {
                        "DeleteOnTermination": True,
                        "VolumeType": "gp3",
                        "SnapshotId": snapshot.id,
                        "VolumeSize": volume_size,
                        "Encrypted": False,
                    },
                }
            ],
        )
        # The launch attributes RegisterImage would have set (see block_devices).
        ami.architecture = "x86_64"
        ami.virtualization_type = "hvm"
        ami.hypervisor = "xen"
        ami.boot_mode = "uefi"
        ami.ena_support = True  # type: ignore[attr-defined]
        ami.sriov_net_support = ami.sriov = "simple"  # type: ignore[attr-defined]
        ami.tpm_support = ami.tmp = None  # type: ignore[attr-defined]
        ami.imds_support = ami.imds = "v2.0"  # type: ignore[attr-defined]
        ami.platform_details = "Linux/UNIX"  # type: ignore[attr-defined]
        ami.usage_operation = "RunInstances"  # type: ignore[attr-defined]
    backend.delete_volume(volume.id)
