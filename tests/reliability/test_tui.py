"""The explorer under faults and hostile images, driven with Textual's Pilot.

- Every loading fault at once, one region each: the healthy regions are listed and usable
  (filter, cursor, details), each failed region says precisely what failed and the fix.
- Credentials that expire mid-session: refresh shows the refresh command, and after the
  user refreshes them, ``r`` recovers every region.
- A hostile image (markup, C1 CSI, bidi override in name, description and tag) is shown inert
  in the table and every inspector tab.
- ``--read-only``: no action key opens anything and nothing mutating is sent.
"""

from __future__ import annotations

import contextlib
import functools
import html
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.worker import WorkerCancelled

from amitui import explorer as explorer_module
from amitui.app import AmituiApp, make_app
from amitui.backend import LaunchOptions
from amitui.loader import load_region
from amitui.model import ImageKey, RegionStatus
from amitui.sandbox.proxy import AwsError, FaultProxy
from amitui.widgets.region_pane import describe_state

from ..sandbox_api import AppSessions, app_sessions
from .conftest import ReliabilityFleet
from .reliability_cases import (
    ATTEMPTS,
    FAULT_REGION,
    FORBIDDEN_IN_OUTPUT,
    HEALTHY_REGIONS,
    LOAD_FAULTS,
    REGIONS,
    inject_every_fault,
)

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
REGION_TIMEOUT = 8.0


def session_factory(endpoint_url: str) -> AppSessions:
    return app_sessions(
        endpoint_url,
        max_attempts=ATTEMPTS,
        # The region timeout, not botocore's, is what a hung region meets here.
        read_timeout=REGION_TIMEOUT + 5,
        connect_timeout=1.0,
    )


@pytest.fixture
def explorer(monkeypatch: pytest.MonkeyPatch) -> Callable[..., AmituiApp]:
    """``explorer(endpoint, **LaunchOptions)``: the real App on the suite's sandbox."""
    monkeypatch.setattr(
        explorer_module,
        "load_region",
        functools.partial(load_region, region_timeout=REGION_TIMEOUT),
    )

    def build(endpoint_url: str, **options: Any) -> AmituiApp:
        options.setdefault("regions", REGIONS)
        return make_app(
            LaunchOptions(**options), session_factory=session_factory(endpoint_url), now=NOW
        )

    return build


SETTLE_SECONDS = 30.0


async def settle(pilot: Pilot[int]) -> AmituiApp:
    """Until the session is open and no region is still loading."""
    app = pilot.app
    assert isinstance(app, AmituiApp)
    waited = 0.0
    while not (app.connected and app.region_pane.regions and not app.region_pane.busy):
        await pilot.pause(0.05)
        waited += 0.05
        assert waited < SETTLE_SECONDS, "the explorer did not finish loading"
    await idle(pilot)
    return app


async def idle(pilot: Pilot[int]) -> None:
    """Every worker done; one superseded by a refresh ends cancelled, which is fine here."""
    with contextlib.suppress(WorkerCancelled):
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def screen_text(app: AmituiApp) -> str:
    svg = app.export_screenshot()
    live = [c for c in FORBIDDEN_IN_OUTPUT if c in svg]
    assert live == [], f"live control characters {live!r} reached the screen"
    return html.unescape(re.sub(r"<[^>]+>", "", svg)).replace("\xa0", " ")


def visible_ids(app: AmituiApp) -> set[str]:
    return {row.image.image_id for row in app.table.visible_rows}


