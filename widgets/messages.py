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


class GotoRequested(Message):
    """Find what ``target`` names (an instance, launch template, Auto Scaling group,
    snapshot, image or SSM parameter, by id or name) and show the image it resolves to."""

    def __init__(self, target: str) -> None:
        super().__init__()
        self.target = target


class UsageReportWanted(Message):
    """Ask EC2 for an image usage report of ``account_ids`` (accounts amitui cannot read)
    about the image ``key``, for the Used-by tab."""

    def __init__(self, key: ImageKey, account_ids: tuple[str, ...]) -> None:
        super().__init__()
        self.key = key
        self.account_ids = account_ids
