"""``--read-only`` is enforced in the engine, not only hidden in the UI.

Every mutating EC2 operation amitui knows (and the ones it does not use) is refused by a
read-only :class:`~amitui.aws.AwsSession` before anything is sent: through ``call``, through
``paginate``, through the raw botocore client, and through :func:`execute` of a plan, with
and without the DryRun preflight. The proxy's request log proves nothing left the process.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from amitui.actions.execute import execute
from amitui.aws import _snake, is_mutating
from amitui.aws_errors import ReadOnlyError
from amitui.backend import sandbox_session
from amitui.journal import Journal, read_entries
from amitui.model import Plan, Step, StepOutcome
from amitui.sandbox.proxy import FaultProxy

from .conftest import ReliabilityFleet

AMI = "ami-0123456789abcdef0"
SNAP = "snap-0123456789abcdef0"

#: (operation, minimal parameters): what copy/share/deprecate/cleanup send, and the rest of
#: EC2's image and snapshot mutations, so a future feature is covered too.
MUTATING: list[tuple[str, dict[str, Any]]] = [
    ("CopyImage", {"SourceImageId": AMI, "SourceRegion": "us-east-1", "Name": "copy"}),
    ("ModifyImageAttribute", {"ImageId": AMI, "LaunchPermission": {"Add": [{"Group": "all"}]}}),
    ("ModifySnapshotAttribute", {"SnapshotId": SNAP, "Attribute": "createVolumePermission"}),
    ("EnableImageDeprecation", {"ImageId": AMI, "DeprecateAt": "2030-01-01T00:00:00Z"}),
    ("DisableImageDeprecation", {"ImageId": AMI}),
    ("DeregisterImage", {"ImageId": AMI}),
    ("DeleteSnapshot", {"SnapshotId": SNAP}),
    ("DisableImageDeregistrationProtection", {"ImageId": AMI}),
    ("EnableImageDeregistrationProtection", {"ImageId": AMI}),
    ("CreateTags", {"Resources": [AMI], "Tags": [{"Key": "k", "Value": "v"}]}),
    ("DeleteTags", {"Resources": [AMI]}),
    ("RegisterImage", {"Name": "registered", "RootDeviceName": "/dev/xvda"}),
    ("ResetImageAttribute", {"ImageId": AMI, "Attribute": "launchPermission"}),
    ("ResetSnapshotAttribute", {"SnapshotId": SNAP, "Attribute": "createVolumePermission"}),
    ("EnableImageBlockPublicAccess", {"ImageBlockPublicAccessState": "block-new-sharing"}),
    ("DisableImageBlockPublicAccess", {}),
    ("EnableImage", {"ImageId": AMI}),
    ("DisableImage", {"ImageId": AMI}),
    ("CancelImageLaunchPermission", {"ImageId": AMI}),
    ("RestoreImageFromRecycleBin", {"ImageId": AMI}),
    ("CopySnapshot", {"SourceSnapshotId": SNAP, "SourceRegion": "us-east-1"}),
    ("CreateImage", {"InstanceId": "i-0123456789abcdef0", "Name": "created"}),
    ("RunInstances", {"ImageId": AMI, "MinCount": 1, "MaxCount": 1}),
]
REGION = "us-east-1"


def test_every_operation_here_is_mutating() -> None:
    assert all(is_mutating(operation) for operation, _ in MUTATING)
    assert not any(is_mutating(op) for op in ("DescribeImages", "GetImageBlockPublicAccessState"))


async def test_the_engine_refuses_each_mutation_before_sending(fault_proxy: FaultProxy) -> None:
    # One session for the whole table: a session costs a second of model loading.
    async with sandbox_session(fault_proxy.url, read_only=True) as aws:
        client = await aws.client(REGION)
        for operation, params in MUTATING:
            refused = f"{operation} refused: amitui is running read-only"
            with pytest.raises(ReadOnlyError, match=refused):
                await aws.call(REGION, operation, **params)
            with pytest.raises(ReadOnlyError, match=refused):
                await aws.call(REGION, operation, DryRun=True, **params)
            # The raw botocore client of a read-only session refuses too (defence in depth).
            with pytest.raises(ReadOnlyError, match=refused):
                await getattr(client, _snake(operation))(**params)
    assert fault_proxy.requests == [], "nothing was sent"


async def test_paginate_refuses_a_mutating_operation(fault_proxy: FaultProxy) -> None:
    async with sandbox_session(fault_proxy.url, read_only=True) as aws:
        with pytest.raises(ReadOnlyError):
            async for _ in aws.paginate(REGION, "DeregisterImage", ImageId=AMI):
                pass
    assert fault_proxy.requests == []


async def test_reads_still_work_read_only(
    fault_proxy: FaultProxy, reliability_fleet: ReliabilityFleet
) -> None:
    async with sandbox_session(fault_proxy.url, read_only=True) as aws:
        response = await aws.call(REGION, "DescribeImages", Owners=["self"])
        client = await aws.client(REGION)
        raw = await client.describe_images(ImageIds=[reliability_fleet.images[REGION]])
    assert reliability_fleet.images[REGION] in {i["ImageId"] for i in response["Images"]}
    assert len(raw["Images"]) == 1
    assert fault_proxy.actions() == ["DescribeImages", "DescribeImages"]


def every_mutation_plan(fleet: ReliabilityFleet) -> Plan:
    image = fleet.images[REGION]
    steps = tuple(
        Step(
            step_id=f"{operation}:{REGION}/{image}",
            region=REGION,
            operation=operation,
            target=image,
            params={**params, **({"ImageId": image} if "ImageId" in params else {})},
            reason="read-only test",
        )
        for operation, params in MUTATING
    )
    return Plan("test", "every mutation", steps, destructive=True, confirm_text=image)


@pytest.mark.parametrize("preflight", [False, True], ids=["execute", "execute+dry-run"])
async def test_execute_in_read_only_mode_sends_nothing_and_says_why(
    preflight: bool, fault_proxy: FaultProxy, reliability_fleet: ReliabilityFleet, tmp_path: Path
) -> None:
    plan = every_mutation_plan(reliability_fleet)
    journal = Journal(tmp_path / "journal.jsonl", account="123456789012")
    async with sandbox_session(fault_proxy.url, read_only=True) as aws:
        results = [result async for result in execute(aws, plan, journal, preflight=preflight)]
    journal.close()

    assert fault_proxy.requests == [], "nothing was sent"
    assert len(results) == len(plan.runnable), "every step is reported"
    assert all(r.outcome is not StepOutcome.OK for r in results)
    refused = [r for r in results if r.outcome is StepOutcome.FAILED]
    assert refused and all(r.error is not None and r.error.code == "ReadOnly" for r in refused)
    assert all("restart without --read-only" in (r.error.hint if r.error else "") for r in refused)
    # The journal is true: every step has an outcome line, none says ok, and no line claims
    # a call was sent.
    entries = list(read_entries(journal.path))
    assert [e for e in entries if e["phase"] == "sent"] == []
    outcomes = [e for e in entries if e["phase"] == "outcome"]
    last = {e["step"]: e for e in outcomes}
    assert set(last) == {s.step_id for s in plan.runnable}
    assert all(e["outcome"] != "ok" for e in last.values())

    # And the image is untouched in the sandbox.
    async with sandbox_session(reliability_fleet.endpoint_url) as aws:
        response = await aws.call(
            REGION, "DescribeImages", ImageIds=[reliability_fleet.images[REGION]]
        )
    assert response["Images"][0]["State"] == "available"
    assert not response["Images"][0].get("Public")
