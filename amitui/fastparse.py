"""A fast, exact parser for EC2's DescribeImages and DescribeSnapshots answers.

botocore parses every EC2 answer by walking its service model generically: for each XML
element it dispatches on the shape's type, and for each structure it builds a name-to-node
map and visits every member of the shape, present or not. For a page of 1,000 images that
was most of the CPU of loading a region (benchmarks/README.md). The same answers are parsed
here in one pass over the element tree, through tables compiled once from the same service
model: each element present is looked up once and converted as botocore converts its type.

The result is the dictionary botocore's parser returns, equal in every key and value
(``tests/test_fastparse.py`` compares them on the demo fleet and on generated answers holding
every member of both output shapes). Anything this parser does not recognise -- an element
that is not in the model, a repeated element, text where elements were expected, an error
answer, a shape feature the tables do not cover -- is left to botocore's own parser, which
also keeps signing, retries, endpoints and errors: the fast path is only a different parser
for two successful answers (:func:`parser_factory`, botocore's own extension point).
"""

from __future__ import annotations

import contextlib
import functools
import gc
import logging
from collections.abc import Callable, Iterator
from typing import Any
from xml.etree import ElementTree

LOG = logging.getLogger(__name__)

#: The operations' output shapes parsed here; every other answer goes to botocore.
FAST_SHAPES = frozenset({"DescribeImagesResult", "DescribeSnapshotsResult"})

#: Values that repeat across a fleet's records (states, owners, types, device names, tag
#: keys...): one string object per process for each value instead of one per record (~50
#: bytes each; ~15 of them per image). Only these members, whose values come from small
#: sets, so the table of values stays small.
_SHARED_MEMBERS = frozenset(
    {
        "Architecture",
        "BootMode",
        "DeregistrationProtection",
        "DeviceName",
        "Hypervisor",
        "ImageOwnerAlias",
        "ImageType",
        "ImdsSupport",
        "Key",
        "KmsKeyId",
        "OwnerAlias",
        "OwnerId",
        "Platform",
        "PlatformDetails",
        "Progress",
        "RootDeviceName",
        "RootDeviceType",
        "SriovNetSupport",
        "SseType",
        "State",
        "StorageTier",
        "TpmSupport",
        "UsageOperation",
        "VirtualizationType",
        "VolumeType",
    }
)
_shared: dict[str, str] = {}


class Unrecognised(Exception):
    """The answer holds something the fast path does not parse exactly as botocore does."""


#: Turns an element into its value (the kinds the parse loop does not handle inline).
Converter = Callable[[ElementTree.Element], Any]

# What a member is, for the parse loop: the common kinds are handled inline (a function
# call per element was most of the parse), the rest by a converter.
_TEXT, _SHARED, _BOOLEAN, _INTEGER, _STRUCTURE, _LIST, _CONVERTED = range(7)


class Table:
    """A compiled structure: XML tag -> (member name, kind, what the kind needs, the member's
    position in the model)."""

    __slots__ = ("by_tag", "names")

    def __init__(self) -> None:
        self.by_tag: dict[str, tuple[str, int, Any, int]] = {}
        #: The members in the model's order: botocore's dictionaries have their keys in it.
        self.names: list[str] = []

    def add(self, tag: str, name: str, kind: int, detail: Any) -> None:
        self.by_tag[tag] = (name, kind, detail, len(self.names))
        self.names.append(name)

    def copy(self) -> Table:
        table = Table()
        table.by_tag, table.names = dict(self.by_tag), list(self.names)
        return table


def _text(element: ElementTree.Element) -> str:
    if len(element):
        raise Unrecognised(f"elements inside <{element.tag}>")
    # botocore: "If an XML node is empty <foo></foo>, we want to parse that as an empty
    # string, not as a null/None value."
    return element.text or ""


def _tag(element: ElementTree.Element) -> str:
    # botocore drops the namespace ("{.*}", greedy) before matching names.
    return element.tag.rpartition("}")[2]


