"""amitui.fastparse: DescribeImages and DescribeSnapshots answers parsed exactly as botocore
parses them, over HTTP from the sandbox, or left to botocore.

Every comparison is between two sessions that differ only in their parser: the product's
(``AwsSession()``, the fast path) and botocore's own (``AwsSession(fast_parse=False)``).
Equality is strict: the same keys, values and value types, record by record and field by
field (``same``), so ``True`` is not taken for ``1`` nor ``"8"`` for ``8``.

Generated answers are served by the sandbox's proxy (a canned 200 answer per request) and hold
every member of both output shapes, read from botocore's EC2 model, so a member botocore
learns in a future release is generated too. The EC2 API reference on the answers' form
(DescribeImages): "The order of the elements in the response, including those within nested
structures, might vary. Applications should not assume the elements appear in a particular
order." -- so the generated answers shuffle their elements. What the elements hold (empty
elements, character references, markup escaped in a name) the reference does not say; they
are what XML allows and botocore parses.
"""

from __future__ import annotations

import dataclasses
import logging
import random
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any
from xml.etree import ElementTree

import botocore.session
import pytest

from amitui import fastparse, loader
from amitui.aws import AwsSession, Credentials
from amitui.backend import demo_sandbox
from amitui.loader import load_region
from amitui.model import Image, RegionLoad, Snapshot
from amitui.sandbox import SANDBOX_CREDENTIALS, Sandbox, demo
from amitui.sandbox.proxy import AwsError, FaultProxy, HttpError

from .conftest import ENGINE_REGIONS
from .sandbox_api import ec2_client, make_snapshot, member_keys, register_image

REGION = ENGINE_REGIONS[0]
NAMESPACE = "http://ec2.amazonaws.com/doc/2016-11-15/"


@asynccontextmanager
async def session(
    endpoint_url: str, *, fast: bool, keys: dict[str, str] | None = None
) -> AsyncIterator[AwsSession]:
    keys = keys or {
        "aws_access_key_id": SANDBOX_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": SANDBOX_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        "aws_session_token": SANDBOX_CREDENTIALS["AWS_SESSION_TOKEN"],
    }
    credentials = Credentials(
        keys["aws_access_key_id"], keys["aws_secret_access_key"], keys["aws_session_token"]
    )
    async with AwsSession(
        endpoint_url=endpoint_url, credentials=credentials, fast_parse=fast, max_attempts=1
    ) as aws:
        yield aws


def same(fast: Any, reference: Any, where: str = "") -> None:
    """``fast`` equals ``reference`` with the same types all the way down."""
    if dataclasses.is_dataclass(reference) and not isinstance(reference, type):
        assert type(fast) is type(reference), where
        for field in dataclasses.fields(reference):
            if field.compare:  # ``raw``: compared on its own where a load keeps it
                same(
                    getattr(fast, field.name),
                    getattr(reference, field.name),
                    f"{where}.{field.name}",
                )
        return
    assert type(fast) is type(reference), f"{where}: {type(fast)} != {type(reference)}"
    if isinstance(reference, dict):
        assert list(fast) == list(reference), where  # the same keys, in the same order
        for key, value in reference.items():
            same(fast[key], value, f"{where}.{key}")
    elif isinstance(reference, list | tuple):
        assert len(fast) == len(reference), where
        for i, (a, b) in enumerate(zip(fast, reference, strict=True)):
            same(a, b, f"{where}[{i}]")
    elif isinstance(reference, ElementTree.Element):  # botocore's value of a repeated text
        assert ElementTree.tostring(fast) == ElementTree.tostring(reference), where
    else:
        assert fast == reference, f"{where}: {fast!r} != {reference!r}"


def fell_back(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == fastparse.LOG.name]


# --- generated answers: every member of both output shapes --------------------------------

#: Texts a string member gets, in turn: plain, unicode, escaped markup and entities,
#: character references, an empty element, surrounding spaces.
TEXTS = (
    "web-golden-2026.11.03",
    "Bildgröße 画像 🚀 ünïcødé",
    "&lt;b&gt;bold&lt;/b&gt; &amp; &quot;q&quot; &apos;a&apos;",
    "caf&#233; &#x1F680; [Copied ami-0123456789abcdef0 from eu-west-1]",
    "",
    "  spaced  ",
)
TIMESTAMPS = ("2026-11-20T12:00:00.000Z", "2025-03-01T10:00:00Z", "2024-01-02T03:04:05+01:00")
#: Strings the model reads as times: a valid one, the other forms EC2 could send, garbage.
TIME_STRINGS = (*TIMESTAMPS, "not a time")


