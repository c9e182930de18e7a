"""The filter language of the image table's ``/`` bar: terms separated by spaces, all of
which a row must match (AND).

Every term, with an example, is in :data:`TERMS` (the help screen lists them). Matching
ignores case. :func:`parse` turns the text into a :class:`Filter` once per
keystroke, or raises :class:`FilterError` naming the column it stopped at. Each term is a
test over many :class:`~amitui.columns.ImageRow` at once (``map`` over C functions where it
can be), except plain words, which the table
searches in each row's haystack (in C); a table keeps each term's matches so that typing
the next term does not search again for the ones before it.

No Textual, no Rich: this module is the engine's (``amitui ls`` could use it).
"""

from __future__ import annotations

import fnmatch
import re
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import repeat
from operator import attrgetter, contains, eq, gt, is_, le, lt, sub
from typing import Any

from amitui.columns import ImageRow


class FilterError(ValueError):
    """A term that cannot be parsed: ``offset`` is the column (0-based) where it goes wrong."""

    def __init__(self, offset: int, reason: str) -> None:
        super().__init__(f"column {offset + 1}: {reason}")
        self.offset = offset
        self.reason = reason


#: What terms extract from one list of rows (a column of values, an index of tags), kept by
#: the caller while the rows stay the same: typing ``account:pr`` after ``account:p`` then
#: reads no row again. Keyed by what was extracted.
Memo = dict[str, Any]
#: A term over many rows at once: whether each matches (0/1 or bools, in the rows' order).
#: Built of ``map`` over C functions, or of a pass over the distinct values, so that 100,000
#: rows cost milliseconds.
Many = Callable[[Sequence[ImageRow], Memo], Iterable[int]]


@dataclass(frozen=True, slots=True)
class Term:
    """One term: ``key`` is its normal form (the cache key of its matches in a table)."""

    key: str
    #: The term is a plain word: rows whose haystack contains it (None: use ``many``).
    needle: str | None = None
    many: Many | None = field(default=None, compare=False)
    negated: bool = False

    def hits(self, rows: Sequence[ImageRow], memo: Memo | None = None) -> bytes:
        """Whether each row matches the term, its ``!`` aside: a byte (0 or 1) per row.
        ``memo``: kept from earlier calls over the same rows (None: a fresh one)."""
        if self.needle is not None:
            return bytes(map(contains, map(_haystack, rows), repeat(self.needle)))
        assert self.many is not None
        return bytes(self.many(rows, {} if memo is None else memo))

    def matches(self, row: ImageRow) -> bool:
        return bool(self.hits((row,))[0]) is not self.negated


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


_haystack = attrgetter("haystack")
_now = attrgetter("now")
#: Stand-ins for a missing time, so that comparisons run in C (see the terms below).
_NEVER_BEFORE = datetime.max.replace(tzinfo=UTC)
_MISSING_TIME = datetime.min.replace(tzinfo=UTC)
_MISSING_STAMP = _MISSING_TIME.timestamp()


def _values(path: str, missing: Any = None) -> Callable[[Sequence[ImageRow]], Iterable[Any]]:
    """Each row's attribute ``path``; ``missing`` stands in for None (found: ``dict.get``
    of a value that is not None gives the value back)."""
    getter = attrgetter(path)
    if missing is None:
        return lambda rows: map(getter, rows)
    swap = {None: missing}.get

    def values(rows: Sequence[ImageRow]) -> Iterable[Any]:
        found = list(map(getter, rows))
        return map(swap, found, found)

    return values