async def test_every_fault_at_once_healthy_regions_stay_usable_and_failures_are_explained(
    explorer: Callable[..., AmituiApp],
    fault_proxy: FaultProxy,
    reliability_fleet: ReliabilityFleet,
) -> None:
    inject_every_fault(fault_proxy)
    app = explorer(fault_proxy.url)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        pane = app.region_pane
        for region in HEALTHY_REGIONS:
            state = pane.state(region)
            assert state is not None and state.status is RegionStatus.LOADED
            assert reliability_fleet.images[region] in visible_ids(app)
        problems = []
        for case in LOAD_FAULTS:
            region = FAULT_REGION[case.name]
            state = pane.state(region)
            assert state is not None
            if state.status is not case.status:
                problems.append(f"{case.name}: {state.status} {state.error}")
                continue
            if case.recovers:
                if reliability_fleet.images[region] not in visible_ids(app):
                    problems.append(f"{case.name}: recovered region's images not listed")
                continue
            shown = describe_state(state, frozenset(), len(REGIONS)).plain
            codes = case.code.split("|")
            missing = [f for f in ("Fix: ", *case.says) if f not in shown]
            missing += [] if any(c in shown for c in codes) else codes
            if missing:
                problems.append(f"{case.name}: {missing} not in {shown!r}")
        assert problems == []

        # The healthy part stays usable: filter, then the details of what is left.
        await pilot.press("slash", *"reliability-us-east-1", "enter")
        await pilot.pause()
        assert visible_ids(app) == {reliability_fleet.images["us-east-1"]}
        await pilot.press("i")
        await pilot.pause()
        assert reliability_fleet.images["us-east-1"] in screen_text(app)

        # The faults pass (the user enabled the region, the throttling stopped): r recovers all.
        fault_proxy.clear_faults()
        await pilot.press("escape", "r")
        await pilot.pause(0.2)
        await settle(pilot)
        statuses = {r: pane.state(r).status for r in REGIONS}  # type: ignore[union-attr]
        assert set(statuses.values()) == {RegionStatus.LOADED}, statuses


async def test_credentials_expiring_mid_session_name_the_refresh_command(
    explorer: Callable[..., AmituiApp],
    fault_proxy: FaultProxy,
    reliability_fleet: ReliabilityFleet,
) -> None:
    app = explorer(fault_proxy.url, regions=HEALTHY_REGIONS)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        assert reliability_fleet.images["us-east-1"] in visible_ids(app)
        # The SSO session ends: every call now answers ExpiredToken.
        fault_proxy.add_fault(
            AwsError("ExpiredToken", "The security token included in the request is expired")
        )
        await pilot.press("r")
        await pilot.pause(0.2)
        await settle(pilot)
        for region in HEALTHY_REGIONS:
            state = app.region_pane.state(region)
            assert state is not None and state.status is RegionStatus.EXPIRED_CREDENTIALS
            shown = describe_state(state, frozenset(), 2).plain
            assert "ExpiredToken" in shown and "aws sso login" in shown
        # Nothing half-shown: a region that failed lists nothing stale.
        assert visible_ids(app) == set()
        # The user ran the refresh command: r brings everything back.
        fault_proxy.clear_faults()
        await pilot.press("r")
        await pilot.pause(0.2)
        await settle(pilot)
        assert reliability_fleet.images["ap-southeast-2"] in visible_ids(app)


async def test_a_hostile_image_is_inert_in_the_table_and_every_tab(
    explorer: Callable[..., AmituiApp],
    fault_proxy: FaultProxy,
    reliability_fleet: ReliabilityFleet,
) -> None:
    app = explorer(fault_proxy.url, regions=("us-east-1",))
    async with app.run_test(size=(220, 60)) as pilot:
        await settle(pilot)
        key = ImageKey("us-east-1", reliability_fleet.hostile["us-east-1"])
        assert app.table.move_cursor_to(key)
        await idle(pilot)
        table = screen_text(app)
        assert "evil-[link=https://evil" in table  # markup shown as text, not a link
        for tab, trace in (
            ("i", "[reverse]desc[/reverse]"),
            ("t", "evil-[link="),
            ("l", "evil-[link="),
        ):
            await pilot.press(tab)
            await pilot.pause()
            text = screen_text(app)
            assert trace in text, f"tab {tab}: {trace!r} not shown"
        # Tag values sit below the fold of the details tab: their rendering is checked in
        # test_untrusted_text.py (details surface).


async def test_read_only_explorer_opens_no_action_and_sends_nothing_mutating(
    explorer: Callable[..., AmituiApp],
    fault_proxy: FaultProxy,
    reliability_fleet: ReliabilityFleet,
) -> None:
    app = explorer(fault_proxy.url, regions=("us-east-1",), read_only=True)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        screens = len(app.screen_stack)
        for key in ("c", "s", "d", "x"):
            await pilot.press(key)
            await pilot.pause(0.2)
            await idle(pilot)
            assert len(app.screen_stack) == screens, f"{key}: no dialog opened"
    sent = {a for a in fault_proxy.actions() if a}
    assert all(a.startswith(("Describe", "Get", "List")) for a in sent), sent
