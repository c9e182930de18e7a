"""Deregister with cleanup (``x``) and guided cleanup (command palette): the app glue.

``run_deregister``: fresh lookups -> plan -> :class:`PlanScreen` (typed confirmation) ->
:class:`RunScreen` (progress, left-behind list) -> reload the touched regions. Protected
images are left out of the plan, with a note naming the separate action that lifts protection.

``run_lift_protection``: that action, on its own key - a destructive plan of its own (typed
confirmation, journaled). It is never chained after another screen: no stray key on the way
out of a deregister plan may lift a guard.

``run_cleanup``: checks what uses every loaded image, then the guided view picks candidates by
rules; the marked ones go through ``run_deregister`` (the same plan, the same checks), or the
user opens the orphaned snapshots list, cleaned through the same plan/confirm/journal flow.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable, Iterable, Mapping, Sequence
from dataclasses import replace

from amitui.accounts import Account
from amitui.actions.cleanup import (
    CleanupFacts,
    execute_cleanup,
    fresh_images,
    gather_facts,
    gather_orphan_facts,
    plan_delete_orphans,
    plan_deregister_accounts,
    plan_lift_protection,
)
from amitui.actions.guided import Selection, parse_rules, select_candidates
from amitui.actions.references import (
    USAGE_REPORT_BLIND_SPOT,
    RegionUses,
    UsageReport,
    cross_account_uses,
    region_uses,
    usage_report,
)
from amitui.aws import AwsSession
from amitui.flows import FlowHost
from amitui.flows.plan_run import open_journal, plan_screen, review_and_run, step_sessions
from amitui.journal import Journal
from amitui.model import Image, ImageKey, Plan, Snapshot, StepOutcome, StepResult
from amitui.text import counted
from amitui.widgets.ask_screen import AskScreen
from amitui.widgets.cleanup_run import RunScreen
from amitui.widgets.cleanup_view import (
    CandidateRow,
    CleanupChoice,
    CleanupScreen,
    GuidedRows,
    SparedRow,
)
from amitui.widgets.orphans_view import OrphanRow, OrphansScreen

#: Protection is lifted by its own action, never chained after this plan (a stray Enter
#: must not lift a guard).
LIFT_PROTECTION_HINT = (
    "Protected images stay as they are. To deregister one, first lift its protection with "
    "the separate action 'Lift deregistration protection' (P), which asks for its own typed "
    "confirmation, then press x again."
)

#: What the guided view starts with: keep three releases, offer what is older than 90 days.
DEFAULT_RULES: Mapping[str, str] = {"keep_newest": "3", "older_than_days": "90"}


async def _account(host: FlowHost) -> str:
    return await host.aws.account_id()


async def _run_plan(
    host: FlowHost, plan: Plan, account: str, *, preflight: bool = False
) -> tuple[StepResult, ...]:
    """Execute a confirmed cleanup plan behind the progress screen; reload what changed.

    After a partial run the user may run the same plan again (``r``): the journal says what
    is already done, so a rerun converges instead of repeating calls.
    """
    journal = open_journal(host, account)
    try:
        while True:
            screen = RunScreen(plan, _runner(host, plan, journal, preflight=preflight))
            results: tuple[StepResult, ...] = await host.push_screen_wait(screen)
            preflight = False  # a rerun only finishes what is left
            if not screen.retry:
                break
    finally:
        journal.close()
    await host.reload_regions(sorted({s.region for s in plan.runnable}))
    return results


def _runner(
    host: FlowHost, plan: Plan, journal: Journal, *, preflight: bool
) -> Callable[[asyncio.Event], AsyncGenerator[StepResult, None]]:
    def run(cancel: asyncio.Event) -> AsyncGenerator[StepResult, None]:
        return execute_cleanup(
            step_sessions(host), plan, journal, cancel=cancel, preflight=preflight
        )

    return run


def _report(host: FlowHost, results: Sequence[StepResult], what: str) -> None:
    done = [r for r in results if r.outcome is StepOutcome.OK]
    left = [r for r in results if r.outcome is not StepOutcome.OK]
    images = sum(1 for r in done if r.step.operation == "DeregisterImage")
    snapshots = sum(1 for r in done if r.step.operation == "DeleteSnapshot")
    message = (
        f"{what}: {counted(images, 'image')} deregistered, {counted(snapshots, 'snapshot')} deleted"
    )
    if left:
        message += f"; {counted(len(left), 'step')} left behind (see the journal)"
    host.notify(message, severity="warning" if left else "information", markup=False)


def _snapshots_still_listing(host: FlowHost, regions: Iterable[str]) -> bool:
    """Say so and answer True if any of ``regions`` is still listing its snapshots: what a
    cleanup frees (sizes, tiers, owners, Recycle Bin tags) comes from them."""
    pending = sorted({r for r in regions if host.inventory.snapshots_pending(r)})
    if pending:
        host.notify(
            f"Still listing the snapshots of {', '.join(pending)}; try again when the "
            "region's spinner stops.",
            severity="warning",
            markup=False,
        )
    return bool(pending)


async def run_deregister(host: FlowHost, images: Sequence[Image]) -> tuple[StepResult, ...] | None:
    """``x``: deregister the marked images (or the one under the cursor) with cleanup.

    Returns the results, or None when nothing was run (cancelled, nothing chosen)."""
    if not images:
        host.notify("No image selected.", severity="warning")
        return None
    if _snapshots_still_listing(host, (i.region for i in images)):
        return None
    account = await _account(host)
    host.notify(
        f"Checking {counted(len(images), 'image')}: protection, what uses them (in every "
        "loaded account), who maps their snapshots…",
        markup=False,
    )
    chosen = [
        await _facts(host, owner, members, account) for owner, members in _by_owner(host, images)
    ]
    cleanup = plan_deregister_accounts(host.inventory, chosen)
    going = {(v.image.region, v.image.image_id) for v in cleanup.verdicts if v.deregister}
    asked = await _offer_usage_reports(host, chosen, going)
    if asked is not chosen:
        cleanup = plan_deregister_accounts(host.inventory, asked)
    plan = cleanup.plan
    if cleanup.protected:
        plan = replace(plan, notes=(*plan.notes, LIFT_PROTECTION_HINT))
    review = plan_screen(host, plan)
    if not await host.push_screen_wait(review):
        return None
    results = await _run_plan(host, plan, account, preflight=review.dry_run_first)
    host.clear_marks()
    _report(host, results, "Deregister with cleanup")
    return results


def _by_owner(host: FlowHost, images: Sequence[Image]) -> list[tuple[Account | None, list[Image]]]:
    """The images grouped by the loaded account they were listed from (None: not known
    yet, the explorer's own session acts on them)."""
    groups: dict[str, tuple[Account | None, list[Image]]] = {}
    for image in images:
        try:
            owner: Account | None = host.account_of(image)
        except LookupError:
            owner = None
        groups.setdefault(owner.id if owner else "", (owner, []))[1].append(image)
    return list(groups.values())


async def _facts(
    host: FlowHost, owner: Account | None, images: Sequence[Image], account: str
) -> tuple[Sequence[Image], CleanupFacts]:
    """One account's cleanup facts, with its images' use in every other loaded account."""
    if owner is None:
        return images, await gather_facts(host.aws, images, account)
    facts, foreign = await asyncio.gather(
        gather_facts(owner.session, images, owner.id),
        cross_account_uses(owner, images, host.accounts),
    )
    return images, replace(facts, foreign=foreign)


async def _offer_usage_reports(
    host: FlowHost,
    chosen: list[tuple[Sequence[Image], CleanupFacts]],
    going: set[tuple[str, str]],
) -> list[tuple[Sequence[Image], CleanupFacts]]:
    """For images the plan would deregister (``going``: region, id) that are shared with
    accounts amitui cannot read, offer image usage reports (EC2 says which accounts use
    them); their entries then count as uses. Returns ``chosen`` itself when none is made."""
    unchecked: list[tuple[Image, CleanupFacts, tuple[str, ...]]] = []
    for images, facts in chosen:
        foreign = facts.foreign
        if foreign is None:
            continue
        for image in images:
            if (image.region, image.image_id) not in going:
                continue
            unread = foreign.unread.get(image.key, ())
            wide = foreign.wide.get(image.key, ())
            if (unread or wide) and not foreign.of(image.key):
                # A wide share (organization, OU, public) asks about every account.
                unchecked.append((image, facts, () if wide else unread))
    if not unchecked or host.read_only:
        return chosen
    lines = [
        f"{image.image_id} ({image.name}): shared with "
        + (", ".join(ids) if ids else "an organization, OU or everyone")
        for image, _, ids in unchecked[:10]
    ]
    if len(unchecked) > 10:
        lines.append(f"… and {len(unchecked) - 10} more")
    lines += [
        "Ask EC2 for an image usage report of each (CreateImageUsageReport; it takes a "
        "moment)? An account it names keeps its image out of the plan.",
        f"Note: {USAGE_REPORT_BLIND_SPOT}.",
    ]
    title = f"{counted(len(unchecked), 'image')} shared with accounts amitui cannot read"
    if not await host.push_screen_wait(AskScreen(title, lines, yes="create the reports")):
        return chosen
    host.notify(f"Creating {counted(len(unchecked), 'image usage report')}…", markup=False)
    sessions = {f.account_id: f for _, f in chosen}
    reports = await asyncio.gather(
        *(usage_report(_owner_session(host, f), image, ids) for image, f, ids in unchecked)
    )
    by_account: dict[str, dict[ImageKey, UsageReport]] = {a: {} for a in sessions}
    for (_, facts, _ids), report in zip(unchecked, reports, strict=True):
        by_account[facts.account_id][report.key] = report
    return [
        (images, replace(facts, reports={**facts.reports, **by_account[facts.account_id]}))
        for images, facts in chosen
    ]


def _owner_session(host: FlowHost, facts: CleanupFacts) -> AwsSession:
    try:
        return host.session_for(facts.account_id)
    except LookupError:
        return host.aws


async def run_lift_protection(host: FlowHost, images: Sequence[Image]) -> None:
    """Lift deregistration protection from the marked images (or the one under the cursor):
    its own action, never the next screen of another, confirmed by typing like a deletion."""
    if not images:
        host.notify("No image selected.", severity="warning")
        return
    account = await _account(host)
    by_region: dict[str, list[str]] = {}
    for image in images:
        by_region.setdefault(image.region, []).append(image.image_id)
    answers = await asyncio.gather(
        *(fresh_images(host.aws, region, ids) for region, ids in by_region.items())
    )
    fresh = {found.key: found for per_region in answers for found in per_region.values()}
    plan = plan_lift_protection(images, fresh, account, clock=host.now())
    await review_and_run(host, plan, sorted(by_region))


# --- guided cleanup ---------------------------------------------------------------------


async def _all_uses(host: FlowHost, images: Sequence[Image]) -> dict[str, RegionUses]:
    by_region: dict[str, list[str]] = {}
    for image in images:
        by_region.setdefault(image.region, []).append(image.image_id)
    found = await asyncio.gather(
        *(region_uses(host.aws, region, ids) for region, ids in by_region.items())
    )
    return {u.region: u for u in found}


async def _uses_elsewhere(host: FlowHost, images: Sequence[Image]) -> dict[ImageKey, str]:
    """Why each of ``images`` counts as in use in another loaded account (none: not asked)."""
    found: dict[ImageKey, str] = {}
    if len(host.accounts) < 2:
        return found
    for owner, members in _by_owner(host, images):
        if owner is None:
            continue
        foreign = await cross_account_uses(owner, members, host.accounts)
        for key, uses in foreign.uses.items():
            found[key] = (
                "in use by "
                + ", ".join(u.describe() for u in uses[:3])
                + (f" and {len(uses) - 3} more" if len(uses) > 3 else "")
            )
        found.update(foreign.errors)
    return found


def guided_rows(selection: Selection, host_images: Mapping[ImageKey, Image]) -> GuidedRows:
    """Pure: the engine's selection as the view's rows."""
    del host_images  # the selection carries its images
    return GuidedRows(
        candidates=tuple(
            CandidateRow(
                c.image.key,
                c.image.name,
                c.image.creation_date,
                c.image.last_launched_time,
                c.image.size_gib,
                "; ".join(c.why),
            )
            for c in selection.candidates
        ),
        never=tuple(SparedRow(s.image.key, s.image.name, s.why) for s in selection.never),
        kept_newest=tuple(
            SparedRow(s.image.key, s.image.name, s.why) for s in selection.kept_newest
        ),
        rules=selection.rules.describe(),
    )


async def run_cleanup(host: FlowHost, images: Sequence[Image]) -> None:
    """Guided cleanup over everything loaded (``images`` is ignored: rules pick).

    Read-only, it is a review: the screen refuses to deregister and says why.
    """
    del images
    if _snapshots_still_listing(host, host.inventory.regions):
        return
    account = await _account(host)
    everything = [i for i in host.inventory.images() if i.owner_id == account]
    by_key = {i.key: i for i in everything}

    async def prepare() -> Callable[[Mapping[str, str]], GuidedRows]:
        uses, elsewhere = await asyncio.gather(
            _all_uses(host, everything), _uses_elsewhere(host, everything)
        )
        now = host.now()

        def evaluate(fields: Mapping[str, str]) -> GuidedRows:
            rules = parse_rules(**fields)  # RuleError is a ValueError: the view shows it
            selection = select_candidates(
                everything, rules, now=now, account_id=account, uses=uses, elsewhere=elsewhere
            )
            return guided_rows(selection, by_key)

        return evaluate

    screen = CleanupScreen(
        prepare,
        DEFAULT_RULES,
        read_only=host.read_only,
        preparing=f"Checking what uses {len(everything)} images…",
    )
    choice: CleanupChoice | None = await host.push_screen_wait(screen)
    if choice is None:
        return
    if choice.kind == "orphans":
        await run_orphans(host)
        return
    if host.read_only:  # the screen refuses already; never plan a change read-only
        return
    chosen = [by_key[k] for k in choice.images if k in by_key]
    await run_deregister(host, chosen)


def _orphan_rows(orphans: Iterable[tuple[Snapshot, str]]) -> list[OrphanRow]:
    return [
        OrphanRow(
            s.region,
            s.snapshot_id,
            s.volume_size,
            s.storage_tier or "standard",
            s.start_time,
            former,
            s.description,
        )
        for s, former in orphans
    ]


async def run_orphans(host: FlowHost) -> None:
    """The orphaned snapshots list -> delete plan -> confirm -> run."""
    if _snapshots_still_listing(host, host.inventory.regions):
        return
    orphans = [(o.snapshot, o.former_image_id) for o in host.inventory.orphaned_snapshots()]
    orphans.sort(key=lambda pair: (pair[0].region, pair[0].snapshot_id))
    chosen = await host.push_screen_wait(
        OrphansScreen(_orphan_rows(orphans), read_only=host.read_only)
    )
    if not chosen or host.read_only:
        return
    wanted = set(chosen)
    picked = [(s, f) for s, f in orphans if (s.region, s.snapshot_id) in wanted]
    account = await _account(host)
    facts = await gather_orphan_facts(host.aws, picked)
    cleanup = plan_delete_orphans(picked, facts)
    review = plan_screen(host, cleanup.plan)
    if not await host.push_screen_wait(review):
        return
    results = await _run_plan(host, cleanup.plan, account, preflight=review.dry_run_first)
    _report(host, results, "Orphaned snapshots")
