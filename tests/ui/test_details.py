"""The details pane: drawn line by line from pre-formatted lines (the Line API), exactly as
Rich's grids drew it before, without laying out the screen again when the image changes."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import pytest
from rich.console import Console, Group
from rich.segment import Segment
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.containers import Vertical

from amitui.model import Image, ImageExtras
from amitui.widgets.details import ID_WIDTH, LABEL_WIDTH, Details, ImageDetails, render_details

from .helpers import record_layouts

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
LONG = "golden image built from the base with every agent we run " * 3
MARKUP = "[red]evil[/red] [link=https://x.example]click[/link]"


def image(n: int = 0, **fields: Any) -> Image:
    record: dict[str, Any] = {
        "ImageId": f"ami-{n:017x}",
        "Name": f"web-golden-{n}",
        "Description": f"build {n}",
        "OwnerId": "123456789012",
        "State": "available",
        "CreationDate": "2026-11-01T00:00:00.000Z",
        "Architecture": "x86_64",
        "BootMode": "uefi",
        "Tags": [{"Key": "team", "Value": "platform"}],
        "BlockDeviceMappings": [
            {"DeviceName": "/dev/xvda", "Ebs": {"SnapshotId": "snap-1", "VolumeSize": 8}}
        ],
    }
    record.update(fields)
    return Image.from_aws("us-east-1", record)


IMAGES = {
    "plain": image(),
    "long values": image(1, Name=LONG, Description="x" * 300),
    "markup and controls": image(2, Name=MARKUP, Description="a\x1b[2Jb\u202ec\nd"),
    "wide characters": image(3, Name="画像" * 40, Description="イメージ " * 30),
    "many tags": image(
        4, Tags=[{"Key": f"key{i}", "Value": "value " * i} for i in range(12)], Public=True
    ),
}
EXTRAS = (
    None,
    ImageExtras(launch_permissions=("111122223333", "all")),
    ImageExtras(error="denied [bold]x[/bold]"),
)


def reference(details: Details, width: int) -> Group:
    """How the details were drawn with Rich tables: two ratio=1 columns two cells apart, each
    a grid of a bold LABEL_WIDTH label and a folding value; then the tags. Where a column of
    two could not hold an id whole but one column can, the one grid of every row."""

    def grid(rows: list[tuple[str, Text]]) -> Table:
        table = Table.grid(padding=(0, 1), expand=True)
        table.add_column(style="bold", no_wrap=True, width=LABEL_WIDTH)
        table.add_column(ratio=1, overflow="fold")
        for label, value in rows:
            table.add_row(label, value)
        return table

    if LABEL_WIDTH + 1 + ID_WIDTH <= width < 2 * (LABEL_WIDTH + 1 + ID_WIDTH) + 2:
        return Group(grid([*details.left, *details.right]), details.tags)
    columns = Table.grid(padding=(0, 2), expand=True)
    columns.add_column(ratio=1)
    columns.add_column(ratio=1)
    columns.add_row(grid(list(details.left)), grid(list(details.right)))
    return Group(columns, details.tags)


def cells(lines: list[list[Segment]]) -> list[list[tuple[str, Style]]]:
    """Each cell's character and style (segment boundaries do not show)."""
    return [[(char, s.style or Style.null()) for s in line for char in s.text] for line in lines]


@pytest.mark.parametrize("width", [30, 40, 41, 80, 117, 156])
@pytest.mark.parametrize("name", IMAGES)
def test_lines_are_what_rich_tables_draw(name: str, width: int) -> None:
    console = Console(width=200, file=io.StringIO(), color_system="truecolor")
    options = console.options.update_width(width).update(highlight=False)
    for extras in EXTRAS:
        details = render_details(IMAGES[name], extras, NOW)
        lines = details.lines(console, options)
        assert cells(lines) == cells(console.render_lines(reference(details, width), options))
        assert {sum(s.cell_length for s in line) for line in lines} == {width}


