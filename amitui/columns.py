"""The image table's columns: one :class:`Column` entry per column in :data:`COLUMNS`, holding
everything about it (label, width rule, cell text, sort key, style, whether the filter finds
it, when it is shown). Adding a column is adding one entry.

This module has neither Textual nor Rich (it is in the engine's import-linter contract, like
the action registry): a column's style is a Rich style *definition* (``"bold red"``), which
the widget (:mod:`amitui.widgets.image_table`) parses and caches.

What is computed when, so that 100,000 rows stay cheap:

- :func:`make_row`, once per image: only what every filter keystroke needs (the lowercase
  haystack of the searchable texts) and what a cell cannot work out alone (the access, which
  depends on who "self" is and on launch permissions fetched later; the account's display
  text). No cell text and no sort key is made here.
- A cell's text, when its row is drawn (a screen holds ~40 rows; the widget caches strips).
- A column's sort keys, on the first sort by that column: one pass of its ``sort_key`` over
  the rows, kept (as the order) until the rows change; the widget computes every column's
  order ahead in idle turns once the rows settle.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter
from types import MappingProxyType
from typing import Any, NamedTuple

from amitui.model import Image, ImageKey, cooldown_until
from amitui.text import inert

#: An ``ImageRow``'s Used by counts when its maker has none: how many instances and launch
#: templates use each image, per account-region swept
#: (:func:`amitui.actions.references.region_use_counts`, asked by the App when the Used by
#: column is turned on): one DescribeInstances and one DescribeLaunchTemplateVersions
#: ($Default and $Latest of every template) per region, paginated - never a call per image.
#: An image of a region not swept shows nothing; a swept image nothing uses shows 0. The
#: counts belong to the screen that made the rows (``ExplorerScreen.use_counts``), never to
#: the module: two Apps in one process must not see each other's.
NO_USE_COUNTS: Mapping[ImageKey, int] = MappingProxyType({})


class ImageRow(NamedTuple):
    """One image as the table holds it (see :func:`make_row`)."""

    image: Image
    key: ImageKey
    #: The time ages and deprecations are measured against.
    now: datetime
    #: "public", "shared" (with others, or with us) or "private".
    access: str
    #: The account the image was listed from, as shown: its alias if known, else its label
    #: ("" for the one account of a plain launch).
    account: str
    #: The searchable texts (see :attr:`Column.search`), lowercase, for the filter.
    haystack: str
    #: The sort keys of the eager columns (see :attr:`Column.eager`), in column order.
    eager_keys: tuple[Any, ...] = ()
    #: The Used by column's counts (see :data:`NO_USE_COUNTS`): the mapping of whoever made
    #: the row, shared by all its rows, so counts swept later show without remaking them.
    use_counts: Mapping[ImageKey, int] = NO_USE_COUNTS

    @property
    def cells(self) -> tuple[str, ...]:
        """The texts of every :data:`COLUMNS` cell, in that order (made on each call)."""
        return tuple(column.cell(self) for column in COLUMNS)


@dataclass(frozen=True, slots=True)
class Column:
    """One column of the image table."""

    key: str
    label: str
    #: Cells wide; 0: takes the width the other columns leave, up to what its texts need
    #: (the length that 90% of the rows' ``measure`` texts fit in). One column has width 0.
    width: int
    cell: Callable[[ImageRow], str]
    #: What the column sorts by (a value per row, compared with ``<``); None: the cell text.
    sort_key: Callable[[ImageRow], Any] | None = None
    #: A Rich style definition for a cell (its row and text); "" or None: the row's style.
    style: Callable[[ImageRow, str], str | None] | None = None
    right: bool = False
    min_width: int = 0
    #: Low-value columns give their room to the flexible column when it would be cut: 1 first.
    yields: int = 0
    #: The filter finds the cell text (it is part of each row's haystack).
    search: bool = False
    #: Shown only while this ImageTable flag (a reactive bool, e.g. "show_owner") is true;
    #: None: always.
    shown_when: str | None = None
    #: The sort key is computed once per image, in make_row, not on the first sort: for the
    #: column the table is sorted by while rows stream in (each arrival re-sorts every row).
    eager: bool = False
    #: For the flexible column: the text whose length sizes it, cheaper than the cell (it is
    #: measured over every row whenever the rows change); None: the cell text.
    measure: Callable[[ImageRow], str] | None = None

    def sort_function(self) -> Callable[[ImageRow], Any]:
        return self.sort_key if self.sort_key is not None else self.cell


def age_text(created: datetime | None, now: datetime) -> str:
    if created is None:
        return ""
    days = max(0, (now - created).days)
    if days < 60:
        return f"{days}d"
    if days < 730:
        return f"{days // 30}mo"
    return f"{days // 365}y"


_BOOT = {"legacy-bios": "bios", "uefi": "uefi", "uefi-preferred": "uefi+"}
_ROOT = {"ebs": "ebs", "instance-store": "inst"}
_STATE_STYLE = {
    "available": "green",
    "pending": "yellow",
    "failed": "bold red",
    "error": "bold red",
    "invalid": "red",
    "disabled": "dim",
    "deregistered": "dim strike",
}
_ACCESS_STYLE = {"public": "bold red", "shared": "cyan"}


def _get(path: str) -> Callable[[ImageRow], Any]:
    return attrgetter(path)


def _owner(row: ImageRow) -> str:
    image = row.image
    owner = inert(image.owner_id or "")
    if image.image_owner_alias:
        alias = inert(image.image_owner_alias)
        return f"{owner} ({alias})" if owner else alias
    return owner


def _date(value: datetime | None) -> str:
    return value.date().isoformat() if value else ""


def _created_key(row: ImageRow) -> float:
    created = row.image.creation_date
    return created.timestamp() if created else 0.0


def _deprecation_key(row: ImageRow) -> float:
    deprecation = row.image.deprecation_time
    return deprecation.timestamp() if deprecation else float("inf")


def _deprecation_style(row: ImageRow, _text: str) -> str:
    return "yellow" if row.image.is_deprecated(row.now) else "dim"


def _size(row: ImageRow) -> str:
    size = row.image.size_gib
    return f"{size} GiB" if size else ""


def _launched(row: ImageRow) -> str:
    return _date(row.image.last_launched_time) or "never"


def _launched_key(row: ImageRow) -> float:
    launched = row.image.last_launched_time
    return launched.timestamp() if launched else float("-inf")  # never: the longest ago


def _protection(row: ImageRow) -> str:
    protection = row.image.deregistration_protection
    if not protection or protection == "disabled":
        return ""
    if protection == "enabled-with-cooldown":
        return "on+cooldown"
    if protection.startswith("enabled"):
        return "on"
    until = cooldown_until(protection)  # "disabled-until <time>": the cooldown still holds
    if until is None or until <= row.now:
        return ""
    return f"until {until:%m-%d}"


#: Protection sort order: none, a cooldown running out, on, on with a cooldown.
_PROTECTION_RANK = {"": 0, "on": 2, "on+cooldown": 3}


def _protection_key(row: ImageRow) -> int:
    return _PROTECTION_RANK.get(_protection(row), 1)


def _used_by(row: ImageRow) -> str:
    count = row.use_counts.get(row.key)
    return "" if count is None else str(count)


COLUMNS: tuple[Column, ...] = (
    # Shown once the rows hold images of more than one account (see ImageTable.show_account).
    # Plain attributes are read through attrgetter (in C): a presort reads every row's.
    Column("account", "Account", 16, _get("account"), search=True, shown_when="show_account"),
    Column("region", "Region", 14, _get("image.region"), shown_when="show_region"),
    Column("id", "Image id", 21, _get("image.image_id"), search=True),
    # Shown while the view holds other owners' images (shared with me, amazon, …), or when
    # chosen. DescribeImages' OwnerId and ImageOwnerAlias, with every image: no call of its
    # own. Sorted by the id the cell starts with (the same order, without formatting every
    # cell). The filter finds the id and alias (13+ characters in each row's haystack).
    Column(
        "owner",
        "Owner",
        21,
        _owner,
        _get("image.owner_id"),
        search=True,
        shown_when="show_owner",
    ),
    Column(
        "name",
        "Name",
        0,
        lambda r: inert(r.image.name),
        sort_key=lambda r: r.image.name.lower(),
        min_width=16,
        search=True,
        measure=_get("image.name"),  # the cell's escapes matter little here
    ),
    Column(
        "created", "Created", 10, lambda r: _date(r.image.creation_date), _created_key, eager=True
    ),
    # Oldest first reads as "largest age first" when reversed.
    Column(
        "age",
        "Age",
        4,
        lambda r: age_text(r.image.creation_date, r.now),
        lambda r: -_created_key(r),
        right=True,
    ),
    Column("state", "State", 9, _get("image.state"), style=lambda _r, t: _STATE_STYLE.get(t)),
    Column("arch", "Arch", 6, lambda r: r.image.architecture or "", yields=3),
    Column(
        "root",
        "Root",
        4,
        lambda r: _ROOT.get(r.image.root_device_type or "", r.image.root_device_type or ""),
        yields=2,
    ),
    Column(
        "boot",
        "Boot",
        5,
        lambda r: _BOOT.get(r.image.boot_mode or "", r.image.boot_mode or ""),
        yields=1,
    ),
    Column("access", "Access", 7, _get("access"), style=lambda _r, t: _ACCESS_STYLE.get(t)),
    Column(
        "deprecation",
        "Deprecates",
        10,
        lambda r: _date(r.image.deprecation_time),
        _deprecation_key,
        style=_deprecation_style,
    ),
    Column("size", "Size", 7, _size, _get("image.size_gib"), right=True),
    # Off until chosen (ImageTable.show_launched). DescribeImages' LastLaunchedTime, read with
    # every image at load: no call of its own. "never" when EC2 sends none. The filter finds
    # the date and "never" (6-11 more characters in each row's haystack).
    Column(
        "launched",
        "Launched",
        10,
        _launched,
        _launched_key,
        style=lambda _r, t: "dim" if t == "never" else None,
        search=True,
        shown_when="show_launched",
    ),
    # Off until chosen (ImageTable.show_protection). DescribeImages' DeregistrationProtection,
    # read with every image at load: no call of its own. Blank when off; the filter finds
    # "on", "cooldown", "until".
    Column(
        "protection",
        "Protection",
        11,
        _protection,
        _protection_key,
        style=lambda _r, t: "bold" if t else None,
        search=True,
        shown_when="show_protection",
    ),
    # Off until asked for (the palette's Used by column entry); the rows' use_counts fill it.
    Column("used_by", "Used by", 7, _used_by, lambda r: r.use_counts.get(r.key, -1), right=True,
           shown_when="show_used_by"),
)  # fmt: skip
COLUMN_INDEX: dict[str, int] = {c.key: i for i, c in enumerate(COLUMNS)}
_SEARCHED: tuple[Callable[[ImageRow], str], ...] = tuple(c.cell for c in COLUMNS if c.search)
_EAGER: tuple[Callable[[ImageRow], Any], ...] = tuple(c.sort_function() for c in COLUMNS if c.eager)


def column(key: str) -> Column:
    """The registry's column ``key`` (ValueError if there is none)."""
    index = COLUMN_INDEX.get(key)
    if index is None:
        raise ValueError(f"no column {key!r}; the columns are {', '.join(COLUMN_INDEX)}")
    return COLUMNS[index]


