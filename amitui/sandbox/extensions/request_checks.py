"""What EC2 checks of every request before acting: required parameters, filter values, MaxResults.

EC2 (API reference; botocore's model of it gives each action's required members and ranges):

- Required parameters: a request without one is ``MissingParameter`` ("The request must
  contain the parameter ImageId"; the common error table: "The request is missing a required
  parameter"). moto reads a missing parameter as None and often fails with an HTML 500.
- Filter values: the error table lists ``FilterLimitExceeded`` ("The request uses too many
  filters or too many filter values"); EC2's answer names the limit: "The maximum number of
  filter values specified on a single call is 200". Every ``Filter.N.Value.M`` of the request
  counts.
- MaxResults: where the reference gives a valid range (e.g. DescribeImageReferences "Minimum
  value of 5", ListImagesInRecycleBin 1 to 1000, ListSnapshotsInRecycleBin 5 to 1000,
  DescribeLaunchTemplates 1 to 200), a value outside it is ``InvalidParameterValue`` "Value ( N )
  for parameter maxResults is invalid. Parameter must be between MIN and MAX."; a value that is
  no number is refused likewise. botocore checks required members and minimums before sending;
  other clients need not.
- A value that is not of its parameter's type (a number, a boolean, a time): moto's request
  parser fails with an HTML 500 before any action runs; the sandbox answers
  ``InvalidParameterValue`` naming the value (the reference gives no text for this).
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


_PARSE_ERROR = "_amitui_parse_error"


def install() -> None:
    wrap(EC2Response, "parse_parameters", _parse_parameters)
    wrap(EC2Response, "call_action", _call_action)


def _parse_parameters(original: Callable[..., Any], self: EC2Response, request: Any) -> None:
    # The parser runs before call_action, where no error answer can be sent yet: keep its
    # failure for call_action to answer.
    try:
        original(self, request)
    except (ValueError, TypeError) as failure:
        self.params = {}
        self.__dict__[_PARSE_ERROR] = failure


def _call_action(original: Callable[..., Any], self: EC2Response) -> Any:
    try:
        failure = self.__dict__.pop(_PARSE_ERROR, None)
        if failure is not None:
            raise ec2_error("InvalidParameterValue", f"Invalid parameter value: {failure}")
        check(self._get_action(), self.querystring)
    except ServiceException as refusal:
        return answer_error(self, refusal)
    return original(self)


def answer_error(response: EC2Response, error: ServiceException) -> Any:
    """The (status, headers, body) moto sends for ``error`` raised by an action."""
    status, headers, body = response.serialized(ActionResult(error))
    headers, body = response._enrich_response({**response.response_headers, **headers}, body)
    return status, headers, body


def check(action: str, querystring: dict[str, list[str]]) -> None:
    """Refuse the request as EC2 would, or return."""
    shape = _input_shape(action)
    for name in _required_names(action):
        if not any(key == name or key.startswith(f"{name}.") for key in querystring):
            raise ec2_error("MissingParameter", f"The request must contain the parameter {name}")
    values = sum(1 for key in querystring if _FILTER_VALUE.match(key))
    if values > MAX_FILTER_VALUES:
        raise ec2_error(
            "FilterLimitExceeded",
            f"The maximum number of filter values specified on a single call is "
            f"{MAX_FILTER_VALUES}",
        )
    given = querystring.get("MaxResults")
    if not given or shape is None or "MaxResults" not in shape.members:
        return
    raw = given[0]
    invalid = f"Value ( {raw} ) for parameter maxResults is invalid."
    try:
        value = int(raw)
    except ValueError:
        raise ec2_error("InvalidParameterValue", invalid) from None
    bounds = max_results_range(action)
    if bounds is None:
        return
    low, high = bounds
    if value < low or (high is not None and value > high):
        between = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise ec2_error("InvalidParameterValue", f"{invalid} Parameter must be {between}.")


@functools.cache
def _input_shape(action: str) -> Any:
    import botocore.session

    model = botocore.session.get_session().get_service_model("ec2")
    if action not in model.operation_names:
        return None
    return model.operation_model(action).input_shape


@functools.cache
def _required_names(action: str) -> tuple[str, ...]:
    """The query names of ``action``'s required parameters, as botocore's EC2 serializer
    writes them (``queryName``, else ``locationName`` capitalised, else the member name)."""
    shape = _input_shape(action)
    if shape is None:
        return ()
    names = []
    for member in shape.required_members:
        serialization = shape.members[member].serialization
        name = serialization.get("queryName") or serialization.get("name") or member
        names.append(name[0].upper() + name[1:])
    return tuple(names)


@functools.cache
def max_results_range(action: str) -> tuple[int, int | None] | None:
    """(min, max or None) of ``action``'s MaxResults per the EC2 model; None: no range given."""
    shape = _input_shape(action)
    member = shape.members.get("MaxResults") if shape is not None else None
    if member is None or "min" not in member.metadata:
        return None
    high = member.metadata.get("max")
    return int(member.metadata["min"]), int(high) if high is not None else None