@pytest.mark.parametrize("width", [39, 60, 79, 80, 156])
def test_an_image_id_is_never_folded_where_one_column_holds_it(width: int) -> None:
    """At 100 columns the inspector is ~70 wide: side by side, each value had 17 cells and
    every image id folded in two."""
    console = Console(width=200, file=io.StringIO(), color_system="truecolor")
    options = console.options.update_width(width).update(highlight=False)
    lines = render_details(IMAGES["plain"], None, NOW).lines(console, options)
    text = ["".join(s.text for s in line) for line in lines]
    assert any("ami-00000000000000000" in line for line in text)


def test_untrusted_text_stays_text() -> None:
    console = Console(width=200, file=io.StringIO(), record=True)
    console.print(render_details(IMAGES["markup and controls"], EXTRAS[2], NOW))
    shown = console.export_text()
    assert MARKUP in shown and "denied [bold]x[/bold]" in shown
    assert "a\\x1b[2Jb\\u202ec\\x0ad" in shown and "\x1b" not in shown


class DetailsApp(App[None]):
    def compose(self) -> ComposeResult:
        with Vertical(id="pane"):
            yield ImageDetails(id="details")

    CSS = "#pane { height: 12; }"


async def test_showing_an_image_repaints_without_a_layout(monkeypatch: pytest.MonkeyPatch) -> None:
    app = DetailsApp()
    async with app.run_test(size=(120, 20)) as pilot:
        pane = app.query_one(ImageDetails)
        assert pane.text() == "No image selected"
        pane.show(IMAGES["plain"], None, NOW)
        await pilot.pause()
        first = pane.text()
        assert "ami-00000000000000000" in first and "web-golden-0" in first
        assert pane.show_vertical_scrollbar  # 16 lines in 12 rows (this did lay out once)
        layouts = record_layouts(monkeypatch)
        pane.show(image(7), EXTRAS[1], NOW)
        await pilot.pause()
        assert "ami-00000000000000007" in pane.text() and "111122223333" in pane.text()
        pane.show(image(8), None, NOW)
        await pilot.pause()
        assert "ami-00000000000000008" in pane.text()
        assert layouts == []  # the scroll bar stayed: repainted, never laid out


async def test_long_details_scroll_and_wrap_beside_the_scroll_bar() -> None:
    app = DetailsApp()
    async with app.run_test(size=(120, 20)) as pilot:
        pane = app.query_one(ImageDetails)
        pane.show(IMAGES["many tags"], None, NOW)
        await pilot.pause()
        lines = pane.text().splitlines()
        assert pane.show_vertical_scrollbar
        assert pane.virtual_size.height == len(lines) > pane.scrollable_content_region.height
        width = pane.scrollable_content_region.width
        assert pane.text() == pane.text(width)  # drawn at the width beside the scroll bar
        pane.scroll_end(animate=False, immediate=True)
        await pilot.pause()
        bottom = pane.render_line(pane.scrollable_content_region.height - 1).text.rstrip()
        assert bottom == lines[-1].rstrip()
        pane.show(None, None, NOW)
        await pilot.pause()
        assert pane.text() == "No image selected" and not pane.show_vertical_scrollbar


async def test_another_image_repaints_only_the_lines_that_differ(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = DetailsApp()
    async with app.run_test(size=(120, 20)) as pilot:
        pane = app.query_one(ImageDetails)
        pane.show(image(3), None, NOW)
        await pilot.pause()
        before = pane.text().splitlines()
        lines: list[int] = []
        whole: list[object] = []
        refresh_line = ImageDetails.refresh_line

        def recording_refresh_line(self: ImageDetails, y: int) -> None:
            lines.append(y)
            refresh_line(self, y)

        monkeypatch.setattr(ImageDetails, "refresh_line", recording_refresh_line)

        def refresh(self: ImageDetails, *a: object, **k: object) -> None:
            whole.append(a)

        monkeypatch.setattr(ImageDetails, "refresh", refresh)
        pane.show(image(5), None, NOW)  # same owner, state, tags...: other id, name, dates
        after = pane.text().splitlines()
        changed = [y for y, (old, new) in enumerate(zip(before, after, strict=True)) if old != new]
        assert lines == changed and 0 < len(changed) < len(after)
        assert all(args for args in whole)  # only line regions, never the whole pane
        assert "ami-00000000000000005" in after[0]
