"""Run a saved deregister-with-cleanup plan against an endpoint, as its own process.

tests/reliability/test_cleanup_kill.py starts this, SIGKILLs it mid-run, then starts it again
on the same plan file and journal::

    python tests/reliability/cleanup_runner.py ENDPOINT PLAN.json JOURNAL.jsonl

Calls go one at a time (concurrency 1) so a kill lands between and during calls. Each result
is printed as a JSON line; the exit code is 0 when every step ended OK.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from amitui.actions.cleanup import execute_cleanup
from amitui.backend import sandbox_session
from amitui.journal import Journal
from amitui.model import Plan, Step, StepOutcome
from amitui.sandbox import SANDBOX_ACCOUNT_ID


def plan_to_json(plan: Plan) -> dict[str, Any]:
    return {
        "action": plan.action,
        "title": plan.title,
        "notes": list(plan.notes),
        "destructive": plan.destructive,
        "confirm_text": plan.confirm_text,
        "steps": [
            {
                "step_id": s.step_id,
                "region": s.region,
                "operation": s.operation,
                "target": s.target,
                "params": dict(s.params),
                "reason": s.reason,
                "depends_on": list(s.depends_on),
                "excluded": s.excluded,
            }
            for s in plan.steps
        ],
    }


def plan_from_json(data: dict[str, Any]) -> Plan:
    steps = tuple(
        Step(
            step_id=s["step_id"],
            region=s["region"],
            operation=s["operation"],
            target=s["target"],
            params=s["params"],
            reason=s["reason"],
            depends_on=tuple(s["depends_on"]),
            excluded=s["excluded"],
        )
        for s in data["steps"]
    )
    return Plan(
        data["action"],
        data["title"],
        steps,
        notes=tuple(data["notes"]),
        destructive=data["destructive"],
        confirm_text=data["confirm_text"],
    )


async def run(endpoint: str, plan: Plan, journal_path: Path) -> bool:
    journal = Journal(journal_path, account=SANDBOX_ACCOUNT_ID)
    ok = True
    try:
        async with sandbox_session(endpoint, max_concurrency=1, max_attempts=1) as aws:
            async for result in execute_cleanup(aws, plan, journal, retry_delay=0.05):
                ok = ok and result.outcome is StepOutcome.OK
                line = {"step": result.step.step_id, "outcome": result.outcome.value}
                print(json.dumps({**line, "detail": result.detail}), flush=True)
    finally:
        journal.close()
    return ok


def main(argv: list[str]) -> int:
    endpoint, plan_file, journal_file = argv
    plan = plan_from_json(json.loads(Path(plan_file).read_text(encoding="utf-8")))
    return 0 if asyncio.run(run(endpoint, plan, Path(journal_file))) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
