"""Run a reviewed :class:`~amitui.model.Plan`: concurrent where independent, journaled, never
silently stopping halfway.

Contract (shared by copy/share/deprecate and deregister-with-cleanup)::

    journal = Journal(account=await aws.account_id())
    async for result in execute(aws, plan, journal):
        ...  # one StepResult per runnable step, in completion order

- ``aws`` is one session for every step, or a resolver ``account id -> AwsSession``: each
  step is then sent (and dry-run) with the session of ``step.account``, so one plan can span
  accounts. An account the resolver does not know fails its steps with
  :class:`UnknownAccount` (reported, never sent elsewhere).

- Every runnable step (``not step.excluded``) yields exactly one :class:`StepResult`:
  ``OK`` with the AWS response, ``FAILED`` with the classified :class:`AwsError`, or
  ``SKIPPED`` with ``detail`` saying why (a step it depends on did not succeed, the run was
  cancelled, the DryRun pre-check failed). Excluded steps are never sent and never yielded.
- Steps run concurrently (under the session's concurrency cap); a step starts only when all
  its ``depends_on`` steps succeeded. A ``depends_on`` naming an excluded or unknown step
  counts as "did not succeed" (its dependents are skipped: safer than guessing).
- The call is ``session.call(step.region, step.operation, **step.params)``; ``step.params`` are
  the exact API parameters (PascalCase), so the plan shown is the call made.
- Journal: a ``sent`` line before each attempt, an ``outcome`` line after it; a skipped step
  gets one ``outcome`` line. See :mod:`amitui.journal`.
- Retries: ``retry`` chooses a :class:`RetryPolicy` per step (e.g. the cleanup's
  ``retry_by_operation({"DeleteSnapshot": RetryPolicy({"InvalidSnapshot.InUse"}, attempts=5)})``).
  botocore's own adaptive retries (throttling, 5xx) happen underneath, unjournaled.
  ``RetryPolicy.done_codes``: AWS codes meaning the step's effect already holds (e.g.
  ``InvalidSnapshot.NotFound`` for a DeleteSnapshot on a rerun): reported ``OK`` with a detail.
- ``done``: step id -> response of steps an earlier run already did (from
  :func:`amitui.journal.succeeded_steps`); they are yielded as ``OK`` with
  ``detail="already done …"`` and not sent again, so dependents proceed and a rerun converges.
- ``preflight=True``: first send every runnable call with ``DryRun=True``
  (``DryRunOperation`` means allowed). If any would fail, nothing is sent for real: those steps
  are ``FAILED`` (``detail`` starts with "dry run") and all others ``SKIPPED``.
  :func:`dry_run` runs the same check alone.
- ``settle``: awaited after each successful step, before its dependents may start; it
  returns None when the step's effect is complete, or why not (its dependents are then
  skipped saying so). E.g. a CopyImage answers at once but its copy is pending: a step that
  removes the source's share must wait until the copy is available.
- ``cancel``: set the event to stop starting new steps; steps in flight finish and are
  reported, the rest are ``SKIPPED`` ("cancelled"). Closing the iterator early cancels
  in-flight tasks; their journal outcome says the result is unknown.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from amitui.aws import AwsSession, is_mutating
from amitui.aws_errors import ReadOnlyError, classify_error
from amitui.journal import Journal
from amitui.model import AwsError, Plan, RegionStatus, Step, StepOutcome, StepResult
from amitui.text import counted

DRY_RUN_OK = "DryRunOperation"

#: Who sends each step: one session, or the session of ``step.account``.
Sessions = AwsSession | Callable[[str], AwsSession]


class UnknownAccount(LookupError):
    """A step names an account no loaded session belongs to."""


def session_resolver(aws: Sessions) -> Callable[[str], AwsSession]:
    """``aws`` as a resolver from a step's account to the session that sends it."""
    if isinstance(aws, AwsSession):
        return lambda account: aws
    return aws


