"""The image table's filter and sort against a plain reference, and what keeps keystrokes
cheap at 100k rows: views held as arrays of row numbers (nothing for the cyclic GC to walk), a
needle searched once (backspace reuses it), no screen layout per filter key."""

from __future__ import annotations

import gc
import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.pilot import Pilot

from amitui.columns import COLUMNS, Column, ImageRow, column, make_row, rows_for
from amitui.filters import FilterError, parse
from amitui.model import Image, ImageQuery, Inventory, RegionKey, RegionLoad, RegionStatus
from amitui.screens.explorer import ExplorerScreen
from amitui.widgets import image_table
from amitui.widgets.image_table import ImageTable

from .helpers import record_layouts

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
FAMILIES = ("web-golden", "api-base", "batch", "Web-Edge")


def image(n: int) -> Image:
    created = NOW - timedelta(hours=(n * 7919) % 5000)
    return Image.from_aws(
        ("us-east-1", "eu-west-1", "ap-south-1")[n % 3],
        {
            "ImageId": f"ami-{(n * 2654435761) % 16**17:017x}",
            "Name": f"{FAMILIES[n % 4]}-{created:%Y.%m.%d}-{n % 50}",
            "Description": f"build {n}",
            "OwnerId": "123456789012",
            "State": ("available", "pending", "failed")[n % 3 and n % 2],
            "CreationDate": created.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "Architecture": ("x86_64", "arm64")[n % 2],
            "Public": n % 17 == 0,
            "Tags": [{"Key": "team", "Value": ("platform", "data")[n % 2]}],
            "BlockDeviceMappings": [
                {"DeviceName": "/dev/xvda", "Ebs": {"SnapshotId": "snap-1", "VolumeSize": n % 9}}
            ],
        },
    )


ROWS = rows_for([image(n) for n in range(600)], NOW)


def expected(
    rows: list[ImageRow], key: str, reverse: bool, needle: str, columns: Sequence[Column] = COLUMNS
) -> list[str]:
    """A plain stable sort, reversed as a whole, then the filter."""
    by = next(c for c in columns if c.key == key)
    ordered = sorted(rows, key=by.sort_function())
    if reverse:
        ordered.reverse()
    return [row.image.image_id for row in ordered if needle.lower() in row.haystack]


class TableApp(App[None]):
    def compose(self) -> ComposeResult:
        yield ImageTable(id="images")


def shown(table: ImageTable) -> list[str]:
    return [row.image.image_id for row in table.visible_rows]


async def test_filter_and_sort_match_a_plain_reference() -> None:
    app = TableApp()
    async with app.run_test(size=(160, 30)) as pilot:
        table = app.query_one(ImageTable)
        table.set_rows(ROWS)
        table.presort()
        await pilot.pause()
        rnd = random.Random(7)
        needles = ["", "w", "we", "web", "WEB-G", "web-golden-2026", "api", "data", "zzz", "-1"]
        for _ in range(200):
            if rnd.random() < 0.5:
                table.sort_by(rnd.choice(COLUMNS).key, rnd.choice([True, False]))
            else:
                table.set_filter(rnd.choice(needles))
            cursor = table.cursor_image
            want = expected(ROWS, table.sort_column, table.sort_reverse, table.filter_text)
            assert shown(table) == want
            assert cursor is None or cursor.image_id == want[table.cursor_row]
            table.move_cursor(rnd.randint(-40, 40))