def _value(element: ElementTree.Element, kind: int, detail: Any) -> Any:
    """One element's value, as botocore converts the member's type."""
    if kind == _STRUCTURE:
        return _structure(element, detail)
    if kind == _LIST:
        return _list(element, *detail)
    if kind == _CONVERTED:
        return detail(element)
    text = _text(element)
    if kind == _SHARED:
        return _shared.setdefault(text, text)
    if kind == _BOOLEAN:
        return text == "true"
    if kind == _INTEGER:
        return int(text)
    return text


def _structure(element: ElementTree.Element, table: Table) -> dict[str, Any]:
    by_tag = table.by_tag
    parsed: dict[str, Any] = {}
    last = -1
    in_order = True
    for child in element:
        entry = by_tag.get(child.tag)
        if entry is None:
            entry = by_tag.get(_tag(child))
            if entry is None:
                raise Unrecognised(f"<{_tag(child)}> is not in the model")
            # The same member under its namespaced tag: found at once the next time.
            by_tag[child.tag] = entry
        name, kind, detail, position = entry
        if name in parsed:
            # botocore gathers repeated elements into a list; not what a record looks like.
            raise Unrecognised(f"<{_tag(child)}> repeated")
        if kind <= _INTEGER:  # a text, inline: most elements are
            if len(child):
                raise Unrecognised(f"elements inside <{_tag(child)}>")
            text = child.text or ""
            if kind == _TEXT:
                parsed[name] = text
            elif kind == _SHARED:
                parsed[name] = _shared.setdefault(text, text)
            elif kind == _BOOLEAN:
                parsed[name] = text == "true"
            else:
                parsed[name] = int(text)
        else:
            parsed[name] = _value(child, kind, detail)
        if position < last:
            in_order = False
        last = position
    if not in_order:
        # EC2 sends elements in its own order ("might vary", says its reference).
        parsed = {name: parsed[name] for name in table.names if name in parsed}
    return parsed


def _list(element: ElementTree.Element, item_tag: str, kind: int, detail: Any) -> list[Any]:
    items = []
    for child in element:
        if child.tag != item_tag and _tag(child) != item_tag:
            raise Unrecognised(f"<{_tag(child)}> in a list of <{item_tag}>")
        items.append(
            _structure(child, detail) if kind == _STRUCTURE else _value(child, kind, detail)
        )
    return items


class _Compiler:
    """Turns a botocore output shape into tables; shapes it cannot parse exactly raise
    :class:`Unrecognised` (the whole operation then stays with botocore)."""

    def __init__(self, timestamp_parser: Callable[[str], Any]) -> None:
        self._timestamp = timestamp_parser
        # Keyed by the identity of the shape's model (every session shares one loaded model,
        # see botocore_tuning.shared_data_loader); the model is kept, so its id is not reused.
        self._tables: dict[int, tuple[object, Table]] = {}
        self._roots: dict[int, tuple[object, Table]] = {}

    def kind(self, shape: Any, member: str) -> tuple[int, Any]:
        """How a member of ``shape`` is parsed: its kind and what that kind needs."""
        kind = shape.type_name
        if kind == "structure":
            return _STRUCTURE, self.table(shape)
        if kind == "list":
            if shape.serialization.get("flattened"):
                raise Unrecognised(f"flattened list {shape.name}")
            item_tag = shape.member.serialization.get("name", "member")
            return _LIST, (item_tag, *self.kind(shape.member, ""))
        if kind == "string":
            return (_SHARED if member in _SHARED_MEMBERS else _TEXT), None
        if kind == "boolean":
            return _BOOLEAN, None
        if kind in ("integer", "long"):
            return _INTEGER, None
        if kind in ("float", "double"):
            return _CONVERTED, lambda element: float(_text(element))
        if kind == "timestamp":
            timestamp = self._timestamp
            return _CONVERTED, lambda element: timestamp(_text(element))
        raise Unrecognised(f"{kind} member {shape.name}")

    def root_table(self, shape: Any) -> Table:
        """The output ``shape``'s table plus EC2's ``requestId`` (botocore's
        ResponseMetadata), for the answer's root element."""
        known = self._roots.get(id(shape._shape_model))
        if known is None:
            table = self.table(shape).copy()
            # botocore adds ResponseMetadata after the members.
            table.add("requestId", "ResponseMetadata", _CONVERTED, _metadata)
            known = self._roots[id(shape._shape_model)] = (shape._shape_model, table)
        return known[1]

    def table(self, shape: Any) -> Table:
        model = shape._shape_model
        known = self._tables.get(id(model))
        if known is not None:
            return known[1]
        table = Table()
        self._tables[id(model)] = (model, table)  # before the members: shapes can nest
        for name, member in shape.members.items():
            serialization = member.serialization
            if serialization.get("location") or serialization.get("xmlAttribute"):
                raise Unrecognised(f"{shape.name}.{name} is not an element")
            tag = serialization.get("name") or name
            table.add(tag, name, *self.kind(member, name))
        return table


