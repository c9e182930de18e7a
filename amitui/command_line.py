"""The explorer's ``:`` command line, without Textual: the commands, what their arguments may
be, parsing a line into a typed command, and Tab completion.

What the arguments may be (the regions loaded, the accounts, the columns, the themes) is
the explorer's state: the screen hands it over as a :class:`Vocabulary` each time. Every
command is one :class:`Spec` entry in :data:`COMMANDS` (the palette and the help list them
from there); :func:`parse` returns one of the dataclasses below or raises
:class:`CommandError` with one line saying what is wrong.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from amitui.model import OWNER_PRESETS

#: What ``:region`` and ``:account`` take for "every one".
EVERY = "*"
EXPORT_FORMATS = ("csv", "json")


class CommandError(ValueError):
    """A line that is not a command; the message is one line for the user."""


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """What the arguments can be, now."""

    regions: Sequence[str] = ()
    #: What the user may type (alias or id) -> the account's label in the explorer.
    accounts: Mapping[str, str] = field(default_factory=dict)
    #: Column keys, in the table's order; the ones that cannot be hidden.
    columns: Sequence[str] = ()
    fixed_columns: Sequence[str] = ()
    themes: Sequence[str] = ()
    owners: Sequence[str] = tuple(owner for owner, _ in OWNER_PRESETS)


@dataclass(frozen=True, slots=True)
class ShowRegion:
    region: str  # EVERY: every region


@dataclass(frozen=True, slots=True)
class ShowAccount:
    label: str  # EVERY: every account


@dataclass(frozen=True, slots=True)
class SetOwner:
    owner: str


@dataclass(frozen=True, slots=True)
class SortBy:
    column: str
    reverse: bool


@dataclass(frozen=True, slots=True)
class ChangeColumns:
    """Column key -> shown (True) or hidden; empty: open the column chooser."""

    changes: tuple[tuple[str, bool], ...] = ()


@dataclass(frozen=True, slots=True)
class Goto:
    target: str


@dataclass(frozen=True, slots=True)
class Export:
    format: str
    path: Path


@dataclass(frozen=True, slots=True)
class SetTheme:
    name: str


@dataclass(frozen=True, slots=True)
class Quit:
    pass


Command = (
    ShowRegion | ShowAccount | SetOwner | SortBy | ChangeColumns | Goto | Export | SetTheme | Quit
)


@dataclass(frozen=True, slots=True)
class Spec:
    """One command: its name, other names, what it takes and what it does."""

    name: str
    usage: str
    help: str
    aliases: tuple[str, ...] = ()


COMMANDS: tuple[Spec, ...] = (
    Spec("region", "REGION|*", "Show only this region (* every region)"),
    Spec("account", "ACCOUNT|*", "Show only this account, by alias or id (* every account)"),
    Spec("owner", "self|shared|amazon|aws-marketplace|ACCOUNT_ID", "List whose images"),
    Spec("sort", "[-]COLUMN", "Sort by a column (-COLUMN: descending)"),
    Spec("cols", "[+COLUMN|-COLUMN…]", "Show (+) or hide (-) columns; alone: the chooser"),
    Spec("goto", "ID|NAME", "Go to the image an instance, template, group, … uses"),
    Spec("export", "csv|json FILE", "Write the filtered, sorted view as `amitui ls` does"),
    Spec("theme", "NAME", "Switch the colour theme"),
    Spec("quit", "", "Quit amitui", aliases=("q", "q!")),
)
_BY_NAME: dict[str, Spec] = {n: s for s in COMMANDS for n in (s.name, *s.aliases)}


def spec(name: str) -> Spec:
    return _BY_NAME[name]


def _split(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError as exc:  # an unclosed quote
        raise CommandError(f"cannot read the line: {exc}") from exc


def parse(text: str, vocabulary: Vocabulary) -> Command:
    """The command ``text`` (with or without its leading ``:``) says."""
    words = _split(text.strip().removeprefix(":"))
    if not words:
        raise CommandError("no command: type one of " + ", ".join(s.name for s in COMMANDS))
    name, args = words[0].lower(), words[1:]
    found = _BY_NAME.get(name)
    if found is None:
        matches = [s.name for s in COMMANDS if s.name.startswith(name)]
        if len(matches) == 1:
            found = _BY_NAME[matches[0]]  # an unambiguous prefix: ":reg eu-west-1"
        else:
            known = ", ".join(s.name for s in COMMANDS)
            raise CommandError(f"no command {name!r}; the commands are {known}")
    return _PARSERS[found.name](args, vocabulary)


def _one(args: list[str], usage: str) -> str:
    if len(args) != 1:
        raise CommandError(f"takes one argument: {usage}")
    return args[0]


def _region(args: list[str], vocabulary: Vocabulary) -> Command:
    region = _one(args, ":region REGION (or * for every region)")
    if region in (EVERY, "all"):
        return ShowRegion(EVERY)
    if region not in vocabulary.regions:
        known = ", ".join(vocabulary.regions) or "none loaded yet"
        raise CommandError(f"no region {region!r} in the view; the regions are {known}")
    return ShowRegion(region)


def _account(args: list[str], vocabulary: Vocabulary) -> Command:
    name = _one(args, ":account ALIAS|ID (or * for every account)")
    if name in (EVERY, "all"):
        return ShowAccount(EVERY)
    label = vocabulary.accounts.get(name)
    if label is None:
        lowered = {k.lower(): v for k, v in vocabulary.accounts.items()}
        label = lowered.get(name.lower())
    if label is None:
        if not vocabulary.accounts:
            raise CommandError("one account is loaded: :account needs an account set (--org…)")
        known = ", ".join(sorted(vocabulary.accounts))
        raise CommandError(f"no account {name!r}; the accounts are {known}")
    return ShowAccount(label)


def _owner(args: list[str], vocabulary: Vocabulary) -> Command:
    owner = _one(args, ":owner self|shared|amazon|aws-marketplace|ACCOUNT_ID")
    if owner in vocabulary.owners or (len(owner) == 12 and owner.isdigit()):
        return SetOwner(owner)
    presets = ", ".join(vocabulary.owners)
    raise CommandError(f"{owner!r} is not an owner: {presets}, or an account id (12 digits)")


def _sort(args: list[str], vocabulary: Vocabulary) -> Command:
    text = _one(args, ":sort COLUMN or :sort -COLUMN (descending)")
    reverse = text.startswith("-")
    key = text.removeprefix("-").removeprefix("+").lower()
    _check_column(key, vocabulary)
    return SortBy(key, reverse)


def _check_column(key: str, vocabulary: Vocabulary) -> None:
    if key not in vocabulary.columns:
        raise CommandError(f"no column {key!r}; the columns are {', '.join(vocabulary.columns)}")


def _cols(args: list[str], vocabulary: Vocabulary) -> Command:
    changes: list[tuple[str, bool]] = []
    for arg in args:
        sign, key = arg[:1], arg[1:].lower()
        if sign not in ("+", "-"):
            raise CommandError(f"{arg!r}: say +{arg} to show the column or -{arg} to hide it")
        _check_column(key, vocabulary)
        if sign == "-" and key in vocabulary.fixed_columns:
            raise CommandError(f"the {key} column is always shown")
        changes.append((key, sign == "+"))
    return ChangeColumns(tuple(changes))


def _goto(args: list[str], vocabulary: Vocabulary) -> Command:
    return Goto(_one(args, ":goto ID|NAME (an instance, launch template, group, image…)"))


def _export(args: list[str], vocabulary: Vocabulary) -> Command:
    if len(args) != 2 or args[0].lower() not in EXPORT_FORMATS:
        raise CommandError("takes a format and a file: :export csv FILE or :export json FILE")
    path = Path(os.path.expanduser(args[1]))
    if path.is_dir():
        raise CommandError(f"{path} is a directory: name a file")
    if not path.parent.is_dir():
        raise CommandError(f"no directory {path.parent} to write {path.name} in")
    return Export(args[0].lower(), path)


def _theme(args: list[str], vocabulary: Vocabulary) -> Command:
    name = _one(args, ":theme NAME")
    if name not in vocabulary.themes:
        raise CommandError(f"no theme {name!r}; the themes are {', '.join(vocabulary.themes)}")
    return SetTheme(name)


def _quit(args: list[str], vocabulary: Vocabulary) -> Command:
    if args:
        raise CommandError(":q takes no argument")
    return Quit()


_PARSERS = {
    "region": _region,
    "account": _account,
    "owner": _owner,
    "sort": _sort,
    "cols": _cols,
    "goto": _goto,
    "export": _export,
    "theme": _theme,
    "quit": _quit,
}


@dataclass(frozen=True, slots=True)
class Completion:
    """What Tab makes of a line: the line completed as far as every candidate agrees, and
    the candidates for the word being typed (shown under the line)."""

    text: str
    candidates: tuple[str, ...] = ()


def _candidates(name: str, index: int, word: str, vocabulary: Vocabulary) -> list[str]:
    """The values the ``index``-th argument of command ``name`` may take."""
    if name == "region" and index == 0:
        return [*vocabulary.regions, EVERY]
    if name == "account" and index == 0:
        return [*vocabulary.accounts, EVERY]
    if name == "owner" and index == 0:
        return list(vocabulary.owners)
    if name == "sort" and index == 0:
        prefix = "-" if word.startswith("-") else ""
        return [prefix + key for key in vocabulary.columns]
    if name == "cols":
        sign = word[:1] if word[:1] in ("+", "-") else "+"
        return [sign + key for key in vocabulary.columns]
    if name == "export" and index == 0:
        return list(EXPORT_FORMATS)
    if name == "export" and index == 1:
        return _paths(word)
    if name == "theme" and index == 0:
        return list(vocabulary.themes)
    return []


def _paths(word: str) -> list[str]:
    """Files and directories ``word`` may go on to name (directories end in ``/``)."""
    expanded = os.path.expanduser(word)
    folder, _, start = expanded.rpartition("/")
    shown_folder = word.rpartition("/")[0]
    try:
        entries = sorted(os.scandir(folder or "."), key=lambda e: e.name)
    except OSError:
        return []
    found = []
    for entry in entries:
        if entry.name.startswith(start) and (start.startswith(".") or entry.name[:1] != "."):
            name = entry.name + ("/" if entry.is_dir() else "")
            found.append(f"{shown_folder}/{name}" if folder or word.startswith("/") else name)
    return found


def _shared_start(texts: Sequence[str]) -> str:
    first, last = min(texts), max(texts)  # what these two share, all share
    size = next((i for i, (a, b) in enumerate(zip(first, last, strict=False)) if a != b), None)
    return first if size is None else first[:size]


def complete(text: str, vocabulary: Vocabulary) -> Completion:
    """Tab on ``text`` (the line without its ``:``): the word under the cursor (the line's
    last) completed as far as its candidates share, a space added when only one fits."""
    head, _, word = text.rpartition(" ")
    words = head.split()
    if not words:  # the command's name
        pool = [s.name for s in COMMANDS]
    else:
        found = _BY_NAME.get(words[0].lower())
        if found is None:
            return Completion(text)
        pool = _candidates(found.name, len(words) - 1, word, vocabulary)
    matching = tuple(dict.fromkeys(c for c in pool if c.lower().startswith(word.lower())))
    if not matching:
        return Completion(text)
    prefix = _shared_start([c.lower() for c in matching])
    if len(matching) == 1:
        single = matching[0]
        done = single if single.endswith("/") else single + " "
        return Completion(f"{head} {done}" if words else done, matching)
    best = next(c for c in matching if c.lower().startswith(prefix))[: len(prefix)]
    completed = best if len(best) > len(word) else word
    return Completion(f"{head} {completed}" if words else completed, matching)


__all__ = [
    "COMMANDS",
    "EVERY",
    "EXPORT_FORMATS",
    "ChangeColumns",
    "Command",
    "CommandError",
    "Completion",
    "Export",
    "Goto",
    "Quit",
    "SetOwner",
    "SetTheme",
    "ShowAccount",
    "ShowRegion",
    "SortBy",
    "Spec",
    "Vocabulary",
    "complete",
    "parse",
    "spec",
]
