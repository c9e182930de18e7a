"""Snapshot tests: each screen pinned as an SVG (update with ``pytest --snapshot-update``).

Deterministic: the fleet's ids are seeded, dates are fixed, the clock is injected, and every
worker has settled before the screenshot.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot

from amitui.model import ImageKey
from amitui.sandbox.proxy import FaultProxy

from . import fleet as F
from .conftest import AppFactory
from .helpers import cursor_to, settle, wait_loaded

SIZE = (160, 45)
WEB = "web-golden-2026.11.03"
Compare = Callable[..., bool]


def on_image(fleet: F.Fleet, region: str, name: str, *keys: str) -> Callable[[Pilot[Any]], Any]:
    async def run_before(pilot: Pilot[Any]) -> None:
        await wait_loaded(pilot)
        await cursor_to(pilot, ImageKey(region, fleet.image(region, name)))
        await pilot.press(*keys)
        await pilot.pause()
        await settle(pilot)  # what a tab asks the engine for (ancestry, uses) has arrived

    return run_before


async def loaded(pilot: Pilot[Any]) -> None:
    await wait_loaded(pilot)


def test_main_screen(snap_compare: Compare, make: AppFactory) -> None:
    assert snap_compare(make(), terminal_size=SIZE, run_before=loaded)


def test_details(snap_compare: Compare, make: AppFactory, fleet: F.Fleet) -> None:
    assert snap_compare(
        make(), terminal_size=SIZE, run_before=on_image(fleet, F.HOME, "api-2026.08.15")
    )


def test_snapshot_tree(snap_compare: Compare, make: AppFactory, fleet: F.Fleet) -> None:
    assert snap_compare(make(), terminal_size=SIZE, run_before=on_image(fleet, F.HOME, WEB, "t"))


def test_lineage(snap_compare: Compare, make: AppFactory, fleet: F.Fleet) -> None:
    assert snap_compare(make(), terminal_size=SIZE, run_before=on_image(fleet, F.HOME, WEB, "l"))


def test_orphaned_snapshots(snap_compare: Compare, make: AppFactory, fleet: F.Fleet) -> None:
    assert snap_compare(make(), terminal_size=SIZE, run_before=on_image(fleet, F.HOME, WEB, "n"))


def test_help(snap_compare: Compare, make: AppFactory) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await wait_loaded(pilot)
        await pilot.press("question_mark")

    assert snap_compare(make(), terminal_size=SIZE, run_before=run_before)


def test_failed_region(snap_compare: Compare, make: AppFactory, failing_proxy: FaultProxy) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await wait_loaded(pilot)
        await pilot.press("g", "end")  # the denied region, its error and fix below the list

    assert snap_compare(make(failing_proxy.url), terminal_size=SIZE, run_before=run_before)


def test_markup_in_names_is_literal(
    snap_compare: Compare, make: AppFactory, fleet: F.Fleet
) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await wait_loaded(pilot)
        pilot.app.region_pane.show_regions([F.HOME])  # type: ignore[attr-defined]
        await pilot.pause()
        await cursor_to(pilot, ImageKey(F.HOME, fleet.image(F.HOME, F.MARKUP_NAME)))

    assert snap_compare(make(), terminal_size=SIZE, run_before=run_before)


def test_raw_record(snap_compare: Compare, make: AppFactory, fleet: F.Fleet) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await on_image(fleet, F.HOME, "api-2026.08.15", "Y")(pilot)
        await settle(pilot)  # the record is fetched now

    assert snap_compare(make(), terminal_size=SIZE, run_before=run_before)


def test_totals(snap_compare: Compare, make: AppFactory) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await wait_loaded(pilot)
        await pilot.press("ctrl+s")
        await pilot.pause()

    assert snap_compare(make(), terminal_size=SIZE, run_before=run_before)


def test_used_by(snap_compare: Compare, make: AppFactory, fleet: F.Fleet) -> None:
    """The Used-by tab of the image shared with one account: nothing uses it, who may
    launch it."""

    assert snap_compare(
        make(), terminal_size=SIZE, run_before=on_image(fleet, F.HOME, "api-2026.08.15", "U")
    )
