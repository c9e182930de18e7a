"""The ``:`` command line's engine: each command parsed into its typed form, each bad line's
one-line error, and Tab completion of names and arguments."""

from __future__ import annotations

from pathlib import Path

import pytest

from amitui.command_line import (
    EVERY,
    ChangeColumns,
    CommandError,
    Export,
    Goto,
    Quit,
    SetOwner,
    SetTheme,
    ShowAccount,
    ShowRegion,
    SortBy,
    Vocabulary,
    complete,
    parse,
)

pytestmark = pytest.mark.fast

WORDS = Vocabulary(
    regions=("us-east-1", "eu-west-1", "eu-central-1"),
    accounts={
        "prod": "111111111111",
        "111111111111": "111111111111",
        "staging": "222222222222",
        "222222222222": "222222222222",
    },
    columns=("region", "id", "owner", "name", "created", "age", "boot", "size"),
    fixed_columns=("name",),
    themes=("textual-dark", "textual-light", "nord"),
)


@pytest.mark.parametrize(
    ("line", "command"),
    [
        (":region eu-west-1", ShowRegion("eu-west-1")),
        ("region *", ShowRegion(EVERY)),
        (":reg us-east-1", ShowRegion("us-east-1")),  # a prefix of one command's name
        (":s -size", SortBy("size", reverse=True)),
        (":account prod", ShowAccount("111111111111")),
        (":account PROD", ShowAccount("111111111111")),
        (":account 222222222222", ShowAccount("222222222222")),
        (":account *", ShowAccount(EVERY)),
        (":owner amazon", SetOwner("amazon")),
        (":owner 123456789012", SetOwner("123456789012")),
        (":sort created", SortBy("created", reverse=False)),
        (":sort -created", SortBy("created", reverse=True)),
        (":sort Name", SortBy("name", reverse=False)),
        (":cols +owner -boot", ChangeColumns((("owner", True), ("boot", False)))),
        (":cols", ChangeColumns(())),
        (":goto i-0abc", Goto("i-0abc")),
        (":goto 'web prod'", Goto("web prod")),
        (":theme nord", SetTheme("nord")),
        (":q", Quit()),
        (":quit", Quit()),
    ],
)
def test_each_command(line: str, command: object) -> None:
    assert parse(line, WORDS) == command


def test_export_names_a_file_in_a_directory_that_exists(tmp_path: Path) -> None:
    assert parse(f":export csv {tmp_path}/view.csv", WORDS) == Export("csv", tmp_path / "view.csv")
    assert parse(f":export JSON {tmp_path}/v.json", WORDS) == Export("json", tmp_path / "v.json")
    with pytest.raises(CommandError, match="is a directory"):
        parse(f":export csv {tmp_path}", WORDS)
    with pytest.raises(CommandError, match="no directory"):
        parse(f":export csv {tmp_path}/missing/view.csv", WORDS)


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ("", "no command: type one of region, account"),
        (":", "no command"),
        (":frobnicate", "no command 'frobnicate'; the commands are region, account"),
        (":region", "takes one argument: :region REGION"),
        (":region mars-1", "no region 'mars-1' in the view; the regions are us-east-1"),
        (":region us-east-1 eu-west-1", "takes one argument"),
        (":account dev", "no account 'dev'; the accounts are 111111111111"),
        (":owner nobody", "'nobody' is not an owner: self, shared, amazon"),
        (":owner 12345", "is not an owner"),
        (":sort colour", "no column 'colour'; the columns are region, id"),
        (":cols owner", "'owner': say +owner to show the column or -owner to hide it"),
        (":cols +colour", "no column 'colour'"),
        (":cols -name", "the name column is always shown"),
        (":goto", "takes one argument"),
        (":export", "takes a format and a file"),
        (":export xml out.xml", "takes a format and a file"),
        (":theme neon", "no theme 'neon'; the themes are textual-dark"),
        (":q now", ":q takes no argument"),
        (":goto 'unclosed", "cannot read the line"),
    ],
)
def test_bad_lines_say_why_in_one_line(line: str, error: str) -> None:
    with pytest.raises(CommandError) as raised:
        parse(line, WORDS)
    assert error in str(raised.value)
    assert "\n" not in str(raised.value)


def test_account_needs_an_account_set() -> None:
    with pytest.raises(CommandError, match="one account is loaded"):
        parse(":account prod", Vocabulary(regions=("us-east-1",)))


@pytest.mark.parametrize(
    ("line", "text", "candidates"),
    [
        ("", "", ("region", "account", "owner", "sort", "cols", "goto", "export", "theme",
                  "quit")),
        ("re", "region ", ("region",)),
        ("Q", "quit ", ("quit",)),
        ("region ", "region ", ("us-east-1", "eu-west-1", "eu-central-1", "*")),
        ("region eu", "region eu-", ("eu-west-1", "eu-central-1")),
        ("region eu-w", "region eu-west-1 ", ("eu-west-1",)),
        ("account pr", "account prod ", ("prod",)),
        ("owner a", "owner a", ("amazon", "aws-marketplace")),
        ("owner am", "owner amazon ", ("amazon",)),
        ("sort cr", "sort created ", ("created",)),
        ("sort -cr", "sort -created ", ("-created",)),
        ("cols +ow", "cols +owner ", ("+owner",)),
        ("cols +owner -bo", "cols +owner -boot ", ("-boot",)),
        ("cols ", "cols +", tuple(f"+{c}" for c in WORDS.columns)),
        ("export j", "export json ", ("json",)),
        ("theme textual-", "theme textual-", ("textual-dark", "textual-light")),
        ("theme n", "theme nord ", ("nord",)),
        ("region zz", "region zz", ()),
        ("nosuch x", "nosuch x", ()),
        ("goto i-0", "goto i-0", ()),
    ],
)  # fmt: skip
def test_tab_completes_names_and_arguments(
    line: str, text: str, candidates: tuple[str, ...]
) -> None:
    completion = complete(line, WORDS)
    assert completion.text == text
    assert completion.candidates == candidates


def test_tab_completes_the_export_file(tmp_path: Path) -> None:
    (tmp_path / "views").mkdir()
    (tmp_path / "view.csv").write_text("")
    (tmp_path / ".hidden").write_text("")
    assert complete(f"export csv {tmp_path}/vi", WORDS).candidates == (
        f"{tmp_path}/view.csv",
        f"{tmp_path}/views/",
    )
    assert complete(f"export csv {tmp_path}/views", WORDS).text == (
        f"export csv {tmp_path}/views/"  # a directory: no space, the file name comes next
    )