class Generator:
    """EC2-style XML for an output shape, every member present (values in turn), only the
    required ones, or every member empty."""

    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)
        self.turn = 0
        self.records = 0

    def _next(self, values: tuple[Any, ...]) -> Any:
        self.turn += 1
        return values[self.turn % len(values)]

    def element(self, tag: str, shape: Any, member: str, variant: str, depth: int) -> str:
        kind = shape.type_name
        if variant == "empty" and kind not in ("integer", "long", "float", "double", "timestamp"):
            return f"<{tag}/>"
        if kind == "structure":
            return f"<{tag}>{self.members(shape, variant, depth + 1)}</{tag}>"
        if kind == "list":
            item = shape.member.serialization.get("name", "member")
            # The first record's lists hold two items (every member is then present once);
            # the others' lists hold none, one or two.
            count = 2 if self.records == 1 else self.random.choice((0, 1, 2))
            items = "".join(
                self.element(item, shape.member, "", variant, depth + 1) for _ in range(count)
            )
            return f"<{tag}>{items}</{tag}>"
        if kind == "string":
            if member in ("CreationDate", "DeprecationTime", "LastLaunchedTime"):
                text = self._next(TIME_STRINGS)
            elif member == "DeregistrationProtection":
                text = self._next(
                    ("disabled", "enabled-with-cooldown", f"disabled-until {TIMESTAMPS[0]}")
                )
            else:
                text = self._next(TEXTS)
            return f"<{tag}>{text}</{tag}>" if text else f"<{tag}/>"
        if kind == "boolean":
            return f"<{tag}>{self._next(('true', 'false', 'TRUE'))}</{tag}>"
        if kind in ("integer", "long"):
            return f"<{tag}>{self._next(('8', '0', '-1', '16384'))}</{tag}>"
        if kind in ("float", "double"):
            return f"<{tag}>{self._next(('1.5', '0'))}</{tag}>"
        if kind == "timestamp":
            return f"<{tag}>{self._next(TIMESTAMPS)}</{tag}>"
        raise AssertionError(f"the generator does not know {kind} ({shape.name})")

    def members(self, shape: Any, variant: str, depth: int) -> str:
        parts = [
            self.element(member.serialization.get("name") or name, member, name, variant, depth)
            for name, member in shape.members.items()
            if variant != "required"
            or name in shape.required_members
            or name in ("ImageId", "SnapshotId")
        ]
        self.random.shuffle(parts)
        return "\n  ".join(parts)

    def answer(self, operation: str, items: list[str], next_token: str | None) -> bytes:
        list_tag = {"DescribeImages": "imagesSet", "DescribeSnapshots": "snapshotSet"}[operation]
        parts = [
            f"<requestId>{operation}-request-0001</requestId>",
            f"<{list_tag}>{''.join(items)}</{list_tag}>",
        ]
        if next_token is not None:
            parts.append(f"<nextToken>{next_token}</nextToken>")
        self.random.shuffle(parts)
        body = "".join(parts)
        return (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<{operation}Response xmlns="{NAMESPACE}">'
            f"{body}</{operation}Response>"
        ).encode()


def item_shape(operation: str) -> Any:
    model = botocore.session.get_session().get_service_model("ec2")
    output = model.operation_model(operation).output_shape
    (listed,) = [m for m in output.members.values() if m.type_name == "list"]
    return listed.member


def generated_answer(operation: str, seed: int, next_token: str | None = "token-2") -> bytes:
    generate = Generator(seed)
    shape = item_shape(operation)
    items = []
    for variant in ("full", "full", "full", "required", "empty", "full"):
        generate.records += 1
        items.append(f"<item>{generate.members(shape, variant, 1)}</item>")
    return generate.answer(operation, items, next_token)


def without_headers(parsed: dict[str, Any]) -> dict[str, Any]:
    """The answer less its HTTP headers (the proxy's Date can differ between two answers)."""
    metadata = {k: v for k, v in parsed["ResponseMetadata"].items() if k != "HTTPHeaders"}
    return {**parsed, "ResponseMetadata": metadata}


async def both_parse(
    proxy: FaultProxy, operation: str, body: bytes
) -> tuple[dict[str, Any], dict[str, Any]]:
    """``body`` answered to one ``operation`` call of each session: (fast, botocore)."""
    answers = []
    for fast in (True, False):
        proxy.add_fault(HttpError(200, body), action=operation, count=1)
        async with session(proxy.url, fast=fast) as aws:
            answers.append(without_headers(await aws.call(REGION, operation)))
    return answers[0], answers[1]


