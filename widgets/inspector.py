"""The lower pane: details, snapshot tree, lineage, what uses the image and orphaned
snapshots, as tabs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import TabbedContent, TabPane

from amitui.model import Image, ImageExtras, ImageKey, Inventory, OrphanedSnapshot
from amitui.usage import Ancestry, UsedBy

from .details import ImageDetails
from .lineage import LineageView
from .snapshot_tree import OrphanTree, SnapshotTree
from .used_by import UsedByView

TABS: tuple[tuple[str, str], ...] = (
    ("details", "Details"),
    ("snapshots", "Snapshots"),
    ("lineage", "Lineage"),
    ("used_by", "Used by"),
    ("orphans", "Orphaned snapshots"),
)


class AncestryWanted(Message):
    """The lineage tab shows ``image`` and has no ancestry for it yet: ask the engine."""

    def __init__(self, image: Image) -> None:
        super().__init__()
        self.image = image


class UsedByWanted(Message):
    """The Used-by tab shows ``image`` and has nothing for it yet: ask the engine."""

    def __init__(self, image: Image) -> None:
        super().__init__()
        self.image = image


class Inspector(Vertical):
    DEFAULT_CSS = """
    /* at most half the right column: on a short terminal the table keeps its share */
    Inspector { height: 20; max-height: 50%; border: round $primary 50%; }
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
        #: What the Used-by tab shows (None: not asked yet for the image shown).
        self._used_by: UsedBy | None = None
        self._ancestry: Ancestry | None = None

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
            with TabPane("Used by", id="used_by"):
                yield UsedByView(id="used-by-view")
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
        # Asked again on each showing: the engine caches it and forgets it with a refresh.
        self._used_by = self._ancestry = None
        self._stale = {"details", "snapshots", "lineage", "used_by"}
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
            self._show_lineage()
            if image is not None and self._ancestry is None:
                self.call_later(self._want, AncestryWanted, image)
        elif tab == "used_by":
            self._show_used_by()

    def _show_used_by(self) -> None:
        view, image, used = self.query_one(UsedByView), self._image, self._used_by
        if used is not None and image is not None and used.key == image.key:
            view.show(used)
            return
        view.show_loading(image)
        if image is not None:
            # Made in the inspector's own turn: a message made while the screen handles a
            # tab switch counts the screen as its sender and stops there, short of the App.
            self.call_later(self._want, UsedByWanted, image)

    def _want(self, message: type[AncestryWanted | UsedByWanted], image: Image) -> None:
        if self._image is not None and self._image.key == image.key:
            self.post_message(message(image))

    def _show_lineage(self) -> None:
        image, inventory = self._image, self._inventory
        if inventory is None or self._now is None:
            return
        family = inventory.family(image) if image is not None else []
        loaded: dict[str, ImageKey] = {}
        if image is not None and self._ancestry is not None:
            for ancestor in self._ancestry.chain[1:]:
                key = ImageKey(ancestor.region, ancestor.image_id, image.account)
                if inventory.image(key) is not None:
                    loaded[ancestor.image_id] = key
        self.query_one(LineageView).show(image, family, self._now, self._ancestry, loaded)

    def show_ancestry(self, image: Image, ancestry: Ancestry) -> None:
        """Where ``image`` came from (drawn now if the lineage tab is open on it)."""
        if self._image is None or self._image.key != image.key:
            return
        self._ancestry = ancestry
        if self.active == "lineage":
            self._show_lineage()
        else:
            self._stale.add("lineage")

    def show_used_by(self, image: Image, used: UsedBy) -> None:
        """What uses ``image`` (drawn now if the tab is open on it, else when opened)."""
        if self._image is None or self._image.key != image.key:
            return
        self._used_by = used
        if self.active == "used_by":
            self.query_one(UsedByView).show(used)
        else:
            self._stale.add("used_by")

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
