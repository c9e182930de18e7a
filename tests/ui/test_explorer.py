"""Pilot tests: each feature of the explorer driven from the keyboard against the sandbox."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import pytest
from textual import events
from textual.message import Message

import amitui.screens.explorer as screen_module
from amitui.app import AmituiApp, make_app
from amitui.aws import AwsSession
from amitui.backend import LaunchOptions
from amitui.flows import FlowHost, register_flow, unregister_flow
from amitui.model import Image, ImageKey, ImageQuery, RegionStatus
from amitui.sandbox.proxy import FaultProxy
from amitui.widgets._textual_private import FooterKey
from amitui.widgets.details import ImageDetails
from amitui.widgets.filter_bar import FilterBar
from amitui.widgets.footer import KeysFooter
from amitui.widgets.help_screen import HelpScreen
from amitui.widgets.image_table import ImageTable
from amitui.widgets.lineage import LineageView
from amitui.widgets.owner_scope import OwnerScopeScreen
from amitui.widgets.region_pane import RegionList
from amitui.widgets.snapshot_tree import OrphanTree, SnapshotTree

from ..sandbox_api import app_sessions
from . import fleet as F
from .conftest import AppFactory
from .helpers import (
    cursor_to,
    drain,
    notified,
    settle,
    static_text,
    table_lines,
    wait_for,
    wait_loaded,
)


def details_text(app: AmituiApp, width: int = 140) -> str:
    """The details pane's text, drawn at ``width``."""
    return app.query_one(ImageDetails).text(width)


SIZE = (160, 45)
WEB = "web-golden-2026.11.03"


def key(fleet: F.Fleet, region: str, name: str) -> ImageKey:
    return ImageKey(region, fleet.image(region, name))


async def test_first_paint_comes_before_any_aws_call(fleet: F.Fleet) -> None:
    release = asyncio.Event()
    real = app_sessions(fleet.endpoint_url)

    @asynccontextmanager
    async def slow_session(options: LaunchOptions) -> AsyncIterator[AwsSession]:
        await release.wait()  # e.g. the demo sandbox still starting
        async with real(options) as aws:
            yield aws

    app = make_app(LaunchOptions(regions=F.REGIONS), session_factory=slow_session, now=F.NOW)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.region_pane.regions == list(F.REGIONS)
        assert app.region_pane.busy  # every region shows its spinner
        assert "Connecting" in table_lines(app)[1]
        release.set()
        await wait_loaded(pilot)
        assert app.table.total_count == 7


async def test_a_large_inventory_is_moved_out_of_the_gcs_reach(
    make: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Many regions of a few images each count, not only one large region: at 100k images a
    # full GC collection walked ~1.4M loaded objects (100-900 ms, mid-keystroke).
    monkeypatch.setattr(screen_module, "LARGE_INVENTORY", 6)  # the fleet: 5 + 1 + 1 images
    frozen: list[int] = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(len(frozen)))
    app = make()
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        assert app.table.total_count == 7
        assert frozen  # once 6 images were loaded, and after the table took them


async def test_regions_with_counts_one_several_or_all(make: AppFactory, fleet: F.Fleet) -> None:
    app = make()
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        states = {r: app.region_pane.state(r) for r in F.REGIONS}
        assert {r: (s.status, s.count) for r, s in states.items() if s} == {
            F.HOME: (RegionStatus.LOADED, 5),
            F.COPY_REGION: (RegionStatus.LOADED, 1),
            F.OTHER_REGION: (RegionStatus.LOADED, 1),
        }
        assert app.table.show_region  # merged view has a Region column
        assert "Region" in table_lines(app)[0]
        assert app.query_one("#table-box").border_title == "Images 7"

        regions = app.query_one(RegionList)
        regions.focus()
        regions.highlighted = 1  # us-east-1
        await pilot.press("enter")
        assert app.table.total_count == 5 and not app.table.show_region
        regions.focus()
        regions.highlighted = 2  # eu-west-1
        await pilot.press("space")
        assert app.table.total_count == 6 and app.table.show_region
        regions.highlighted = 0
        await pilot.press("enter")
        assert app.table.total_count == 7


