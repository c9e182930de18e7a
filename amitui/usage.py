"""What uses an image, and where a reverse lookup led: plain data the engine finds
(:mod:`amitui.actions.references`, :mod:`amitui.lookup`) and the widgets show.

It imports only the model, so that widgets (which must not import the engine) can render it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from amitui.model import ImageKey

# The groups of the Used-by tab, in the order it shows them.
INSTANCES = "Instances"
LAUNCH_TEMPLATES = "Launch template versions"
AUTO_SCALING = "Auto Scaling groups and launch configurations"
PARAMETERS = "SSM parameters and Image Builder recipes"
OTHER_ACCOUNTS = "Other accounts"
LAUNCH_PERMISSIONS = "Who can launch it"
GROUPS: tuple[str, ...] = (
    INSTANCES,
    LAUNCH_TEMPLATES,
    AUTO_SCALING,
    PARAMETERS,
    OTHER_ACCOUNTS,
    LAUNCH_PERMISSIONS,
)


@dataclass(frozen=True, slots=True)
class UseEntry:
    """One line of the Used-by tab."""

    group: str
    #: The line, e.g. ``instance i-0abc (running)``.
    text: str
    #: The thing alone, e.g. ``instance i-0abc`` ("" for who may launch it).
    what: str = ""
    #: Said on Enter: what this thing is and where it is.
    about: str = ""
    #: An image this entry leads to (Enter jumps there), if any.
    image: ImageKey | None = None


@dataclass(frozen=True, slots=True)
class UsedBy:
    """Everything known to use one image, with what could not be checked."""

    key: ImageKey
    entries: tuple[UseEntry, ...] = ()
    #: Lookups that failed: the image may be used by more than is listed.
    errors: tuple[str, ...] = ()

    def group(self, name: str) -> tuple[UseEntry, ...]:
        return tuple(e for e in self.entries if e.group == name)

    @property
    def count(self) -> int:
        """How many things use it (who may launch it is not a use)."""
        return sum(1 for e in self.entries if e.group != LAUNCH_PERMISSIONS)


@dataclass(frozen=True, slots=True)
class ImageFacts:
    """What is known of an image amitui cannot list (DescribeInstanceImageMetadata)."""

    image_id: str
    region: str
    name: str = ""
    owner_id: str = ""
    creation_date: datetime | None = None
    state: str = ""
    #: Why DescribeImages does not list it, e.g. "deregistered".
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Resolution:
    """Where a target (an instance, template, group, snapshot, parameter or image) led."""

    target: str
    #: The image, keyed by the loaded account it is shown under (or would be).
    key: ImageKey
    #: The hops, e.g. ("instance i-0abc in prod/eu-west-1", "launch template web-prod v7").
    hops: tuple[str, ...]
    #: Set when the image is not in the table: not listable (deregistered, unshared, another
    #: account's) or outside what is loaded; the facts say what is known of it.
    unlisted: ImageFacts | None = None

    @property
    def path(self) -> str:
        return " → ".join((*self.hops, self.key.image_id))


__all__ = [
    "AUTO_SCALING",
    "GROUPS",
    "INSTANCES",
    "LAUNCH_PERMISSIONS",
    "LAUNCH_TEMPLATES",
    "OTHER_ACCOUNTS",
    "PARAMETERS",
    "ImageFacts",
    "Resolution",
    "UseEntry",
    "UsedBy",
]
