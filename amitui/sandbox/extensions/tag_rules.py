"""CreateTags / DeleteTags refuse what EC2 refuses: ``aws:`` keys, over-long keys and values.

EC2 (user guide, "Tag your Amazon EC2 resources", tag restrictions): "Maximum key length -
128 Unicode characters in UTF-8"; "Maximum value length - 256 Unicode characters in UTF-8";
"The aws: prefix is reserved for AWS use. If a tag has a tag key with this prefix, then you
can't edit or delete the tag's key or value." moto accepts all three (it only enforces the
50-tags-per-resource limit, as ``TagLimitExceeded``). The API reference names no error code
for these; the sandbox answers ``InvalidParameterValue`` (EC2's code for "An invalid or
out-of-range value was supplied for the input parameter"), with a message saying which rule.
Tags given at creation (``TagSpecifications``) are not checked here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.ec2.responses.tags import TagResponse

from ._moto import ec2_error, wrap

MAX_KEY = 128
MAX_VALUE = 256
RESERVED = "aws:"


def install() -> None:
    wrap(TagResponse, "create_tags", _create_tags)
    wrap(TagResponse, "delete_tags", _delete_tags)


def _check(tags: list[dict[str, Any]], *, values: bool) -> None:
    for tag in tags:
        key = str(tag.get("Key", ""))
        if key.lower().startswith(RESERVED):
            raise ec2_error(
                "InvalidParameterValue",
                f"Value ( {key} ) for parameter key is invalid. Tag keys starting with 'aws:' "
                "are reserved for internal use",
            )
        if len(key) > MAX_KEY:
            raise ec2_error(
                "InvalidParameterValue",
                f"Tag key exceeds the maximum length of {MAX_KEY} characters",
            )
        value = tag.get("Value")
        if values and value is not None and len(str(value)) > MAX_VALUE:
            raise ec2_error(
                "InvalidParameterValue",
                f"Tag value exceeds the maximum length of {MAX_VALUE} characters",
            )


def _create_tags(original: Callable[..., Any], self: TagResponse) -> Any:
    _check(self._get_param("Tags", []), values=True)
    return original(self)


def _delete_tags(original: Callable[..., Any], self: TagResponse) -> Any:
    _check(self._get_param("Tags", []), values=False)
    return original(self)
