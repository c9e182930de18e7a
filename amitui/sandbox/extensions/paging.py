"""MaxResults/NextToken paging for DescribeImages and DescribeSnapshots.

EC2 (API reference): "MaxResults: The maximum number of items to return for this request.
To get the next page of items, make another request with the token returned in the output."
"NextToken: The token returned from a previous paginated request. Pagination continues from
the end of the items returned by the previous request." The response's NextToken "is null
when there are no more items to return". A token EC2 did not issue is refused with
``InvalidParameterValue``. moto ignores both parameters, so boto3/aiobotocore paginators
only ever see one page.

Pages are ordered by resource id and the token names the last id returned, so paging stays
consistent while images or snapshots are added or removed between pages. Requests without
MaxResults or NextToken are answered exactly as moto does (all items, moto's order).
MaxResults above 1000 is treated as 1000, as EC2 does.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import Any

from moto.core.responses import ActionResult
from moto.ec2.responses.amis import AmisResponse
from moto.ec2.responses.elastic_block_store import ElasticBlockStore

from ._moto import ec2_error, wrap

MAX_PAGE = 1000


def install() -> None:
    wrap(AmisResponse, "describe_images", _paged("Images"))
    wrap(ElasticBlockStore, "describe_snapshots", _paged("Snapshots"))


def _paged(key: str) -> Callable[..., Any]:
    def describe(original: Callable[..., Any], self: Any) -> Any:
        max_results = self._get_param("MaxResults")
        token = self._get_param("NextToken")
        if max_results is None and not token:
            return original(self)
        limit = MAX_PAGE if max_results is None else int(max_results)
        if limit < 1:
            raise ec2_error(
                "InvalidParameterValue",
                f"Value ( {limit} ) for parameter maxResults is invalid. "
                "Expecting a value greater than 0.",
            )
        after = decode_token(token) if token else None
        result = original(self)
        items, next_token = page(result.result[key], min(limit, MAX_PAGE), after)
        answer: dict[str, Any] = {key: items}
        if next_token:
            answer["NextToken"] = next_token
        return ActionResult(answer)

    return describe


def page(items: Sequence[Any], limit: int, after: str | None) -> tuple[list[Any], str | None]:
    """The ``limit`` items (ordered by id) following id ``after``, and the token for more."""
    ordered = sorted(items, key=lambda item: str(item.id))
    if after is not None:
        ordered = [item for item in ordered if str(item.id) > after]
    chunk = ordered[:limit]
    more = len(ordered) > limit
    return chunk, encode_token(str(chunk[-1].id)) if more else None


def encode_token(last_id: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": last_id}).encode()).decode()


def decode_token(token: str) -> str:
    try:
        decoded = json.loads(base64.urlsafe_b64decode(token.encode()))
        after = decoded["after"]
        if not isinstance(after, str):
            raise TypeError(after)
        return after
    except (ValueError, TypeError, KeyError, binascii.Error):
        raise ec2_error(
            "InvalidParameterValue", f"Value ( {token} ) for parameter nextToken is invalid."
        ) from None
