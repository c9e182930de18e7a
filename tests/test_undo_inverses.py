"""Undo's inverses and checks as pure functions over journal lines and facts (no sandbox: the
round trips against the sandbox are in tests/cleanup/test_restore_and_undo.py)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from amitui.actions.undo import UndoFacts, inverses, plan_undo
from amitui.journal import Journal, JournaledStep, JournalRun, read_runs
from amitui.model import AwsError, RegionStatus, Step, StepOutcome, StepResult

NOW = datetime(2026, 12, 1, tzinfo=UTC)
REGION = "eu-west-1"


def run_of(*steps: JournaledStep, account: str = "") -> JournalRun:
    return JournalRun("r1", "lifecycle", "2026-12-01T10:00:00+00:00", account, None, steps)


def done(operation: str, before: Mapping[str, Any] | None = None, **params: Any) -> JournaledStep:
    target = str(params.get("ImageId") or params.get("SnapshotId") or "ami-1")
    return JournaledStep(
        f"{operation}:1", REGION, operation, target, params or {"ImageId": "ami-1"},
        before=dict(before or {}), outcome="ok",
    )  # fmt: skip


def ops(step: JournaledStep) -> list[tuple[str, dict[str, Any]]]:
    (inverse,) = inverses(run_of(step), now=NOW)
    return [(s.operation, dict(s.params)) for s in inverse.steps]


def test_disable_without_permissions_before_is_undone_by_enable_alone() -> None:
    assert ops(done("DisableImage", {"LaunchPermissions": []}, ImageId="ami-1")) == [
        ("EnableImage", {"ImageId": "ami-1"})
    ]


def test_enable_is_undone_by_disable() -> None:
    assert ops(done("EnableImage", ImageId="ami-1")) == [("DisableImage", {"ImageId": "ami-1"})]


def test_snapshot_permissions_are_swapped() -> None:
    step = done(
        "ModifySnapshotAttribute", SnapshotId="snap-1", Attribute="createVolumePermission",
        CreateVolumePermission={"Add": [{"UserId": "111122223333"}]},
    )  # fmt: skip
    assert ops(step) == [
        ("ModifySnapshotAttribute", {
            "SnapshotId": "snap-1", "Attribute": "createVolumePermission",
            "CreateVolumePermission": {"Remove": [{"UserId": "111122223333"}]},
        })
    ]  # fmt: skip


def test_without_before_the_journal_cannot_say_and_no_inverse_is_guessed() -> None:
    for operation, params in (
        ("EnableImageDeprecation", {"ImageId": "ami-1", "DeprecateAt": "2030-01-01T00:00:00Z"}),
        ("DisableImageDeregistrationProtection", {"ImageId": "ami-1"}),
        ("CreateTags", {"Resources": ["ami-1"], "Tags": [{"Key": "a", "Value": "b"}]}),
    ):
        (inverse,) = inverses(run_of(done(operation, **params)), now=NOW)
        assert inverse.steps == () and "does not say" in inverse.none, operation


def test_deleting_tags_that_were_absent_has_nothing_to_put_back() -> None:
    step = done("DeleteTags", {"Tags": []}, Resources=["ami-1"], Tags=[{"Key": "gone"}])
    (inverse,) = inverses(run_of(step), now=NOW)
    assert inverse.steps == () and inverse.none == "nothing to put back: no tag changed"


def test_a_step_sent_when_the_run_was_interrupted_is_inverted_and_rechecked() -> None:
    step = JournaledStep(
        "s", REGION, "EnableImage", "ami-1", {"ImageId": "ami-1"}, outcome="unknown"
    )
    (inverse,) = inverses(run_of(step), now=NOW)
    assert [s.operation for s in inverse.steps] == ["DisableImage"]
    # EC2 no longer knows the image: the inverse is left out, with the reason.
    plan = plan_undo(run_of(step), UndoFacts(), [], now=NOW)
    assert plan.runnable == () and "no longer registered" in plan.excluded[0].reason


def test_a_step_of_another_account_is_left_out() -> None:
    step = JournaledStep(
        "s", REGION, "DeleteSnapshot", "snap-1", {"SnapshotId": "snap-1"},
        account="444455556666", outcome="ok",
    )  # fmt: skip
    plan = plan_undo(run_of(step), UndoFacts(account="111122223333"), [], now=NOW)
    (left_out,) = plan.excluded
    assert "account 444455556666" in left_out.reason and plan.runnable == ()


def test_unknown_operations_say_they_have_no_inverse() -> None:
    (inverse,) = inverses(run_of(done("ResetImageAttribute", ImageId="ami-1")), now=NOW)
    assert inverse.steps == () and "ResetImageAttribute" in inverse.none
    plan = plan_undo(run_of(done("ResetImageAttribute", ImageId="ami-1")), UndoFacts(), [], now=NOW)
    assert plan.steps == () and any("ResetImageAttribute" in n for n in plan.notes)


def test_read_runs_keeps_each_steps_last_line_and_leaves_dry_runs_out(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.jsonl", account="111122223333")
    step = Step("s", REGION, "EnableImage", "ami-1", {"ImageId": "ami-1"}, "")
    checked = journal.new_run()
    journal.sent(checked, "x", step, dry_run=True)
    journal.outcome(checked, "x", StepResult(step, StepOutcome.OK), dry_run=True)
    retried = journal.new_run()
    journal.sent(retried, "x", step)
    failure = AwsError(RegionStatus.FAILED, "InternalError", "boom")
    journal.outcome(retried, "x", StepResult(step, StepOutcome.FAILED, error=failure))
    journal.sent(retried, "x", step)
    journal.outcome(retried, "x", StepResult(step, StepOutcome.OK, {"Return": True}))
    interrupted = journal.new_run()
    journal.sent(interrupted, "y", step)
    journal.close()
    with journal.path.open("a") as torn:
        torn.write('{"run": "torn", "ste')  # a crash mid-line

    runs = read_runs(journal.path)
    assert [r.run for r in runs] == [interrupted, retried]  # newest first; no dry-run-only run
    (last,) = runs[1].steps
    assert (last.outcome, dict(last.result), last.error) == ("ok", {"Return": True}, None)
    assert runs[0].steps[0].outcome == "unknown"
    assert runs[1].account == "111122223333" and runs[1].count("ok") == 1


def test_the_journal_view_names_a_runs_account_by_its_alias(tmp_path: Path) -> None:
    from amitui.flows.undo import run_rows

    path = tmp_path / "journal.jsonl"
    # Lines as the journal writes them for an account it knows by alias (and one it does not).
    lines = [
        {"run": "r1", "step": "s", "time": "2026-12-01T10:00:00+00:00", "action": "share",
         "account": "333344445555", "account_alias": "acme-prod", "region": REGION,
         "operation": "ModifyImageAttribute", "target": "ami-1", "phase": "outcome",
         "outcome": "ok"},
        {"run": "r2", "step": "s", "time": "2026-12-01T11:00:00+00:00", "action": "share",
         "account": "111122223333", "account_alias": None, "region": REGION,
         "operation": "ModifyImageAttribute", "target": "ami-2", "phase": "outcome",
         "outcome": "ok"},
    ]  # fmt: skip
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    rows = run_rows(read_runs(path))
    assert [row.account for row in rows] == ["111122223333", "acme-prod (333344445555)"]
