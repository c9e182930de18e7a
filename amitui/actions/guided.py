"""Guided cleanup: rules that pick deregistration candidates from the whole inventory. Pure.

Rules (each optional; the selection rules combine with AND):

- ``keep_newest=N``: the newest N images of each family in each region are never candidates
  (a family is the ``Family`` tag, else the name without its trailing date/version).
- ``older_than_days=D``: created more than D days ago.
- ``not_launched_days=L``: not launched in the last L days (never launched counts).
- ``deprecated_before=DATE``: deprecated (deprecation time set) before DATE.
- ``tag=(K, V)``: tagged K=V (``V`` None: tagged K with any value).

Never candidates, whatever the rules: images of other accounts, images with deregistration
protection, images in use (or whose use could not be checked). The user reviews the
candidates, unmarks some, and sends the rest into the same deregister plan, which checks
every rule again against fresh lookups.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from amitui.actions.cleanup import is_protected
from amitui.actions.references import ImageUse, RegionUses
from amitui.model import Image, ImageKey
from amitui.totals import family_of


class RuleError(ValueError):
    """A rule the user typed that cannot be understood; the message says how to fix it."""


@dataclass(frozen=True, slots=True)
class CleanupRules:
    keep_newest: int | None = None
    older_than_days: int | None = None
    not_launched_days: int | None = None
    deprecated_before: datetime | None = None
    tag: tuple[str, str | None] | None = None

    @property
    def selects(self) -> bool:
        """True when at least one rule narrows the selection (else nothing is a candidate
        unless ``keep_newest`` leaves older releases over)."""
        return any(
            value is not None
            for value in (
                self.older_than_days,
                self.not_launched_days,
                self.deprecated_before,
                self.tag,
            )
        )

    def describe(self) -> str:
        parts = []
        if self.keep_newest is not None:
            parts.append(f"keep the newest {self.keep_newest} of each family")
        if self.older_than_days is not None:
            parts.append(f"older than {self.older_than_days} days")
        if self.not_launched_days is not None:
            parts.append(f"not launched in {self.not_launched_days} days")
        if self.deprecated_before is not None:
            parts.append(f"deprecated before {self.deprecated_before:%Y-%m-%d}")
        if self.tag is not None:
            key, value = self.tag
            parts.append(f"tagged {key}={value}" if value is not None else f"tagged {key}")
        return "; ".join(parts) or "no rules"


def _count(text: str, what: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit():
        raise RuleError(f"{what}: type a whole number of days or images, not {text!r}")
    return int(text)


def parse_rules(
    *,
    keep_newest: str = "",
    older_than_days: str = "",
    not_launched_days: str = "",
    deprecated_before: str = "",
    tag: str = "",
) -> CleanupRules:
    """Rules from what the user typed (blank: rule off); raises :class:`RuleError`."""
    before = None
    if deprecated_before.strip():
        try:
            before = datetime.strptime(deprecated_before.strip(), "%Y-%m-%d").replace(tzinfo=UTC)
        except ValueError:
            raise RuleError(
                f"deprecated before: type a date like 2026-01-31, not {deprecated_before!r}"
            ) from None
    tag_rule: tuple[str, str | None] | None = None
    if tag.strip():
        key, sep, value = tag.strip().partition("=")
        if not key.strip():
            raise RuleError("tag: type KEY=VALUE, or KEY for any value")
        tag_rule = (key.strip(), value.strip() if sep else None)
    return CleanupRules(
        keep_newest=_count(keep_newest, "keep newest"),
        older_than_days=_count(older_than_days, "older than"),
        not_launched_days=_count(not_launched_days, "not launched in"),
        deprecated_before=before,
        tag=tag_rule,
    )


@dataclass(frozen=True, slots=True)
class Candidate:
    image: Image
    #: Why the rules select it, e.g. ("older than 90 days", "never launched").
    why: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Spared:
    """An image the rules would not touch, and why (shown so the user can trust the list)."""

    image: Image
    why: str


@dataclass(frozen=True, slots=True)
class Selection:
    rules: CleanupRules
    candidates: tuple[Candidate, ...]
    #: Never candidates: not owned, protected, in use, use unknown.
    never: tuple[Spared, ...]
    #: Kept by ``keep_newest``.
    kept_newest: tuple[Spared, ...]


def _newest(images: Iterable[Image], keep: int) -> set[ImageKey]:
    families: dict[tuple[str, str], list[Image]] = defaultdict(list)
    for image in images:
        families[(image.region, family_of(image))].append(image)
    kept: set[ImageKey] = set()
    oldest = datetime.min.replace(tzinfo=UTC)
    for members in families.values():
        members.sort(key=lambda i: (i.creation_date or oldest, i.image_id), reverse=True)
        kept.update(i.key for i in members[:keep])
    return kept


def _never(
    image: Image,
    account_id: str,
    uses: Mapping[str, RegionUses] | None,
    elsewhere: Mapping[ImageKey, str],
) -> str | None:
    if image.owner_id != account_id:
        return f"not owned by this account (owner {image.owner_id or 'unknown'})"
    if is_protected(image.deregistration_protection):
        return f"deregistration protection ({image.deregistration_protection})"
    if uses is None:
        return None
    region = uses.get(image.region)
    if region is None or region.error is not None:
        why = region.error.describe() if region and region.error else "not checked"
        return f"could not check what uses it ({why})"
    found: tuple[ImageUse, ...] = region.of(image.image_id)
    if not found and image.key in elsewhere:
        return elsewhere[image.key]
    if found:
        return (
            "in use by "
            + ", ".join(u.describe() for u in found[:3])
            + (f" and {len(found) - 3} more" if len(found) > 3 else "")
        )
    return None


def _why(image: Image, rules: CleanupRules, now: datetime) -> tuple[str, ...] | None:
    """The reasons ``rules`` select ``image``, or None when one of them does not match."""
    why: list[str] = []
    if rules.older_than_days is not None:
        if image.creation_date is None or image.creation_date > now - timedelta(
            days=rules.older_than_days
        ):
            return None
        why.append(f"created {(now - image.creation_date).days} days ago")
    if rules.not_launched_days is not None:
        launched = image.last_launched_time
        if launched is not None and launched > now - timedelta(days=rules.not_launched_days):
            return None
        why.append(
            "never launched"
            if launched is None
            else f"last launched {(now - launched).days} days ago"
        )
    if rules.deprecated_before is not None:
        if image.deprecation_time is None or image.deprecation_time >= rules.deprecated_before:
            return None
        why.append(f"deprecated {image.deprecation_time:%Y-%m-%d}")
    if rules.tag is not None:
        key, value = rules.tag
        actual = image.tag(key)
        if actual is None or (value is not None and actual != value):
            return None
        why.append(f"tagged {key}={actual}")
    return tuple(why)


def select_candidates(
    images: Iterable[Image],
    rules: CleanupRules,
    *,
    now: datetime,
    account_id: str,
    uses: Mapping[str, RegionUses] | None,
    elsewhere: Mapping[ImageKey, str] | None = None,
) -> Selection:
    """Apply ``rules`` to ``images``. ``uses`` (region -> lookups) None: not checked yet,
    and then nothing is a candidate (an unchecked image is never offered). ``elsewhere``:
    image key -> why it is in use (or unchecked) in another loaded account
    (:func:`~amitui.actions.references.cross_account_uses`): it is spared, saying so."""
    pool = [i for i in images if i.state != "deregistered"]
    kept = _newest(pool, rules.keep_newest) if rules.keep_newest is not None else set()
    candidates: list[Candidate] = []
    never: list[Spared] = []
    kept_newest: list[Spared] = []
    for image in sorted(pool, key=lambda i: (i.region, family_of(i), i.name, i.image_id)):
        blocked = (
            _never(image, account_id, uses, elsewhere or {})
            if uses is not None
            else "use not checked yet"
        )
        if blocked is not None:
            never.append(Spared(image, blocked))
            continue
        if image.key in kept:
            kept_newest.append(
                Spared(image, f"one of the newest {rules.keep_newest} of its family")
            )
            continue
        if not rules.selects and rules.keep_newest is None:
            continue  # no rules: nothing is selected
        why = _why(image, rules, now)
        if why is None:
            continue
        if rules.keep_newest is not None:
            why = (*why, f"beyond the newest {rules.keep_newest} of {family_of(image)}")
        candidates.append(Candidate(image, why))
    return Selection(rules, tuple(candidates), tuple(never), tuple(kept_newest))
