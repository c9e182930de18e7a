"""Every private Textual or Rich name amitui relies on, in one place.

Each is here because a measured cost forced it (a public API reflows the whole screen with
100k rows loaded) or because no public hook runs early enough; each is pinned by
``tests/ui/test_textual_private.py``, which fails loudly when an upgrade changes it.

- ``Widget._scroll_update``: what assigning ``virtual_size`` does apart from the
  screen layout (scroll bars, scroll position clamping).
- ``Input._watch_value``: Input's value watcher, overridden by the filter bar to set its
  virtual size without a layout first.
- ``Widget._on_key`` / ``Input._on_key``: the key handler that runs *before* bindings; the
  image table and the filter bar override it where a key must be handled before the next
  queued one (see each override).
- ``App._check_bindings`` / ``Widget._forward_event``: how the App hands a key to the
  focus (priority bindings first, then the focused widget), replayed by
  :func:`hand_key_to_focus` for a key that reached a widget after the focus had left it.
- ``App._on_key``: the App's binding check for a key that bubbled up; amitui's App drops a
  key that arrives once every screen has gone (at exit) before that check runs.
- ``Widget._on_focus`` / ``Widget._on_blur``: overridden by the image table to drop its
  style cache in the same turn (a public ``on_focus`` handler runs after the repaint).
- ``textual.widgets._footer.FooterKey``: the footer's key widget (not exported), whose
  key, display, description and action the explorer's footer updates in place.
- ``rich._ratio.ratio_distribute``: Rich's split of a width by ratios, so that the details
  pane's two columns are exactly as wide as Rich's own grid would make them.
"""

from __future__ import annotations

from rich._ratio import ratio_distribute
from textual import events
from textual.geometry import Size
from textual.widget import Widget
from textual.widgets._footer import FooterKey

#: The private hooks overridden by amitui's widgets, as (class, name): the fence test checks
#: each still exists with the shape the overrides assume.
OVERRIDDEN_HOOKS: tuple[tuple[str, str], ...] = (
    ("textual.widgets.Input", "_watch_value"),
    ("textual.widgets.Input", "_on_key"),
    ("textual.widget.Widget", "_on_key"),
    ("textual.widget.Widget", "_on_focus"),
    ("textual.widget.Widget", "_on_blur"),
    ("textual.app.App", "_on_key"),
)


def set_virtual_size_without_layout(view: Widget, size: Size) -> None:
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
    view.set_reactive(Widget.virtual_size, size)
    view._scroll_update(size)


__all__ = ["OVERRIDDEN_HOOKS", "FooterKey", "ratio_distribute", "set_virtual_size_without_layout"]


async def hand_key_to_focus(widget: Widget, event: events.Key) -> bool:
    """Hand ``event`` on if the focus left ``widget`` after the key was queued for it.

    Keys typed fast (a paste, tmux send-keys) are routed to whatever had focus when they
    arrived, so the ones queued behind an Enter that moved the focus belong to the new focus.
    They get what the App gives a key arriving now: its priority bindings, then the focused
    widget (from which it bubbles to the ordinary bindings). Done in this turn, not re-posted
    to the App, whose queue outlives its last screen at exit (a key handled there then has no
    screen to check bindings on). Returns whether the key was handed on.
    """
    focused = widget.screen.focused
    if focused is None or focused is widget:
        return False
    event.stop()
    event.prevent_default()
    if not await widget.app._check_bindings(event.key, priority=True):
        focused._forward_event(events.Key(event.key, event.character))
    return True
