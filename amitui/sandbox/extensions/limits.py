"""Request limits EC2 enforces on every action: filter values and the range of MaxResults.

EC2:

- Filter values: the API reference's error table lists ``FilterLimitExceeded`` ("The request
  uses too many filters or too many filter values"); EC2's answer names the limit: "The maximum
  number of filter values specified on a single call is 200". The sandbox counts every
  ``Filter.N.Value.M`` of the request, as EC2 does per call.
- MaxResults: where the API reference gives a valid range (botocore's model carries it as the
  shape's min/max, e.g. DescribeImageReferences "Minimum value of 5", ListImagesInRecycleBin
  1 to 1000, ListSnapshotsInRecycleBin 5 to 1000, DescribeLaunchTemplates 1 to 200), a value
  outside it is ``InvalidParameterValue`` "Value ( N ) for parameter maxResults is invalid.
  Parameter must be between MIN and MAX." botocore checks the minimum before sending, other
  clients need not. Actions whose reference names no range are left to their handlers.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult
from moto.ec2.responses import EC2Response

from ._moto import ec2_error, wrap

MAX_FILTER_VALUES = 200
_FILTER_VALUE = re.compile(r"^Filter\.\d+\.Value\.\d+$")


def install() -> None:
    wrap(EC2Response, "call_action", _call_action)


def _call_action(original: Callable[..., Any], self: EC2Response) -> Any:
    try:
        check(self._get_action(), self.querystring)
    except ServiceException as refusal:
        status, headers, body = self.serialized(ActionResult(refusal))
        headers, body = self._enrich_response({**self.response_headers, **headers}, body)
        return status, headers, body
    return original(self)


def check(action: str, querystring: dict[str, list[str]]) -> None:
    """Refuse the request as EC2 would, or return."""
    values = sum(1 for key in querystring if _FILTER_VALUE.match(key))
    if values > MAX_FILTER_VALUES:
        raise ec2_error(
            "FilterLimitExceeded",
            f"The maximum number of filter values specified on a single call is "
            f"{MAX_FILTER_VALUES}",
        )
    given = querystring.get("MaxResults")
    bounds = max_results_range(action)
    if not given or bounds is None:
        return
    raw = given[0]
    low, high = bounds
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or value < low or (high is not None and value > high):
        between = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise ec2_error(
            "InvalidParameterValue",
            f"Value ( {raw} ) for parameter maxResults is invalid. Parameter must be {between}.",
        )


@functools.cache
def max_results_range(action: str) -> tuple[int, int | None] | None:
    """(min, max or None) of ``action``'s MaxResults per the EC2 model; None: no range given."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("ec2")
    if action not in model.operation_names:
        return None
    shape = model.operation_model(action).input_shape
    member = shape.members.get("MaxResults") if shape is not None else None
    if member is None or "min" not in member.metadata:
        return None
    high = member.metadata.get("max")
    return int(member.metadata["min"]), int(high) if high is not None else None