def test_the_generated_answers_hold_every_member_of_both_shapes() -> None:
    """The generator covers the model (what the next test's equality is worth), and the
    fast path compiles both shapes (no member type it does not parse)."""
    for operation, tag in (("DescribeImages", "item"), ("DescribeSnapshots", "item")):
        body = generated_answer(operation, seed=1).decode()
        shape = item_shape(operation)

        def tags(shape: Any) -> Iterator[str]:
            for name, member in shape.members.items():
                yield member.serialization.get("name") or name
                if member.type_name == "structure":
                    yield from tags(member)
                elif member.type_name == "list" and member.member.type_name == "structure":
                    yield from tags(member.member)

        missing = {t for t in tags(shape) if f"<{t}>" not in body}
        assert not missing, missing
        assert tag in body
        model = botocore.session.get_session().get_service_model("ec2")
        compiler = fastparse.compiler_for(lambda text: text)
        assert compiler.root_table(model.operation_model(operation).output_shape)


@pytest.mark.parametrize("operation", ["DescribeImages", "DescribeSnapshots"])
@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_generated_answers_parse_exactly_as_botocore_parses_them(
    fault_proxy: FaultProxy, caplog: pytest.LogCaptureFixture, operation: str, seed: int
) -> None:
    """Every member present (unicode, escaped markup, character references, empty and
    spaced texts, every boolean and number form), only the ids, every member empty; empty,
    one-item and two-item lists; a NextToken. The fast path takes them all (no fall-back)."""
    body = generated_answer(operation, seed)
    with caplog.at_level(logging.DEBUG, logger=fastparse.LOG.name):
        fast, reference = await both_parse(fault_proxy, operation, body)
    assert fell_back(caplog) == []
    same(fast, reference)
    assert fast["NextToken"] == "token-2"
    assert fast["ResponseMetadata"]["RequestId"] == f"{operation}-request-0001"
    # And the records made from them, field by field.
    key = {"DescribeImages": "Images", "DescribeSnapshots": "Snapshots"}[operation]
    make = Image.from_aws if operation == "DescribeImages" else Snapshot.from_aws
    assert len(reference[key]) == 6
    for fast_item, reference_item in zip(fast[key], reference[key], strict=True):
        same(make(REGION, fast_item, "a"), make(REGION, reference_item, "a"))


async def test_an_answer_without_a_next_token_or_items(fault_proxy: FaultProxy) -> None:
    """The last page (EC2: NextToken "is null when there are no more items to return") and
    an empty one."""
    generate = Generator(4)
    for body in (
        generated_answer("DescribeImages", 4, next_token=None),
        generate.answer("DescribeImages", [], None),
    ):
        fast, reference = await both_parse(fault_proxy, "DescribeImages", body)
        same(fast, reference)
        assert "NextToken" not in fast


UNRECOGNISED = {
    "an element the model does not have": (
        "<imageId>ami-0123456789abcdef0</imageId>",
        "<imageId>ami-0123456789abcdef0</imageId><futureMember>x</futureMember>",
    ),
    "a repeated element": (
        "<imageId>ami-0123456789abcdef0</imageId>",
        "<imageId>ami-0123456789abcdef0</imageId><name>a</name><name>b</name>",
    ),
    "a list item under another name": (
        "<tagSet>",
        "<tagSet><member><key>k</key><value>v</value></member>",
    ),
    "elements inside a text": (
        "<imageId>ami-0123456789abcdef0</imageId>",
        "<imageId>ami-0123456789abcdef0</imageId><description>a<b>c</b>d</description>",
    ),
    "another answer's root": ("DescribeImagesResponse", "DescribeImagesResult"),
}


@pytest.mark.parametrize("case", sorted(UNRECOGNISED))
async def test_anything_unrecognised_is_left_to_botocore(
    fault_proxy: FaultProxy, caplog: pytest.LogCaptureFixture, case: str
) -> None:
    """botocore parses such answers its own way (it ignores unknown elements, gathers repeated
    ones into a list...); the fast path does not guess: it hands the answer to botocore."""
    old, new = UNRECOGNISED[case]
    items = [
        "<item><imageId>ami-0123456789abcdef0</imageId><name>n</name>"
        "<tagSet><item><key>Name</key><value>x</value></item></tagSet></item>"
    ]
    body = Generator(5).answer("DescribeImages", items, None).decode()
    assert old in body
    body = body.replace(old, new, 1 if case != "another answer's root" else -1)
    with caplog.at_level(logging.DEBUG, logger=fastparse.LOG.name):
        fast, reference = await both_parse(fault_proxy, "DescribeImages", body.encode())
    assert len(fell_back(caplog)) == 1, fell_back(caplog)
    same(fast, reference)


