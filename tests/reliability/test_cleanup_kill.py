"""A cleanup SIGKILLed in the middle leaves a journal from which a rerun of the same plan
converges: nothing deleted twice, nothing forgotten, nothing outside the plan touched.

The plan (5 images, 4 snapshots to delete, 1 snapshot kept because an image outside the plan
maps it) runs in a subprocess (tests/reliability/cleanup_runner.py) through the FaultProxy
with 150 ms per call, one call at a time. Once the journal shows a snapshot deleted, the
process is killed with SIGKILL (no cleanup handlers, possibly mid-line). The same command
then runs again on the same plan file and journal.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from amitui.actions.cleanup import gather_facts, plan_deregister
from amitui.backend import sandbox_session
from amitui.journal import read_entries
from amitui.loader import load_region
from amitui.model import Inventory
from amitui.sandbox import SANDBOX_ACCOUNT_ID
from amitui.sandbox.proxy import FaultProxy

from ..sandbox_api import ec2_client, make_snapshot, register_image
from .cleanup_runner import plan_to_json
from .conftest import ReliabilityFleet

REGION = "eu-north-1"
RUNNER = Path(__file__).with_name("cleanup_runner.py")
LATENCY_MS = 150


def start_runner(endpoint: str, plan: Path, journal: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(RUNNER), endpoint, str(plan), str(journal)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )


def ok_outcomes(journal: Path) -> list[dict[str, object]]:
    return [e for e in read_entries(journal) if e["phase"] == "outcome" and e["outcome"] == "ok"]


async def test_sigkill_mid_cleanup_then_the_same_plan_converges(
    fault_proxy: FaultProxy, reliability_fleet: ReliabilityFleet, tmp_path: Path
) -> None:
    ec2 = ec2_client(reliability_fleet.endpoint_url, REGION)
    shared = make_snapshot(ec2, 8)
    planned = [register_image(ec2, "doomed-0", shared)]
    planned += [register_image(ec2, f"doomed-{i}", make_snapshot(ec2, 8)) for i in range(1, 5)]
    keeper = register_image(ec2, "keeper", shared)  # outside the plan: keeps `shared`

    async with sandbox_session(fault_proxy.url) as aws:
        load = await load_region(aws, REGION)
        inventory = Inventory()
        inventory.add(load)
        images = [i for i in load.images if i.image_id in planned]
        facts = await gather_facts(aws, images, SANDBOX_ACCOUNT_ID)
    cleanup = plan_deregister(inventory, images, facts)
    plan = cleanup.plan
    to_delete = {s.target for s in plan.runnable if s.operation == "DeleteSnapshot"}
    assert len(to_delete) == 4 and shared not in to_delete, "rule 3: the shared one is kept"
    assert plan.destructive and plan.confirm_text == "5", "bulk cleanup: type the count"
    plan_file, journal = tmp_path / "plan.json", tmp_path / "journal.jsonl"
    plan_file.write_text(json.dumps(plan_to_json(plan)), encoding="utf-8")

    # Run 1: slow calls; SIGKILL once a snapshot deletion is journaled as done.
    fault_proxy.clear_requests()
    fault_proxy.set_latency(REGION, LATENCY_MS)
    first = start_runner(fault_proxy.url, plan_file, journal)
    deadline = time.monotonic() + 60
    while not any(e["operation"] == "DeleteSnapshot" for e in ok_outcomes(journal)):
        assert first.poll() is None, f"run 1 ended before the kill: {first.communicate()}"
        assert time.monotonic() < deadline, "run 1 made no progress"
        await asyncio.sleep(0.02)
    os.kill(first.pid, signal.SIGKILL)
    first.communicate()
    assert first.returncode == -signal.SIGKILL
    done_in_first = {str(e["step"]) for e in ok_outcomes(journal)}
    assert 0 < len(done_in_first) < len(plan.runnable), "killed in the middle"
    first_run_ids = {e["run"] for e in read_entries(journal)}
    answered = {e["step"] for e in read_entries(journal) if e["phase"] == "outcome"}
    unanswered = {e["step"] for e in read_entries(journal) if e["phase"] == "sent"} - answered
    assert unanswered, "killed while a call was on its way (journaled sent, no outcome)"
    print(
        f"killed after {len(done_in_first)} of {len(plan.runnable)} steps: {sorted(done_in_first)}"
    )

    # Run 2: the same plan, the same journal, full speed.
    fault_proxy.set_latency(REGION, 0)
    second = start_runner(fault_proxy.url, plan_file, journal)
    out, err = second.communicate(timeout=60)
    assert second.returncode == 0, f"rerun did not converge:\n{out}\n{err}"
    reported = [json.loads(line) for line in out.splitlines()]
    assert {r["step"] for r in reported} == {s.step_id for s in plan.runnable}

    entries = list(read_entries(journal))
    rerun = [e for e in entries if e["run"] not in first_run_ids]
    resent = {e["step"] for e in rerun if e["phase"] == "sent"}
    assert resent.isdisjoint(done_in_first), "a step done before the kill was sent again"
    # Every step took effect exactly once: a real OK in one run (an in-flight call repeated
    # on the rerun comes back "already done", never as a second effect).
    effective = Counter(
        e["step"]
        for e in entries
        if e["phase"] == "outcome"
        and e["outcome"] == "ok"
        and "earlier run" not in str(e.get("detail", ""))
    )
    assert set(effective) == {s.step_id for s in plan.runnable}
    assert all(n == 1 for n in effective.values()), effective
    # The sandbox agrees: each deletion succeeded once, every planned target is gone, and the
    # kept snapshot and the image outside the plan are untouched.
    succeeded = Counter(
        r.action for r in fault_proxy.requests_for(region=REGION) if r.status == 200
    )
    assert succeeded["DeleteSnapshot"] == 4 and succeeded["DeregisterImage"] == 5
    async with sandbox_session(reliability_fleet.endpoint_url) as aws:
        described = await aws.call(REGION, "DescribeImages", Owners=["self"])
        snapshots = await aws.call(REGION, "DescribeSnapshots", OwnerIds=["self"])
    left_images = {i["ImageId"] for i in described["Images"]}
    left_snapshots = {s["SnapshotId"] for s in snapshots["Snapshots"]}
    assert left_images.isdisjoint(planned) and keeper in left_images
    assert left_snapshots.isdisjoint(to_delete) and shared in left_snapshots
