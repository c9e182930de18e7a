"""DescribeImageReferences: which instances and launch templates reference an image.

EC2 (API reference, DescribeImageReferences; user guide "Identify your resources referencing
specified AMIs"):

- ``ImageIds`` (required): "The IDs of the images to check for resource references." "Array
  Members: Minimum number of 1 item. Maximum number of 10 items."
- "Either ``IncludeAllResourceTypes`` or ``ResourceTypes`` must be specified." Resource types:
  ``ec2:Instance | ec2:LaunchTemplate | ssm:Parameter | imagebuilder:ImageRecipe |
  imagebuilder:ContainerRecipe``.
- ``ResourceTypeOptions`` (ResourceTypeOption): "For state-name: Valid values: pending |
  running | shutting-down | terminated | stopping | stopped. Default: All states". "For
  version-depth: Valid values: Integers between 1 and 10000. Default: 10". ``OptionName``
  "Valid Values: state-name | version-depth" (state-name for ec2:Instance, version-depth for
  ec2:LaunchTemplate). Any other name or value is ``InvalidParameterValue``.
- Each ``ImageReference`` is ``{"ImageId", "ResourceType", "Arn"}``: an instance is
  ``arn:aws:ec2:<region>:<account>:instance/<id>``, a launch template
  ``arn:aws:ec2:<region>:<account>:launch-template/<id>`` (once, whatever its matching versions).
- Paged by ``MaxResults`` ("Minimum value of 5"; the range is checked in :mod:`.limits`) and
  ``NextToken``; a token EC2 did not issue is ``InvalidPaginationToken``, EC2's common error
  "The specified pagination token is not valid or is expired".

- ``ssm:Parameter``: the reference is silent on which parameters count. The sandbox counts a
  String parameter of data type ``aws:ec2:image`` (SSM API reference, PutParameter DataType:
  "Supported data types include plain text and Amazon Machine Image (AMI) IDs") whose
  current value is the image id, as ``arn:aws:ssm:<region>:<account>:parameter/<name>``.
  A ``text`` parameter holding an id does not count (nothing says EC2 reads those).

The sandbox has no Image Builder recipes: those types find nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from moto.core.responses import ActionResult
from moto.ec2.exceptions import EC2ClientError
from moto.ec2.responses.amis import AmisResponse

from ._moto import ec2_error
from .paging import MAX_PAGE, decode_token, encode_token

INSTANCE = "ec2:Instance"
LAUNCH_TEMPLATE = "ec2:LaunchTemplate"
PARAMETER = "ssm:Parameter"
RESOURCE_TYPES = (
    INSTANCE,
    LAUNCH_TEMPLATE,
    PARAMETER,
    "imagebuilder:ImageRecipe",
    "imagebuilder:ContainerRecipe",
)
#: The SSM data type of a parameter holding an AMI id.
IMAGE_DATA_TYPE = "aws:ec2:image"
ALL_STATES = ("pending", "running", "shutting-down", "terminated", "stopping", "stopped")
DEFAULT_VERSION_DEPTH = 10
MAX_VERSION_DEPTH = 10000
MAX_IMAGE_IDS = 10


def install() -> None:
    AmisResponse.describe_image_references = _describe_image_references  # type: ignore[attr-defined]


def _describe_image_references(self: AmisResponse) -> ActionResult:
    image_ids: list[str] = self._get_param("ImageIds", [])
    include_all = str(self._get_param("IncludeAllResourceTypes", False)).lower() == "true"
    requested: list[Mapping[str, Any]] = self._get_param("ResourceTypes", [])
    if not image_ids or len(image_ids) > MAX_IMAGE_IDS:
        raise ec2_error(
            "InvalidParameterValue",
            f"ImageIds must name between 1 and {MAX_IMAGE_IDS} images, not {len(image_ids)}.",
        )
    if not include_all and not requested:
        raise ec2_error(
            "MissingParameter",
            "Either IncludeAllResourceTypes or ResourceTypes must be specified.",
        )
    self.error_on_dryrun()
    options = _options(requested, include_all)
    references = list(_references(self.ec2_backend, set(image_ids), options))
    limit = min(int(self._get_param("MaxResults") or MAX_PAGE), MAX_PAGE)
    token = self._get_param("NextToken")
    start = _offset(token) if token else 0
    page = references[start : start + limit]
    result: dict[str, Any] = {"ImageReferences": page}
    if start + limit < len(references):
        result["NextToken"] = encode_token(str(start + limit))
    return ActionResult(result)


def _offset(token: str) -> int:
    try:
        offset = decode_token(token)
    except EC2ClientError:
        offset = ""
    if not offset.isdigit():
        raise ec2_error(
            "InvalidPaginationToken", "The specified pagination token is not valid or is expired."
        )
    return int(offset)


def _options(
    requested: Sequence[Mapping[str, Any]], include_all: bool
) -> dict[str, dict[str, list[str]]]:
    """resource type -> option name -> values, defaults filled in."""
    chosen: dict[str, dict[str, list[str]]] = {}
    if include_all:
        chosen = {t: {} for t in RESOURCE_TYPES}
    for entry in requested:
        kind = entry.get("ResourceType", "")
        if kind not in RESOURCE_TYPES:
            raise ec2_error("InvalidParameterValue", f"Unsupported resource type: {kind}")
        chosen[kind] = {
            o.get("OptionName", ""): list(o.get("OptionValues", []))
            for o in entry.get("ResourceTypeOptions", [])
        }
        for name, values in chosen[kind].items():
            _check_option(kind, name, values)
    return chosen


def _check_option(kind: str, name: str, values: list[str]) -> None:
    allowed = {INSTANCE: "state-name", LAUNCH_TEMPLATE: "version-depth"}.get(kind)
    if name != allowed:
        raise ec2_error(
            "InvalidParameterValue",
            f"The option name {name!r} is not valid for resource type {kind}."
            + (f" Valid option names: {allowed}." if allowed else ""),
        )
    if name == "state-name":
        bad = [v for v in values if v not in ALL_STATES]
        if bad:
            raise ec2_error(
                "InvalidParameterValue",
                f"The value {bad[0]!r} is not valid for state-name. Valid values: "
                + " | ".join(ALL_STATES)
                + ".",
            )
    elif len(values) != 1 or not values[0].isdigit() or not 1 <= int(values[0]) <= 10000:
        raise ec2_error(
            "InvalidParameterValue",
            f"The value {', '.join(values) or '(none)'} is not valid for version-depth. "
            f"Valid values: Integers between 1 and {MAX_VERSION_DEPTH}.",
        )


def _references(
    backend: Any, image_ids: set[str], options: Mapping[str, Mapping[str, list[str]]]
) -> Iterator[dict[str, str]]:
    prefix = f"arn:aws:ec2:{backend.region_name}:{backend.account_id}"
    if INSTANCE in options:
        states = set(options[INSTANCE].get("state-name") or ALL_STATES)
        for instance in backend.all_instances():
            if instance.image_id in image_ids and instance._state.name in states:
                yield {
                    "ImageId": instance.image_id,
                    "ResourceType": INSTANCE,
                    "Arn": f"{prefix}:instance/{instance.id}",
                }
    if LAUNCH_TEMPLATE in options:
        depth_values = options[LAUNCH_TEMPLATE].get("version-depth") or []
        depth = int(depth_values[0]) if depth_values else DEFAULT_VERSION_DEPTH
        for template in backend.launch_templates.values():
            seen: set[str] = set()
            for version in template.versions[-depth:]:
                image_id = version.image_id
                if image_id in image_ids and image_id not in seen:
                    seen.add(image_id)
                    yield {
                        "ImageId": image_id,
                        "ResourceType": LAUNCH_TEMPLATE,
                        "Arn": f"{prefix}:launch-template/{template.id}",
                    }
    if PARAMETER in options:
        yield from _parameter_references(backend, image_ids)


def _parameter_references(backend: Any, image_ids: set[str]) -> Iterator[dict[str, str]]:
    from moto.ssm.models import ssm_backends

    region, account = backend.region_name, backend.account_id
    # dict.items: the ParameterDict's own lookups would load AWS's public parameters.
    parameters = dict.items(ssm_backends[account][region]._parameters)
    for name, versions in sorted(parameters):
        current = versions[-1] if versions else None
        if current is None or current.data_type != IMAGE_DATA_TYPE:
            continue
        if current.value in image_ids:
            path = name if name.startswith("/") else f"/{name}"
            yield {
                "ImageId": current.value,
                "ResourceType": PARAMETER,
                "Arn": f"arn:aws:ssm:{region}:{account}:parameter{path}",
            }