async def test_error_answers_are_botocores(fault_proxy: FaultProxy) -> None:
    """An error answer never reaches the fast path: the same ClientError either way."""
    from botocore.exceptions import ClientError

    codes = []
    for fast in (True, False):
        fault_proxy.add_fault(AwsError("UnauthorizedOperation"), action="DescribeImages", count=1)
        async with session(fault_proxy.url, fast=fast) as aws:
            with pytest.raises(ClientError) as raised:
                await aws.call(REGION, "DescribeImages")
        codes.append(raised.value.response["Error"])
    assert codes[0] == codes[1] and codes[0]["Code"] == "UnauthorizedOperation"


# --- real answers: pagination, and the demo fleet ----------------------------------------


async def test_paginated_loads_are_equal_and_follow_next_token(
    sandbox: Sandbox,
    fault_proxy: FaultProxy,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The sandbox pages as EC2 does (extensions.paging; EC2: "NextToken: The token returned
    from a previous paginated request. Pagination continues from the end of the items
    returned by the previous request."); both parsers see every page and the same records.
    Without records kept (the App's load) the records are the same."""
    ec2 = ec2_client(sandbox.endpoint_url, REGION)
    for i in range(5):
        register_image(ec2, f"fastparse-page-{i}", make_snapshot(ec2, 8 + i))
    monkeypatch.setattr(loader, "PAGE_SIZE", 2)
    loads: dict[Any, RegionLoad] = {}
    with caplog.at_level(logging.DEBUG, logger=fastparse.LOG.name):
        for fast in (True, False):
            async with session(fault_proxy.url, fast=fast) as aws:
                before = fault_proxy.actions().count("DescribeImages")
                loads[fast] = await load_region(aws, REGION)
                pages = fault_proxy.actions().count("DescribeImages") - before
                assert pages >= 3, pages  # at least five images, two a page
                loads["app", fast] = await load_region(aws, REGION, keep_raw=False)
    assert fell_back(caplog) == []
    fast_load, reference = loads[True], loads[False]
    assert reference.error is None and len(reference.images) >= 5
    same(fast_load.images, reference.images)
    same(fast_load.snapshots, reference.snapshots)
    same([i.raw for i in fast_load.images], [i.raw for i in reference.images])
    same([s.raw for s in fast_load.snapshots], [s.raw for s in reference.snapshots])
    for app in (loads["app", True], loads["app", False]):
        same(app.images, reference.images)
        same(app.snapshots, reference.snapshots)
        assert all(i.raw is None for i in app.images) and all(s.raw is None for s in app.snapshots)


@pytest.fixture(scope="module")
def demo_fleet() -> Iterator[Sandbox]:
    with demo_sandbox() as running:
        yield running


async def test_the_demo_fleet_loads_the_same_with_either_parser(
    demo_fleet: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    """Every image and snapshot of every demo region, in the shared-services account and an
    organization member (reached by AssumeRole, as on AWS): the same records, the same AWS
    dictionaries, and no answer left to botocore."""
    accounts = {
        "shared-services": None,
        "staging": member_keys(demo_fleet.endpoint_url, demo.STAGING.account_id),
    }
    images = 0
    with caplog.at_level(logging.DEBUG, logger=fastparse.LOG.name):
        for keys in accounts.values():
            loads: dict[bool, list[Any]] = {}
            for fast in (True, False):
                async with session(demo_fleet.endpoint_url, fast=fast, keys=keys) as aws:
                    loads[fast] = [await load_region(aws, r) for r in demo.DEMO_REGIONS]
            for fast_load, reference in zip(loads[True], loads[False], strict=True):
                assert reference.error is None, reference.error
                same(fast_load.images, reference.images)
                same(fast_load.snapshots, reference.snapshots)
                same([i.raw for i in fast_load.images], [i.raw for i in reference.images])
                same([s.raw for s in fast_load.snapshots], [s.raw for s in reference.snapshots])
                images += len(reference.images)
    assert fell_back(caplog) == []
    assert images >= 100  # the demo fleet, not an empty answer
