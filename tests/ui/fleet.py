"""A small, known fleet for the explorer's tests, seeded through the EC2 API (boto3).

Deterministic: moto's id generator is seeded first and everything is created in one order,
so image and snapshot ids are the same on every run (snapshot tests depend on it); dates
come from the sandbox control endpoint, relative to :data:`NOW`.

us-east-1   web-golden-2026.11.03   2 disks (encrypted root, data), tags Family=web
            web-golden-2026.10.20   maps the same data snapshot as the image above
            [red]evil[/red] [link=https://example.com]click[/link]   a name full of markup
            db-base-2026.09.01      arm64, legacy-bios, public
            api-2026.08.15          shared with 210987654321
            + an orphaned snapshot (made for an image that is gone)
eu-west-1   web-golden-2026.11.03   a CopyImage of the us-east-1 one (lineage)
ap-southeast-2  ci-runner-2026.07.01
"""

from __future__ import annotations

import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..sandbox_api import client, control

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
HOME = "us-east-1"
COPY_REGION = "eu-west-1"
OTHER_REGION = "ap-southeast-2"
REGIONS = (HOME, COPY_REGION, OTHER_REGION)
MARKUP_NAME = "[red]evil[/red] [link=https://example.com]click[/link]"
ROOT_KEY = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
GONE_IMAGE = "ami-0123456789abcdef0"
MOTO_SEED = 20261120


@dataclass
class Fleet:
    endpoint_url: str
    images: dict[str, str] = field(default_factory=dict)  # "region/name" -> image id
    snapshots: dict[str, str] = field(default_factory=dict)  # label -> snapshot id

    def image(self, region: str, name: str) -> str:
        return self.images[f"{region}/{name}"]


def _set(endpoint_url: str, path: str, fields: dict[str, Any]) -> None:
    """Fields EC2 owns (dates), set through the sandbox control endpoint."""
    status, answer = control(endpoint_url, path, fields)
    assert status == 200, answer


def _iso(day: str) -> str:
    return f"{day}T10:00:00Z"


def seed(endpoint_url: str) -> Fleet:
    fleet = Fleet(endpoint_url)
    seed_ids = f"{endpoint_url}/moto-api/seed?a={MOTO_SEED}"
    urllib.request.urlopen(urllib.request.Request(seed_ids, data=b"", method="POST")).close()
    home = client(endpoint_url, HOME)
    zone = f"{HOME}a"

    def snapshot(label: str, size: int, day: str, description: str = "", **kw: Any) -> str:
        volume = home.create_volume(Size=size, AvailabilityZone=zone, **kw)["VolumeId"]
        snap: str = home.create_snapshot(VolumeId=volume, Description=description)["SnapshotId"]
        _set(endpoint_url, f"snapshots/{HOME}/{snap}", {"StartTime": _iso(day)})
        fleet.snapshots[label] = snap
        return snap

    def register(
        client: Any, region: str, name: str, day: str, disks: list[tuple[str, str]], **kw: Any
    ) -> str:
        mappings = [{"DeviceName": dev, "Ebs": {"SnapshotId": snap}} for dev, snap in disks]
        kw.setdefault("Architecture", "x86_64")
        image_id: str = client.register_image(
            Name=name,
            VirtualizationType="hvm",
            RootDeviceName="/dev/xvda",
            BlockDeviceMappings=mappings,
            EnaSupport=True,
            **kw,
        )["ImageId"]
        _set(endpoint_url, f"images/{region}/{image_id}", {"CreationDate": _iso(day)})
        fleet.images[f"{region}/{name}"] = image_id
        return image_id

    root = snapshot("web-root", 8, "2026-11-03", Encrypted=True, KmsKeyId=ROOT_KEY)
    data = snapshot("web-data", 20, "2026-10-20")
    web = register(
        home, HOME, "web-golden-2026.11.03", "2026-11-03",
        [("/dev/xvda", root), ("/dev/xvdb", data)],
        Description="golden web image", BootMode="uefi-preferred", TpmSupport="v2.0",
        ImdsSupport="v2.0",
        TagSpecifications=[{"ResourceType": "image", "Tags": [
            {"Key": "Family", "Value": "web"}, {"Key": "team", "Value": "frontend"}]}],
    )  # fmt: skip
    old_root = snapshot("web-old-root", 8, "2026-10-20")
    register(
        home, HOME, "web-golden-2026.10.20", "2026-10-20",
        [("/dev/xvda", old_root), ("/dev/xvdb", data)],
        Description="previous golden web image", BootMode="uefi-preferred",
    )  # fmt: skip
    evil_root = snapshot("evil-root", 8, "2026-11-10")
    register(
        home, HOME, MARKUP_NAME, "2026-11-10", [("/dev/xvda", evil_root)],
        Description="[bold]not bold[/bold]",
    )  # fmt: skip
    db_root = snapshot("db-root", 50, "2026-09-01")
    db = register(
        home, HOME, "db-base-2026.09.01", "2026-09-01", [("/dev/xvda", db_root)],
        Architecture="arm64", BootMode="legacy-bios", Description="database base image",
    )  # fmt: skip
    home.modify_image_attribute(ImageId=db, LaunchPermission={"Add": [{"Group": "all"}]})
    api_root = snapshot("api-root", 16, "2026-08-15")
    api = register(
        home, HOME, "api-2026.08.15", "2026-08-15", [("/dev/xvda", api_root)],
        Description="api service",
        TagSpecifications=[
            {"ResourceType": "image", "Tags": [{"Key": "team", "Value": "payments"}]}
        ],
    )  # fmt: skip
    home.modify_image_attribute(ImageId=api, LaunchPermission={"Add": [{"UserId": "210987654321"}]})
    snapshot(
        "orphan", 30, "2026-06-01",
        description=f"Created by CreateImage(i-0abc) for {GONE_IMAGE}",
    )  # fmt: skip

    copy = client(endpoint_url, COPY_REGION).copy_image(
        SourceImageId=web, SourceRegion=HOME, Name="web-golden-2026.11.03",
        Description=f"[Copied {web} from {HOME}] golden web image",
    )["ImageId"]  # fmt: skip
    _set(endpoint_url, f"images/{COPY_REGION}/{copy}", {"CreationDate": _iso("2026-11-04")})
    fleet.images[f"{COPY_REGION}/web-golden-2026.11.03"] = copy

    other = client(endpoint_url, OTHER_REGION)
    volume = other.create_volume(Size=12, AvailabilityZone=f"{OTHER_REGION}a")["VolumeId"]
    ci_snap = other.create_snapshot(VolumeId=volume)["SnapshotId"]
    register(other, OTHER_REGION, "ci-runner-2026.07.01", "2026-07-01", [("/dev/xvda", ci_snap)])
    return fleet
