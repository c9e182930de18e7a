"""What the explorer screen asks the App for: typed dataclass messages, one per request
(the App handles each with ``@on``; the screen and its rooms post them). What needs the
engine goes up as one of these; the answers come down through the screen's ``show_…`` calls.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual.message import Message

from amitui.listing import Listed
from amitui.model import Image, ImageQuery, RegionKey


@dataclass
class ScreenReady(Message):
    """The panes are composed and mounted: the App may start loading into them."""


@dataclass
class FlowRequested(Message):
    """Start the flow behind an action key (``"copy"``, …) on the selected images."""

    action: str


@dataclass
class RefreshRequested(Message):
    """Reload every region."""


@dataclass
class SsoLoginRequested(Message):
    """Run ``aws sso login`` for every SSO session that needs it, then reload its accounts."""


@dataclass
class QueryChosen(Message):
    """List these images from now on (owner scope, deprecated/disabled toggles)."""

    query: ImageQuery


@dataclass
class RawRecordWanted(Message):
    """Show ``image``'s DescribeImages record, fetched now (the raw view)."""

    image: Image


@dataclass
class ExportWanted(Message):
    """Write ``listed`` (the view, in its order) to ``path`` as `amitui ls --format FMT`."""

    fmt: str
    path: Path
    listed: list[Listed]
    accounts: bool


@dataclass
class UseCountsWanted(Message):
    """Sweep these account-regions for the Used by column's counts."""

    keys: list[RegionKey]


@dataclass
class ExtrasWanted(Message):
    """The inspector shows ``image`` and has no extras for it yet."""

    image: Image


__all__ = [
    "ExportWanted",
    "ExtrasWanted",
    "FlowRequested",
    "QueryChosen",
    "RawRecordWanted",
    "RefreshRequested",
    "ScreenReady",
    "SsoLoginRequested",
    "UseCountsWanted",
]
