"""execute(): concurrent steps, dependencies, retries, DryRun, journal lines, convergence."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from amitui.actions.execute import RetryPolicy, dry_run, execute, retry_by_operation
from amitui.aws import AwsSession
from amitui.journal import REDACTED, Journal, read_entries, redact, succeeded_steps
from amitui.model import Plan, Step, StepOutcome, StepResult
from amitui.sandbox import Sandbox
from amitui.sandbox.proxy import AwsError, FaultProxy

from ..sandbox_api import make_snapshot
from .conftest import session_for

REGION = "eu-west-3"


def tag_step(step_id: str, resource: str, value: str, *, depends_on: tuple[str, ...] = ()) -> Step:
    return Step(
        step_id=step_id,
        region=REGION,
        operation="CreateTags",
        target=resource,
        params={"Resources": [resource], "Tags": [{"Key": "t", "Value": value}]},
        reason="test",
        depends_on=depends_on,
    )


def delete_step(step_id: str, snapshot_id: str, **kwargs: Any) -> Step:
    return Step(
        step_id,
        REGION,
        "DeleteSnapshot",
        snapshot_id,
        {"SnapshotId": snapshot_id},
        "test",
        **kwargs,
    )


async def run(aws: AwsSession, plan: Plan, journal: Journal, **kwargs: Any) -> list[StepResult]:
    return [result async for result in execute(aws, plan, journal, **kwargs)]


def by_id(results: list[StepResult]) -> dict[str, StepResult]:
    return {r.step.step_id: r for r in results}


async def test_independent_steps_run_concurrently(
    aws: AwsSession, journal: Journal, fault_proxy: FaultProxy, ec2_in: Callable[[str], Any]
) -> None:
    """Three calls each delayed 400 ms finish in about 400 ms, not 1.2 s."""
    snapshot = make_snapshot(ec2_in(REGION), 1)
    await aws.call(REGION, "DescribeRegions")  # warm the client outside the measurement
    fault_proxy.set_latency(REGION, 400)
    plan = Plan("tag", "tag", tuple(tag_step(f"s{i}", snapshot, str(i)) for i in range(3)))
    started = time.perf_counter()
    results = await run(aws, plan, journal)
    wall = time.perf_counter() - started
    assert [r.outcome for r in results] == [StepOutcome.OK] * 3
    assert wall < 1.0, f"3 x 400 ms took {wall:.2f} s: not concurrent"


async def test_failed_step_skips_its_dependents_and_reports_everything(
    aws: AwsSession, journal: Journal, ec2_in: Callable[[str], Any]
) -> None:
    snapshot = make_snapshot(ec2_in(REGION), 1)
    plan = Plan(
        "cleanup",
        "t",
        (
            delete_step("gone", "snap-00000000000000000"),  # InvalidSnapshot.NotFound
            tag_step("child", snapshot, "x", depends_on=("gone",)),
            tag_step("grandchild", snapshot, "y", depends_on=("child",)),
            tag_step("independent", snapshot, "z"),
            tag_step("excluded-dep", snapshot, "w", depends_on=("left-out",)),
            Step("left-out", REGION, "DeleteSnapshot", "snap-1", {}, "in use", excluded=True),
        ),
    )
    results = by_id(await run(aws, plan, journal))
    assert set(results) == {"gone", "child", "grandchild", "independent", "excluded-dep"}
    assert results["gone"].outcome is StepOutcome.FAILED
    assert results["gone"].error is not None
    assert results["gone"].error.code == "InvalidSnapshot.NotFound"
    assert results["child"].outcome is StepOutcome.SKIPPED
    assert "gone failed" in results["child"].detail
    assert results["grandchild"].outcome is StepOutcome.SKIPPED
    assert results["independent"].outcome is StepOutcome.OK
    assert results["excluded-dep"].outcome is StepOutcome.SKIPPED
    assert "not part of this run" in results["excluded-dep"].detail


async def test_journal_has_a_line_per_call_and_per_outcome(
    aws: AwsSession, journal: Journal, ec2_in: Callable[[str], Any]
) -> None:
    snapshot = make_snapshot(ec2_in(REGION), 1)
    plan = Plan(
        "tag",
        "t",
        (
            tag_step("ok", snapshot, "1"),
            delete_step("bad", "snap-00000000000000000"),
            tag_step("after-bad", snapshot, "2", depends_on=("bad",)),
        ),
    )
    await run(aws, plan, journal)
    entries = list(read_entries(journal.path))
    sent = [(e["step"], e["phase"]) for e in entries if e["phase"] == "sent"]
    outcomes = {e["step"]: e for e in entries if e["phase"] == "outcome"}
    assert sorted(sent) == [("bad", "sent"), ("ok", "sent")]  # the skipped step sent nothing
    assert set(outcomes) == {"ok", "bad", "after-bad"}
    assert outcomes["ok"]["outcome"] == "ok"
    assert outcomes["bad"]["error"]["code"] == "InvalidSnapshot.NotFound"
    assert outcomes["after-bad"]["outcome"] == "skipped"
    for entry in entries:
        assert entry["account"] == "123456789012"
        assert entry["region"] == REGION
        assert entry["action"] == "tag"
        assert entry["time"].endswith("+00:00")
    # Every "sent" line precedes its outcome.
    order = [(e["step"], e["phase"]) for e in entries]
    assert order.index(("ok", "sent")) < order.index(("ok", "outcome"))
    # One JSON object a line, nothing else.
    lines = journal.path.read_text().splitlines()
    assert len(lines) == len(entries) == 5
    assert all(isinstance(json.loads(line), dict) for line in lines)


async def test_retry_policy_retries_only_the_chosen_error(
    aws: AwsSession, journal: Journal, fault_proxy: FaultProxy, ec2_in: Callable[[str], Any]
) -> None:
    """DeleteSnapshot answered InvalidSnapshot.InUse twice, then allowed: three attempts."""
    snapshot = make_snapshot(ec2_in(REGION), 1)
    fault_proxy.add_fault(AwsError("InvalidSnapshot.InUse"), action="DeleteSnapshot", count=2)
    policy = RetryPolicy({"InvalidSnapshot.InUse"}, attempts=4, delay=0.01)
    plan = Plan("cleanup", "t", (delete_step("del", snapshot),))
    (result,) = await run(aws, plan, journal, retry=retry_by_operation({"DeleteSnapshot": policy}))
    assert result.outcome is StepOutcome.OK
    assert result.detail == "succeeded on attempt 3"
    entries = [e for e in read_entries(journal.path) if e["step"] == "del"]
    assert [e["phase"] for e in entries] == ["sent", "outcome"] * 3
    assert [e.get("outcome") for e in entries[1::2]] == ["failed", "failed", "ok"]


async def test_other_errors_are_not_retried(
    aws: AwsSession, journal: Journal, fault_proxy: FaultProxy, ec2_in: Callable[[str], Any]
) -> None:
    snapshot = make_snapshot(ec2_in(REGION), 1)
    fault_proxy.add_fault(AwsError("UnauthorizedOperation"), action="DeleteSnapshot", count=1)
    policy = RetryPolicy({"InvalidSnapshot.InUse"}, attempts=4, delay=0.01)
    plan = Plan("cleanup", "t", (delete_step("del", snapshot),))
    (result,) = await run(aws, plan, journal, retry=lambda step: policy)
    assert result.outcome is StepOutcome.FAILED
    assert result.error is not None and result.error.code == "UnauthorizedOperation"
    assert len(fault_proxy.requests_for(action="DeleteSnapshot")) == 1


async def test_dry_run_checks_permissions_without_changing_anything(
    aws: AwsSession, journal: Journal, fault_proxy: FaultProxy, ec2_in: Callable[[str], Any]
) -> None:
    ec2 = ec2_in(REGION)
    snapshot = make_snapshot(ec2, 1)
    plan = Plan("cleanup", "t", (delete_step("del", snapshot),))
    (check,) = await dry_run(aws, plan, journal)
    assert check.outcome is StepOutcome.OK, check
    assert ec2.describe_snapshots(SnapshotIds=[snapshot])["Snapshots"]  # still there

    fault_proxy.add_fault(AwsError("UnauthorizedOperation"), action="DeleteSnapshot")
    results = await run(aws, plan, journal, preflight=True)
    assert [r.outcome for r in results] == [StepOutcome.FAILED]
    assert results[0].detail.startswith("dry run")
    assert ec2.describe_snapshots(SnapshotIds=[snapshot])["Snapshots"]
    assert all(e["dry_run"] for e in read_entries(journal.path) if e["phase"] == "sent")


async def test_preflight_refusal_runs_nothing(
    aws: AwsSession, journal: Journal, fault_proxy: FaultProxy, ec2_in: Callable[[str], Any]
) -> None:
    snapshot = make_snapshot(ec2_in(REGION), 1)
    fault_proxy.add_fault(AwsError("UnauthorizedOperation"), action="DeleteSnapshot")
    plan = Plan("x", "t", (tag_step("tag", snapshot, "1"), delete_step("del", snapshot)))
    results = by_id(await run(aws, plan, journal, preflight=True))
    assert results["del"].outcome is StepOutcome.FAILED
    assert results["tag"].outcome is StepOutcome.SKIPPED
    assert "DryRun check refused 1 call" in results["tag"].detail
    tags = ec2_in(REGION).describe_snapshots(SnapshotIds=[snapshot])["Snapshots"][0].get("Tags")
    assert not tags


async def test_rerun_converges_from_the_journal(
    aws: AwsSession, journal: Journal, fault_proxy: FaultProxy, ec2_in: Callable[[str], Any]
) -> None:
    """An interrupted plan rerun sends only what did not succeed the first time."""
    first, second, third = (make_snapshot(ec2_in(REGION), 1) for _ in range(3))
    plan = Plan(
        "cleanup",
        "t",
        (
            delete_step("a", first),
            delete_step("b", second, depends_on=("a",)),
            tag_step("tag", third, "x"),
        ),
    )
    # The second DeleteSnapshot (b's) is refused: the run ends with b failed.
    fault_proxy.add_fault(
        AwsError("InvalidSnapshot.InUse"), action="DeleteSnapshot", count=1, after=1
    )
    first_run = by_id(await run(aws, plan, journal))
    assert first_run["b"].outcome is StepOutcome.FAILED
    done = succeeded_steps(plan, journal.path)
    assert set(done) == {"a", "tag"}
    fault_proxy.clear_requests()
    rerun = by_id(await run(aws, plan, journal, done=done))
    assert all(r.outcome is StepOutcome.OK for r in rerun.values()), rerun
    assert fault_proxy.actions() == ["DeleteSnapshot"]  # only b was sent again
    assert set(succeeded_steps(plan, journal.path)) == {"a", "b", "tag"}


async def test_cancel_stops_new_steps_and_reports_them(
    aws: AwsSession, journal: Journal, fault_proxy: FaultProxy, ec2_in: Callable[[str], Any]
) -> None:
    snapshot = make_snapshot(ec2_in(REGION), 1)
    cancel = asyncio.Event()
    plan = Plan(
        "x",
        "t",
        (tag_step("first", snapshot, "1"), tag_step("then", snapshot, "2", depends_on=("first",))),
    )
    await aws.call(REGION, "DescribeRegions")  # warm the client
    fault_proxy.set_latency(REGION, 300)
    asyncio.get_running_loop().call_later(0.1, cancel.set)  # while "first" is in flight
    results = await run(aws, plan, journal, cancel=cancel)
    assert [r.outcome for r in results] == [StepOutcome.OK, StepOutcome.SKIPPED]
    assert "cancelled" in results[1].detail


async def test_read_only_session_refuses_and_says_so(
    sandbox: Sandbox, journal: Journal, ec2_in: Callable[[str], Any]
) -> None:
    snapshot = make_snapshot(ec2_in(REGION), 1)
    async with session_for(sandbox.endpoint_url, read_only=True) as aws:
        (result,) = await run(aws, Plan("x", "t", (delete_step("d", snapshot),)), journal)
    assert result.outcome is StepOutcome.FAILED
    assert result.error is not None and result.error.code == "ReadOnly"
    # Nothing left the process, so the journal has an outcome line and no "sent" line.
    journal.close()
    phases = [entry["phase"] for entry in read_entries(journal.path)]
    assert phases == ["outcome"]


def test_secrets_never_reach_the_journal(tmp_path: Path) -> None:
    assert redact({"UserData": "x", "Nested": [{"SecretAccessKey": "k", "ok": 1}]}) == {
        "UserData": REDACTED,
        "Nested": [{"SecretAccessKey": REDACTED, "ok": 1}],
    }
    journal = Journal(tmp_path / "j.jsonl")
    step = Step("s", REGION, "RunInstances", "i", {"UserData": "hunter2", "ImageId": "ami-1"}, "")
    journal.sent("run", "x", step)
    journal.close()
    text = (tmp_path / "j.jsonl").read_text()
    assert "hunter2" not in text and "ami-1" in text


def test_a_torn_last_line_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    path.write_text('{"phase": "sent"}\n{"phase": "outc')
    assert list(read_entries(path)) == [{"phase": "sent"}]


def test_each_line_names_its_steps_account_and_what_it_changes(tmp_path: Path) -> None:
    """A step's own account wins over the journal's (plans may span accounts), and the state a
    step changes (``before``) is journaled so an undo can restore it; it is never sent."""
    journal = Journal(tmp_path / "j.jsonl", account="123456789012")
    member = Step(
        "disable", "us-east-1", "DisableImage", "ami-1", {"ImageId": "ami-1"}, "retire",
        account="210987654321", before={"LaunchPermissions": [{"UserId": "333344445555"}]},
    )  # fmt: skip
    plain = Step("tag", "us-east-1", "CreateTags", "ami-2", {"Resources": ["ami-2"]}, "mark")
    journal.sent("run", "disable", member)
    journal.sent("run", "tag", plain)
    first, second = read_entries(journal.path)
    assert first["account"] == "210987654321"
    assert first["before"] == {"LaunchPermissions": [{"UserId": "333344445555"}]}
    assert first["params"] == {"ImageId": "ami-1"}
    assert second["account"] == "123456789012"
    assert "before" not in second
