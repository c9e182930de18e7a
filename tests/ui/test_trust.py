"""Trust defects a new user hit in the first hour (issue: "Trust"), each pinned here with the
real App on the sandbox fleet, driven by Pilot."""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from textual import events
from textual.notifications import Notify
from textual.screen import ModalScreen
from textual.widgets import Static

from amitui.app import AmituiApp
from amitui.model import ImageKey
from amitui.sandbox import SANDBOX_ACCOUNT_ID
from amitui.sandbox.proxy import FaultProxy
from amitui.widgets.details import ImageDetails
from amitui.widgets.filter_bar import FilterBar
from amitui.widgets.help_screen import HelpScreen
from amitui.widgets.snapshot_tree import SnapshotTree

from ..sandbox_api import client, control
from . import fleet as F
from .conftest import AppFactory
from .helpers import cursor_to, drain, settle, table_lines, wait_for, wait_loaded

SIZE = (160, 45)


def typed(app: object, keys: list[tuple[str, str | None]]) -> None:
    """Queue keys with no pause between them, as a fast typist, a paste or tmux does."""
    for name, char in keys:
        app.post_message(events.Key(name, char))  # type: ignore[attr-defined]


def chars(text: str) -> list[tuple[str, str | None]]:
    return [(c, c) for c in text]


async def test_keys_typed_for_a_reopened_filter_never_reach_the_table(make: AppFactory) -> None:
    """``/``, text, Escape, ``/`` again at once, then ``base``: every letter is the filter's;
    ``s`` must not open the Share dialog, ``b``/``a``/``e`` must not act on the table."""
    app = make()
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        typed(app, [("slash", "/"), *chars("web"), ("escape", None), ("slash", "/")])
        typed(app, chars("base"))
        bar = app.query_one(FilterBar)
        await wait_for(pilot, lambda: app.table.filter_text == "base")
        await drain(pilot)
        assert not isinstance(app.screen, ModalScreen), f"a key opened {app.screen!r}"
        assert bar.value == "base"
        assert app.focused is bar
        assert app.table.filter_text == "base"


def images_in(fleet: F.Fleet, region: str, *names: str) -> list[str]:
    """Register one image per name in ``region`` (outside the shared fleet's regions)."""
    ec2 = client(fleet.endpoint_url, region)
    volume = ec2.create_volume(Size=1, AvailabilityZone=f"{region}a")["VolumeId"]
    snapshot = ec2.create_snapshot(VolumeId=volume)["SnapshotId"]
    mapping = [{"DeviceName": "/dev/xvda", "Ebs": {"SnapshotId": snapshot}}]
    return [
        ec2.register_image(Name=name, RootDeviceName="/dev/xvda", BlockDeviceMappings=mapping)[
            "ImageId"
        ]
        for name in names
    ]


def screen_lines(app: AmituiApp) -> list[str]:
    """What the terminal shows: the compositor's lines as they were drawn (its caches
    included), as ``App.export_screenshot`` renders them."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), record=True)
    console.print(app.screen._compositor.render_update(full=True))
    return console.export_text().splitlines()


def table_rows_on_screen(app: AmituiApp) -> list[str]:
    """The image table's row lines as drawn, header first."""
    region = app.table.scrollable_content_region
    lines = screen_lines(app)
    return [
        lines[y][region.x : region.right].rstrip()
        for y in range(region.y, region.y + min(region.height, app.table.row_count + 1))
    ]


async def test_every_row_on_screen_uses_the_current_widths_after_a_resize(
    make: AppFactory,
) -> None:
    app = make()
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        for width, height in [(220, 60), (100, 30), (160, 45), (120, 40)]:
            await pilot.resize_terminal(width, height)
            await pilot.pause(0.1)
            await settle(pilot)
            drawn = table_rows_on_screen(app)
            fresh = [line.rstrip() for line in table_lines(app)[: len(drawn)]]
            assert drawn == fresh, f"stale rows at {width}x{height}"


def inspected(app: AmituiApp) -> str:
    """The image id the details pane describes (its first line names it)."""
    return app.query_one(ImageDetails).text(140)


def check_cursor_agrees(app: AmituiApp) -> None:
    """The highlighted row is the cursor's image, the action's target; once the cursor has
    rested, the details describe it too."""
    image = app.table.cursor_image
    if image is None:
        return
    assert app.selected_images() == [image]
    drawn = table_rows_on_screen(app)
    position = app.table.cursor_row - round(app.table.scroll_y) + 1
    if position < len(drawn):
        assert image.image_id in drawn[position], (image.image_id, drawn[position])
    if not app.main.inspection_pending:
        assert image.image_id in inspected(app), (image.image_id, inspected(app)[:200])


