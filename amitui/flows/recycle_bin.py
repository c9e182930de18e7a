"""The Recycle Bin view (``B``) and restoring from it: read every loaded region's bin and
rules -> :class:`RecycleBinScreen` -> fresh lookups -> restore plan -> review -> run -> reload
the regions, so restored images show up in the table.

Read-only, the view opens as a review and its restore key is refused.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence

from amitui.actions.recycle_bin import (
    IMAGES,
    Binned,
    BinRef,
    RegionBin,
    journaled_mappings,
    load_bin,
    plan_restore,
    restore_facts,
)
from amitui.flows import FlowHost
from amitui.flows.plan_run import account_of, review_and_run
from amitui.journal import default_path, read_entries
from amitui.model import Image
from amitui.screens.recycle_bin import BinRow, RecycleBinScreen


def held_by(item: Binned, region_bin: RegionBin) -> str:
    """Which rule holds ``item``, as the view says it (EC2 does not name it: inferred)."""
    if region_bin.rules_error is not None:
        return f"rules unreadable ({region_bin.rules_error.code})"
    rules = item.held_by(region_bin.rules)
    days = f"{item.days} d" if item.days is not None else "?"
    if not rules:
        return f"a {days} rule no longer listed"
    if len(rules) > 1:
        return f"one of {', '.join(r.identifier for r in rules)} ({days})"
    rule = rules[0]
    return f"{rule.description or rule.identifier} ({days})"


def bin_rows(
    bins: Iterable[RegionBin], mapped: Mapping[BinRef, tuple[str, ...]]
) -> tuple[list[BinRow], list[str]]:
    """The view's rows, and a line for each region whose bin could not be read."""
    rows: list[BinRow] = []
    problems: list[str] = []
    for region_bin in bins:
        if region_bin.error is not None:
            problems.append(f"{region_bin.region}: {region_bin.error.describe()}")
            continue
        for item in region_bin.items:
            note = ""
            if item.kind == IMAGES:
                snapshots = mapped.get(item.ref)
                if snapshots is None:
                    note = "maps: unknown (not deregistered by amitui)"
                else:
                    binned = [s for s in snapshots if region_bin.find(s) is not None]
                    note = f"maps {', '.join(snapshots) or 'no snapshot'}"
                    if binned:
                        note += f"; {len(binned)} in the bin"
            rows.append(
                BinRow(
                    "image" if item.kind == IMAGES else "snapshot",
                    item.account,
                    item.region,
                    item.resource_id,
                    item.name or item.description,
                    item.entered,
                    item.leaves,
                    held_by(item, region_bin),
                    note,
                )
            )
    return rows, problems


async def run(host: FlowHost, images: Sequence[Image]) -> None:
    """The view over every loaded region (``images`` is ignored: the bin holds what the table
    no longer shows)."""
    del images
    regions = sorted(host.inventory.regions)
    if not regions:
        host.notify("No region is loaded yet", severity="warning")
        return
    account = await account_of(host)
    loaded = await asyncio.gather(*(load_bin(host.aws, r, account) for r in regions))
    bins = {b.region: b for b in loaded}
    journal = default_path(demo=host.options.demo)
    # Off the event loop: a journal grows with every run.
    mapped = await asyncio.to_thread(lambda: journaled_mappings(read_entries(journal)))
    rows, problems = bin_rows(loaded, mapped)
    chosen = await host.push_screen_wait(
        RecycleBinScreen(rows, problems, now=host.now(), read_only=host.read_only)
    )
    if chosen is None or host.read_only:  # the screen refuses already; never plan read-only
        return
    facts = await restore_facts(host.aws, bins, chosen, mapped)
    plan = plan_restore(chosen, facts, account=account)
    await review_and_run(host, plan, sorted({s.region for s in plan.runnable}))
