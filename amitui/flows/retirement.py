"""Staged retirement (``R``) and the Retirement view (``ctrl+r``).

``run_retire``: dialog (deprecate when, disable after N days, deregister after M days, the
image or its whole family) -> the deprecation as a plan, with the later stages in its notes
-> confirm -> run -> the later stages are written to the schedule.

``run_retirement_view``: the scheduled stages, due first. Running a due stage plans it afresh
from fresh lookups (disable: :func:`amitui.actions.lifecycle.plan_disable`, an image in use
left out; deregister: the cleanup's own ``run_deregister``) and asks for its confirmation;
the stage is marked done only once its plan ran. Nothing runs unattended.

:func:`announce_due` (called by the App at start-up) says which stages are due.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import replace

from amitui.actions.cleanup import fresh_images
from amitui.actions.deprecate import targets
from amitui.actions.lifecycle import gather_facts, plan_disable
from amitui.actions.retirement import (
    CANCELLED,
    DEREGISTER_STAGE,
    DISABLE_STAGE,
    DONE,
    RetirementRequest,
    Schedule,
    ScheduleError,
    Stage,
    parse_retirement,
    plan_retirement,
    schedule_path,
)
from amitui.flows import FlowHost
from amitui.flows.cleanup import run_deregister
from amitui.flows.plan_run import account_of, review_and_run
from amitui.model import Image, StepOutcome, StepResult
from amitui.screens.retirement import CANCEL, RetirementChoice, RetirementScreen, StageRow
from amitui.text import counted
from amitui.widgets.lifecycle_dialogs import RetireDialog, RetireForm


def _schedule(host: FlowHost) -> Schedule | None:
    try:
        return Schedule.load(schedule_path(demo=host.options.demo))
    except ScheduleError as exc:
        host.notify(str(exc), title="Retirement schedule", severity="error", markup=False)
        return None


def announce_due(host: FlowHost) -> None:
    """A notification naming the due stages, if any (at start-up). Never runs them."""
    schedule = _schedule(host)
    if schedule is None:
        return
    due = schedule.due(host.now())
    if not due:
        return
    listed = "; ".join(f"{s.label} (due {s.due:%Y-%m-%d})" for s in due[:3])
    more = f" and {len(due) - 3} more" if len(due) > 3 else ""
    how = (
        "Start amitui without --read-only to plan and confirm them"
        if host.read_only
        else "Open the Retirement view (ctrl+r) to plan and confirm them"
    )
    host.notify(
        f"{counted(len(due), 'retirement stage')} due: {listed}{more}. {how}; nothing runs "
        "by itself.",
        title="Retirement due",
        severity="warning",
        timeout=20,
        markup=False,
    )


async def run_retire(host: FlowHost, images: Sequence[Image]) -> None:
    if host.read_only:
        host.notify("amitui is read-only: retiring is not offered", severity="warning")
        return
    if not images:
        host.notify("No image selected.", severity="warning")
        return
    family = targets(host.inventory, images, include_family=True)

    def check(form: RetireForm) -> RetirementRequest:
        return parse_retirement(
            form.deprecate_at,
            form.disable_after,
            form.deregister_after,
            now=host.now(),  # read at submit time: a dialog left open stays honest
            include_family=form.family,
        )

    request: RetirementRequest | None = await host.push_screen_wait(
        RetireDialog(images, check, now=host.now(), family_size=len(family))
    )
    if request is None:
        return
    account = await account_of(host)
    retirement = plan_retirement(host.inventory, images, request, now=host.now(), account=account)
    schedule = _schedule(host)
    if schedule is None:
        return
    results = await review_and_run(
        host, retirement.plan, sorted({s.region for s in retirement.plan.steps})
    )
    if results is None or not retirement.stages:
        return
    if not any(r.outcome is StepOutcome.OK for r in results):
        host.notify(
            "Nothing was deprecated, so nothing is scheduled; see the journal for why.",
            severity="warning",
            markup=False,
        )
        return
    schedule.add(retirement.stages)
    host.notify(
        "Scheduled: "
        + "; ".join(f"{s.label} on {s.due:%Y-%m-%d %H:%M} UTC" for s in retirement.stages)
        + " (Retirement view: ctrl+r)",
        markup=False,
    )


def _row(stage: Stage) -> StageRow:
    shown = ", ".join(f"{t.region}/{t.image_id} {t.name}".strip() for t in stage.targets[:4])
    if len(stage.targets) > 4:
        shown += f" and {len(stage.targets) - 4} more"
    return StageRow(stage.stage_id, stage.label, stage.due, shown, stage.created)


async def _stage_images(host: FlowHost, stage: Stage) -> list[Image]:
    """The stage's images as EC2 lists them now (gone ones are left out, and said so)."""
    by_region: dict[str, list[str]] = {}
    for target in stage.targets:
        by_region.setdefault(target.region, []).append(target.image_id)
    answers = await asyncio.gather(
        *(fresh_images(host.aws, region, ids) for region, ids in by_region.items())
    )
    found = {(i.region, i.image_id): i for per_region in answers for i in per_region.values()}
    images = [
        replace(found[(t.region, t.image_id)], account=t.account)
        for t in stage.targets
        if (t.region, t.image_id) in found
    ]
    gone = len(stage.targets) - len(images)
    if gone:
        host.notify(
            f"{counted(gone, 'image')} of this stage is no longer registered: left out.",
            severity="warning",
            markup=False,
        )
    return images


