"""What the explorer screen says about itself: the image table's border title ("Images 12 of
40 · filter: web · ● 2 marked") and subtitle (the sort), the scope bar (whose account,
which profile, where EC2 calls go, whose images, read-only) and the table's empty text.

Plain text from plain values, without widgets: the screen writes them where they go.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from amitui.columns import column
from amitui.text import inert
from amitui.widgets.image_table import ImageTable


def table_title(table: ImageTable) -> str:
    title = f"Images {table.row_count}"
    if table.filter_text:
        title += f" of {table.total_count} · filter: {table.filter_text}"
    marks = len(table.marked_keys)
    if marks:
        title += f" · ● {marks} marked"
    return title


def sort_subtitle(table: ImageTable) -> str:
    label = column(table.sort_column).label
    return f"sorted by {label} {'▼' if table.sort_reverse else '▲'}"


def empty_text(table: ImageTable, *, busy: bool, owner: str) -> str:
    """What the table says when it shows no row (``owner``: whose images are listed)."""
    if busy:
        return "Loading…"
    if table.filter_text:
        hidden = table.total_count
        return (
            f"No image matches the filter {table.filter_text!r}: it hides all {hidden} "
            f"image{'' if hidden == 1 else 's'} (Escape clears it)"
        )
    return f"No images owned by {owner} in these regions"


@dataclass(frozen=True)
class Scope:
    """What the scope bar names."""

    owner: str
    profile: str | None = None
    account_id: str | None = None
    account_alias: str | None = None
    #: An account-set launch's accounts (label -> alias, else id); empty: one account.
    account_names: Mapping[str, str] | None = None
    #: An account set is being opened (the bar says so, not "profile default").
    many_accounts: bool = False
    #: The labels of the accounts a region of which failed.
    failing: frozenset[str] = frozenset()
    #: How many account sources gave no account.
    problems: int = 0
    endpoint: str | None = None
    demo: bool = False
    read_only: bool = False


def scope_text(scope: Scope) -> str:
    bits = ["amitui"]
    if scope.account_names:
        bits.append(accounts_summary(scope))
    elif scope.many_accounts:
        bits.append("opening the accounts…")
    elif scope.account_id:
        alias = f" ({scope.account_alias})" if scope.account_alias else ""
        bits.append(f"account {scope.account_id}{alias}")
    if not scope.many_accounts:
        bits.append(f"profile {scope.profile or 'default'}")
    # The host says enough (and a sandbox's random port would change every launch).
    host = urlsplit(scope.endpoint).hostname if scope.endpoint else None
    if scope.demo:
        bits.append("DEMO SANDBOX")
    elif scope.endpoint:
        bits.append(f"endpoint {host or scope.endpoint} (not AWS)")
    bits.append(f"owner: {scope.owner}")
    if scope.read_only:
        bits.append("READ-ONLY")
    return " · ".join(bits)


def accounts_summary(scope: Scope) -> str:
    """How many accounts, and which are failing (a region that failed, or no account)."""
    names = scope.account_names or {}
    failing = [names[label] for label in names if label in scope.failing]
    count = len(names)
    text = f"{count} account{'' if count == 1 else 's'}"
    if failing:
        text += f" (failing: {', '.join(failing)})"
    if scope.problems:
        text += f" · {scope.problems} not opened"
    return inert(text)
