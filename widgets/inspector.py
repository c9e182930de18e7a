"""The lower pane: details, snapshot tree, lineage and orphaned snapshots, as tabs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from textual.app import ComposeResult
from textual.widgets import TabbedContent, TabPane

from amitui.model import Image, Inventory, OrphanedSnapshot

from .details import ImageDetails, ImageExtras
from .lineage import LineageView
from .snapshot_tree import OrphanTree, SnapshotTree

TABS: tuple[tuple[str, str], ...] = (
    ("details", "Details"),
    ("snapshots", "Snapshots"),
    ("lineage", "Lineage"),
    ("orphans", "Orphaned snapshots"),
)


class Inspector(TabbedContent):
    DEFAULT_CSS = """
    Inspector { height: 17; border: round $primary 50%; }
    Inspector:focus-within { border: round $primary; }
    Inspector TabPane { padding: 0; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, initial="details")
        self._image: Image | None = None

    def compose(self) -> ComposeResult:
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
        self._image = image
        self.query_one(ImageDetails).show(image, extras, now)
        self.query_one(SnapshotTree).show(image, inventory)
        family = inventory.family(image) if image is not None else []
        self.query_one(LineageView).show(image, family, now)
        if image is not None:
            count = len(family)
            self.get_tab("lineage").label = f"Lineage ({count})" if count > 1 else "Lineage"

    def show_extras(self, image: Image, extras: ImageExtras | None, now: datetime) -> None:
        if self._image is not None and self._image.key == image.key:
            self.query_one(ImageDetails).show(image, extras, now)

    def show_orphans(self, orphans: Sequence[OrphanedSnapshot], regions: Sequence[str]) -> None:
        self.query_one(OrphanTree).show(orphans, regions)
        self.get_tab("orphans").label = f"Orphaned snapshots ({len(orphans)})"
