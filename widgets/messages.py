"""Messages several widgets post to the App."""

from __future__ import annotations

from textual.message import Message

from amitui.model import ImageKey


class JumpToImage(Message):
    """The user picked another image (a copy in the lineage, a user of a shared snapshot):
    show it in the table and put the cursor on it."""

    def __init__(self, key: ImageKey) -> None:
        super().__init__()
        self.key = key