@pytest.mark.parametrize("row", [0, 1, 2, 4])
async def test_details_and_highlight_follow_the_cursor_while_regions_stream_in(
    make: AppFactory, proxy: FaultProxy, row: int
) -> None:
    """A region streaming in above the cursor (its copy of web-golden shares the creation
    date of the row under the cursor) must leave the highlighted row, the details and the
    image an action applies to all the same image."""
    proxy.set_latency(F.COPY_REGION, 600)
    app = make(proxy.url)
    app.main.inspect_delay = 0.05
    try:
        async with app.run_test(size=SIZE) as pilot:
            while not {F.HOME, F.OTHER_REGION} <= set(app.inventory.regions):
                await pilot.pause(0.02)
            await pilot.pause(0.15)
            app.table.move_cursor(row - app.table.cursor_row)
            # Checked at every turn while the late region streams in, then once settled.
            while app.region_pane.busy or app.main.inspection_pending:
                await pilot.pause(0.01)  # (the cursor's own CursorChanged handled first)
                check_cursor_agrees(app)
            await wait_loaded(pilot)
            check_cursor_agrees(app)
    finally:
        proxy.set_latency(F.COPY_REGION, 0)


async def test_the_header_says_which_account_profile_and_endpoint(
    make: AppFactory, fleet: F.Fleet
) -> None:
    """A sandbox must never be mistaken for production: the header names the endpoint."""
    app = make()
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await pilot.pause(0.2)
        header = str(app.query_one("#scope-bar", Static).content)
        assert f"account {SANDBOX_ACCOUNT_ID}" in header
        assert "profile default" in header
        assert "endpoint 127.0.0.1 (not AWS)" in header


async def test_read_only_mutating_keys_say_why(make: AppFactory) -> None:
    messages: list[object] = []
    app = make(read_only=True)
    async with app.run_test(size=SIZE, message_hook=messages.append) as pilot:
        await wait_loaded(pilot)
        for key in "csdxP":
            await pilot.press(key)
            await pilot.pause()
            assert not isinstance(app.screen, ModalScreen)
        said = [m.notification.message for m in messages if isinstance(m, Notify)]
        assert len([s for s in said if "read-only" in s]) == 5, said
        assert any(s.startswith("Copy: not offered") for s in said)


def test_readonly_is_accepted_as_k9s_spells_it() -> None:
    from amitui.cli import build_parser, launch_options

    parser = build_parser()
    assert launch_options(parser.parse_args(["--readonly"]), parser).read_only


async def test_escape_in_the_table_clears_the_filter_and_no_match_names_it(
    make: AppFactory,
) -> None:
    app = make()
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        total = app.table.row_count
        await pilot.press("slash", *"nothing-like-this", "enter")
        assert app.focused is app.table and app.table.row_count == 0
        empty = app.table.render_line(1).text
        assert "'nothing-like-this'" in empty and f"hides all {total} images" in empty
        await pilot.press("escape")
        assert app.table.filter_text == "" and app.table.row_count == total
        assert app.focused is app.table


async def test_hiding_deprecated_images_changes_my_images_view(
    make: AppFactory, fleet: F.Fleet
) -> None:
    """EC2 lists an owner's deprecated images whatever ``IncludeDeprecated`` says ("If you are
    the AMI owner, all deprecated AMIs appear in the response regardless of what you specify
    for this parameter", DescribeImages, IncludeDeprecated): D must still hide them."""
    region = "us-west-1"
    kept, old = images_in(fleet, region, "current", "retired")
    control(
        fleet.endpoint_url,
        f"images/{region}/{old}",
        {"DeprecationTime": "2026-01-01T00:00:00.000Z"},
    )
    app = make(regions=(region,))
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        assert {r.image.image_id for r in app.table.visible_rows} == {kept, old}
        await pilot.press("D")
        await wait_loaded(pilot)
        assert {r.image.image_id for r in app.table.visible_rows} == {kept}
        assert "without deprecated" in str(app.query_one("#scope-bar", Static).content)
        await pilot.press("D")
        await wait_loaded(pilot)
        assert {r.image.image_id for r in app.table.visible_rows} == {kept, old}


async def test_help_lists_every_screens_keys_each_heading_once(make: AppFactory) -> None:
    app = make()
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        entries = app.help_entries()
        sections = [e.section for e in entries]
        headings = list(dict.fromkeys(sections))
        # grouped: a heading's entries are together, so it is drawn once
        assert sections == [h for h in headings for _ in range(sections.count(h))]
        for screen in ("Plan review", "Guided cleanup", "Orphaned snapshots", "Progress"):
            assert screen in headings, screen
        keys = {(e.section, e.keys) for e in entries}
        assert ("Plan review", "ctrl+d") in keys or ("Plan review", "^d") in keys
        footer = str(app.screen.query_one("#help-footer", Static).content)
        assert "no-config.toml" in footer  # the config file, named


