"""The live filter: ``/`` opens it, every keystroke filters, Enter returns to the table keeping
the filter, Escape clears it. A text that does not parse (see :mod:`amitui.filters`) is said
in red under the bar (:class:`FilterMessage`), and the table keeps the last filter that did.

Typing fast (or pasting) right after ``/`` or Enter races Textual's key routing: keys are
routed to whatever had focus when they arrived. So focus moves synchronously here, and keys
that reach the bar after it handed focus back are handed to the new focus
(:func:`~._textual_private.hand_key_to_focus`).
"""

from __future__ import annotations

from typing import ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Input, Static

from ._textual_private import hand_key_to_focus, set_virtual_size_without_layout


class FilterBar(Input):
    DEFAULT_CSS = """
    FilterBar { display: none; height: 1; border: none; padding: 0 1; background: $boost; }
    FilterBar:focus { border: none; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "clear", "Clear filter", id="filter.clear", tooltip="Clear the filter"),
    ]

    class Done(Message):
        """Back to the table (the filter stays unless it was cleared)."""

        def __init__(self, cleared: bool) -> None:
            super().__init__()
            self.cleared = cleared

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(
            placeholder="filter: words, !word, tag:K=V, arch:arm64, age>90d, deprecated… (? help)",
            id=id,
        )
        #: Where Enter and Escape send the focus (the image table).
        self.return_focus: Widget | None = None

    def open(self) -> None:
        # Shown and focused synchronously (display set directly, set_focus rather than the
        # deferred focus()), so the next queued key already lands here.
        self.display = True
        self.screen.set_focus(self)

    def _leave(self) -> None:
        if self.return_focus is not None:
            self.screen.set_focus(self.return_focus)

    def action_clear(self) -> None:
        self.value = ""
        self.display = False
        self._leave()
        self.post_message(self.Done(cleared=True))

    async def action_submit(self) -> None:
        if not self.value:
            self.display = False
        self._leave()
        self.post_message(self.Done(cleared=False))

    def _watch_value(self, value: str) -> None:
        # Input sets virtual_size (a reactive that lays out the whole screen: ~10 ms with
        # 100k rows) to the text's width on every keystroke. The bar's own size never depends
        # on it (one line, full width), so set it here without a layout first.
        set_virtual_size_without_layout(self, Size(self.content_width, 1))
        super()._watch_value(value)

    async def _on_key(self, event: events.Key) -> None:
        # has_focus lags (it follows Blur events); the screen's focus is the truth.
        if await hand_key_to_focus(self, event):
            return
        if event.key in ("enter", "escape"):
            # Here rather than only as bindings: bindings run after the key has bubbled,
            # by which time the keys typed after Enter would already be in the filter.
            event.stop()
            event.prevent_default()
            await (self.action_submit() if event.key == "enter" else self._clear())
            return
        await super()._on_key(event)

    async def _clear(self) -> None:
        self.action_clear()


class FilterMessage(Static):
    """Why the filter's text does not parse (one line under the bar), hidden when it does.

    Shown only once the text has stayed unparseable for :data:`SHOW_AFTER` seconds: the
    unfinished terms typed on the way to a good one (``age>`` before ``age>90d``) are not
    flashed, and the line's coming and going (each a layout of the whole screen, ~30 ms with
    100,000 rows) does not happen on every keystroke.
    """

    DEFAULT_CSS = """
    FilterMessage {
        display: none; height: 1; padding: 0 1; color: $text-error; background: $error 15%;
        text-wrap: nowrap; text-overflow: ellipsis;
    }
    """

    #: Seconds a text must stay unparseable before its error is shown.
    SHOW_AFTER = 0.4

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(markup=False, id=id)
        #: The current error ("" when the text parses), shown or about to be.
        self.message = ""
        self._pending: Timer | None = None

    def show_error(self, message: str) -> None:
        """``message``: the error, kept last good filter implied; "": none (hidden)."""
        self.message = message
        if self._pending is not None:
            self._pending.stop()
            self._pending = None
        if not message:
            if self.display:  # assigning it, even unchanged, lays out the screen
                self.display = False
        elif self.display:
            self._show()  # already showing: a new text, no layout
        else:
            self._pending = self.set_timer(self.SHOW_AFTER, self._show)

    def _show(self) -> None:
        self._pending = None
        if self.message:
            self.update(f"{self.message} (showing the last filter that parsed)")
            self.display = True
