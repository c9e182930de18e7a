"""The Totals view (``ctrl+s``, palette "Totals…"): what the current view holds, per region and
per family — images, GiB in snapshots, estimated monthly cost — and its age histogram.

Contract::

    app.push_screen(TotalsScreen(totals, scope, account_names))
    app.push_screen(totals_of_view(screen))  # of what the explorer's table shows now

``totals`` is :func:`amitui.totals.compute` of the table's filtered rows (how families, GiB
and cost are counted is said there); ``scope`` says what the view is ("12 images, filter:
web"). Escape closes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, ClassVar

from rich.console import Group as RichGroup
from rich.console import RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from amitui.text import inert
from amitui.totals import Group, Totals, compute

if TYPE_CHECKING:
    from amitui.screens.explorer import ExplorerScreen

#: The histogram's longest bar, in cells.
BAR_WIDTH = 40


def money(value: float) -> str:
    return f"${value:,.2f}"


def _table(title: str, first: str, groups: Iterable[Group], names: Mapping[str, str]) -> Table:
    table = Table(title=title, title_justify="left", title_style="bold", expand=False)
    table.add_column(first)
    if first == "Family":
        table.add_column("Regions", justify="right")
    table.add_column("Images", justify="right")
    table.add_column("GiB in snapshots", justify="right")
    table.add_column("Est. per month", justify="right")
    for group in groups:
        if group.where is not None and group.where.account:
            account = names.get(group.where.account, group.where.account)
            name = f"{inert(account)}/{group.name}"
        else:
            name = inert(group.name)
        cells = [Text(name)]
        if first == "Family":
            cells.append(Text(str(group.regions)))
        cells += [Text(str(group.images)), Text(f"{group.gib:,}"), Text(money(group.monthly_cost))]
        table.add_row(*cells)
    return table


def _histogram(totals: Totals) -> Text:
    """One line a bucket: its label, its count and a bar scaled to the largest bucket."""
    most = max((bucket.images for bucket in totals.ages), default=0)
    label_width = max((len(bucket.label) for bucket in totals.ages), default=0)
    count_width = max((len(str(bucket.images)) for bucket in totals.ages), default=1)
    lines = Text()
    for index, bucket in enumerate(totals.ages):
        width = round(bucket.images * BAR_WIDTH / most) if most else 0
        if bucket.images and not width:
            width = 1  # a bucket that has images shows a bar
        if index:
            lines.append("\n")
        lines.append(f"{bucket.label:>{label_width}}  {bucket.images:>{count_width}}  ")
        lines.append("█" * width, style="cyan")
    return lines


def render_totals(totals: Totals, names: Mapping[str, str] | None = None) -> RenderableType:
    names = names or {}
    total = totals.total
    standard = totals.prices["standard"]
    archive = totals.prices.get("archive")
    summary = Text.assemble(
        ("Total  ", "bold"),
        f"{total.images} images · {total.gib:,} GiB in snapshots · ",
        (f"~{money(total.monthly_cost)} a month", "bold"),
    )
    price = f"${standard}/GiB-month standard"
    if archive is not None:
        price += f", ${archive} archive"
    note = Text(
        f"Estimate at {price}, as if every snapshot were stored in full; EBS bills a "
        "standard snapshot only for the blocks no earlier snapshot of its volume holds, so "
        "the bill is usually less. A snapshot mapped by several images counts once per line.",
        style="dim",
    )
    ages = Text("Age of the images in the view", style="bold")
    return RichGroup(
        summary,
        note,
        Text(),
        _table("Per region", "Region", totals.regions, names),
        Text(),
        _table("Per family (Family tag, else the name without its date or version)", "Family",
               totals.families, names),
        Text(),
        ages,
        _histogram(totals),
    )  # fmt: skip


class TotalsScreen(ModalScreen[None]):
    """The view's totals."""

    DEFAULT_CSS = """
    TotalsScreen { align: center middle; }
    TotalsScreen > #totals-box {
        width: 98%; height: 92%; border: thick $primary; background: $surface; padding: 0 1;
    }
    TotalsScreen #totals-title { text-style: bold; }
    TotalsScreen #totals-scroll { height: 1fr; }
    TotalsScreen #totals-help { color: $text-muted; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close", id="totals.close", tooltip="Back to the explorer"),
    ]

    def __init__(
        self, totals: Totals, scope: str, account_names: Mapping[str, str] | None = None
    ) -> None:
        super().__init__()
        self.totals = totals
        self.scope = scope
        self.account_names = dict(account_names or {})

    def compose(self) -> ComposeResult:
        with Vertical(id="totals-box"):
            yield Label(Text(f"Totals of the view: {inert(self.scope)}"), id="totals-title")
            with VerticalScroll(id="totals-scroll"):
                yield Static(render_totals(self.totals, self.account_names), id="totals-body")
            yield Label("↑↓ PgUp PgDn scroll · Escape closes", id="totals-help")

    def on_mount(self) -> None:
        self.query_one("#totals-scroll").focus()

    def action_close(self) -> None:
        self.dismiss(None)


def totals_of_view(screen: ExplorerScreen) -> TotalsScreen:
    """The Totals view of what ``screen``'s table shows now (the filter and region view
    apply), priced at the launch's snapshot price."""
    table = screen.table
    images = [row.image for row in table.visible_rows]
    totals = compute(
        images, screen.now(), inventory=screen.inventory, standard_price=screen.snapshot_price
    )
    scope = f"{len(images)} image{'' if len(images) == 1 else 's'}"
    if table.filter_text:
        scope += f", filter {table.filter_text!r}"
    scope += f", {screen.query_shown.describe()}"
    return TotalsScreen(totals, scope, screen.account_names)


__all__ = ["TotalsScreen", "money", "render_totals", "totals_of_view"]
