"""The filter language of the image table's ``/`` bar: terms separated by spaces, all of
which a row must match (AND).

Every term, with an example, is in :data:`TERMS` (the help screen lists them). Matching
ignores case. :func:`parse` turns the text into a :class:`Filter` once per
keystroke, or raises :class:`FilterError` naming the column it stopped at. Each term is a
predicate over :class:`~amitui.columns.ImageRow`, except plain words, which the table
searches in each row's haystack (in C); a table keeps each term's matches so that typing
the next term does not search again for the ones before it.

No Textual, no Rich: this module is the engine's (``amitui ls`` could use it).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from operator import attrgetter

from amitui.columns import ImageRow


class FilterError(ValueError):
    """A term that cannot be parsed: ``offset`` is the column (0-based) where it goes wrong."""

    def __init__(self, offset: int, reason: str) -> None:
        super().__init__(f"column {offset + 1}: {reason}")
        self.offset = offset
        self.reason = reason


Predicate = Callable[[ImageRow], bool]


@dataclass(frozen=True, slots=True)
class Term:
    """One term: ``key`` is its normal form (the cache key of its matches in a table)."""

    key: str
    #: The term is a plain word: rows whose haystack contains it (None: use ``predicate``).
    needle: str | None = None
    predicate: Predicate | None = field(default=None, compare=False)
    negated: bool = False

    def matches(self, row: ImageRow) -> bool:
        hit = self.needle in row.haystack if self.needle is not None else self._predicate(row)
        return hit is not self.negated

    @property
    def _predicate(self) -> Predicate:
        assert self.predicate is not None
        return self.predicate


@dataclass(frozen=True, slots=True)
class Filter:
    """Every term, in the order typed; no term: every row."""

    terms: tuple[Term, ...] = ()

    @property
    def key(self) -> str:
        return " ".join(term.key for term in self.terms)

    @property
    def needle(self) -> str | None:
        """The filter is one plain word (today's substring search): that word."""
        if len(self.terms) == 1 and not self.terms[0].negated:
            return self.terms[0].needle
        return None

    def matches(self, row: ImageRow) -> bool:
        return all(term.matches(row) for term in self.terms)


#: ``field:value`` fields -> what of a row the value is matched against.
_FIELDS: dict[str, Callable[[ImageRow], tuple[str, ...]]] = {
    "state": lambda r: (r.image.state,),
    "arch": lambda r: (r.image.architecture or "",),
    "region": lambda r: (r.image.region,),
    "account": lambda r: (r.account, r.image.account, r.image.owner_id),
    "owner": lambda r: (r.image.owner_id, r.image.image_owner_alias or ""),
}
#: Fields compared with a duration: ``age>90d``.
_DURATIONS = ("age", "launched")
_FLAGS: dict[str, Predicate] = {
    "deprecated": lambda r: r.image.is_deprecated(r.now),
    "public": attrgetter("image.public"),
    "shared": lambda r: r.access == "shared",
    # "enabled" or "enabled-with-cooldown"; "disabled-until …" is a cooldown running out.
    "protected": lambda r: (r.image.deregistration_protection or "").startswith("enabled"),
    # No use is known on this branch but LastLaunchedTime: what EC2 itself reports.
    "unused": lambda r: r.image.last_launched_time is None,
}
_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1),
          "mo": timedelta(days=30), "y": timedelta(days=365)}  # fmt: skip
_DURATION = re.compile(r"(\d+)(h|d|w|mo|y)")
_TOKEN = re.compile(r'"[^"]*"?|[^\s"]+"[^"]*"?|\S+')
_FIELD_TERM = re.compile(r"([a-z]+)(:|>|<)(.*)", re.DOTALL)

#: (example, what it matches), for the help screen and the docs.
TERMS: tuple[tuple[str, str], ...] = (
    ("word", "the id, name, account, description or a tag value contains it"),
    ('"two words"', "the same, spaces included (quoted, public is a word, not the flag)"),
    ("!term", "any term negated: !test, !deprecated, !tag:Team"),
    ("tag:Team=web", "the tag Team (any case) has the value; globs: tag:Team=web*"),
    ("tag:Team", "the image has a tag Team"),
    ("state:disabled", "the state (every field:value takes globs)"),
    ("arch:arm64", "the architecture"),
    ("account:prod", "the account listed from (alias or id), or the owner's id"),
    ("region:eu-*", "the region"),
    ("owner:amazon", "the owner's id or alias"),
    ("age>90d age<30d", "created more (less) than that long ago; units h, d, w, mo, y"),
    ("launched>180d", "last launched more than 180 days ago, or never"),
    ("launched<30d", "last launched within 30 days"),
    ("launched:never", "never launched (as far as EC2 says: it records from 2017)"),
    ("deprecated", "the deprecation time has passed"),
    ("public", "launchable by everyone"),
    ("shared", "shared with other accounts, or by another account with this one"),
    ("protected", "deregistration protection is on (with or without cooldown)"),
    ("unused", "no known use: never launched (LastLaunchedTime absent)"),
)


def parse(text: str) -> Filter:
    """The filter ``text`` says (see the module's table), or FilterError."""
    terms = [_term(match.group(), match.start()) for match in _TOKEN.finditer(text)]
    return Filter(tuple(terms))


