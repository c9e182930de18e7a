"""A call that fails midway through copy, share, deprecate or cleanup leaves a true journal
and a true report; credentials expiring mid-plan are named with the refresh command, and a
rerun after the refresh converges without resending what was done.

"True" is checked three ways against each other: the results ``execute`` yields (what the
progress screen and the final report show), the journal lines, and the sandbox's state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from amitui.actions.cleanup import (
    CleanupFacts,
    execute_cleanup,
    gather_facts,
    left_behind,
    plan_deregister,
)
from amitui.actions.copy import CopyDestination, CopyRequest, plan_copy
from amitui.actions.deprecate import DeprecateRequest, plan_deprecate
from amitui.actions.execute import execute
from amitui.actions.share import ACCOUNT, Grantee, ShareContext, ShareRequest, plan_share
from amitui.aws import AwsSession
from amitui.backend import sandbox_session
from amitui.journal import Journal, read_entries, succeeded_steps
from amitui.loader import load_region
from amitui.model import Image, Inventory, Plan, RegionStatus, StepOutcome, StepResult
from amitui.sandbox import SANDBOX_ACCOUNT_ID
from amitui.sandbox.proxy import AwsError, FaultProxy

from ..sandbox_api import ec2_client, make_snapshot, register_image
from .conftest import ReliabilityFleet

GRANTEE = "111122223333"
NOW = datetime.now(UTC).replace(microsecond=0)
_regions = iter(("us-east-2", "us-west-1", "us-west-2", "ca-central-1", "sa-east-1", "ap-south-1"))


@pytest.fixture
def region() -> str:
    """A region of the suite's sandbox no other test of this module registers images in."""
    return next(_regions)


def session(proxy: FaultProxy) -> AwsSession:
    # One attempt: the injected error is the answer, not something botocore retries away.
    return sandbox_session(proxy.url, max_attempts=1)


async def three_images(
    fleet: ReliabilityFleet, proxy: FaultProxy, region: str
) -> tuple[Inventory, list[Image]]:
    ec2 = ec2_client(fleet.endpoint_url, region)
    ids = {register_image(ec2, f"midway-{region}-{i}", make_snapshot(ec2, 8)) for i in range(3)}
    async with session(proxy) as aws:
        load = await load_region(aws, region)
    assert load.status is RegionStatus.LOADED
    inventory = Inventory()
    inventory.add(load)
    return inventory, sorted((i for i in load.images if i.image_id in ids), key=lambda i: i.name)


@dataclass(frozen=True)
class Run:
    plan: Plan
    results: list[StepResult]
    journal: Path


async def run(
    proxy: FaultProxy,
    plan: Plan,
    journal_path: Path,
    *,
    executor: Callable[..., Any] = execute,
    **options: Any,
) -> Run:
    journal = Journal(journal_path, account=SANDBOX_ACCOUNT_ID)
    try:
        async with session(proxy) as aws:
            results = [r async for r in executor(aws, plan, journal, **options)]
    finally:
        journal.close()
    return Run(plan, results, journal_path)


def assert_true_record(run: Run, failed_code: str) -> dict[str, StepResult]:
    """One result per runnable step; the journal says exactly what the results say."""
    by_step = {r.step.step_id: r for r in run.results}
    assert set(by_step) == {s.step_id for s in run.plan.runnable}, "every step reported once"
    assert len(run.results) == len(run.plan.runnable)
    failed = [r for r in run.results if r.outcome is StepOutcome.FAILED]
    assert failed, "the injected fault struck"
    assert all(r.error is not None and r.error.code == failed_code for r in failed)
    entries = [e for e in read_entries(run.journal) if not e.get("dry_run")]
    for step_id, result in by_step.items():
        lines = [e for e in entries if e["step"] == step_id]
        outcomes = [e for e in lines if e["phase"] == "outcome"]
        assert outcomes and outcomes[-1]["outcome"] == result.outcome.value, step_id
        sent = [e for e in lines if e["phase"] == "sent"]
        if result.outcome is StepOutcome.SKIPPED and "already done" not in result.detail:
            assert sent == [], f"{step_id}: skipped yet journaled as sent"
        elif "already done" not in result.detail:
            assert sent and lines.index(sent[0]) < lines.index(outcomes[-1]), step_id
        if result.outcome is StepOutcome.FAILED:
            assert outcomes[-1]["error"]["code"] == failed_code
    return by_step