def _outcome(results: Sequence[StepResult]) -> str:
    ok = sum(1 for r in results if r.outcome is StepOutcome.OK)
    return f"{ok} of {counted(len(results), 'step')} succeeded"


async def run_stage(host: FlowHost, schedule: Schedule, stage: Stage) -> bool:
    """Plan ``stage`` afresh, confirm, run; True once it ran (then it is marked done)."""
    images = await _stage_images(host, stage)
    if not images:
        schedule.finish(stage.stage_id, DONE, "every image was already gone", host.now())
        return True
    results: Sequence[StepResult] | None
    if stage.kind == DISABLE_STAGE:
        account = await account_of(host)
        facts = await gather_facts(host.aws, images, account, permissions=True, uses=True)
        plan = replace(
            plan_disable(images, facts),
            title=f"Retirement stage: disable {counted(len(images), 'image')}",
        )
        results = await review_and_run(host, plan, sorted({i.region for i in images}))
    elif stage.kind == DEREGISTER_STAGE:
        results = await run_deregister(host, images)
    else:  # pragma: no cover - Stage.from_json refuses other kinds
        return False
    if results is None:
        return False
    schedule.finish(stage.stage_id, DONE, _outcome(results), host.now())
    return True


async def run_retirement_view(host: FlowHost, images: Sequence[Image]) -> None:
    """The Retirement view; ``images`` are ignored (the schedule says what each stage is)."""
    del images
    if host.read_only:
        host.notify("amitui is read-only: retirement stages are not run", severity="warning")
        return
    schedule = _schedule(host)
    if schedule is None:
        return
    now = host.now()
    choice: RetirementChoice | None = await host.push_screen_wait(
        RetirementScreen([_row(s) for s in schedule.scheduled()], now=now)
    )
    if choice is None:
        return
    stage = schedule.stage(choice.stage_id)
    if stage is None:
        return
    if choice.action == CANCEL:
        schedule.finish(stage.stage_id, CANCELLED, "cancelled by the user", host.now())
        host.notify(f"Cancelled the stage: {stage.label}", markup=False)
        return
    if not stage.is_due(host.now()):
        host.notify(f"{stage.label} is not due yet.", severity="warning", markup=False)
        return
    if not await run_stage(host, schedule, stage):
        host.notify(
            f"Not run: {stage.label} stays scheduled (due since {stage.due:%Y-%m-%d}).",
            markup=False,
        )
