"""Pilot tests of the ``:`` command line (each command, completion, errors), the filter
language through the ``/`` bar, Shift+letter sorting and the column chooser, against the
sandbox's small fleet."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from textual import events
from textual.command import CommandPalette
from textual.message import Message
from textual.pilot import Pilot

from amitui.app import AmituiApp
from amitui.config import load_config
from amitui.widgets.column_chooser import ColumnChooser
from amitui.widgets.command_line import CommandInput, CommandLine
from amitui.widgets.filter_bar import FilterMessage
from amitui.widgets.image_table import ImageTable
from amitui.widgets.messages import GotoRequested

from . import fleet as F
from .conftest import AppFactory
from .helpers import drain, record_layouts, settle, table_lines, wait_for, wait_loaded

SIZE = (160, 45)


async def type_command(pilot: Pilot[int], line: str, *, enter: bool = True) -> CommandLine:
    """``:`` then ``line`` typed key by key (and Enter)."""
    await pilot.press("colon", *line)
    if enter:
        await pilot.press("enter")
    await pilot.pause()
    app = pilot.app
    assert isinstance(app, AmituiApp)
    return app.main.query_one(CommandLine)


def header(app: AmituiApp) -> str:
    return table_lines(app)[0]


def names(app: AmituiApp) -> list[str]:
    return [row.image.name for row in app.table.visible_rows]


async def test_colon_opens_the_line_tab_completes_and_enter_runs(make: AppFactory) -> None:
    app = make()
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        line = await type_command(pilot, "reg", enter=False)
        assert isinstance(app.focused, CommandInput)
        await pilot.press("tab")
        assert line.input.value == "region "
        await pilot.press("tab")  # every region, and * for all
        assert line.hint == "  ".join((*F.REGIONS, "*"))
        await pilot.press("e", "u", "tab")
        assert line.input.value == f"region {F.COPY_REGION} "
        await pilot.press("enter")
        await pilot.pause()
        assert not line.display and isinstance(app.focused, ImageTable)
        assert {row.image.region for row in app.table.visible_rows} == {F.COPY_REGION}
        await type_command(pilot, "region *")
        assert app.table.row_count == 7


async def test_a_bad_line_says_why_and_keeps_what_was_typed(make: AppFactory) -> None:
    app = make()
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        line = await type_command(pilot, "region mars-1")
        assert line.display and isinstance(app.focused, CommandInput)
        assert line.input.value == "region mars-1"  # nothing lost
        assert line.hint.startswith("no region 'mars-1' in the view; the regions are us-east-1")
        assert app.table.row_count == 7  # nothing changed
        await pilot.press("backspace")  # editing the line clears the old line's error
        assert line.hint == ""
        await pilot.press("ctrl+u", *"frobnicate", "enter")
        assert line.hint.startswith("no command 'frobnicate'; the commands are region")
        await pilot.press("escape")
        await pilot.pause()
        assert not line.display and isinstance(app.focused, ImageTable)


async def test_sort_owner_goto_theme_commands(make: AppFactory) -> None:
    app = make()
    messages: list[Message] = []
    async with app.run_test(size=SIZE, message_hook=messages.append) as pilot:
        await wait_loaded(pilot)
        await type_command(pilot, "sort name")
        assert (app.table.sort_column, app.table.sort_reverse) == ("name", False)
        got = [n.lower() for n in names(app)]
        assert got == sorted(got)
        await type_command(pilot, "sort -size")
        assert (app.table.sort_column, app.table.sort_reverse) == ("size", True)
        assert "sorted by Size ▼" in str(app.main.query_one("#table-box").border_subtitle)

        await type_command(pilot, "goto i-0abc")
        # Once, bubbling from the screen to the App (the hook sees it at each).
        posted = {id(m): m.target for m in messages if isinstance(m, GotoRequested)}
        assert list(posted.values()) == ["i-0abc"]

        await type_command(pilot, "theme textual-light")
        assert app.theme == "textual-light"

        await type_command(pilot, "owner amazon")
        await wait_loaded(pilot)
        assert app.scope.owners == ("amazon",)


async def test_keys_typed_behind_enter_go_to_the_table(make: AppFactory) -> None:
    app = make()
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await pilot.press("home")
        first = app.table.cursor_image
        assert first is not None
        # Faster than the app handles them (a paste, tmux send-keys): the keys queued behind
        # the line's Enter belong to the table it gave the focus back to.
        keys = [("colon", ":"), *((c, c) for c in "sort name"), ("enter", "\r"), ("j", "j")]
        for name, char in keys:
            app.post_message(events.Key(name, char))

        def moved_down_after_sorting() -> bool:
            shown = [row.image for row in app.table.visible_rows]
            sorted_by_name = app.table.sort_column == "name"
            return sorted_by_name and app.table.cursor_row == shown.index(first) + 1

        await wait_for(pilot, moved_down_after_sorting)
        await drain(pilot)
        line = app.main.query_one(CommandLine)
        assert not line.display and isinstance(app.focused, ImageTable)
        assert app.table.sort_column == "name"
        # The cursor kept its image through the sort, then j moved it one down.
        shown = [row.image for row in app.table.visible_rows]
        assert app.table.cursor_row == shown.index(first) + 1


async def test_q_quits(make: AppFactory) -> None:
    app = make()
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await pilot.press("colon", "q", "enter")
        await pilot.pause()
        assert not app.is_running


async def test_cols_shows_and_hides_columns_and_keeps_them_in_the_config(
    make: AppFactory,
) -> None:
    app = make()
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        # Boot gives its room to the name at this width; Access is always shown.
        assert "Owner" not in header(app) and "Boot" not in header(app)
        assert "Access" in header(app)
        await type_command(pilot, "cols +owner +boot -access")
        assert "Owner" in header(app) and "Boot" in header(app)  # chosen: it does not yield
        assert "Access" not in header(app)
        line = await type_command(pilot, "cols -name")
        assert line.hint == "the name column is always shown"
    config = load_config(Path(os.environ["AMITUI_CONFIG"]))
    assert config.columns == {"owner": True, "boot": True, "access": False}


async def test_the_column_chooser_is_kept_across_a_restart(make: AppFactory) -> None:
    app = make()
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await type_command(pilot, "cols")
        chooser = app.screen
        assert isinstance(chooser, ColumnChooser)
        # The boxes in registry order, the name (always shown) left out: account, region,
        # id, owner, created, age, state, arch, root, boot, ...
        await pilot.press("down", "down", "space")  # id: off
        await pilot.press("down", "space")  # owner: on
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is app.main
        assert "Image id" not in header(app) and "Owner" in header(app)

    again = make()
    async with again.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        assert "Image id" not in header(again) and "Owner" in header(again)
        await type_command(pilot, "cols")
        await pilot.press("escape")  # cancel: nothing changes
        await pilot.pause()
        assert "Image id" not in header(again)
    assert load_config(Path(os.environ["AMITUI_CONFIG"])).columns == {"id": False, "owner": True}


def amitui_ls(endpoint: str, *args: str) -> str:
    env = {**os.environ, "AWS_ENDPOINT_URL": endpoint}
    done = subprocess.run(
        [sys.executable, "-m", "amitui", "ls", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout


@pytest.mark.parametrize("fmt", ["csv", "json"])
async def test_export_writes_the_view_as_amitui_ls_does(
    make: AppFactory, fleet: F.Fleet, tmp_path: Path, fmt: str
) -> None:
    app = make()
    out = tmp_path / f"view.{fmt}"
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        # ls's order: region, then name; the same view in the table.
        await type_command(pilot, f"region {F.HOME}")
        await type_command(pilot, "sort name")
        await type_command(pilot, f"export {fmt} {out}")
        await settle(pilot)
        assert app.table.row_count == 5
    listed = amitui_ls(fleet.endpoint_url, "--region", F.HOME, "--format", fmt)
    assert out.read_text() == listed


async def test_export_of_a_filtered_view_and_its_errors(make: AppFactory, tmp_path: Path) -> None:
    app = make()
    out = tmp_path / "arm.csv"
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await pilot.press("slash", *"arch:arm64", "enter")
        await type_command(pilot, f"export csv {out}")
        await settle(pilot)
        rows = out.read_text().splitlines()
        assert len(rows) == 2 and ",db-base-2026.09.01," in rows[1]
        line = await type_command(pilot, f"export csv {tmp_path}/nowhere/x.csv")
        assert line.hint == f"no directory {tmp_path}/nowhere to write x.csv in"


async def test_every_command_is_in_the_palette(make: AppFactory) -> None:
    app = make()
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        texts = [entry.text for entry in app.palette_entries()]
        for name in ("region", "account", "owner", "sort", "cols", "goto", "export", "theme"):
            assert any(t.startswith(f":{name} ") for t in texts), name
        assert ":quit" in texts
        entry = next(e for e in app.palette_entries() if e.text.startswith(":export"))
        entry.run()  # opens the line with the command typed
        await pilot.pause()
        line = app.main.query_one(CommandLine)
        assert line.display and line.input.value == "export "
        await pilot.press("escape")
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)


async def test_filter_terms_through_the_bar_and_an_error_shown(make: AppFactory) -> None:
    app = make()
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await pilot.press("slash", *"arch:arm64")
        assert names(app) == ["db-base-2026.09.01"]
        message = app.main.query_one(FilterMessage)
        await pilot.press(*" age>")  # an unfinished term: said once it stays so a moment
        assert message.message == "column 16: age> needs a duration (e.g. age>90d)"
        assert not message.display
        await pilot.pause(FilterMessage.SHOW_AFTER + 0.2)
        assert message.display
        assert names(app) == ["db-base-2026.09.01"]  # the last good filter stays
        await pilot.press("6", "0", "d")  # db-base is 80 days old
        assert not message.display and names(app) == ["db-base-2026.09.01"]
        await pilot.press("ctrl+u", *"!web public")
        assert names(app) == ["db-base-2026.09.01"]
        await pilot.press("ctrl+u", *"!web !public")
        assert sorted(names(app)) == sorted(
            ["api-2026.08.15", "ci-runner-2026.07.01", F.MARKUP_NAME]
        )
        await pilot.press("ctrl+u", *"age>")
        await pilot.pause(FilterMessage.SHOW_AFTER + 0.2)
        assert message.display
        await pilot.press("escape")  # cleared: no filter, no error
        assert not message.display and app.table.row_count == 7


async def test_typing_filter_terms_lays_out_the_screen_only_for_an_error_that_stays(
    make: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make()
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await pilot.press("slash", *"arch:arm64")
        await pilot.pause(0.5)  # the one image left is inspected
        assert names(app) == ["db-base-2026.09.01"]
        layouts = record_layouts(monkeypatch)
        # "age", "age>" and "age>1" do not parse on the way: no error line comes and goes.
        await pilot.press(*" age>10d")
        await pilot.pause()
        assert layouts == [] and names(app) == ["db-base-2026.09.01"]
        await pilot.press(*" tag:")  # left unfinished: said, once (its text, then the line)
        await pilot.pause(FilterMessage.SHOW_AFTER + 0.2)
        assert app.main.query_one(FilterMessage).display and 0 < len(layouts) <= 2


async def test_shift_letters_sort_and_again_reverse(make: AppFactory) -> None:
    app = make()
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot)
        await pilot.press("N")
        got = [n.lower() for n in names(app)]
        assert app.table.sort_column == "name" and got == sorted(got)
        await pilot.press("N")
        assert [n.lower() for n in names(app)] == sorted(got, reverse=True)
        await pilot.press("S")
        sizes = [row.image.size_gib for row in app.table.visible_rows]
        assert app.table.sort_column == "size" and sizes == sorted(sizes)
        await pilot.press("A")
        assert app.table.sort_column == "age"
        await pilot.press("question_mark")
        await pilot.pause()
        help_text = " ".join(e.description for e in app.help_entries())
        for label in ("Sort: Name", "Sort: Age", "Sort: Created", "Sort: Size"):
            assert label in help_text


def test_the_command_line_with_completion(snap_compare: object, make: AppFactory) -> None:
    async def run_before(pilot: Pilot[int]) -> None:
        await wait_loaded(pilot)
        await pilot.press("colon", *"cols +", "tab")
        line = pilot.app.query_one(CommandLine)
        line.input.cursor_blink = False  # a blinking cursor is drawn or not by the clock
        for _ in range(100):  # the candidates' line drawn (slow under load)
            await pilot.pause(0.02)
            if line.hint:
                break
        await settle(pilot)

    assert snap_compare(make(), terminal_size=SIZE, run_before=run_before)  # type: ignore[operator]