async def test_filter_terms_match_a_plain_reference_and_are_evaluated_once_each(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = TableApp()
    async with app.run_test(size=(160, 30)) as pilot:
        table = app.query_one(ImageTable)
        table.set_rows(ROWS)
        table.presort()  # ...then what terms read of every row, ahead (filters.warm_up)
        for _ in range(200):
            await pilot.pause()
            if "tags" in table._term_memo:
                break
        assert {"state", "account", "age", "launched", "tags"} <= set(table._term_memo)
        evaluated: list[str] = []
        term_mask = ImageTable._term_mask

        def counted(self: ImageTable, term: Any) -> bytes:
            if term.key not in self._term_hits:
                evaluated.append(term.key)
            return term_mask(self, term)

        monkeypatch.setattr(ImageTable, "_term_mask", counted)
        rnd = random.Random(11)
        texts = ["arch:arm64", "arch:arm64 age>100h", "arch:arm64 age>100h !web",
                 "state:failed", "!state:pending web", "public", "tag:team=data region:eu-*",
                 "age<3d !arch:x86_64", "web golden", "!platform", "tag:team", "tag:TEAM=d*",
                 "launched>1d", "account:1234*", "deprecated !public"]  # fmt: skip
        for _ in range(120):
            if rnd.random() < 0.4:
                table.sort_by(rnd.choice(COLUMNS).key, rnd.choice([True, False]))
            text = rnd.choice(texts)
            table.set_filter(text)
            query = parse(text)
            by = column(table.sort_column).sort_function()
            ordered = sorted(ROWS, key=by)
            if table.sort_reverse:
                ordered.reverse()
            assert shown(table) == [r.image.image_id for r in ordered if query.matches(r)]
        # Each term's matches are kept (in row order) across filters and orders.
        assert len(evaluated) == len(set(evaluated))
        with pytest.raises(FilterError):
            table.set_filter("arch:arm64 age>")
        assert table.filter_text == parse(text).key  # the last good filter stays


async def test_the_cursor_stays_on_its_image_through_filter_and_sort() -> None:
    app = TableApp()
    async with app.run_test(size=(160, 30)) as pilot:
        table = app.query_one(ImageTable)
        table.set_rows(ROWS)
        await pilot.pause()
        table.move_cursor(123)
        image = table.cursor_image
        assert image is not None
        for step in ("name", "size", "state"):
            table.sort_by(step)
            assert table.cursor_image == image
        table.set_filter(image.name[:8])
        assert table.cursor_image == image
        table.set_filter(image.name[:5])  # backspaces
        assert table.cursor_image == image
        table.set_rows(list(reversed(ROWS)))  # reloaded: found by identity
        assert table.cursor_image == image
        table.set_rows(rows_for([image], NOW))  # a new row for the same image
        assert table.cursor_image == image


async def test_the_cursor_stays_in_view_when_the_terminal_shrinks() -> None:
    app = TableApp()
    async with app.run_test(size=(160, 45)) as pilot:
        table = app.query_one(ImageTable)
        table.set_rows(ROWS)
        await pilot.pause()
        table.move_cursor(40)
        await pilot.pause()
        await pilot.resize_terminal(100, 12)
        await pilot.pause()
        top, rows = round(table.scroll_y), table.size.height - 1  # less the header
        assert top <= table.cursor_row < top + rows, (top, rows, table.cursor_row)


async def test_views_are_not_tracked_by_the_gc_and_needles_are_searched_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = TableApp()
    async with app.run_test(size=(160, 30)) as pilot:
        table = app.query_one(ImageTable)
        table.set_rows(ROWS)
        await pilot.pause()
        searches: list[str] = []
        search = ImageTable._search

        def counted(self: ImageTable, needle: str, within: Any) -> Any:
            searches.append(needle)
            return search(self, needle, within)

        monkeypatch.setattr(ImageTable, "_search", counted)
        for text in ("w", "we", "web", "we", "w", "", "w", "web"):
            table.set_filter(text)
            # Row numbers in an array: the GC walks none of a new view's elements.
            assert len(gc.get_referents(table._visible)) <= 1  # its type, at most
            assert len(gc.get_referents(table._ordered)) <= 1
        assert searches == ["w", "we", "web"]  # backspacing and retyping reuse them
        assert shown(table) == expected(ROWS, "created", True, "web")
        table.sort_by("name")
        table.set_filter("we")
        assert searches[-1] == "we"  # another order: searched again
        assert shown(table) == expected(ROWS, "name", False, "we")


async def test_filter_keys_repaint_without_laying_out_the_screen(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = TableApp()
    async with app.run_test(size=(160, 30)) as pilot:
        table = app.query_one(ImageTable)
        table.set_rows(ROWS)
        await pilot.pause()
        layouts = record_layouts(monkeypatch)
        for text in ("a", "ap", "api", "ap", ""):
            table.set_filter(text)
            await pilot.pause()
            assert table.virtual_size.height == table.row_count + 1
            assert table.max_scroll_y == max(0, table.row_count + 1 - table.size.height)
        table.sort_by("name")
        await pilot.pause()
        assert layouts == []  # the scroll bar stayed: repainted, never laid out
        # Nothing matches, then everything again (as typing "arch:a" on the way to
        # "arch:arm64" does): the scroll bar stays, so still no layout.
        table.set_filter("zzz")
        await pilot.pause()
        assert table.show_vertical_scrollbar
        assert table.render_line(1).text.strip() == table.empty_text
        table.set_filter("")
        await pilot.pause()
        assert layouts == []


async def presorted_counting_searches(
    app: TableApp, pilot: Pilot[None], monkeypatch: pytest.MonkeyPatch
) -> tuple[ImageTable, list[str]]:
    """The app's table holding ROWS, presorted (every column's order, then every row
    searched for each first character), and the list each needle searched for from then on
    is appended to."""
    table = app.query_one(ImageTable)
    table.set_rows(ROWS)
    table.presort()
    for _ in range(200):
        await pilot.pause()
        if len(table._char_hits) == len(image_table.FIRST_CHARACTERS):
            break
    searched: list[str] = []

    def contains(hay: str, needle: str) -> bool:
        searched.append(needle)
        return needle in hay

    monkeypatch.setattr(image_table, "contains", contains)
    return table, searched


async def test_a_first_character_is_searched_ahead_of_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = TableApp()
    async with app.run_test(size=(160, 30)) as pilot:
        table, searched = await presorted_counting_searches(app, pilot, monkeypatch)
        table.set_filter("W")
        assert searched == []  # no pass over the rows for a first character
        assert shown(table) == expected(ROWS, "created", True, "w")
        table.set_filter("we")
        assert searched  # a longer needle is searched
        assert shown(table) == expected(ROWS, "created", True, "we")


async def test_a_chosen_cursor_stays_on_its_image_as_newer_rows_stream_in() -> None:
    """An untouched cursor stays on the first row (the newest image) as regions arrive; once
    the user has put it on an image, newer rows streaming in above keep it on that image
    (the details and any action then still describe the image the user chose)."""
    by_age = sorted(ROWS, key=column("created").sort_function(), reverse=True)
    newest, older = by_age[0], by_age[-1]
    app = TableApp()
    async with app.run_test(size=(160, 30)):
        table = app.query_one(ImageTable)
        table.set_rows([older])
        table.set_rows([older, newest])
        assert table.cursor_image == newest.image  # untouched: the first row
        table.set_rows([older])
        assert table.move_cursor_to(older.key)
        table.set_rows([older, newest])
        assert table.cursor_image == older.image and table.cursor_row == 1


@pytest.mark.parametrize("width", [120, 160, 220])
async def test_columns_share_the_width_by_what_they_hold(width: int) -> None:
    """Typical names are shown whole; low-value columns (boot, then root, then arch) yield
    first; a wide terminal does not pad the name beyond what the names need."""
    app = TableApp()
    async with app.run_test(size=(width, 30)) as pilot:
        table = app.query_one(ImageTable)
        table.set_rows(ROWS)
        await pilot.pause()
        names = sorted(len(r.image.name) for r in ROWS)
        typical = names[int(len(names) * 0.9) - 1]
        keys = [c.key for c in table._columns()]
        widths = dict(zip(keys, table._column_widths(), strict=True))
        assert widths["name"] == typical
        cut = [r for r in ROWS if len(r.image.name) <= typical]
        line = {row.image.image_id: row for row in cut}
        for y in range(1, 20):
            text = table.render_line(y).text
            row = next((line[i] for i in line if i in text), None)
            if row is not None:
                assert row.image.name in text, text
        if width >= 200:
            assert {"arch", "root", "boot"} <= set(keys)
        # they yield in order, and only they do
        assert ("root" not in keys) <= ("boot" not in keys)
        assert ("arch" not in keys) <= ("root" not in keys)
        assert {"region", "id", "created", "state", "access", "deprecation"} <= set(keys)


# ---- the column registry -------------------------------------------------------------------

#: A column made up for the test: its text is in no other column nor in the haystack.
KIND = Column(
    "kind",
    "Kind",
    12,
    lambda row: f"kind-{row.image.architecture}",
    sort_key=lambda row: row.image.architecture != "arm64",  # arm64 first
    style=lambda _row, text: "magenta" if text == "kind-arm64" else None,
    search=True,
)


class ColumnsApp(App[None]):
    def __init__(self, columns: tuple[Column, ...]) -> None:
        super().__init__()
        self.columns = columns

    def compose(self) -> ComposeResult:
        yield ImageTable(columns=self.columns, id="images")


async def test_one_entry_is_all_a_new_column_takes() -> None:
    """A Column entry alone shows (header, cells, its style), sorts and is found by the
    filter: nothing else in the widget or the rows names it."""
    columns = (*COLUMNS, KIND)
    rows = rows_for([image(n) for n in range(60)], NOW, columns=columns)
    app = ColumnsApp(columns)
    async with app.run_test(size=(220, 30)) as pilot:
        table = app.query_one(ImageTable)
        table.set_rows(rows)
        await pilot.pause()
        assert "Kind" in table.render_line(0).text
        for y in range(1, 10):
            row = table.visible_rows[y - 1]
            strip = table.render_line(y)
            assert f"kind-{row.image.architecture}" in strip.text
            styled = [s for s in strip if s.text.strip() == "kind-arm64"]
            if row.image.architecture == "arm64" and y - 1 != table.cursor_row:
                assert styled and styled[0].style is not None
                assert styled[0].style.color is not None
                assert styled[0].style.color.name == "magenta"
        table.sort_by("kind")
        archs = [row.image.architecture or "" for row in table.visible_rows]
        assert archs == sorted(archs)  # arm64 first, the sort key's order
        assert shown(table) == expected(rows, "kind", False, "", columns)
        table.set_filter("KIND-ARM")  # only this column's text holds it
        assert table.row_count == archs.count("arm64") > 0
        assert all(row.image.architecture == "arm64" for row in table.visible_rows)
        table.presort()  # a presort covers the new column like every other
        for _ in range(50):
            await pilot.pause()
            if set(table._orders) == {c.key for c in columns}:
                break
        assert set(table._orders) == {c.key for c in columns}


def account_image(n: int, account: str) -> Image:
    base = image(n)
    return Image.from_aws(base.region, dict(base.record), account=account)


async def test_the_account_column_shows_only_for_more_than_one_account() -> None:
    """Like the Owner column for owners: shown once the rows hold images of two accounts,
    with the account's display text (an alias where one is given, else its label), sorted
    by it and found by the filter."""
    names = {"111111111111": "prod-alias"}
    one = [make_row(account_image(n, "111111111111"), NOW, account_names=names) for n in range(4)]
    two = [make_row(account_image(n, "dev"), NOW, account_names=names) for n in range(4, 7)]
    app = TableApp()
    async with app.run_test(size=(220, 30)) as pilot:
        table = app.query_one(ImageTable)
        table.set_rows(one)
        await pilot.pause()
        assert not table.show_account
        assert "Account" not in table.render_line(0).text
        table.set_rows(one + two)
        await pilot.pause()
        assert table.show_account
        assert table.render_line(0).text.split()[:2] == ["Account", "Region"]
        table.sort_by("account")
        lines = [table.render_line(y).text.split()[0] for y in range(1, 8)]
        assert lines == ["dev"] * 3 + ["prod-alias"] * 4  # the alias, not the label
        table.set_filter("prod-al")
        assert {row.key.account for row in table.visible_rows} == {"111111111111"}
        assert table.row_count == 4
        table.set_filter("")
        table.set_rows(two)  # one account again
        await pilot.pause()
        assert not table.show_account
        assert "Account" not in table.render_line(0).text


async def test_the_account_column_is_as_wide_as_its_longest_name() -> None:
    """Aliases are often short: the Account column takes its longest name (at least its
    label, at most its registry width), and the name gets the rest at 100 columns."""
    short = {"111111111111": "acme-prod", "222222222222": "acme-staging"}
    rows = [
        make_row(account_image(n, account), NOW, account_names=short)
        for n, account in enumerate(["111111111111", "222222222222"] * 3)
    ]
    app = TableApp()
    async with app.run_test(size=(100, 30)) as pilot:
        table = app.query_one(ImageTable)
        table.set_rows(rows)
        await pilot.pause()
        widths = dict(zip([c.key for c in table._columns()], table._column_widths(), strict=True))
        assert widths["account"] == len("acme-staging")
        header = table.render_line(0).text
        assert header.startswith("  Account      Region")
        longest = [make_row(account_image(9, "333333333333"), NOW)]  # no alias: its 12-digit id
        table.set_rows(rows + longest + [make_row(account_image(8, "x" * 40), NOW)])
        await pilot.pause()
        widths = dict(zip([c.key for c in table._columns()], table._column_widths(), strict=True))
        assert widths["account"] == column("account").width  # a long label is cut, as before


def test_a_plain_launch_has_no_account_text() -> None:
    """One account of a plain launch has the label "": nothing shown, nothing to find."""
    row = make_row(image(1), NOW)
    assert row.account == "" and column("account").cell(row) == ""
    assert row.haystack.startswith(row.image.image_id)


def test_an_unknown_column_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="no column 'nope'; the columns are account, region"):
        column("nope")


class ExplorerApp(App[None]):
    """The explorer's main screen alone, fed region loads by hand (no engine)."""

    def __init__(self) -> None:
        super().__init__()
        self.inventory = Inventory()

    def get_default_screen(self) -> ExplorerScreen:
        return ExplorerScreen(
            self.inventory, query=ImageQuery(), cached_extras=lambda _key: None, now=lambda: NOW
        )


async def test_the_screen_names_each_account_as_told() -> None:
    """Two accounts' loads of one region: the Account column appears; names given later
    (an alias for an account id) replace the labels in the cells and in the filter."""
    app = ExplorerApp()
    async with app.run_test(size=(220, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, ExplorerScreen)
        both = ("111111111111", "222222222222")
        screen.show_accounts({account: account for account in both}, [])  # as the App does
        screen.show_regions([RegionKey(account, "us-east-1") for account in both])
        for n, account in enumerate(both):
            images = tuple(account_image(3 * (2 * i + n), account) for i in range(3))
            load = RegionLoad("us-east-1", RegionStatus.LOADED, images=images, account=account)
            app.inventory.add(load)
            screen.show_load(load)
        await pilot.pause()
        table = screen.table
        assert table.total_count == 6 and table.show_account
        screen.show_account_names({"111111111111": "prod"})
        await pilot.pause()
        accounts = {table.render_line(y).text.split()[0] for y in range(1, 7)}
        assert accounts == {"prod", "222222222222"}
        table.set_filter("prod")
        assert {row.key.account for row in table.visible_rows} == {"111111111111"}


def test_a_table_with_an_impossible_column_is_a_clear_error() -> None:
    hidden_by_nothing = Column("x", "X", 3, lambda _row: "", shown_when="show_x")
    with pytest.raises(ValueError, match="column 'x': ImageTable has no flag 'show_x'"):
        ImageTable(columns=(*COLUMNS, hidden_by_nothing))
    second_flexible = Column("y", "Y", 0, lambda _row: "")
    with pytest.raises(ValueError, match="one column has width 0"):
        ImageTable(columns=(*COLUMNS, second_flexible))
    with pytest.raises(ValueError, match="no column 'nope'; the columns are account, region"):
        ImageTable().sort_by("nope")


async def test_typing_narrows_from_the_needle_before_and_gives_a_fresh_filters_rows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Typing, backspacing, Escape and sorting in any order show exactly the rows a fresh
    table shows for the same filter; a longer needle is searched for only in the rows of
    the needle before it; a needle seen before, even in another order, in none."""
    app = TableApp()
    async with app.run_test(size=(160, 30)) as pilot:
        table, searched = await presorted_counting_searches(app, pilot, monkeypatch)
        rnd = random.Random(17)
        words = ["web-golden-2026", "api-base", "build 12", "platform", "Web-Edge", "zq"]
        text = ""
        for _ in range(400):
            action = rnd.random()
            if action < 0.55 and len(text) < 16:
                word = next((w for w in words if w.startswith(text)), rnd.choice(words))
                text += word[len(text)] if len(word) > len(text) else rnd.choice("ab-2")
            elif action < 0.85:
                text = text[:-1]  # backspace
            elif action < 0.92:
                text = ""  # Escape
            else:
                table.sort_by(rnd.choice(COLUMNS).key, rnd.choice([True, False]))
            before = dict(table._needle_rows)
            searched.clear()
            table.set_filter(text)
            want = expected(ROWS, table.sort_column, table.sort_reverse, text)
            assert shown(table) == want, text
            needle = text.lower()
            if needle in before:
                assert searched == [], needle  # backspace or another order: no search
            elif searched:
                bases = [len(rows) for k, rows in before.items() if k and k in needle]
                if bases:
                    assert len(searched) <= min(bases), needle  # the rows before only
        # The fresh table, for the last filter.
        table.set_rows(ROWS)
        assert shown(table) == expected(ROWS, table.sort_column, table.sort_reverse, text)
