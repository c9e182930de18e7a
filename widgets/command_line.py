"""The ``:`` command line, k9s' way: one line under the scope bar, Tab completes the command
or its argument (the candidates are listed under the line), Enter runs it, Escape closes it.

The commands and their completion are :mod:`amitui.command_line` (no Textual); this widget
asks the screen for the current :class:`~amitui.command_line.Vocabulary` on each Tab and
posts :class:`CommandLine.Submitted` with the parsed command. A line that is not a command
stays, with one red line saying why (:meth:`CommandLine.show_error`), so nothing typed is
lost.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Static

from amitui.command_line import Command, CommandError, Vocabulary, complete, parse

from ._textual_private import hand_key_to_focus

#: Candidates listed under the line at most (the rest are counted).
SHOWN_CANDIDATES = 12


class CommandInput(Input):
    """The line itself (its keys: Tab, Enter, Escape; the rest edit it)."""

    DEFAULT_CSS = """
    CommandInput { height: 1; border: none; padding: 0 1; background: $boost; }
    CommandInput:focus { border: none; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("tab", "complete", "Complete", id="command.complete",
                tooltip="Complete the command or its argument"),
        Binding("enter", "run", "Run", id="command.run", tooltip="Run the command"),
        Binding("escape", "close", "Close", id="command.close",
                tooltip="Close the command line"),
    ]  # fmt: skip

    def _line(self) -> CommandLine | None:
        return self.parent if isinstance(self.parent, CommandLine) else None

    # The bindings' actions, for the footer's keys (the keys themselves arrive in _on_key).
    def action_complete(self) -> None:
        if (line := self._line()) is not None:
            line.complete()

    def action_run(self) -> None:
        if (line := self._line()) is not None:
            line.submit()

    def action_close(self) -> None:
        if (line := self._line()) is not None:
            line.close()

    async def _on_key(self, event: events.Key) -> None:
        if await hand_key_to_focus(self, event):  # queued before Enter/Escape moved the focus
            return
        line = self._line()
        # Here rather than as bindings: Tab would move the focus first, and keys typed
        # right after Enter would already be in the line.
        if line is not None and event.key in ("tab", "enter", "escape"):
            event.stop()
            event.prevent_default()
            {"tab": line.complete, "enter": line.submit, "escape": line.close}[event.key]()
            return
        await super()._on_key(event)


class CommandLine(Widget):
    """``open()`` it; it posts :class:`Submitted` with the line, and :class:`Closed`."""

    DEFAULT_CSS = """
    CommandLine { display: none; height: auto; }
    CommandLine > #command-hint {
        display: none; height: auto; max-height: 3; padding: 0 1; color: $text-muted;
    }
    CommandLine > #command-hint.-error { color: $text-error; background: $error 15%; }
    """

    class Submitted(Message):
        """A line that parsed: ``command`` is what it says (the line has closed)."""

        def __init__(self, line: CommandLine, text: str, command: Command) -> None:
            super().__init__()
            self.line = line
            self.text = text
            self.command = command

        @property
        def control(self) -> CommandLine:
            return self.line

    class Closed(Message):
        """The line was closed (run or Escape): the focus went back."""

    def __init__(
        self, vocabulary: Callable[[], Vocabulary] = Vocabulary, *, id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self._vocabulary = vocabulary
        #: Where the focus goes when the line closes (the image table).
        self.return_focus: Widget | None = None

    def compose(self) -> ComposeResult:
        yield CommandInput(placeholder="command (Tab completes): region, sort, cols, export…")
        yield Static(id="command-hint", markup=False)

    @property
    def input(self) -> CommandInput:
        return self.query_one(CommandInput)

    @property
    def hint(self) -> str:
        """What is listed under the line (candidates or an error), "" when nothing."""
        hint = self.query_one("#command-hint", Static)
        return str(hint.content) if hint.display else ""

    def open(self, text: str = "") -> None:
        # Shown and focused synchronously (as the filter bar), so the next queued key lands.
        self.display = True
        self.input.value = text
        self.input.cursor_position = len(text)
        self._say("")
        self.screen.set_focus(self.input)

    def close(self) -> None:
        self.display = False
        self._say("")
        if self.return_focus is not None:
            self.screen.set_focus(self.return_focus)
        self.post_message(self.Closed())

    def submit(self) -> None:
        # Parsed here, in Enter's turn, so that the focus is back on the table before the
        # keys typed behind Enter are handled (a bad line keeps the focus and says why).
        text = self.input.value
        try:
            command = parse(text, self._vocabulary())
        except CommandError as exc:
            self.show_error(str(exc))
            return
        self.close()
        self.post_message(self.Submitted(self, text, command))

    def complete(self) -> None:
        completion = complete(self.input.value, self._vocabulary())
        self.input.value = completion.text
        self.input.cursor_position = len(completion.text)
        candidates = completion.candidates
        if len(candidates) > 1:
            shown = "  ".join(candidates[:SHOWN_CANDIDATES])
            more = len(candidates) - SHOWN_CANDIDATES
            self._say(shown + (f"  … {more} more" if more > 0 else ""))
        else:
            self._say("")

    def show_error(self, message: str) -> None:
        """The line is not a command: say why (the line stays as typed)."""
        self._say(message, error=True)

    def _say(self, text: str, *, error: bool = False) -> None:
        hint = self.query_one("#command-hint", Static)
        hint.update(text)
        hint.set_class(error, "-error")
        hint.display = bool(text)

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()  # the screen's filter listens for its own input's changes
        hint = self.query_one("#command-hint", Static)
        if hint.has_class("-error"):
            self._say("")  # the line changed: the error was about the old one

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()  # Enter is taken in CommandInput._on_key


__all__ = ["CommandInput", "CommandLine"]
