"""The raw view (``Y``, as k9s' YAML view): one image's DescribeImages record as AWS sent it,
as highlighted JSON, scrollable; Escape closes.

Contract::

    ask_for_record(screen)                                 # Y: RawRecordWanted to the App
    app.push_screen(RawRecordScreen(image, record))       # the record, fetched just now
    app.push_screen(RawRecordScreen(image, None, error))  # EC2 no longer lists it, or failed

The App fetches the record fresh (``DescribeImages ImageIds=[id]`` with the image's own
account's credentials), so the view shows what EC2 says now, not what was loaded.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from rich.syntax import Syntax
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from amitui.model import Image
from amitui.screens.messages import RawRecordWanted
from amitui.text import inert

if TYPE_CHECKING:
    from amitui.screens.explorer import ExplorerScreen


def ask_for_record(screen: ExplorerScreen) -> None:
    """``Y``: ask the App for the record of the image under ``screen``'s cursor."""
    image = screen.table.cursor_image
    if image is None:
        screen.notify("No image under the cursor", severity="warning")
        return
    screen.post_message(RawRecordWanted(image))


def record_json(record: Mapping[str, Any]) -> str:
    """The record as indented JSON, keys in AWS's order; control characters in AMI text are
    escaped by JSON itself (``\\u001b``), so nothing in a name reaches the terminal raw."""
    return json.dumps(record, indent=2, default=str, ensure_ascii=True)


class RawRecordScreen(ModalScreen[None]):
    """One image's DescribeImages record."""

    DEFAULT_CSS = """
    RawRecordScreen { align: center middle; }
    RawRecordScreen > #raw-box {
        width: 90%; height: 90%; border: thick $primary; background: $surface; padding: 0 1;
    }
    RawRecordScreen #raw-title { text-style: bold; }
    RawRecordScreen #raw-scroll { height: 1fr; }
    RawRecordScreen #raw-error { color: $error; }
    RawRecordScreen #raw-help { color: $text-muted; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close", id="raw.close", tooltip="Back to the explorer"),
    ]

    def __init__(self, image: Image, record: Mapping[str, Any] | None, error: str = "") -> None:
        super().__init__()
        self.image = image
        self.record = record
        self.error = error

    @property
    def text(self) -> str:
        """What the view shows as the record: its JSON, or why there is none."""
        if self.record is not None:
            return record_json(self.record)
        return self.error or f"EC2 no longer lists {self.image.image_id} in {self.image.region}"

    def compose(self) -> ComposeResult:
        image = self.image
        where = f"{image.account}/{image.region}" if image.account else image.region
        with Vertical(id="raw-box"):
            yield Label(
                Text(inert(f"DescribeImages {image.image_id} ({where}), as EC2 answers it now")),
                id="raw-title",
            )
            with VerticalScroll(id="raw-scroll"):
                if self.record is not None:
                    yield Static(
                        Syntax(self.text, "json", theme="ansi_dark", word_wrap=True),
                        id="raw-record",
                    )
                else:
                    yield Static(Text(inert(self.text)), id="raw-error")
            yield Label("↑↓ PgUp PgDn scroll · Escape closes", id="raw-help")

    def on_mount(self) -> None:
        self.query_one("#raw-scroll").focus()

    def action_close(self) -> None:
        self.dismiss(None)


__all__ = ["RawRecordScreen", "ask_for_record", "record_json"]