async def describe(fleet: ReliabilityFleet, region: str, image_ids: list[str]) -> dict[str, Any]:
    """DescribeImages straight to the sandbox (no proxy, no faults): the truth."""
    async with sandbox_session(fleet.endpoint_url) as aws:
        response = await aws.call(region, "DescribeImages", Owners=["self"])
    return {i["ImageId"]: i for i in response["Images"] if i["ImageId"] in image_ids}


async def test_copy_failing_in_one_destination(
    fault_proxy: FaultProxy, reliability_fleet: ReliabilityFleet, region: str, tmp_path: Path
) -> None:
    inventory, images = await three_images(reliability_fleet, fault_proxy, region)
    source = images[:1]
    destinations = ("eu-west-1", "eu-west-2", "eu-west-3")
    plan = plan_copy(
        inventory, source, CopyRequest(tuple(CopyDestination(d) for d in destinations))
    )
    limit = AwsError("ResourceLimitExceeded", "You have reached the limit of concurrent copies")
    fault_proxy.add_fault(limit, region="eu-west-2", action="CopyImage")
    result = await run(fault_proxy, plan, tmp_path / "journal.jsonl")

    by_step = assert_true_record(result, "ResourceLimitExceeded")
    for step_result in by_step.values():
        destination = step_result.step.region
        if step_result.outcome is StepOutcome.OK:
            new_id = step_result.response["ImageId"]
            copies = await describe(reliability_fleet, destination, [new_id])
            assert new_id in copies, f"{destination}: the copy the journal records exists"
        else:
            assert destination == "eu-west-2"
            assert "limit" in (step_result.error.message if step_result.error else "")


async def test_share_failing_for_one_image(
    fault_proxy: FaultProxy, reliability_fleet: ReliabilityFleet, region: str, tmp_path: Path
) -> None:
    _, images = await three_images(reliability_fleet, fault_proxy, region)
    plan = plan_share(images, ShareRequest(add=(Grantee(ACCOUNT, GRANTEE),)), ShareContext())
    fault_proxy.add_fault(
        AwsError("InvalidAMIID.Unavailable", "The image is not available"),
        action="ModifyImageAttribute",
        after=1,
        count=1,
    )
    result = await run(fault_proxy, plan, tmp_path / "journal.jsonl")

    by_step = assert_true_record(result, "InvalidAMIID.Unavailable")
    async with sandbox_session(reliability_fleet.endpoint_url) as aws:
        for step_result in by_step.values():
            attribute = await aws.call(
                region,
                "DescribeImageAttribute",
                ImageId=step_result.step.target,
                Attribute="launchPermission",
            )
            granted = {p.get("UserId") for p in attribute.get("LaunchPermissions", [])}
            assert (GRANTEE in granted) is (step_result.outcome is StepOutcome.OK)


async def test_deprecate_failing_for_one_image(
    fault_proxy: FaultProxy, reliability_fleet: ReliabilityFleet, region: str, tmp_path: Path
) -> None:
    inventory, images = await three_images(reliability_fleet, fault_proxy, region)
    when = (NOW + timedelta(days=30)).replace(second=0)
    plan = plan_deprecate(inventory, images, DeprecateRequest(when))
    fault_proxy.add_fault(
        AwsError("UnauthorizedOperation", "You are not authorized to perform this operation."),
        action="EnableImageDeprecation",
        after=2,
        count=1,
    )
    result = await run(fault_proxy, plan, tmp_path / "journal.jsonl")

    by_step = assert_true_record(result, "UnauthorizedOperation")
    described = await describe(reliability_fleet, region, [i.image_id for i in images])
    for step_result in by_step.values():
        deprecated = bool(described[step_result.step.target].get("DeprecationTime"))
        assert deprecated is (step_result.outcome is StepOutcome.OK)
    failed = next(r for r in result.results if r.outcome is StepOutcome.FAILED)
    assert failed.error is not None and "IAM" in failed.error.hint