@pytest.mark.parametrize("size", [(100, 30), (160, 45), (220, 60)])
async def test_the_table_keeps_half_the_height_on_a_short_terminal(
    make: AppFactory, size: tuple[int, int]
) -> None:
    """At 100x30 the inspector's 20 lines left the table 4 rows; it takes at most half now,
    and a tall terminal's extra lines all go to the table."""
    app = make()
    async with app.run_test(size=size) as pilot:
        await wait_loaded(pilot)
        right = app.query_one("#right").size.height
        table_box, inspector = app.query_one("#table-box"), app.inspector
        assert inspector.outer_size.height == min(20, right // 2)
        assert table_box.outer_size.height == right - inspector.outer_size.height


async def test_failed_region_shows_its_error_and_the_rest_stay_usable(
    make: AppFactory, failing_proxy: FaultProxy
) -> None:
    app = make(failing_proxy.url)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        state = app.region_pane.state(F.OTHER_REGION)
        assert state is not None and state.status is RegionStatus.DENIED
        assert state.error is not None and state.error.code == "AuthFailure"
        assert app.table.total_count == 6
        await pilot.press("g", "end")  # the failed region in the list: its error in full
        info = static_text(app, "#region-info")
        assert "AuthFailure" in info and "Fix:" in info
        assert info.index("Fix:") < info.index("AuthFailure")  # a long message cannot hide it
        await pilot.press("tab")
        await pilot.press("down")
        assert app.table.cursor_row == 1  # the table still works


async def test_filter_sort_and_marks(make: AppFactory) -> None:
    app = make()
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await pilot.press("slash", *"golden")
        assert app.table.row_count == 3
        assert isinstance(app.focused, FilterBar)
        await pilot.press("enter")
        assert isinstance(app.focused, ImageTable)
        assert app.table.row_count == 3
        assert "filter: golden" in str(app.query_one("#table-box").border_title)
        await pilot.press("slash", "escape")
        assert app.table.row_count == 7 and isinstance(app.focused, ImageTable)
        # description and tag values are searched too
        app.table.set_filter("PAYMENTS")
        assert [r.image.name for r in app.table.visible_rows] == ["api-2026.08.15"]
        app.table.set_filter("database base")
        assert [r.image.name for r in app.table.visible_rows] == ["db-base-2026.09.01"]
        app.table.set_filter("")

        dates = [r.image.creation_date for r in app.table.visible_rows]
        known = [d for d in dates if d is not None]
        assert known == dates == sorted(known, reverse=True)  # newest first by default
        app.main.action_sort_by("name")
        names = [r.image.name.lower() for r in app.table.visible_rows]
        assert names == sorted(names)
        await pilot.press("O")
        assert [r.image.name.lower() for r in app.table.visible_rows] == sorted(names)[::-1]
        await pilot.press("o")
        assert app.table.sort_column != "name"
        assert "sorted by" in str(app.query_one("#table-box").border_subtitle)

        await pilot.press("home")
        first = app.table.cursor_image
        await pilot.press("space", "space")
        assert "● 2 marked" in str(app.query_one("#table-box").border_title)
        assert table_lines(app)[1].startswith("●")
        assert len(app.selected_images()) == 2 and app.selected_images()[0] == first
        await pilot.press("u")
        assert app.selected_images() == [app.table.cursor_image]

        # Typed faster than the app handles them (a paste, tmux send-keys): keys queued
        # right behind "/" land in the filter, keys behind Enter in the table.
        for name, char in [("slash", "/"), ("d", "d"), ("b", "b"), ("enter", "\r"), ("space", " ")]:
            app.post_message(events.Key(name, char))
        await wait_for(pilot, lambda: len(app.table.marked_keys) == 1)
        await drain(pilot)
        assert app.query_one(FilterBar).value == "db" and isinstance(app.focused, ImageTable)
        assert len(app.table.marked_keys) == 1


async def test_keys_queued_behind_the_filter_bar_go_to_the_table_even_at_exit(
    make: AppFactory,
) -> None:
    app = make()
    async with app.run_test() as pilot:
        await wait_loaded(pilot)
        await pilot.press("home", "slash")
        bar = app.query_one(FilterBar)
        # Enter already gave the focus back; these reached the bar before it did.
        app.screen.set_focus(app.table)
        for _ in range(2):
            bar.post_message(events.Key("j", "j"))
        await wait_for(pilot, lambda: app.table.cursor_row == 2)
        await drain(pilot)
        assert app.table.cursor_row == 2 and bar.value == ""
        await pilot.press("slash")
        app.screen.set_focus(app.table)
        # Still queued when the App quits: handed on in the bar's turn, so none is left in
        # the App's queue to meet its binding check after the last screen has gone (this
        # raised ScreenStackError when the bar re-posted keys to the App).
        for _ in range(8):
            bar.post_message(events.Key("j", "j"))


async def test_a_key_reaching_the_app_after_its_last_screen_is_dropped(make: AppFactory) -> None:
    app = make()
    async with app.run_test() as pilot:
        await wait_loaded(pilot)
    # As a key handed to the table as the App quit bubbles up to it once every screen has
    # gone: Textual's binding check would raise ScreenStackError.
    key = events.Key("j", "j")
    key._set_forwarded()
    await app._dispatch_message(key)


async def test_details_load_launch_permissions_lazily_and_cache_them(
    make: AppFactory, fleet: F.Fleet, proxy: FaultProxy
) -> None:
    app = make(proxy.url)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        proxy.clear_requests()
        api = key(fleet, F.HOME, "api-2026.08.15")
        await cursor_to(pilot, api)
        details = details_text(app)
        assert "210987654321" in details and "x86_64" in details
        asked = [r for r in proxy.requests if r.action == "DescribeImageAttribute"]
        assert asked
        await cursor_to(pilot, key(fleet, F.HOME, WEB))
        proxy.clear_requests()
        await cursor_to(pilot, api)
        assert not [r for r in proxy.requests if r.action == "DescribeImageAttribute"]
        row = next(r for r in app.table.visible_rows if r.key == api)
        assert "shared" in row.cells  # the table learns it is shared


async def test_a_rest_ending_after_the_cursor_moved_on_draws_nothing_stale(
    make: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make()
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        first = app.table.cursor_image
        assert first is not None
        app.main.inspect_delay = 5.0
        drawn: list[Image | None] = []
        show_image = app.inspector.show_image

        def recording_show_image(image: Image | None, *a: Any) -> None:
            drawn.append(image)
            show_image(image, *a)

        monkeypatch.setattr(app.inspector, "show_image", recording_show_image)
        app.table.move_cursor(1)  # a key pressed: its CursorChanged is still on the way…
        moved = app.table.cursor_image
        assert moved is not None and moved != first
        app.main._cursor_rested(first)  # …when the rest on the first image ends
        assert drawn == [] and app.main.inspection_pending  # not drawn: it waits for a new rest
        await pilot.pause()
        app.main.flush_inspection()
        assert drawn == [moved] and moved.image_id in details_text(app)


async def test_inspector_follows_the_cursor_once_it_rests(make: AppFactory) -> None:
    app = make()
    messages: list[Message] = []
    async with app.run_test(size=SIZE, message_hook=messages.append) as pilot:
        await wait_loaded(pilot)
        first = app.table.cursor_image
        assert first is not None and first.image_id in details_text(app)
        app.main.inspect_delay = 5.0  # a cursor that never rests within the test
        await pilot.press("down", "down")
        moved = app.table.cursor_image
        assert moved is not None and moved != first
        assert app.main.inspection_pending  # scrolling does not redraw the details…
        assert moved.image_id not in details_text(app)
        await pilot.press("i")  # …asking for them does, at once
        assert not app.main.inspection_pending
        assert moved.image_id in details_text(app)
        app.main.inspect_delay = 0.05
        await pilot.press("up", "up")
        await settle(pilot)  # rested: shown
        assert first.image_id in details_text(app)
        # Untrusted text in a notification: control characters shown as escapes, lines kept.
        app.notify("evil\x1b[2J name\u202e\nsecond line", title="t\x9b", markup=False)
        await pilot.pause()
        shown = [n for n in notified(messages) if "evil" in n.message]
        assert shown and shown[-1].message == "evil\\x1b[2J name\\u202e\nsecond line"
        assert shown[-1].title == "t\\x9b"


async def test_k9s_and_vim_keys_move_the_cursor(make: AppFactory) -> None:
    app = make()
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        last = app.table.total_count - 1
        await pilot.press("j", "j")
        assert app.table.cursor_row == 2
        await pilot.press("k")
        assert app.table.cursor_row == 1
        await pilot.press("ctrl+f")  # a page: past the seven rows, so the last
        assert app.table.cursor_row == last
        await pilot.press("ctrl+b")
        assert app.table.cursor_row == 0


def footer_keys(app: AmituiApp) -> list[tuple[str, str]]:
    """The footer's keys as shown (a key left over is hidden)."""
    return [(k.key, k.description) for k in app.main.query(FooterKey) if k.display]


async def test_the_footer_changes_its_keys_in_place_when_the_focus_moves(make: AppFactory) -> None:
    """Leaving the filter bar rebuilt Textual's footer (every key removed, new ones mounted
    and styled: ~50 ms of Escape's ~120); the same keys now take their new bindings."""
    app = make()
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await settle(pilot)
        on_table = footer_keys(app)
        assert ("space", "Mark") in on_table and ("escape", "Clear filter") not in on_table
        mounted = list(app.main.query(FooterKey))
        await pilot.press("slash")
        await settle(pilot)
        on_filter = footer_keys(app)
        assert ("escape", "Clear filter") in on_filter and ("space", "Mark") not in on_filter
        await pilot.press("escape")
        await settle(pilot)
        assert footer_keys(app) == on_table
        assert list(app.main.query(FooterKey)) == mounted  # the same widgets throughout
        # What Textual's own footer would show, key for key.
        footer = app.main.query_one(KeysFooter)
        assert [(key, description) for key, _d, description, *_ in footer.shown_keys() or []] == [
            k for k in footer_keys(app) if k[0] != "ctrl+p"
        ]


async def test_snapshot_tree_orphans_and_lineage_navigate(make: AppFactory, fleet: F.Fleet) -> None:
    app = make()
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await cursor_to(pilot, key(fleet, F.HOME, WEB))
        await pilot.press("t")
        tree = app.query_one(SnapshotTree)
        labels = [str(n.label) for n in _walk(tree.root)]
        assert any(fleet.snapshots["web-data"] in label for label in labels)
        assert any("encrypted" in label and F.ROOT_KEY in label for label in labels)
        other = next(n for n in _walk(tree.root) if n.data is not None)
        assert other.data == key(fleet, F.HOME, "web-golden-2026.10.20")
        tree.focus()
        tree.move_cursor(other)
        await pilot.press("enter")
        assert app.table.cursor_image is not None
        assert app.table.cursor_image.key == other.data

        await pilot.press("n")
        labels = [str(n.label) for n in _walk(app.query_one(OrphanTree).root)]
        assert any(fleet.snapshots["orphan"] in s and F.GONE_IMAGE in s for s in labels)

        await cursor_to(pilot, key(fleet, F.HOME, WEB))
        await pilot.press("l")
        lineage = app.query_one(LineageView)
        ids = [o.id for o in lineage.options]
        copy = key(fleet, F.COPY_REGION, WEB)
        members = {i for i in ids if i and not i.startswith("ancestor-")}  # the copies part
        assert members == {str(key(fleet, F.HOME, WEB)), str(copy)}
        lineage.focus()
        lineage.highlighted = ids.index(str(copy))
        await pilot.press("enter")
        assert app.table.cursor_image is not None and app.table.cursor_image.key == copy


async def test_help_lists_every_contract_key(make: AppFactory) -> None:
    app = make()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        entries = {(e.keys, e.description) for e in app.help_entries()}
        for keys in ("/", "space", "c", "s", "d", "x", "r", "?", "q"):
            assert any(k == keys for k, _ in entries), keys
        await pilot.press("q")  # closes help, does not quit
        assert not isinstance(app.screen, HelpScreen) and app.is_running


async def test_action_keys_run_the_registered_flow(make: AppFactory, fleet: F.Fleet) -> None:
    seen: list[tuple[str, list[str]]] = []

    async def fake(host: FlowHost, images: Sequence[Image]) -> None:
        seen.append(("copy", [i.image_id for i in images]))
        await host.reload_regions([F.COPY_REGION])

    register_flow("copy", fake)
    try:
        app = make()
        async with app.run_test(size=SIZE) as pilot:
            await wait_loaded(pilot)
            assert isinstance(app, FlowHost)
            cursor = app.table.cursor_image
            assert cursor is not None
            await pilot.press("c")
            await settle(pilot)
            assert seen == [("copy", [cursor.image_id])]
            assert not app.region_pane.busy and app.table.total_count == 7  # reloaded
            await pilot.press("space", "space", "c")
            await settle(pilot)
            assert len(seen[-1][1]) == 2
    finally:
        unregister_flow("copy")


async def test_missing_flow_says_not_available(make: AppFactory) -> None:
    app = make()
    messages: list[Message] = []
    async with app.run_test(size=SIZE, message_hook=messages.append) as pilot:
        await wait_loaded(pilot)
        app.action_flow("no-such-action")
        await pilot.pause()
        assert any("no action named" in n.message for n in notified(messages))


async def test_read_only_hides_and_refuses_mutating_keys(make: AppFactory) -> None:
    called: list[str] = []

    async def fake(host: FlowHost, images: Sequence[Image]) -> None:
        called.append("x")

    register_flow("deregister", fake)
    try:
        app = make(read_only=True)
        async with app.run_test(size=SIZE) as pilot:
            await wait_loaded(pilot)
            shown = {b.binding.action for b in app.active_bindings.values() if b.binding.show}
            assert not any(a.startswith("flow") for a in shown)
            await pilot.press("x")
            await settle(pilot)
            assert called == []
            assert not [e for e in app.help_entries() if e.description == "Deregister"]
            assert "READ-ONLY" in static_text(app, "#scope-bar")
    finally:
        unregister_flow("deregister")


async def test_key_overrides_from_config(make: AppFactory) -> None:
    calls: list[int] = []

    async def fake(host: FlowHost, images: Sequence[Image]) -> None:
        calls.append(len(images))

    register_flow("share", fake)
    try:
        app = make(key_overrides={"share": "S", "help": "f1"})
        async with app.run_test(size=SIZE) as pilot:
            await wait_loaded(pilot)
            await pilot.press("s")
            await settle(pilot)
            assert calls == []
            await pilot.press("S")
            await settle(pilot)
            assert calls == [1]
            assert any(e.keys == "f1" and e.description == "Help" for e in app.help_entries())
    finally:
        unregister_flow("share")


async def test_owner_scope_and_toggles_reload(make: AppFactory) -> None:
    app = make()
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await pilot.press("w")
        assert isinstance(app.screen, OwnerScopeScreen)
        await pilot.press("down", "down", "enter")  # Amazon
        await wait_loaded(pilot)
        assert app.scope.owners == ("amazon",)
        assert all(r.image.owner_id != "123456789012" for r in app.table.visible_rows)
        await pilot.press("D")
        assert not app.scope.include_deprecated
        await wait_loaded(pilot)


async def test_stale_results_are_discarded(make: AppFactory, failing_proxy: FaultProxy) -> None:
    app = make(failing_proxy.url)
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        failing_proxy.set_latency(F.HOME, 400)
        await pilot.press("r")  # a refresh in flight…
        await pilot.pause(0.05)
        app.set_scope(ImageQuery(owners=("210987654321",)))  # …superseded by a scope change
        await wait_loaded(pilot)
        assert app.table.total_count == 0  # nothing of the old scope came back


async def test_markup_in_names_renders_literally(make: AppFactory, fleet: F.Fleet) -> None:
    app = make()
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        app.region_pane.show_regions([F.HOME])  # wide name column
        await cursor_to(pilot, key(fleet, F.HOME, F.MARKUP_NAME))
        lines = table_lines(app)
        assert any(F.MARKUP_NAME[:30] in line for line in lines), lines
        details = details_text(app)
        assert "[bold]not bold[/bold]" in details


async def test_palette_offers_regions_scopes_and_actions(make: AppFactory) -> None:
    app = make()
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        texts = [e.text for e in app.palette_entries()]
        assert "Show region eu-west-1" in texts and "Owner: Amazon" in texts
        assert "Copy…" in texts and "Guided cleanup…" in texts
        await pilot.press("ctrl+p", *"show region eu-west-1")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert app.table.total_count == 1


async def test_q_quits_cleanly(make: AppFactory) -> None:
    app = make()
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running
    assert app.return_code in (0, None)


def _walk(node):  # type: ignore[no-untyped-def]
    yield node
    for child in node.children:
        yield from _walk(child)
