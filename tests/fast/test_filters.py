"""The ``/`` filter language over hand-made rows: every term, negation, AND, and every error
with the column it names."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from amitui.columns import ImageRow, make_row
from amitui.filters import TERMS, FilterError, parse
from amitui.model import Image

from ..records import ACCOUNT, NOW, OTHER_ACCOUNT, image

pytestmark = pytest.mark.fast


def rows() -> list[ImageRow]:
    images = [
        image(
            "web-golden-2026.11.03",
            region="eu-west-1",
            Architecture="arm64",
            tags={"Team": "web", "Stage": "prod"},
            created="2026-11-03T10:00:00.000Z",
            LastLaunchedTime="2026-11-19T08:00:00.000Z",
            protection="enabled",
        ),
        image(
            "api-base-2025.01.10",
            region="us-east-1",
            Architecture="x86_64",
            tags={"Team": "api"},
            created="2025-01-10T10:00:00.000Z",
            deprecation="2026-01-10T00:00:00.000Z",
            LastLaunchedTime="2026-02-01T00:00:00.000Z",
            protection="enabled-with-cooldown",
        ),
        image(
            "test-runner",
            region="eu-central-1",
            Architecture="arm64",
            state="disabled",
            created="2026-06-01T00:00:00.000Z",
            public=True,
            Description="ci test image",
            protection="disabled-until 2026-11-21T00:00:00.000Z",
        ),
        image(
            "partner-base",
            region="us-east-1",
            owner=OTHER_ACCOUNT,
            Architecture="x86_64",
            created="2026-10-01T00:00:00.000Z",
            ImageOwnerAlias="amazon",
        ),
    ]
    return [make_row(i, NOW, account_id=ACCOUNT) for i in images]


def names(text: str, table: Sequence[ImageRow] | None = None) -> list[str]:
    wanted = parse(text)
    return [r.image.name for r in (table or rows()) if wanted.matches(r)]


WEB, API, TEST, PARTNER = (
    "web-golden-2026.11.03",
    "api-base-2025.01.10",
    "test-runner",
    "partner-base",
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", [WEB, API, TEST, PARTNER]),
        ("   ", [WEB, API, TEST, PARTNER]),
        ("golden", [WEB]),
        ("GOLDEN", [WEB]),  # case ignored
        ("base", [API, PARTNER]),
        ("ci test", [TEST]),  # two words, ANDed: the description has both
        ('"ci test"', [TEST]),  # one phrase, space included
        ('"golden 2026"', []),  # not a phrase of any row
        ("!test", [WEB, API, PARTNER]),
        ("!base !test", [WEB]),
        ("tag:team=web", [WEB]),
        ("tag:Team=WEB", [WEB]),
        ("tag:team=a*", [API]),
        ("tag:stage", [WEB]),
        ("!tag:team", [TEST, PARTNER]),
        ("state:disabled", [TEST]),
        ("state:avail*", [WEB, API, PARTNER]),
        ("arch:arm64", [WEB, TEST]),
        ("!arch:arm64", [API, PARTNER]),
        ("region:eu-*", [WEB, TEST]),
        ("region:us-east-1", [API, PARTNER]),
        (f"account:{OTHER_ACCOUNT}", [PARTNER]),
        ("account:2109*", [PARTNER]),
        ("owner:amazon", [PARTNER]),
        ("age>90d", [API, TEST]),
        ("age<30d", [WEB]),
        ("age>1y", [API]),
        ("age<8w", [WEB, PARTNER]),
        ("age>5mo", [API, TEST]),
        ("age<400h", []),
        ("launched>180d", [API, TEST, PARTNER]),  # long ago, or never
        ("launched<30d", [WEB]),
        ("launched:never", [TEST, PARTNER]),
        ("deprecated", [API]),
        ("!deprecated", [WEB, TEST, PARTNER]),
        ("public", [TEST]),
        ('"public"', []),  # quoted: the word, not the flag
        ("shared", [PARTNER]),  # another owner's image: shared with us
        ("protected", [WEB, API]),  # a cooldown running out is not protection
        ("unused", [TEST, PARTNER]),  # no use known: never launched
        ("!unused", [WEB, API]),
        ("arch:arm64 age>90d !test", []),
        ("arch:arm64 age>90d", [TEST]),
        ("arch:x86_64 !deprecated", [PARTNER]),
    ],
)
def test_terms(text: str, expected: list[str]) -> None:
    assert names(text) == expected


def test_a_plain_word_is_the_haystack_search_and_terms_have_normal_keys() -> None:
    assert parse("Golden").needle == "golden"
    assert parse("!golden").needle is None
    assert parse("golden arm").needle is None
    assert parse("Tag:Team=Web  AGE>90d").key == "tag:team=web age>90d"


@pytest.mark.parametrize(
    ("text", "offset", "reason"),
    [
        ("!", 0, "'!' needs a term after it"),
        ("web !", 4, "'!' needs a term after it"),
        ("!!web", 1, "'!!' is not a term"),
        ('"web', 0, "this quote is not closed"),
        ('web "two words', 4, "this quote is not closed"),
        ('ab"c"', 2, 'a quoted word starts with "'),
        ('""', 0, "empty quotes"),
        ("foo:bar", 0, "no field 'foo'"),
        ("web colour:red", 4, "no field 'colour'"),
        (":web", 0, "needs a field before it"),
        (">3d", 0, "needs a field before it"),
        ("tag:", 4, "tag: needs a tag key"),
        ("tag:Team=", 9, "tag:Team= needs a value"),
        ("tag>3", 3, "tag takes ':'"),
        ("state:", 6, "state: needs a value"),
        ("arch>1", 4, "arch takes ':'"),
        ("age>", 4, "age> needs a duration"),
        ("age:90d", 3, "age compares"),
        ("age>90", 6, "90 needs a unit"),
        ("x age<ten", 6, "'ten' is not a duration"),
        ("age>9m", 4, "'9m' is not a duration"),
        ("launched:soon", 9, "launched: takes 'never'"),
    ],
)
def test_errors_say_where_and_why(text: str, offset: int, reason: str) -> None:
    with pytest.raises(FilterError) as raised:
        parse(text)
    assert raised.value.offset == offset
    assert reason in raised.value.reason
    assert str(raised.value).startswith(f"column {offset + 1}: ")


def test_an_image_without_creation_date_is_neither_old_nor_young() -> None:
    undated = Image.from_aws("us-east-1", {"ImageId": "ami-0123456789abcdef0", "Name": "x"})
    table = [make_row(undated, NOW)]
    assert names("age>1d", table) == []
    assert names("age<1d", table) == []
    assert names("!age>1d", table) == ["x"]


def test_every_term_the_help_lists_parses() -> None:
    for example, _meaning in TERMS:
        for term in example.split(" ") if not example.startswith('"') else [example]:
            assert parse(term).terms, term
