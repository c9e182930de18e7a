"""Every launch attribute of one image, and who can launch it.

The per-image extras (launch permissions, last launched time, deregistration protection) are
fetched lazily by the explorer and handed in as :class:`~amitui.model.ImageExtras`; until
then they show as loading. All AMI text is put into Rich ``Text`` cells, so a name like
``[red]`` stays literal.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderResult
from rich.measure import Measurement
from rich.segment import Segment
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from amitui.columns import age_text
from amitui.links import console_url
from amitui.model import Image, ImageExtras
from amitui.text import inert, protection_text

from ._textual_private import ratio_distribute, set_virtual_size_without_layout


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
#: The longest id a value shows whole: ``snap-`` and 17 hex digits.
ID_WIDTH = 22


def _grid() -> Table:
    """A bold label column and a folding value column (the narrow layout's, and the shape
    :func:`_column` draws without Rich)."""
    grid = Table.grid(padding=(0, 1), expand=True)
    grid.add_column(style="bold", no_wrap=True, width=LABEL_WIDTH)
    grid.add_column(ratio=1, overflow="fold")
    return grid


NO_IMAGE = Text("No image selected", style="dim italic")

#: A label and its value, one row of a details column.
Row = tuple[str, Text]


class Details:
    """The details of one image, formatted once and drawn as lines.

    Two label/value columns side by side, then the tags: what a Rich grid of two ratio=1
    columns, two cells apart, each a grid of a bold 16-cell label and a folding value, draws
    (see :meth:`_columns`), but put together from each value's segments. Rich's tables measure,
    pad and crop every cell (~10 ms for one image), and the details are redrawn every time
    the cursor rests on an image; this costs a fraction of a millisecond.
    """

    def __init__(self, left: Sequence[Row], right: Sequence[Row], tags: Text) -> None:
        self.left, self.right, self.tags = left, right, tags

    def lines(self, console: Console, options: ConsoleOptions) -> list[list[Segment]]:
        """The details as lines of exactly ``options.max_width`` cells."""
        width = options.max_width
        left_width, right_width = ratio_distribute(width, [1, 1], [3, 1])
        if width >= LABEL_WIDTH + 1 + ID_WIDTH and right_width < LABEL_WIDTH + 1 + ID_WIDTH:
            # Side by side, an image or snapshot id would fold in two: one column reads better.
            lines = _column(console, options, [*self.left, *self.right], width)
        elif left_width < LABEL_WIDTH + 4 or right_width < LABEL_WIDTH + 2:
            lines = console.render_lines(self._columns(), options)  # narrow: as Rich lays out
        else:
            left_width -= 2  # the gap between the columns
            left = _column(console, options, self.left, left_width)
            right = _column(console, options, self.right, right_width)
            gap = Segment("  ")
            blank_left, blank_right = [Segment(" " * left_width)], [Segment(" " * right_width)]
            lines = [
                [
                    *(left[index] if index < len(left) else blank_left),
                    gap,
                    *(right[index] if index < len(right) else blank_right),
                ]
                for index in range(max(len(left), len(right)))
            ]
        lines.extend(console.render_lines(self.tags, options))
        return lines

    def _columns(self) -> Table:
        columns = Table.grid(padding=(0, 2), expand=True)
        columns.add_column(ratio=1)
        columns.add_column(ratio=1)
        columns.add_row(_rows(_grid(), self.left), _rows(_grid(), self.right))
        return columns

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        new_line = Segment.line()
        for line in self.lines(console, options):
            yield from line
            yield new_line

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement.get(console, options, Group(self._columns(), self.tags))


_LABEL_STYLE = Style(bold=True)


def _column(
    console: Console, options: ConsoleOptions, rows: Iterable[Row], width: int
) -> list[list[Segment]]:
    """``rows`` as ``_grid(width)`` draws them: a bold label padded to LABEL_WIDTH, a space,
    the value in the rest, folded onto more lines (under a blank label) when it is longer."""
    value_width = width - LABEL_WIDTH - 1
    # As Table renders a value cell (left-justified: padded in the value's own base style).
    value_options = options.update(
        width=value_width, justify="left", no_wrap=False, overflow="fold", highlight=False
    )
    blank_label = Segment(" " * (LABEL_WIDTH + 1), _LABEL_STYLE)
    lines: list[list[Segment]] = []
    for label, value in rows:
        label_segment = Segment(f"{label:<{LABEL_WIDTH}} ", _LABEL_STYLE)
        plain = value.plain
        length = cell_len(plain)
        if length <= value_width and "\n" not in plain:
            # One line: the value's own segments (as Rich renders a Text), padded.
            style = console.get_style(value.style) or None
            segments = list(value.render(console)) if value.spans else [Segment(plain, style)]
            if length < value_width:
                segments.append(Segment(" " * (value_width - length), style))
            lines.append([label_segment, *segments])
        else:
            folded = console.render_lines(value, value_options)
            lines.append([label_segment, *folded[0]])
            lines.extend([blank_label, *line] for line in folded[1:])
    return lines


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


def render_details(image: Image, extras: ImageExtras | None, now: datetime) -> Details:
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
        ("Dereg. protect", _value(protection and protection_text(protection, now))),
        ("Last launched", _when(last_launched, now)),
        ("Source image", source),
        ("Launch perms", launch_permissions_text(image, extras)),
        ("Disks", Text(f"{len(image.block_devices)} ({image.size_gib} GiB in snapshots)")),
        ("Encrypted", _value(image.encrypted)),
        # The explorer's copy_url key (ctrl+u) copies it.
        ("Console", Text(inert(console_url(image)))),
    ]
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
    return Details(left, right, tags)


class ImageDetails(ScrollView, can_focus=True):
    """Scrollable details of the image under the cursor, drawn line by line (Textual's Line
    API) from lines built once per image and width: showing another image repaints this pane
    only, and never lays out the screen again (the pane's size does not depend on it)."""

    DEFAULT_CSS = """
    ImageDetails { height: 1fr; padding: 0 1; overflow-x: hidden; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._details: Details | None = None
        self._strips: list[Strip] = []
        self._strips_width = -1  # the width _strips were drawn at; -1: to draw

    @property
    def details(self) -> Details | None:
        """What the pane shows (None: no image)."""
        return self._details

    def show(self, image: Image | None, extras: ImageExtras | None, now: datetime) -> None:
        self._details = None if image is None else render_details(image, extras, now)
        shown, shown_width = self._strips, self._strips_width
        self._strips_width = -1
        self._draw()
        if shown_width != self._strips_width or len(shown) != len(self._strips):
            self.refresh()
            return
        # Only the lines that differ: the labels, and many values of images side by side
        # (owner, region, architecture...), stay; Textual repaints only what is refreshed.
        for y, (old, new) in enumerate(zip(shown, self._strips, strict=True)):
            if old != new:
                self.refresh_line(y)

    def text(self, width: int | None = None) -> str:
        """The pane's text, as shown at ``width`` (default: the pane's own width)."""
        if width is None:
            self._draw()
            return "\n".join(strip.text.rstrip() for strip in self._strips)
        return "\n".join("".join(s.text for s in line).rstrip() for line in self._lines(width))

    def _lines(self, width: int) -> list[list[Segment]]:
        app = self.app
        options = app.console_options.update_width(width).update(highlight=False)
        if self._details is None:
            return app.console.render_lines(NO_IMAGE, options)
        return self._details.lines(app.console, options)

    def _draw(self) -> None:
        """Draw the lines for the pane's current width, if not drawn for it yet."""
        width = self.scrollable_content_region.width
        if width == self._strips_width:
            return
        self._strips_width = width
        base = self.rich_style
        self._strips = (
            [Strip(Segment.apply_style(line, base), width) for line in self._lines(width)]
            if width > 0
            else []
        )
        set_virtual_size_without_layout(self, Size(width, len(self._strips)))

    def on_resize(self) -> None:
        self._draw()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips_width = -1  # the lines carry the pane's colours (e.g. a new theme)

    def watch_show_vertical_scrollbar(self) -> None:
        self._draw()  # the scroll bar narrows the lines (or gives the width back)

    def render_line(self, y: int) -> Strip:
        self._draw()
        index = round(self.scroll_y) + y
        if index < len(self._strips):
            return self._strips[index]
        return Strip.blank(self._strips_width, self.rich_style)
