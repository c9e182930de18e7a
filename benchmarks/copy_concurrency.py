"""Measure that a copy to three regions runs concurrently: sequential sum vs wall time.

    python -m benchmarks.copy_concurrency [--latency-ms 400] [--copy-delay 2] [--runs 3]

A sandbox keeps every copy ``pending`` for ``--copy-delay`` seconds; a FaultProxy adds
``--latency-ms`` to every request of the three destination regions (a far-away region's
round trip). The copy plan is executed with :func:`amitui.actions.execute.execute` and each copy
followed to ``available`` with :func:`amitui.actions.copy.track_copy`, exactly as the copy flow
does. Reported per run: each copy's own time (CopyImage sent -> available), their sum (what a
one-after-the-other tool would take) and the wall time.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import boto3

from amitui.actions.copy import CopyDestination, CopyRequest, plan_copy, track_copy
from amitui.actions.execute import execute
from amitui.aws import AwsSession, Credentials
from amitui.journal import Journal
from amitui.loader import load_region
from amitui.model import ImageKey, Inventory, StepOutcome
from amitui.sandbox import SANDBOX_CREDENTIALS, Sandbox
from amitui.sandbox.proxy import FaultProxy

SOURCE = "us-east-1"
DESTINATIONS = ("eu-west-1", "ap-southeast-2", "sa-east-1")


def seed_image(endpoint_url: str) -> str:
    ec2 = boto3.client(
        "ec2",
        region_name=SOURCE,
        endpoint_url=endpoint_url,
        aws_access_key_id=SANDBOX_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=SANDBOX_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )
    zone = ec2.describe_availability_zones()["AvailabilityZones"][0]["ZoneName"]
    volume = ec2.create_volume(Size=8, AvailabilityZone=zone)["VolumeId"]
    snapshot = ec2.create_snapshot(VolumeId=volume)["SnapshotId"]
    image_id: str = ec2.register_image(
        Name=f"bench-{time.time_ns()}",
        Architecture="x86_64",
        VirtualizationType="hvm",
        RootDeviceName="/dev/xvda",
        BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"SnapshotId": snapshot}}],
    )["ImageId"]
    return image_id


async def one_run(endpoint_url: str, image_id: str, journal: Journal) -> tuple[list[float], float]:
    credentials = Credentials(
        SANDBOX_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        SANDBOX_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        SANDBOX_CREDENTIALS["AWS_SESSION_TOKEN"],
    )
    async with AwsSession(endpoint_url=endpoint_url, credentials=credentials) as aws:
        for region in (SOURCE, *DESTINATIONS):
            await aws.client(region)  # connections are not what is measured
        inventory = Inventory()
        inventory.add(await load_region(aws, SOURCE))
        source = inventory.image(ImageKey(SOURCE, image_id))
        assert source is not None
        plan = plan_copy(
            inventory,
            [source],
            CopyRequest(
                tuple(CopyDestination(r) for r in DESTINATIONS), name=f"c-{time.time_ns()}"
            ),
        )
        started = time.perf_counter()
        own: list[float] = []

        async def follow(region: str, copy_id: str) -> None:
            async for progress in track_copy(aws, region, copy_id, poll=0.1):
                if progress.finished:
                    own.append(time.perf_counter() - started)

        followers = []
        async for result in execute(aws, plan, journal):
            assert result.outcome is StepOutcome.OK, result
            followers.append(
                asyncio.create_task(follow(result.step.region, result.response["ImageId"]))
            )
        await asyncio.gather(*followers)
        return own, time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=400.0)
    parser.add_argument("--copy-delay", type=float, default=2.0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    env = {"AMITUI_SANDBOX_COPY_DELAY": str(args.copy_delay)}
    with Sandbox(extra_env=env) as sandbox, FaultProxy(sandbox.endpoint_url) as proxy:
        for region in DESTINATIONS:
            proxy.set_latency(region, args.latency_ms)
        image_id = seed_image(sandbox.endpoint_url)
        with tempfile.TemporaryDirectory() as state:
            journal = Journal(Path(state) / "journal.jsonl")
            sums, walls = [], []
            for run in range(args.runs):
                own, wall = asyncio.run(one_run(proxy.url, image_id, journal))
                sums.append(sum(own))
                walls.append(wall)
                print(
                    f"run {run + 1}: copies {', '.join(f'{t:.2f}' for t in sorted(own))} s; "
                    f"sequential sum {sum(own):.2f} s; wall {wall:.2f} s"
                )
            journal.close()
    total, wall = statistics.median(sums), statistics.median(walls)
    print(
        f"median: sequential sum {total:.2f} s, wall {wall:.2f} s, speed-up x{total / wall:.1f} "
        f"(3 destinations, {args.latency_ms:.0f} ms/request, copies pending {args.copy_delay} s)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