def _session_of(resolve: Callable[[str], AwsSession], step: Step) -> AwsSession:
    try:
        return resolve(step.account)
    except LookupError as exc:
        raise UnknownAccount(
            f"no credentials are loaded for account {step.account}: {step.step_id} not sent"
        ) from exc


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Retry a step when AWS answers one of ``codes``: ``attempts`` in all, with backoff."""

    codes: Collection[str] = field(default_factory=frozenset)
    attempts: int = 1
    delay: float = 1.0
    backoff: float = 2.0
    max_delay: float = 15.0
    #: Codes meaning the step's effect already holds (e.g. ``InvalidSnapshot.NotFound`` for a
    #: DeleteSnapshot on a rerun): reported ``OK`` with a detail saying so, never retried.
    done_codes: Collection[str] = field(default_factory=frozenset)

    def retries(self, error: AwsError, attempt: int) -> bool:
        return attempt < self.attempts and error.code in self.codes

    def wait(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        return float(min(self.max_delay, self.delay * self.backoff ** (attempt - 1)))


NO_RETRY = RetryPolicy()

#: Chooses the retry policy of a step.
RetryChooser = Callable[[Step], RetryPolicy]

#: After a step succeeded: None once its effect is complete, else why it is not.
Settle = Callable[[StepResult], Awaitable[str | None]]


def retry_by_operation(policies: Mapping[str, RetryPolicy]) -> RetryChooser:
    """A :data:`RetryChooser` keyed by EC2 operation name; others are not retried."""
    return lambda step: policies.get(step.operation, NO_RETRY)


async def _in_thread(write: Callable[..., None], *args: Any, **kwargs: Any) -> None:
    """Journal writes fsync: keep them off the event loop (the UI's), still in order."""
    await asyncio.to_thread(write, *args, **kwargs)


def _skipped(step: Step, detail: str) -> StepResult:
    return StepResult(step, StepOutcome.SKIPPED, detail=detail)


async def _send(aws: AwsSession, step: Step, *, dry_run: bool = False) -> dict[str, Any]:
    params = dict(step.params)
    if dry_run:
        params["DryRun"] = True
    return await aws.call(step.region, step.operation, **params)


def _profile(resolve: Callable[[str], AwsSession], step: Step) -> str | None:
    """The profile to name in an error hint (none when the step's account is unknown)."""
    try:
        return resolve(step.account).profile
    except LookupError:
        return None


async def dry_run(
    aws: Sessions, plan: Plan, journal: Journal | None = None, *, run: str = ""
) -> list[StepResult]:
    """Send every runnable call with ``DryRun=True``: ``OK`` means EC2 would allow it.

    Results come back in plan order. A failed check carries the AWS error (e.g.
    ``UnauthorizedOperation``). Nothing changes in the account.
    """
    run = run or (journal.new_run() if journal else "")
    resolve = session_resolver(aws)

    async def check(step: Step) -> StepResult:
        try:
            session = _session_of(resolve, step)
        except UnknownAccount as exc:
            error = classify_error(exc)
            result = StepResult(
                step, StepOutcome.FAILED, error=error, detail=f"dry run: {error.describe()}"
            )
            if journal:
                await _in_thread(journal.outcome, run, plan.action, result, dry_run=True)
            return result
        if journal:
            await _in_thread(journal.sent, run, plan.action, step, dry_run=True)
        try:
            response = await _send(session, step, dry_run=True)
        except Exception as exc:  # classified below; DryRunOperation is the success case
            error = classify_error(exc, region=step.region, profile=_profile(resolve, step))
            if error.code == DRY_RUN_OK:
                result = StepResult(step, StepOutcome.OK, detail="dry run: allowed")
            else:
                result = StepResult(
                    step, StepOutcome.FAILED, error=error, detail=f"dry run: {error.describe()}"
                )
        else:
            # An API that ignores DryRun has just done the real thing: say so, loudly.
            result = StepResult(
                step, StepOutcome.OK, response, detail="dry run ignored: the call was made"
            )
        if journal:
            await _in_thread(journal.outcome, run, plan.action, result, dry_run=True)
        return result

    return list(await asyncio.gather(*(check(step) for step in plan.runnable)))


def _read_only(resolve: Callable[[str], AwsSession], step: Step) -> bool:
    try:
        return resolve(step.account).read_only
    except LookupError:
        return False  # its step fails as UnknownAccount, unsent


def _cycles(steps: tuple[Step, ...]) -> set[str]:
    """Step ids caught in (or waiting on) a dependency cycle among ``steps``."""
    ids = {s.step_id for s in steps}
    waiting = {s.step_id: {d for d in s.depends_on if d in ids} for s in steps}
    progressed = True
    while progressed:
        progressed = False
        for step_id, deps in list(waiting.items()):
            if not deps:
                del waiting[step_id]
                for other in waiting.values():
                    other.discard(step_id)
                progressed = True
    return set(waiting)


async def execute(
    aws: Sessions,
    plan: Plan,
    journal: Journal,
    *,
    retry: RetryChooser | None = None,
    done: Mapping[str, Mapping[str, Any]] | None = None,
    preflight: bool = False,
    cancel: asyncio.Event | None = None,
    settle: Settle | None = None,
) -> AsyncGenerator[StepResult, None]:
    """Run ``plan``'s runnable steps; yield one :class:`StepResult` each as it completes."""
    run = journal.new_run()
    steps = plan.runnable
    if not steps:
        return
    done = done or {}
    choose = retry or (lambda step: NO_RETRY)
    resolve = session_resolver(aws)

    if any(_read_only(resolve, s) and is_mutating(s.operation) for s in steps):
        # Refused up front: a "sent" journal line for a call the guard stops in-process
        # would be untrue. One outcome line per step says why nothing was sent.
        for step in steps:
            refusal = ReadOnlyError(f"{step.operation} refused: amitui is running read-only")
            result = StepResult(step, StepOutcome.FAILED, error=classify_error(refusal))
            await _in_thread(journal.outcome, run, plan.action, result)
            yield result
        return

    async def skip(step: Step, detail: str) -> StepResult:
        result = _skipped(step, detail)
        await _in_thread(journal.outcome, run, plan.action, result)
        return result

    if preflight:
        checks = await dry_run(aws, plan, journal, run=run)
        refused = [c for c in checks if c.outcome is not StepOutcome.OK]
        if refused:
            for check in checks:
                if check.outcome is StepOutcome.OK:
                    yield await skip(
                        check.step,
                        f"not run: the DryRun check refused {counted(len(refused), 'call')} "
                        "of this plan",
                    )
                else:
                    yield check
            return

    by_id = {s.step_id: s for s in steps}
    in_cycle = _cycles(steps)
    finished: dict[str, asyncio.Event] = {s.step_id: asyncio.Event() for s in steps}
    outcomes: dict[str, StepOutcome] = {}
    unsettled: dict[str, str] = {}  # step id -> why its effect is not complete
    queue: asyncio.Queue[StepResult] = asyncio.Queue()
    in_flight: set[str] = set()

    async def attempt_all(step: Step) -> StepResult:
        policy = choose(step)
        attempt = 1
        try:
            session = _session_of(resolve, step)
        except UnknownAccount as exc:  # never sent: one outcome line, no "sent" line
            result = StepResult(step, StepOutcome.FAILED, error=classify_error(exc))
            await _in_thread(journal.outcome, run, plan.action, result)
            return result
        while True:
            await _in_thread(journal.sent, run, plan.action, step)
            try:
                response = await _send(session, step)
            except asyncio.CancelledError:
                journal.outcome(
                    run,
                    plan.action,
                    StepResult(
                        step,
                        StepOutcome.FAILED,
                        error=AwsError(
                            RegionStatus.FAILED,
                            "Interrupted",
                            "the run was interrupted after this call was sent; "
                            "its outcome is unknown (refresh to see)",
                        ),
                    ),
                )
                raise
            except Exception as exc:  # errors are data: classified, journaled, reported
                error = classify_error(exc, region=step.region, profile=_profile(resolve, step))
                if error.code in policy.done_codes:
                    result = StepResult(
                        step, StepOutcome.OK, detail=f"already done: AWS answered {error.code}"
                    )
                    await _in_thread(journal.outcome, run, plan.action, result)
                    return result
                if policy.retries(error, attempt) and not (cancel and cancel.is_set()):
                    wait = policy.wait(attempt)
                    await _in_thread(
                        journal.outcome,
                        run,
                        plan.action,
                        StepResult(
                            step,
                            StepOutcome.FAILED,
                            error=error,
                            detail=f"attempt {attempt} of {policy.attempts}; "
                            f"retrying in {wait:.1f} s",
                        ),
                    )
                    await asyncio.sleep(wait)
                    attempt += 1
                    continue
                detail = f"failed after {attempt} attempts" if attempt > 1 else ""
                result = StepResult(step, StepOutcome.FAILED, error=error, detail=detail)
            else:
                detail = f"succeeded on attempt {attempt}" if attempt > 1 else ""
                result = StepResult(step, StepOutcome.OK, response, detail=detail)
            await _in_thread(journal.outcome, run, plan.action, result)
            return result

    async def decide(step: Step) -> StepResult:
        for dep in step.depends_on:
            if dep in finished:
                await finished[dep].wait()
        if step.step_id in done:
            result = StepResult(
                step,
                StepOutcome.OK,
                dict(done[step.step_id]),
                detail="already done in an earlier run (journal); not sent again",
            )
            await _in_thread(journal.outcome, run, plan.action, result)
            return result
        if step.step_id in in_cycle:
            return await skip(step, "not run: its dependencies form a cycle (a bug in the plan)")
        blocked = [
            d for d in step.depends_on if outcomes.get(d) is not StepOutcome.OK or d in unsettled
        ]
        if blocked:
            reasons = [
                f"{dep} is not part of this run"
                if dep not in by_id
                else f"{dep} did not complete: {unsettled[dep]}"
                if dep in unsettled
                else f"{dep} {outcomes[dep].value}"
                for dep in blocked
            ]
            return await skip(step, "skipped: " + "; ".join(reasons))
        if cancel is not None and cancel.is_set():
            return await skip(step, "cancelled before it was sent")
        in_flight.add(step.step_id)
        try:
            return await attempt_all(step)
        finally:
            in_flight.discard(step.step_id)

    async def run_step(step: Step) -> None:
        try:
            result = await decide(step)
        except asyncio.CancelledError:
            if step.step_id not in in_flight:
                # Cancelled: no more awaiting here, so the line is written synchronously.
                journal.outcome(
                    run,
                    plan.action,
                    _skipped(step, "cancelled: the run was closed before this step was sent"),
                )
            outcomes.setdefault(step.step_id, StepOutcome.SKIPPED)
            finished[step.step_id].set()
            raise
        except Exception as exc:  # a bug, not an AWS error: still reported, never hangs the run
            error = classify_error(exc, region=step.region, profile=_profile(resolve, step))
            result = StepResult(step, StepOutcome.FAILED, error=error, detail="internal error")
            await _in_thread(journal.outcome, run, plan.action, result)
        outcomes[step.step_id] = result.outcome
        queue.put_nowait(result)
        if settle is not None and result.outcome is StepOutcome.OK:
            try:
                problem = await settle(result)
            except asyncio.CancelledError:
                unsettled[step.step_id] = "the run was closed while waiting for it"
                finished[step.step_id].set()
                raise
            except Exception as exc:  # errors are data: its dependents are skipped, saying why
                problem = classify_error(exc, region=step.region).describe()
            if problem:
                unsettled[step.step_id] = problem
        finished[step.step_id].set()

    tasks = [asyncio.create_task(run_step(step), name=f"step {step.step_id}") for step in steps]
    try:
        for _ in steps:
            yield await queue.get()
    finally:
        pending = [t for t in tasks if not t.done()]
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
