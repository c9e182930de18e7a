"""The lower pane: details, snapshot tree, lineage and orphaned snapshots, as tabs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import TabbedContent, TabPane

from amitui.model import Image, ImageExtras, Inventory, OrphanedSnapshot

from .details import ImageDetails
from .lineage import LineageView
from .snapshot_tree import OrphanTree, SnapshotTree

TABS: tuple[tuple[str, str], ...] = (
    ("details", "Details"),
    ("snapshots", "Snapshots"),
    ("lineage", "Lineage"),
    ("orphans", "Orphaned snapshots"),
)


class Inspector(Vertical):
    DEFAULT_CSS = """
    Inspector { height: 20; border: round $primary 50%; }
    Inspector:focus-within { border: round $primary; }
    Inspector TabbedContent { height: 1fr; }
    Inspector TabPane { padding: 0; height: 1fr; }
    Inspector ContentSwitcher { height: 1fr; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._image: Image | None = None
        self._inventory: Inventory | None = None
        self._extras: ImageExtras | None = None
        self._now: datetime | None = None
        self._stale: set[str] = set()

    @property
    def image(self) -> Image | None:
        """The image the tabs describe."""
        return self._image

    @property
    def tabs(self) -> TabbedContent:
        return self.query_one(TabbedContent)

    @property
    def active(self) -> str:
        return self.tabs.active

    @active.setter
    def active(self, tab: str) -> None:
        self.tabs.active = tab

    def compose(self) -> ComposeResult:
        with TabbedContent(initial="details"):
            with TabPane("Details", id="details"):
                yield ImageDetails(id="image-details")
            with TabPane("Snapshots", id="snapshots"):
                yield SnapshotTree(id="snapshot-tree")
            with TabPane("Lineage", id="lineage"):
                yield LineageView(id="lineage-view")
            with TabPane("Orphaned snapshots", id="orphans"):
                yield OrphanTree(id="orphan-tree")

    def show_image(
        self,
        image: Image | None,
        inventory: Inventory,
        extras: ImageExtras | None,
        now: datetime,
    ) -> None:
        """Show ``image``; only the visible tab is drawn now (moving the cursor through
        100k rows must stay cheap), the others when they are opened."""
        self._image, self._inventory, self._extras, self._now = image, inventory, extras, now
        self._stale = {"details", "snapshots", "lineage"}
        self.refresh_active()

    def refresh_active(self) -> None:
        tab = self.active
        if tab not in self._stale or self._inventory is None or self._now is None:
            return
        self._stale.discard(tab)
        image, inventory, now = self._image, self._inventory, self._now
        if tab == "details":
            self.query_one(ImageDetails).show(image, self._extras, now)
        elif tab == "snapshots":
            self.query_one(SnapshotTree).show(image, inventory)
        elif tab == "lineage":
            family = inventory.family(image) if image is not None else []
            self.query_one(LineageView).show(image, family, now)

    def show_extras(self, image: Image, extras: ImageExtras | None, now: datetime) -> None:
        if self._image is not None and self._image.key == image.key:
            self._extras = extras
            if self.active == "details":
                self.query_one(ImageDetails).show(image, extras, now)
            else:
                self._stale.add("details")

    def show_orphans(self, orphans: Sequence[OrphanedSnapshot], regions: Sequence[str]) -> None:
        self.query_one(OrphanTree).show(orphans, regions)
        self.tabs.get_tab("orphans").label = f"Orphaned snapshots ({len(orphans)})"

    def focus_active(self) -> None:
        """Move the focus into the visible tab's content."""
        pane = self.tabs.get_pane(self.active)
        for widget in pane.query("*"):
            if widget.focusable:
                widget.focus()
                return