def make_row(
    image: Image,
    now: datetime,
    *,
    account_id: str | None = None,
    shared: bool = False,
    account_names: Mapping[str, str] | None = None,
    columns: Sequence[Column] = COLUMNS,
    use_counts: Mapping[ImageKey, int] = NO_USE_COUNTS,
) -> ImageRow:
    """What the table needs of ``image`` on every keystroke (cells are made when drawn).

    ``account_id`` is the caller's account: an image it does not own was shared with it.
    ``shared``: the image's launch permissions (fetched lazily) name other accounts.
    ``account_names``: account label -> display text (an alias); default the label.
    ``columns``: whose searchable cells go into the haystack and whose eager sort keys
    are computed (the table's columns).
    ``use_counts``: the Used by counts the row reads (kept by reference: filled later).
    """
    if image.public:
        access = "public"
    elif shared or (account_id is not None and image.owner_id and image.owner_id != account_id):
        access = "shared"
    else:
        access = "private"
    account = image.account
    if account_names:
        account = account_names.get(account, account)
    row = ImageRow(image, image.key, now, access, account, "", (), use_counts)
    if columns is COLUMNS:
        searched, eager = _SEARCHED, _EAGER
    else:
        searched = tuple(c.cell for c in columns if c.search)
        eager = tuple(c.sort_function() for c in columns if c.eager)
    texts = [text for cell in searched if (text := cell(row))]
    texts.append(image.description)
    texts.extend(value for _, value in image.tags)
    haystack = "\n".join(texts).lower()
    keys = tuple([sort_key(row) for sort_key in eager])
    return ImageRow(image, row.key, now, access, account, haystack, keys, use_counts)


def rows_for(
    images: Iterable[Image],
    now: datetime,
    account_id: str | None = None,
    *,
    columns: Sequence[Column] = COLUMNS,
) -> list[ImageRow]:
    return [make_row(image, now, account_id=account_id, columns=columns) for image in images]