async def test_cleanup_failing_on_one_snapshot_reports_it_left_behind(
    fault_proxy: FaultProxy, reliability_fleet: ReliabilityFleet, region: str, tmp_path: Path
) -> None:
    inventory, images = await three_images(reliability_fleet, fault_proxy, region)
    async with session(fault_proxy) as aws:
        facts: CleanupFacts = await gather_facts(aws, images, SANDBOX_ACCOUNT_ID)
    plan = plan_deregister(inventory, images, facts).plan
    assert len(plan.runnable) == 6  # 3 deregisters, then 3 snapshot deletions
    fault_proxy.add_fault(
        AwsError("UnauthorizedOperation", "not authorized to perform ec2:DeleteSnapshot"),
        action="DeleteSnapshot",
        after=1,
        count=1,
    )
    result = await run(
        fault_proxy, plan, tmp_path / "journal.jsonl", executor=execute_cleanup, retry_delay=0.01
    )

    by_step = assert_true_record(result, "UnauthorizedOperation")
    left = left_behind(result.results)
    assert [(x.operation, x.region) for x in left] == [("DeleteSnapshot", region)]
    assert "UnauthorizedOperation" in left[0].reason, "the report says why"
    assert await describe(reliability_fleet, region, [i.image_id for i in images]) == {}
    async with sandbox_session(reliability_fleet.endpoint_url) as aws:
        snapshots = await aws.call(region, "DescribeSnapshots", OwnerIds=["self"])
    present = {s["SnapshotId"] for s in snapshots["Snapshots"]}
    for step_result in by_step.values():
        if step_result.step.operation == "DeleteSnapshot":
            gone = step_result.step.target not in present
            assert gone is (step_result.outcome is StepOutcome.OK), step_result.step.target


async def test_credentials_expiring_mid_plan_then_a_rerun_converges(
    fault_proxy: FaultProxy, reliability_fleet: ReliabilityFleet, region: str, tmp_path: Path
) -> None:
    inventory, images = await three_images(reliability_fleet, fault_proxy, region)
    when = (NOW + timedelta(days=60)).replace(second=0)
    plan = plan_deprecate(inventory, images, DeprecateRequest(when))
    journal = tmp_path / "journal.jsonl"
    # The SSO session ends after the first call went through.
    fault_proxy.add_fault(
        AwsError("ExpiredToken", "The security token included in the request is expired"),
        action="EnableImageDeprecation",
        after=1,
    )
    first = await run(fault_proxy, plan, journal)
    assert_true_record(first, "ExpiredToken")
    expired = [r for r in first.results if r.outcome is StepOutcome.FAILED]
    assert len(expired) == 2
    for r in expired:
        assert r.error is not None and r.error.status is RegionStatus.EXPIRED_CREDENTIALS
        assert "aws sso login" in r.error.hint

    # The user ran the refresh command; the same plan again, with what the journal says is done.
    fault_proxy.reset()
    done = succeeded_steps(plan, journal, account=SANDBOX_ACCOUNT_ID)
    assert len(done) == 1
    second = await run(fault_proxy, plan, journal, done=done)
    assert all(r.outcome is StepOutcome.OK for r in second.results)
    assert fault_proxy.actions().count("EnableImageDeprecation") == 2, "the done one not resent"
    described = await describe(reliability_fleet, region, [i.image_id for i in images])
    assert all(d.get("DeprecationTime") for d in described.values())


@pytest.fixture(autouse=True)
def _no_leftover_faults(fault_proxy: FaultProxy) -> Iterator[None]:
    yield
    fault_proxy.reset()
