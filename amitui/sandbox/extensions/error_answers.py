"""EC2's error answers where moto gives none: a message for a missing snapshot, a 4xx for a filter
moto cannot evaluate, EC2's codes for deregistered images and for bad Auto Scaling tokens.

- ``InvalidSnapshot.NotFound``: moto sends it without a message; EC2 says "The snapshot
  'snap-…' does not exist." (the reference gives no text; this is EC2's answer as AWS's own
  workshops print it), naming the first requested id that does not exist.
- Filters (API reference, each Describe action's ``Filters``: the filter names it lists): a name
  the reference does not list for the action is ``InvalidParameterValue`` "The filter 'NAME' is
  invalid", EC2's answer. A listed filter that moto cannot evaluate would be an HTML 500 from
  moto; the sandbox answers ``Unsupported`` (EC2's common error "The specified request is
  unsupported") naming the filter, so a client sees a 4xx it can report, never a crash page.
- ModifyImageAttribute on a deregistered image: ``InvalidAMIID.Unavailable`` (moto: HTML 500);
  on an unknown one ``InvalidAMIID.NotFound`` as moto already says.
- Auto Scaling DescribeAutoScalingGroups / DescribeLaunchConfigurations (API reference,
  errors): ``InvalidNextToken`` "The NextToken value is not valid." (moto: HTML 500);
  ``MaxRecords`` "The maximum value is 100" (moto: HTML 500 above it), refused as
  ``ValidationError``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from moto.autoscaling.exceptions import AutoscalingClientError, ValidationError
from moto.autoscaling.responses import AutoScalingResponse
from moto.core.responses import ActionResult
from moto.ec2.exceptions import FilterNotImplementedError, InvalidSnapshotIdError
from moto.ec2.models.amis import AmiBackend
from moto.ec2.responses import EC2Response

from ._moto import ec2_error, wrap
from .request_checks import answer_error

AUTOSCALING_MAX_RECORDS = 100
_FILTER_NAME = re.compile(r"^Filter\.(\d+)\.Name$")


def install() -> None:
    wrap(EC2Response, "serialized", _serialized)
    wrap(EC2Response, "call_action", _call_action)
    wrap(AmiBackend, "modify_image_attribute", _modify_image_attribute)
    for handler, listed in (
        ("describe_auto_scaling_groups", "AutoScalingGroupNames"),
        ("describe_launch_configurations", "LaunchConfigurationNames"),
    ):
        wrap(AutoScalingResponse, handler, _autoscaling_page_checks(handler, listed))


def _serialized(original: Callable[..., Any], self: EC2Response, result: ActionResult) -> Any:
    error = result.result
    if isinstance(error, InvalidSnapshotIdError) and not error.message:
        error.message = f"The snapshot '{_missing_snapshot(self)}' does not exist."
    return original(self, result)


def _missing_snapshot(response: EC2Response) -> str:
    requested = [
        response._get_param("SnapshotId"),
        response._get_param("SourceSnapshotId"),  # CopySnapshot
        *response._get_param("SnapshotIds", []),
    ]
    known = response.ec2_backend.snapshots
    return next((s for s in requested if s and s not in known), requested[0] or "")


def _call_action(original: Callable[..., Any], self: EC2Response) -> Any:
    try:
        return original(self)
    except FilterNotImplementedError:
        action = self._get_action()
        names = [v[0] for k, v in sorted(self.querystring.items()) if _FILTER_NAME.match(k)]
        documented = documented_filters(action)
        unknown = [n for n in names if not _documented(n, documented)]
        if unknown:
            refusal = ec2_error("InvalidParameterValue", f"The filter '{unknown[0]}' is invalid")
        else:
            refusal = ec2_error(
                "Unsupported",
                f"The sandbox does not evaluate the filter(s) {', '.join(names)} of {action}.",
            )
        return answer_error(self, refusal)


def _documented(name: str, documented: frozenset[str]) -> bool:
    return name in documented or name.startswith("tag:") or name == "tag-key"


@functools.cache
def documented_filters(action: str) -> frozenset[str]:
    """The filter names the API reference lists under ``action``'s ``Filters``."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("ec2")
    if action not in model.operation_names:
        return frozenset()
    shape = model.operation_model(action).input_shape
    member = shape.members.get("Filters") if shape is not None else None
    if member is None:
        return frozenset()
    return frozenset(re.findall(r"<li>\s*<p>\s*<code>([^<]+)</code>", member.documentation))


def _modify_image_attribute(
    original: Callable[..., Any],
    self: Any,
    ami_id: str,
    launch_permissions_to_add: list[dict[str, str]],
    launch_permissions_to_remove: list[dict[str, str]],
) -> Any:
    if ami_id not in self.amis and ami_id in self.deleted_amis:
        raise ec2_error(
            "InvalidAMIID.Unavailable", f"The image id '[{ami_id}]' is no longer available"
        )
    return original(self, ami_id, launch_permissions_to_add, launch_permissions_to_remove)


def _autoscaling_page_checks(handler: str, listed: str) -> Callable[..., Any]:
    def checked(original: Callable[..., Any], self: AutoScalingResponse) -> Any:
        max_records = self._get_param("MaxRecords")
        if max_records is not None:
            _check_max_records(str(max_records))
        token = self._get_param("NextToken")
        if token:
            backend = self.autoscaling_backend
            if handler == "describe_auto_scaling_groups":
                names = {g.name for g in backend.describe_auto_scaling_groups([])}
            else:
                names = {c.name for c in backend.describe_launch_configurations([])}
            if token not in names:
                raise AutoscalingClientError(
                    "InvalidNextToken", "The NextToken value is not valid."
                )
        return original(self)

    return checked


def _check_max_records(raw: str) -> None:
    value = int(raw) if raw.lstrip("-").isdigit() else None
    if value is not None and 1 <= value <= AUTOSCALING_MAX_RECORDS:
        return
    bound = (
        f"less than or equal to {AUTOSCALING_MAX_RECORDS}"
        if value is not None and value > AUTOSCALING_MAX_RECORDS
        else "greater than or equal to 1"
    )
    raise ValidationError(
        f"1 validation error detected: Value '{raw}' at 'maxRecords' failed to satisfy "
        f"constraint: Member must have value {bound}"
    )
