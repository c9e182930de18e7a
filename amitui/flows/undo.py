"""The Journal view (``J``) and undo: list the journal's runs -> :class:`JournalScreen` -> the
chosen run's inverse steps, re-checked against EC2 now -> review (typed when destructive) ->
run, journaled like any plan -> reload the regions.

Undoing a run an earlier undo already put back says so and sends nothing. Read-only, the view
opens as a review and its undo key is refused.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from amitui.actions.undo import (
    already_undone,
    gather_facts,
    inverses,
    plan_undo,
    undone_steps,
)
from amitui.flows import FlowHost
from amitui.flows.plan_run import account_of, review_and_run
from amitui.journal import JournalRun, default_path, read_runs
from amitui.model import Image
from amitui.screens.journal_view import JournalScreen, RunRow

#: Targets listed in a row before "(+N)".
_LISTED_TARGETS = 3


def run_rows(runs: Sequence[JournalRun]) -> list[RunRow]:
    """The view's rows, one per run (``runs`` newest first, as read_runs gives them)."""
    rows = []
    for run in runs:
        targets = run.targets
        shown = ", ".join(targets[:_LISTED_TARGETS])
        if len(targets) > _LISTED_TARGETS:
            shown += f" (+{len(targets) - _LISTED_TARGETS})"
        outcomes = ", ".join(
            f"{run.count(o)} {o}" for o in ("ok", "failed", "skipped", "unknown") if run.count(o)
        )
        undoers = sorted({r.run for r in undone_steps(run.run, runs).values()})
        rows.append(
            RunRow(
                run.run,
                run.started[:16].replace("T", " "),
                run.account_label,
                run.action,
                shown,
                outcomes,
                f"undone by run {', '.join(undoers)}" if undoers else "",
                tuple(
                    f"{s.region:<15} {s.operation:<36} {s.target}  {s.outcome}"
                    + (f" ({s.error.get('code')})" if s.error else "")
                    for s in run.steps
                ),
            )
        )
    return rows


async def run(host: FlowHost, images: Sequence[Image]) -> None:
    """The view over the journal (``images`` is ignored: a run names its own targets)."""
    del images
    # Off the event loop: a journal grows with every run.
    runs = await asyncio.to_thread(read_runs, default_path(demo=host.options.demo))
    chosen = await host.push_screen_wait(JournalScreen(run_rows(runs), read_only=host.read_only))
    if chosen is None or host.read_only:  # the screen refuses already; never plan read-only
        return
    target = next(r for r in runs if r.run == chosen)
    now = host.now()
    done = already_undone(target, runs, now=now)
    if done:
        host.notify(done, severity="warning", markup=False)
        return
    found = inverses(target, now=now)
    if not any(i.steps for i in found):
        reasons = "; ".join(sorted({i.none for i in found if i.none}))
        host.notify(f"Nothing to undo: {reasons}", severity="warning", markup=False)
        return
    account = await account_of(host)
    facts = await gather_facts(host.aws, found, account)
    plan = plan_undo(target, facts, runs, now=now)
    if not plan.runnable and undone_steps(target.run, runs):
        host.notify(
            f"{target.action} run {target.run} was already undone: nothing left to send",
            severity="warning",
            markup=False,
        )
        return
    await review_and_run(host, plan, sorted({s.region for s in plan.runnable}))
