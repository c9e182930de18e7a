"""Every launch attribute of one image, and who can launch it.

The per-image extras (launch permissions, last launched time, deregistration protection) are
fetched lazily by the App and handed in as :class:`ImageExtras`; until then they show as
loading. All AMI text is put into Rich ``Text`` cells, so a name like ``[red]`` stays literal.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from rich._ratio import ratio_distribute
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.measure import Measurement
from rich.segment import Segment
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from amitui.model import Image
from amitui.text import inert

from .image_table import age_text


@dataclass(frozen=True, slots=True)
class ImageExtras:
    """What DescribeImages does not say, fetched per image on demand."""

    #: Account ids / "all" (public) / organization and OU ARNs; None while unknown.
    launch_permissions: tuple[str, ...] | None = None
    last_launched: datetime | None = None
    deregistration_protection: str | None = None
    #: Why an extra could not be fetched (e.g. not the owner), shown instead of the value.
    error: str = ""


def _when(value: datetime | None, now: datetime) -> Text:
    if value is None:
        return Text("—", style="dim")
    text = Text(value.strftime("%Y-%m-%d %H:%M UTC"))
    delta = (value - now).days
    if delta >= 0:
        text.append(f" (in {delta}d)", style="dim")
    else:
        text.append(f" ({age_text(value, now)} ago)", style="dim")
    return text


def _value(value: object) -> Text:
    if value is None or value == "":
        return Text("—", style="dim")
    if isinstance(value, bool):
        return Text("yes" if value else "no")
    return Text(inert(value))


LABEL_WIDTH = 16


def _grid(width: int | None = None) -> Table:
    """Label and value columns; ``width``: the grid's width, known when rendering. Given, the
    value column gets its width up front, so Rich measures no cell (same widths as ratio=1)."""
    grid = Table.grid(padding=(0, 1), expand=True)
    grid.add_column(style="bold", no_wrap=True, width=LABEL_WIDTH)
    if width is not None and width > LABEL_WIDTH + 1:
        grid.add_column(width=width - LABEL_WIDTH - 1, overflow="fold")
    else:
        grid.add_column(ratio=1, overflow="fold")
    return grid


class _SideBySide:
    """Two label/value grids side by side, two cells apart, as a Rich grid with two ratio=1
    columns lays them out, without Rich measuring every cell of both grids twice (the
    details are redrawn each time the cursor rests on an image)."""

    def __init__(self, left: list[tuple[str, Text]], right: list[tuple[str, Text]]) -> None:
        self.left, self.right = left, right

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        # What Table.grid(padding=(0, 2), expand=True) with two ratio=1 columns gives each
        # column (the first includes the 2-cell gap).
        left_width, right_width = ratio_distribute(width, [1, 1], [3, 1])
        if left_width < LABEL_WIDTH + 4 or right_width < LABEL_WIDTH + 2:
            yield self._table()  # narrow: let Rich decide everything
            return
        left_width -= 2
        left = console.render_lines(
            _rows(_grid(left_width), self.left), options.update_width(left_width)
        )
        right = console.render_lines(
            _rows(_grid(right_width), self.right), options.update_width(right_width)
        )
        gap = Segment("  ")
        blank_left, blank_right = [Segment(" " * left_width)], [Segment(" " * right_width)]
        new_line = Segment.line()
        for index in range(max(len(left), len(right))):
            yield from left[index] if index < len(left) else blank_left
            yield gap
            yield from right[index] if index < len(right) else blank_right
            yield new_line

    def _table(self) -> Table:
        columns = Table.grid(padding=(0, 2), expand=True)
        columns.add_column(ratio=1)
        columns.add_column(ratio=1)
        columns.add_row(_rows(_grid(), self.left), _rows(_grid(), self.right))
        return columns

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement.get(console, options, self._table())


def _rows(grid: Table, rows: Iterable[tuple[str, Text]]) -> Table:
    for label, value in rows:
        grid.add_row(label, value)
    return grid


def launch_permissions_text(image: Image, extras: ImageExtras | None) -> Text:
    prefix = Text("everyone (public)", style="bold red") if image.public else Text()
    if extras is None:
        return prefix + Text(" loading…" if prefix else "loading…", style="italic dim")
    if extras.launch_permissions is None:
        reason = extras.error or "unknown"
        return prefix + Text((" " if prefix else "") + f"unavailable: {inert(reason)}", "dim")
    grantees = [g for g in extras.launch_permissions if g != "all"]
    if not grantees:
        return prefix if prefix else Text("only the owner", style="dim")
    text = Text(", ".join(inert(g) for g in grantees))
    return prefix + Text(" + ") + text if prefix else text


def render_details(image: Image, extras: ImageExtras | None, now: datetime) -> RenderableType:
    """The details of ``image`` as two columns of attributes, then tags."""
    state = Text(image.state)
    if image.state_reason:
        state.append(f" ({inert(image.state_reason)})", style="dim")
    root = Text(f"{image.root_device_type or '—'} {image.root_device_name or ''}".strip())
    kernel = f"{image.kernel_id or '—'} / {image.ramdisk_id or '—'}"
    source = (
        Text(f"{image.source_image_id} in {image.source_image_region}")
        if image.source_image_id
        else Text("—", style="dim")
    )
    deprecation = _when(image.deprecation_time, now)
    if image.is_deprecated(now):
        deprecation.stylize("yellow")
    last_launched = image.last_launched_time or (extras.last_launched if extras else None)
    protection = image.deregistration_protection or (
        extras.deregistration_protection if extras else None
    )
    left = [
        ("Image", Text(image.image_id, style="bold")),
        ("Name", _value(image.name)),
        ("Description", _value(image.description)),
        ("Owner", _value(image.image_owner_alias or image.owner_id)),
        ("Region", _value(image.region)),
        ("State", state),
        ("Created", _when(image.creation_date, now)),
        ("Architecture", _value(image.architecture)),
        ("Virtualization", _value(image.virtualization_type)),
        ("Root device", root),
        ("Boot mode", _value(image.boot_mode)),
        ("ENA", _value(image.ena_support)),
        ("SR-IOV", _value(image.sriov_net_support)),
        ("TPM", _value(image.tpm_support)),
        ("IMDS", _value(image.imds_support)),
    ]
    right = [
        ("Platform", _value(image.platform_details or image.platform)),
        ("Usage operation", _value(image.usage_operation)),
        ("Product codes", _value(", ".join(image.product_codes))),
        ("Kernel/ramdisk", Text(kernel)),
        ("Deprecation", deprecation),
        ("Dereg. protect", _value(protection)),
        ("Last launched", _when(last_launched, now)),
        ("Source image", source),
        ("Launch perms", launch_permissions_text(image, extras)),
        ("Disks", Text(f"{len(image.block_devices)} ({image.size_gib} GiB in snapshots)")),
        ("Encrypted", _value(image.encrypted)),
    ]
    columns = _SideBySide(left, right)
    tags = Text("Tags  ", style="bold")
    if image.tags:
        for index, (key, value) in enumerate(image.tags):
            if index:
                tags.append("  ")
            tags.append(inert(key), style="cyan")
            tags.append("=")
            tags.append(inert(value))
    else:
        tags.append("—", style="dim")
    return Group(columns, tags)


class RenderedOnce:
    """A Rich renderable drawn once per width. Textual draws a Static's content once to
    measure its height and again to paint it; the details grid costs ~10 ms each time."""

    def __init__(self, renderable: RenderableType) -> None:
        self.renderable = renderable
        self._drawn: tuple[int, int, list[Segment]] | None = None  # (console, width, lines)

    def segments(self, console: Console, options: ConsoleOptions) -> list[Segment]:
        drawn = self._drawn
        if drawn is None or drawn[0] != id(console) or drawn[1] != options.max_width:
            drawn = (id(console), options.max_width, list(console.render(self.renderable, options)))
            self._drawn = drawn
        return drawn[2]

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield from self.segments(console, options)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement.get(console, options, self.renderable)


class ImageDetails(VerticalScroll):
    """Scrollable details of the image under the cursor."""

    DEFAULT_CSS = """
    ImageDetails { height: 1fr; padding: 0 1; }
    ImageDetails > Static { width: 1fr; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._body_height = (-1, -1)  # (width, lines) of what the body shows

    def compose(self) -> ComposeResult:
        yield Static(Text("No image selected", style="dim italic"), id="details-body")

    def show(self, image: Image | None, extras: ImageExtras | None, now: datetime) -> None:
        body = self.query_one("#details-body", Static)
        if image is None:
            self._body_height = (-1, -1)
            body.update(Text("No image selected", style="dim italic"))
            return
        details = RenderedOnce(render_details(image, extras, now))
        # A layout reflows the whole screen: only when the body's height changes (draw once
        # now at the body's width to know; the paint then reuses that drawing).
        width = body.size.width
        height = (width, self._measure(details, width)) if width > 0 else (-1, -1)
        layout = height[0] < 0 or height != self._body_height
        self._body_height = height
        body.update(details, layout=layout)

    def _measure(self, details: RenderedOnce, width: int) -> int:
        """Lines of ``details`` at ``width``, as Textual counts them for a Static."""
        app = self.app
        options = app.console_options.update_width(width).update(highlight=False)
        return sum(text.count("\n") for text, _, _ in details.segments(app.console, options))