def _term(token: str, offset: int) -> Term:
    negated = token.startswith("!")
    body, at = (token[1:], offset + 1) if negated else (token, offset)
    if not body:
        raise FilterError(offset, "'!' needs a term after it (e.g. !test)")
    if body.startswith("!"):
        raise FilterError(at, "one '!' negates; '!!' is not a term")
    term = _positive(body, at)
    return Term(("!" if negated else "") + term.key, term.needle, term.predicate, negated)


def _positive(body: str, offset: int) -> Term:
    if '"' in body:
        if not body.startswith('"'):
            raise FilterError(offset + body.index('"'), 'a quoted word starts with "')
        if len(body) < 2 or not body.endswith('"'):
            raise FilterError(offset, 'this quote is not closed (a " is missing)')
        word = body[1:-1].lower()
        if not word:
            raise FilterError(offset, 'empty quotes ("") match nothing in particular')
        return Term(f'"{word}"', needle=word)
    lowered = body.lower()
    flag = _FLAGS.get(lowered)
    if flag is not None:
        return Term(lowered, predicate=flag)
    match = _FIELD_TERM.fullmatch(lowered)
    if match is None:
        if lowered.startswith((":", ">", "<")):
            raise FilterError(offset, f"{body[0]!r} needs a field before it (e.g. age>90d)")
        return Term(lowered, needle=lowered)
    name, operator, value = match.groups()
    value_at = offset + len(name) + 1
    if name == "tag":
        if operator != ":":
            raise FilterError(offset + len(name), "tag takes ':' (tag:Team=web or tag:Team)")
        return _tag_term(body[len(name) + 1 :], value_at)
    if name in _DURATIONS:
        return _duration_term(name, operator, value, offset, value_at)
    if name in _FIELDS:
        if operator != ":":
            raise FilterError(offset + len(name), f"{name} takes ':' ({name}:VALUE)")
        if not value:
            raise FilterError(value_at, f"{name}: needs a value (e.g. {_EXAMPLES[name]})")
        return _field_term(name, value)
    known = ", ".join(sorted({*_FIELDS, "tag", *_DURATIONS}))
    raise FilterError(offset, f"no field {name!r} (fields: {known}); quote a word to search for it")


_EXAMPLES = {
    "state": "state:disabled",
    "arch": "arch:arm64",
    "region": "region:eu-*",
    "account": "account:prod",
    "owner": "owner:amazon",
}


def _matcher(pattern: str) -> Callable[[str], bool]:
    """Case-insensitive: equal to ``pattern``, or matching it as a glob (``*?[``)."""
    if any(char in pattern for char in "*?["):
        regex = re.compile(fnmatch.translate(pattern), re.IGNORECASE)
        return lambda text: regex.match(text) is not None
    return lambda text: text.lower() == pattern


def _field_term(name: str, value: str) -> Term:
    values, matches = _FIELDS[name], _matcher(value)
    return Term(f"{name}:{value}", predicate=lambda row: any(map(matches, values(row))))


def _tag_term(spec: str, offset: int) -> Term:
    key, equals, value = spec.partition("=")
    if not key:
        raise FilterError(offset, "tag: needs a tag key (tag:Team or tag:Team=web)")
    if equals and not value:
        raise FilterError(offset + len(key) + 1, f"tag:{key}= needs a value (tag:{key}=web)")
    key_matches = _matcher(key.lower())
    if not equals:
        return Term(
            f"tag:{key.lower()}",
            predicate=lambda row: any(key_matches(k) for k, _ in row.image.tags),
        )
    value_matches = _matcher(value.lower())
    return Term(
        f"tag:{key.lower()}={value.lower()}",
        predicate=lambda row: any(key_matches(k) and value_matches(v) for k, v in row.image.tags),
    )


def _duration_term(name: str, operator: str, value: str, offset: int, value_at: int) -> Term:
    if name == "launched" and operator == ":":
        if value != "never":
            raise FilterError(value_at, "launched: takes 'never' (or launched>180d, launched<30d)")
        return Term("launched:never", predicate=_FLAGS["unused"])
    if operator == ":":
        raise FilterError(offset + len(name), f"{name} compares: {name}>90d or {name}<30d")
    if not value:
        raise FilterError(value_at, f"{name}{operator} needs a duration (e.g. {name}{operator}90d)")
    match = _DURATION.fullmatch(value)
    if match is None:
        if value.isdigit():
            raise FilterError(
                value_at + len(value), f"{value} needs a unit: h, d, w, mo or y (e.g. {value}d)"
            )
        raise FilterError(value_at, f"{value!r} is not a duration (90d, 12w, 6mo, 1y, 36h)")
    span = int(match.group(1)) * _UNITS[match.group(2)]
    older = operator == ">"
    if name == "age":

        def by_age(row: ImageRow) -> bool:
            created = row.image.creation_date
            if created is None:
                return False  # no creation date: neither old nor young
            return (row.now - created > span) if older else (row.now - created < span)

        return Term(f"age{operator}{value}", predicate=by_age)

    def by_launch(row: ImageRow) -> bool:
        launched = row.image.last_launched_time
        if launched is None:
            return older  # never launched: longer ago than any span
        return (row.now - launched > span) if older else (row.now - launched < span)

    return Term(f"launched{operator}{value}", predicate=by_launch)


__all__ = ["TERMS", "Filter", "FilterError", "Term", "parse"]