async def test_the_palette_leads_with_amituis_entries(make: AppFactory) -> None:
    app = make()
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        entries = [e.text for e in app.palette_entries()]
        assert entries[0] == "Show all regions"
        assert "Screenshot" not in entries
        assert "Quit" in entries  # Textual's own commands follow amitui's
        assert entries.index("Quit") > entries.index("Refresh")


async def test_shared_with_me_lists_only_other_owners_images(
    make: AppFactory, fleet: F.Fleet
) -> None:
    """The fleet's own public image (db-base) is not "shared with me"."""
    app = make()
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        public = fleet.image(F.HOME, "db-base-2026.09.01")
        assert public in {r.image.image_id for r in app.table.visible_rows}
        app.set_scope(app.scope.with_owner("shared"))
        await wait_loaded(pilot)
        assert all(r.image.owner_id != SANDBOX_ACCOUNT_ID for r in app.table.visible_rows)
        assert public not in {r.image.image_id for r in app.table.visible_rows}


async def test_a_cut_kms_arn_in_the_snapshot_tree_ends_with_an_ellipsis(
    make: AppFactory, fleet: F.Fleet
) -> None:
    app = make()
    async with app.run_test(size=(150, 40)) as pilot:
        await wait_loaded(pilot)
        await cursor_to(pilot, ImageKey(F.HOME, fleet.image(F.HOME, "web-golden-2026.11.03")))
        await pilot.press("t")
        await settle(pilot)
        tree = app.query_one(SnapshotTree)
        lines = [tree.render_line(y).text.rstrip() for y in range(tree.size.height)]
        (encrypted,) = [line for line in lines if "encrypted arn:" in line]
        assert encrypted.endswith("…"), encrypted
        assert F.ROOT_KEY not in encrypted


def test_a_plan_with_nothing_to_run_reads_as_a_sentence() -> None:
    from amitui.model import Plan, Step
    from amitui.widgets.plan_screen import summary

    left_out = Step("s", "us-east-1", "DeregisterImage", "ami-1", {}, "in use", excluded=True)
    assert summary(Plan("deregister", "t", (left_out,))).plain == "Nothing to do: 1 left out"
    assert summary(Plan("deregister", "t", ())).plain == "Nothing to do."


async def test_a_plan_shows_each_note_once() -> None:
    from textual.app import App

    from amitui.model import Plan, Step
    from amitui.widgets.plan_screen import PlanScreen

    step = Step("s", "us-east-1", "EnableImageDeprecation", "ami-1", {}, "why")
    plan = Plan("deprecate", "t", (step,), notes=("Read me.", "Other.", "Read me."))
    app: App[None] = App()
    async with app.run_test() as pilot:
        app.push_screen(PlanScreen(plan))
        await pilot.pause()
        shown = [str(w.content) for w in app.screen.query(".note").results(Static)]
        assert shown == ["⚠ Read me.", "⚠ Other."]


async def test_a_tab_key_right_behind_a_cursor_move_shows_the_cursors_image(
    make: AppFactory, fleet: F.Fleet
) -> None:
    """The cursor's CursorChanged may still be queued when ``t`` arrives (a key typed at
    once, a jump): the tab shown must describe the highlighted image all the same."""
    app = make()
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        target = ImageKey(F.OTHER_REGION, fleet.image(F.OTHER_REGION, "ci-runner-2026.07.01"))
        assert app.table.move_cursor_to(target)
        app.main.action_tab("snapshots")  # before the queued CursorChanged is handled
        assert app.inspector.image is not None and app.inspector.image.key == target


def test_counts_agree_with_their_words() -> None:
    from amitui.text import counted

    assert counted(1, "image") == "1 image"
    assert counted(3, "snapshot") == "3 snapshots"
    assert counted(0, "call") == "0 calls"
    assert counted(2, "deregistration or deletion", "deregistrations or deletions") == (
        "2 deregistrations or deletions"
    )


async def test_an_owner_column_shows_while_the_view_holds_other_owners_images(
    make: AppFactory, fleet: F.Fleet
) -> None:
    region = "ca-central-1"
    mine, theirs = images_in(fleet, region, "mine", "theirs")
    app = make(regions=(region,))
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await pilot.pause(0.2)
        assert "Owner" not in table_lines(app)[0]  # only my own images
    control(fleet.endpoint_url, f"images/{region}/{theirs}", {"OwnerId": "210987654321"})
    app = make(regions=(region,), owners=("self", "210987654321"))
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await pilot.pause(0.2)
        lines = table_lines(app)
        assert "Owner" in lines[0]
        assert any("210987654321" in line and theirs in line for line in lines)
        assert any(SANDBOX_ACCOUNT_ID in line and mine in line for line in lines)
