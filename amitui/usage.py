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
    #: Accounts amitui cannot read that this entry stands for: Enter asks EC2 for an image
    #: usage report of them, whose entries then replace this one.
    report_accounts: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class UsedBy:
    """Everything known to use one image, with what could not be checked."""

    key: ImageKey
    entries: tuple[UseEntry, ...] = ()
    #: Lookups that failed: the image may be used by more than is listed.
    errors: tuple[str, ...] = ()
    #: What the user should know of how it was looked up, e.g. that the account hides
    #: managed resources (which are listed all the same).
    notes: tuple[str, ...] = ()

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


#: An ancestor's state when DescribeImages no longer finds it.
GONE = "deregistered or no longer visible"


@dataclass(frozen=True, slots=True)
class Ancestor:
    """One image of an ancestry chain (GetImageAncestry), with what DescribeImages says of
    it now."""

    image_id: str
    region: str
    creation_date: datetime | None = None
    owner_alias: str = ""
    name: str = ""
    #: "available", "disabled", …; :data:`GONE` when DescribeImages does not find it.
    state: str = ""
    deprecated: bool = False

    @property
    def stale(self) -> bool:
        return self.deprecated or self.state in (GONE, "disabled")

    @property
    def condition(self) -> str:
        if self.state == GONE:
            return GONE
        return "deprecated" if self.deprecated else self.state


@dataclass(frozen=True, slots=True)
class Ancestry:
    """An image's chain: the image itself, its source, …, the root."""

    key: ImageKey
    chain: tuple[Ancestor, ...] = ()
    #: Why the chain could not be read ("" when it was).
    error: str = ""

    @property
    def stale_bases(self) -> tuple[Ancestor, ...]:
        """Ancestors (not the image itself) now deprecated, disabled or gone."""
        return tuple(a for a in self.chain[1:] if a.stale)

    @property
    def staleness(self) -> str:
        """The staleness signal, e.g. "built from a base that is now deprecated or
        deregistered: ami-0abc (deprecated)"; "" when every base is current."""
        bases = self.stale_bases
        if not bases:
            return ""
        named = ", ".join(f"{a.image_id} ({a.condition})" for a in bases)
        return f"built from a base that is now deprecated or deregistered: {named}"


__all__ = [
    "AUTO_SCALING",
    "GONE",
    "GROUPS",
    "INSTANCES",
    "LAUNCH_PERMISSIONS",
    "LAUNCH_TEMPLATES",
    "OTHER_ACCOUNTS",
    "PARAMETERS",
    "Ancestor",
    "Ancestry",
    "ImageFacts",
    "Resolution",
    "UseEntry",
    "UsedBy",
]
