"""Snapshot trees: image -> block devices -> snapshots -> the other images mapping the same
snapshot; and the other way, orphaned snapshots per region.

Labels are Rich ``Text`` built from plain strings (Tree would parse a ``str`` label as markup).
Selecting another image posts :class:`~amitui.widgets.messages.JumpToImage`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from rich.style import Style
from rich.text import Text
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from amitui.model import BlockDevice, Image, ImageKey, Inventory, OrphanedSnapshot, Snapshot
from amitui.text import inert

from .messages import JumpToImage


def _time(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "—"


def device_label(device: BlockDevice, root: str | None) -> Text:
    text = Text(device.device_name, style="bold")
    if device.virtual_name:
        text.append(f"  {device.virtual_name} (instance store)", style="dim")
        return text
    details = [f"{device.volume_size or '?'} GiB", device.volume_type or "?"]
    if device.delete_on_termination is False:
        details.append("kept on termination")
    text.append("  " + " · ".join(details))
    if device.device_name == root:
        text.append("  root", style="cyan")
    return text


def snapshot_label(
    snapshot: Snapshot | None, snapshot_id: str, device: BlockDevice, *, pending: bool = False
) -> Text:
    text = Text.assemble((snapshot_id, "bold magenta"))
    if snapshot is None and pending:
        text.append("  the region's snapshots are still being listed…", "italic dim")
        return text
    if snapshot is None:
        text.append("  not in this account's snapshots (shared with it, or not loaded)", "dim")
        return text
    text.append(f"  {snapshot.volume_size} GiB · {snapshot.state}", style="not bold")
    text.append(f" · {snapshot.storage_tier or 'standard'} tier")
    text.append(f" · started {_time(snapshot.start_time)}")
    if snapshot.encrypted:
        text.append(" · encrypted ", style="green")
        text.append(inert(snapshot.kms_key_id or device.kms_key_id or "default key"), "dim")
    else:
        text.append(" · unencrypted", style="yellow")
    return text


def image_label(image: Image, *, current: bool = False) -> Text:
    text = Text(image.image_id, style="bold" if current else "")
    text.append(f"  {inert(image.name)}")
    text.append(f"  {image.region} · {image.state}", style="dim")
    return text


class SnapshotTree(Tree[ImageKey | None]):
    """One image's disks and snapshots, and which other images share each snapshot."""

    DEFAULT_CSS = "SnapshotTree { height: 1fr; background: transparent; }"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(Text("No image selected", style="dim italic"), id=id)
        self.show_root = True
        self.guide_depth = 3

    def render_label(
        self, node: TreeNode[ImageKey | None], base_style: Style, style: Style
    ) -> Text:
        """A label too wide for the pane (a KMS key ARN, say) ends with an ellipsis rather
        than being cut off mid-word at the edge."""
        label = super().render_label(node, base_style, style)
        depth, parent = 0, node.parent
        while parent is not None:
            depth, parent = depth + 1, parent.parent
        room = self.scrollable_content_region.width - depth * self.guide_depth - 1
        if room > 1 and label.cell_len > room:
            label.truncate(room, overflow="ellipsis")
        return label

    def show(self, image: Image | None, inventory: Inventory) -> None:
        self.clear()
        if image is None:
            self.root.set_label(Text("No image selected", style="dim italic"))
            return
        self.root.set_label(image_label(image, current=True))
        self.root.data = None
        if not image.block_devices:
            self.root.add_leaf(Text("no block devices", style="dim"))
        for device in image.block_devices:
            node = self.root.add(device_label(device, image.root_device_name), expand=True)
            if not device.snapshot_id:
                node.allow_expand = False
                continue
            snapshot = inventory.snapshot(image.region, device.snapshot_id, image.account)
            pending = inventory.snapshots_pending(image.region, image.account)
            label = snapshot_label(snapshot, device.snapshot_id, device, pending=pending)
            snap_node = node.add(label, expand=True)
            others = [
                other
                for other in inventory.images_mapping(
                    image.region, device.snapshot_id, image.account
                )
                if other.key != image.key
            ]
            if not others:
                snap_node.add_leaf(Text("no other image maps this snapshot", style="dim"))
                continue
            heading = f"also mapped by {len(others)} other image{'s' if len(others) > 1 else ''}"
            shared = snap_node.add(Text(heading, style="yellow"), expand=True)
            for other in others:
                shared.add_leaf(image_label(other), data=other.key)
        self.root.expand()
        self.move_cursor(self.root)

    def on_tree_node_selected(self, event: Tree.NodeSelected[ImageKey | None]) -> None:
        if event.node.data is not None:
            event.stop()
            self.post_message(JumpToImage(event.node.data))


class OrphanTree(Tree[None]):
    """Snapshots made for an image that no longer exists, per region."""

    DEFAULT_CSS = "OrphanTree { height: 1fr; background: transparent; }"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(Text("Orphaned snapshots"), id=id)

    def show(self, orphans: Sequence[OrphanedSnapshot], regions: Sequence[str]) -> None:
        self.clear()
        total_gib = sum(o.snapshot.volume_size for o in orphans)
        self.root.set_label(
            Text.assemble(
                ("Orphaned snapshots", "bold"),
                (f"  {len(orphans)} snapshots · {total_gib} GiB", "dim"),
            )
        )
        by_region: dict[str, list[OrphanedSnapshot]] = {r: [] for r in regions}
        for orphan in orphans:
            by_region.setdefault(orphan.snapshot.region, []).append(orphan)
        for region, items in by_region.items():
            label = Text.assemble((region, "bold"), (f"  {len(items)}", "dim"))
            node = self.root.add(label, expand=True)
            if not items:
                node.add_leaf(Text("none", style="dim"))
            for orphan in sorted(items, key=lambda o: o.snapshot.snapshot_id):
                snap = orphan.snapshot
                text = Text.assemble((snap.snapshot_id, "bold magenta"))
                text.append(f"  {snap.volume_size} GiB · {snap.state}")
                text.append(f" · made for {orphan.former_image_id} (gone)", style="yellow")
                text.append(f" · started {_time(snap.start_time)}", style="dim")
                node.add_leaf(text)
        self.root.expand()
