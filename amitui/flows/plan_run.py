"""Review a plan, run it with live progress, journal it, reload what changed: the second half
of every copy/share/deprecate flow.

:func:`review_and_run` shows the :class:`~amitui.widgets.plan_screen.PlanScreen`; once the user
confirms, it runs :func:`~amitui.actions.execute.execute` inside a
:class:`~amitui.widgets.progress_screen.ProgressScreen`, optionally following each successful
step with ``follow`` (e.g. a copy from pending to available), then reloads ``regions``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterable
from contextlib import aclosing

from amitui.actions.execute import Settle, execute
from amitui.aws import AwsSession
from amitui.flows import FlowHost
from amitui.journal import Journal, default_path
from amitui.model import Plan, StepOutcome, StepResult
from amitui.widgets.plan_screen import PlanScreen
from amitui.widgets.progress_screen import ProgressScreen, StepNote

#: Given a successful step, the follow-up notes to show for it (or None: nothing to follow).
Follow = Callable[[StepResult, asyncio.Event], AsyncGenerator[StepNote, None] | None]


async def account_of(host: FlowHost) -> str:
    """The caller's account id for the journal; empty if STS cannot say."""
    try:
        return await host.aws.account_id()
    except Exception:  # the journal still records everything else; the account is a nicety
        return ""


def open_journal(host: FlowHost, account: str) -> Journal:
    """The journal for this explorer's calls: the demo's own file for the demo, and every
    line names the account (id, alias, credentials) and the endpoint the calls go to."""
    return Journal(
        default_path(demo=host.options.demo),
        account=account,
        endpoint=host.aws.ec2_endpoint,
        accounts=host.accounts,
    )


def step_sessions(host: FlowHost) -> Callable[[str], AwsSession]:
    """Each step's session: its account's, the explorer's own for a step that names none
    (and for every step while no account is known yet: there is only that one session)."""

    def resolve(account: str) -> AwsSession:
        if not account or not host.accounts:
            return host.aws
        return host.session_for(account)

    return resolve


def protected_accounts(host: FlowHost) -> set[str]:
    """The loaded accounts the config names protected (by alias or id), as ids."""
    named = set(host.options.protected_accounts)
    return {a.id for a in host.accounts if a.id in named or (a.alias and a.alias in named)}


def plan_screen(host: FlowHost, plan: Plan) -> PlanScreen:
    """The review of ``plan`` knowing the loaded accounts: their labels, which are
    protected, and whose steps name no account (the explorer's own)."""
    accounts = host.accounts
    return PlanScreen(
        plan,
        accounts={a.id: a.label for a in accounts},
        default_account=accounts[0].id if accounts else "",
        protected=protected_accounts(host),
    )


async def run_events(
    host: FlowHost,
    plan: Plan,
    journal: Journal,
    cancel: asyncio.Event,
    *,
    follow: Follow | None = None,
    reload_when_sent: Iterable[str] = (),
    preflight: bool = False,
    settle: Settle | None = None,
) -> AsyncIterator[StepResult | StepNote]:
    """Every StepResult of ``execute``, interleaved with the follow-up notes of each step."""
    queue: asyncio.Queue[StepResult | StepNote | None] = asyncio.Queue()
    followers: list[asyncio.Task[None]] = []

    async def pump_notes(notes: AsyncGenerator[StepNote, None]) -> None:
        async with aclosing(notes):
            async for note in notes:
                await queue.put(note)

    async def pump_results() -> None:
        async with aclosing(
            execute(
                step_sessions(host),
                plan,
                journal,
                cancel=cancel,
                preflight=preflight,
                settle=settle,
            )
        ) as results:
            async for result in results:
                await queue.put(result)
                if follow is not None and result.outcome is StepOutcome.OK:
                    notes = follow(result, cancel)
                    if notes is not None:
                        followers.append(asyncio.create_task(pump_notes(notes)))
        regions = list(reload_when_sent)
        if regions:
            # Show the new (pending) resources while they are being followed.
            followers.append(asyncio.create_task(host.reload_regions(regions)))
        await asyncio.gather(*followers, return_exceptions=True)
        await queue.put(None)

    producer = asyncio.create_task(pump_results())
    try:
        while (event := await queue.get()) is not None:
            yield event
        await producer  # re-raises a failure of execute itself
    finally:
        for task in [producer, *followers]:
            task.cancel()


async def review_and_run(
    host: FlowHost,
    plan: Plan,
    regions: Iterable[str],
    *,
    follow: Follow | None = None,
    reload_when_sent: Iterable[str] = (),
    settle: Settle | None = None,
) -> list[StepResult] | None:
    """Show ``plan``; if confirmed, run it with progress and reload ``regions``.
    ``settle``: see :func:`~amitui.actions.execute.execute`.

    Returns the results, or None when the user cancelled (nothing was sent).
    """
    review = plan_screen(host, plan)
    confirmed = await host.push_screen_wait(review)
    if not confirmed or not plan.runnable:
        host.notify("Cancelled: nothing was sent", severity="information", markup=False)
        return None
    journal = open_journal(host, await account_of(host))
    try:
        results = await host.push_screen_wait(
            ProgressScreen(
                plan,
                lambda cancel: run_events(
                    host,
                    plan,
                    journal,
                    cancel,
                    follow=follow,
                    reload_when_sent=reload_when_sent,
                    preflight=review.dry_run_first,
                    settle=settle,
                ),
            )
        )
    finally:
        journal.close()
    await host.reload_regions(regions)
    failed = sum(1 for r in results if r.outcome is StepOutcome.FAILED)
    skipped = sum(1 for r in results if r.outcome is StepOutcome.SKIPPED)
    done = len(results) - failed - skipped
    message = f"{plan.action}: {done} done, {failed} failed, {skipped} skipped"
    host.notify(
        message,
        severity="error" if failed else "warning" if skipped else "information",
        markup=False,
    )
    return results