#: ``field:value`` fields -> the texts of a row the value is matched against (any of them).
_FIELDS: dict[str, tuple[Callable[[Sequence[ImageRow]], Iterable[str]], ...]] = {
    "state": (_values("image.state"),),
    "arch": (_values("image.architecture", ""),),
    "region": (_values("image.region"),),
    "account": (_values("account"), _values("image.account"), _values("image.owner_id")),
    "owner": (_values("image.owner_id"), _values("image.image_owner_alias", "")),
}
#: Fields compared with a duration: ``age>90d``.
_DURATIONS = ("age", "launched")
_protection = _values("image.deregistration_protection", "")
_FLAGS: dict[str, Many] = {
    # The deprecation time has passed; none: never (a time no "now" reaches).
    "deprecated": lambda rows, _: map(
        le, _values("image.deprecation_time", _NEVER_BEFORE)(rows), map(_now, rows)
    ),
    "public": lambda rows, _: _values("image.public")(rows),
    "shared": lambda rows, _: map(eq, map(attrgetter("access"), rows), repeat("shared")),
    # "enabled" or "enabled-with-cooldown"; "disabled-until …" is a cooldown running out.
    "protected": lambda rows, _: map(str.startswith, _protection(rows), repeat("enabled")),
    # No use is known on this branch but LastLaunchedTime: what EC2 itself reports.
    "unused": lambda rows, _: map(
        is_, map(attrgetter("image.last_launched_time"), rows), repeat(None)
    ),
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
    return Term(("!" if negated else "") + term.key, term.needle, term.many, negated)


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
        return Term(lowered, many=flag)
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
    """``value`` (lowercase) against each of the field's texts, in any case; globs."""
    matches = _matcher(value)

    def many(rows: Sequence[ImageRow], memo: Memo) -> Iterable[int]:
        # Fields have few distinct values (states, regions, accounts): each is tested once.
        codes, distinct = _field_codes(name, rows, memo)
        verdicts = [any(map(matches, texts)) for texts in distinct]
        return map(verdicts.__getitem__, codes)

    return Term(f"{name}:{value}", many=many)


def _field_codes(
    name: str, rows: Sequence[ImageRow], memo: Memo
) -> tuple[array[int], list[tuple[str, ...]]]:
    """The field's distinct texts, and which each row has (4 bytes a row)."""
    for _ in _build_field_codes(name, rows, memo):
        pass
    found: tuple[array[int], list[tuple[str, ...]]] = memo[name]
    return found


def _build_field_codes(name: str, rows: Sequence[ImageRow], memo: Memo) -> Iterator[None]:
    if name in memo:
        return
    codes, numbers = memo.setdefault(f"{name} building", (array("i"), {}))
    while len(codes) < len(rows):
        chunk = rows[len(codes) : len(codes) + WARM_UP_CHUNK]
        texts = list(zip(*(source(chunk) for source in _FIELDS[name]), strict=True))
        for text in dict.fromkeys(texts):  # few: states, regions, accounts
            numbers.setdefault(text, len(numbers))
        codes.extend(map(numbers.__getitem__, texts))
        if len(codes) < len(rows):
            yield
    memo.pop(f"{name} building")
    memo[name] = (codes, list(numbers))


def _tag_term(spec: str, offset: int) -> Term:
    key, equals, value = spec.partition("=")
    if not key:
        raise FilterError(offset, "tag: needs a tag key (tag:Team or tag:Team=web)")
    if equals and not value:
        raise FilterError(offset + len(key) + 1, f"tag:{key}= needs a value (tag:{key}=web)")
    key_matches = _matcher(key.lower())
    value_matches = _matcher(value.lower()) if equals else None

    def many(rows: Sequence[ImageRow], memo: Memo) -> Iterable[int]:
        hits = bytearray(len(rows))
        for tag_key, values in _tag_index(rows, memo).items():
            if key_matches(tag_key):
                for tag_value, numbers in values.items():
                    if value_matches is None or value_matches(tag_value):
                        for number in numbers:
                            hits[number] = 1
        return hits

    text = f"tag:{key.lower()}" + (f"={value.lower()}" if equals else "")
    return Term(text, many=many)


def _tag_index(rows: Sequence[ImageRow], memo: Memo) -> dict[str, dict[str, array[int]]]:
    """Tag key -> tag value -> the rows (their numbers) with that tag, keys and values in
    lowercase: made once per row set, a tag term then tests each distinct key and value."""
    for _ in _build_tag_index(rows, memo):
        pass
    index: dict[str, dict[str, array[int]]] = memo["tags"]
    return index


def _build_tag_index(rows: Sequence[ImageRow], memo: Memo) -> Iterator[None]:
    if "tags" in memo:
        return
    building: dict[str, dict[str, array[int]]] = memo.setdefault("tags building", {})
    done: int = memo.get("tags done", 0)
    tags_of = attrgetter("image.tags")
    while done < len(rows):
        chunk = rows[done : done + WARM_UP_CHUNK]
        for number, tags in enumerate(map(tags_of, chunk), done):
            for tag_key, tag_value in tags:
                values = building.setdefault(tag_key.lower(), {})
                numbers = values.get(tag_value.lower())
                if numbers is None:
                    numbers = values[tag_value.lower()] = array("i")
                numbers.append(number)
        done = memo["tags done"] = done + len(chunk)
        if done < len(rows):
            yield
    memo["tags"] = memo.pop("tags building")
    memo.pop("tags done", None)


def _duration_term(name: str, operator: str, value: str, offset: int, value_at: int) -> Term:
    if name == "launched" and operator == ":":
        if value != "never":
            raise FilterError(value_at, "launched: takes 'never' (or launched>180d, launched<30d)")
        return Term("launched:never", many=_FLAGS["unused"])
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
    span = (int(match.group(1)) * _UNITS[match.group(2)]).total_seconds()
    compare = gt if operator == ">" else lt

    def many(rows: Sequence[ImageRow], memo: Memo) -> Iterable[int]:
        return map(compare, _seconds_ago(name, rows, memo), repeat(span))

    return Term(f"{name}{operator}{value}", many=many)


#: What a missing time is, in seconds ago: no creation date is neither old nor young (NaN
#: compares false both ways); never launched is longer ago than any span.
_MISSING_AGO = {"age": float("nan"), "launched": float("inf")}
_TIMES = {"age": "image.creation_date", "launched": "image.last_launched_time"}


def _seconds_ago(name: str, rows: Sequence[ImageRow], memo: Memo) -> array[float]:
    """Each row's ``now`` minus its creation (``age``) or last launch time, in seconds (8
    bytes a row, made once per row set; every step a ``map`` in C)."""
    for _ in _build_seconds_ago(name, rows, memo):
        pass
    ago: array[float] = memo[name]
    return ago


def _build_seconds_ago(name: str, rows: Sequence[ImageRow], memo: Memo) -> Iterator[None]:
    if name in memo:
        return
    ago: array[float] = memo.setdefault(f"{name} building", array("d"))
    swap = {_MISSING_STAMP: -_MISSING_AGO[name]}.get  # now - (-inf) = inf; NaN stays
    times = _values(_TIMES[name], _MISSING_TIME)
    while len(ago) < len(rows):
        chunk = rows[len(ago) : len(ago) + WARM_UP_CHUNK]
        stamps = list(map(datetime.timestamp, times(chunk)))
        ago.extend(map(sub, map(datetime.timestamp, map(_now, chunk)), map(swap, stamps, stamps)))
        if len(ago) < len(rows):
            yield
    memo[name] = memo.pop(f"{name} building")


#: Rows read per step of a warm-up (each step: a few milliseconds to tens at this size).
WARM_UP_CHUNK = 10_000


def warm_up(rows: Sequence[ImageRow], memo: Memo) -> Iterator[None]:
    """Fill ``memo`` for every field, time and the tags ahead of the first term that needs
    them, WARM_UP_CHUNK rows per step: a table runs a step per idle turn, so the first key
    of a term is as cheap as the next."""
    for name in _FIELDS:
        yield from _build_field_codes(name, rows, memo)
        yield
    for name in _TIMES:
        yield from _build_seconds_ago(name, rows, memo)
        yield
    yield from _build_tag_index(rows, memo)


__all__ = ["TERMS", "Filter", "FilterError", "Memo", "Term", "parse", "warm_up"]
