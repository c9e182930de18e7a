"""A yes/no question before a slow or costly step (e.g. "ask EC2 for image usage reports?").

Contract::

    yes: bool = await app.push_screen_wait(AskScreen(title, lines))

``y`` or Enter answers yes; ``n`` or Escape answers no. Every line is shown as inert text.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from amitui.text import inert


class AskScreen(ModalScreen[bool]):
    """Ask one question; dismiss with the answer."""

    DEFAULT_CSS = """
    AskScreen { align: center middle; }
    AskScreen > #ask-box {
        width: 80%; max-width: 110; height: auto; max-height: 80%;
        border: thick $warning; background: $surface; padding: 0 1;
    }
    AskScreen #ask-title { text-style: bold; }
    AskScreen #ask-help { color: $text-muted; margin-top: 1; }
    """

    BINDINGS = [
        Binding("y,enter", "answer(True)", "Yes", id="ask.yes", tooltip="Yes"),
        Binding("n,escape", "answer(False)", "No", id="ask.no", tooltip="No"),
    ]

    def __init__(self, title: str, lines: Sequence[str], *, yes: str = "yes") -> None:
        super().__init__()
        self.title_text = title
        self.lines = tuple(lines)
        self.yes = yes

    def compose(self) -> ComposeResult:
        with Vertical(id="ask-box"):
            yield Label(Text(inert(self.title_text)), id="ask-title")
            for line in self.lines:
                yield Static(Text(inert(line)), classes="ask-line")
            yield Static(Text(f"y or Enter: {inert(self.yes)} · n or Escape: no"), id="ask-help")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)
