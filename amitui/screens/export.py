"""``:export FMT PATH``: the view (filtered, in its order) written as ``amitui ls --format
FMT`` writes it. Loads keep no AWS records, so the App asks EC2 for the images' records
(:class:`~amitui.screens.messages.ExportWanted`) and writes them in a thread; it tells the
screen how that went (:func:`show_exported`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from amitui.listing import AccountLabel, Listed
from amitui.model import Image
from amitui.screens.messages import ExportWanted

if TYPE_CHECKING:
    from amitui.screens.explorer import ExplorerScreen


def export_view(screen: ExplorerScreen, fmt: str, path: Path) -> None:
    """Ask the App to write what ``screen``'s table shows now to ``path``."""
    listed = [Listed(row.image, listed_account(screen, row.image))
              for row in screen.table.visible_rows]  # fmt: skip
    screen.notify(f"Exporting {len(listed)} images to {path}…", title="Export", markup=False)
    screen.post_message(ExportWanted(fmt, path, listed, len(screen.account_names) > 1))


def show_exported(screen: ExplorerScreen, path: Path, count: int, error: str = "") -> None:
    if error:
        screen.notify(error, title="Export", severity="error", markup=False)
    else:
        noun = "image" if count == 1 else "images"
        screen.notify(f"Wrote {count} {noun} to {path}", title="Export", markup=False)


def listed_account(screen: ExplorerScreen, image: Image) -> AccountLabel | None:
    """The account as `amitui ls` names it: its id, and its alias where known."""
    if screen.account_names:
        name = screen.account_names.get(image.account, image.account)
        return AccountLabel(image.account, name if name != image.account else None)
    if screen.account_id:
        return AccountLabel(screen.account_id, screen.account_alias)
    return None
