"""Scrolling helpers shared by the Line API widgets (the image table, the details pane)."""

from __future__ import annotations

from textual.geometry import Size
from textual.scroll_view import ScrollView


def set_virtual_size_without_layout(view: ScrollView, size: Size) -> None:
    """Set ``view``'s scrollable size without laying out the whole screen.

    Assigning ``virtual_size`` reflows the screen (~8-10 ms with 100k rows loaded). A view
    whose own size does not depend on its content can skip that; its scroll bars still lay
    out if they come or go. A view sized by its content (``auto`` width or height) gets the
    layout it needs.
    """
    if size == view.virtual_size:
        return
    if any(d is not None and d.is_auto for d in (view.styles.width, view.styles.height)):
        view.virtual_size = size
        return
    view.set_reactive(ScrollView.virtual_size, size)
    view._scroll_update(size)