#: One compiler per timestamp parser (botocore makes a parser per answer).
_compilers: dict[Callable[[str], Any], _Compiler] = {}


def compiler_for(timestamp_parser: Callable[[str], Any]) -> _Compiler:
    compiler = _compilers.get(timestamp_parser)
    if compiler is None:
        compiler = _compilers[timestamp_parser] = _Compiler(timestamp_parser)
    return compiler


def parse(body: bytes, shape: Any, compiler: _Compiler) -> dict[str, Any]:
    """``body`` parsed as botocore parses the output ``shape`` (ResponseMetadata's RequestId
    included; botocore's caller adds the HTTP status and headers)."""
    table = compiler.root_table(shape)
    with acyclic():
        parser = ElementTree.XMLParser(target=ElementTree.TreeBuilder(), encoding="utf-8")
        parser.feed(body)
        root = parser.close()
        if _tag(root) != shape.name.removesuffix("Result") + "Response":
            raise Unrecognised(f"answer <{_tag(root)}>")
        # The root's children are the output structure's members and EC2's requestId.
        return _structure(root, table)


@contextlib.contextmanager
def acyclic() -> Iterator[None]:
    """No cyclic garbage collection while a page's objects are made: a page's tree is
    ~50,000 elements and its records ~10,000 objects, none in a reference cycle (reference
    counting frees them). With the collector on, it kept running over the App's whole
    young heap while they were made: inside the App that doubled the CPU of parsing a page
    (benchmarks/README.md)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _metadata(element: ElementTree.Element) -> dict[str, Any]:
    if len(element):
        raise Unrecognised("elements inside <requestId>")
    return {"RequestId": element.text}  # botocore keeps an empty one as None


@functools.cache
def parser_factory() -> type:
    """The class of the session component ``response_parser_factory``: botocore's, with
    the fast path in the EC2 protocol's parser for :data:`FAST_SHAPES`' successful answers
    (botocore calls ``_do_parse`` only for those; errors take botocore's error parsing).
    (A function, so that aiobotocore is imported with the first session, not with this
    module, which the loader imports.)"""
    from aiobotocore.parsers import AioEC2QueryParser, AioResponseParserFactory

    class FastEC2Parser(AioEC2QueryParser):
        def _do_parse(self, response: dict[str, Any], shape: Any) -> Any:
            if shape is not None and shape.name in FAST_SHAPES:
                try:
                    return parse(response["body"], shape, compiler_for(self._timestamp_parser))
                except Exception as why:  # anything unexpected: botocore decides, as before
                    LOG.debug("fast parse of %s fell back to botocore: %r", shape.name, why)
            return super()._do_parse(response, shape)

    class FastParserFactory(AioResponseParserFactory):
        def create_parser(self, protocol_name: str) -> Any:
            if protocol_name == "ec2":
                return FastEC2Parser(**self._defaults)
            return super().create_parser(protocol_name)

    return FastParserFactory
