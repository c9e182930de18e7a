"""What uses an image: read-only lookups behind the "in use" safety rule of the cleanup.

An image is in use when any instance (any state) or launch template version references it
(EC2 ``DescribeImageReferences``), or a launch configuration names it, or an Auto Scaling
group launches from such a launch configuration or launch template (Auto Scaling
``DescribeLaunchConfigurations`` / ``DescribeAutoScalingGroups``).

:func:`find_uses` answers per region. A region whose lookups fail is reported as such
(:attr:`RegionUses.error`): the planner must then treat every image there as possibly in use,
never as unused.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from amitui.aws import AwsSession
from amitui.aws_errors import classify_error
from amitui.model import AwsError

#: DescribeImageReferences takes at most this many image ids per call.
REFERENCE_BATCH = 10

INSTANCE = "instance"
LAUNCH_TEMPLATE = "launch template"
LAUNCH_CONFIGURATION = "launch configuration"
AUTO_SCALING_GROUP = "Auto Scaling group"
OTHER = "resource"

_REFERENCE_KINDS = {
    "ec2:Instance": INSTANCE,
    "ec2:LaunchTemplate": LAUNCH_TEMPLATE,
    "ssm:Parameter": "SSM parameter",
    "imagebuilder:ImageRecipe": "Image Builder image recipe",
    "imagebuilder:ContainerRecipe": "Image Builder container recipe",
}


@dataclass(frozen=True, slots=True, order=True)
class ImageUse:
    """One thing that uses an image, e.g. ``instance i-0abc`` or ``Auto Scaling group web``."""

    kind: str
    name: str
    #: How it uses the image, e.g. "via launch template web-prod".
    via: str = ""

    def describe(self) -> str:
        text = f"{self.kind} {self.name}"
        return f"{text} ({self.via})" if self.via else text


@dataclass(frozen=True, slots=True)
class RegionUses:
    region: str
    #: image id -> what uses it (only images that are used appear).
    uses: Mapping[str, tuple[ImageUse, ...]] = field(default_factory=dict)
    #: Set when the lookups failed: nothing in this region may be called unused.
    error: AwsError | None = None

    def of(self, image_id: str) -> tuple[ImageUse, ...]:
        return self.uses.get(image_id, ())


def _arn_resource(arn: str) -> str:
    """``arn:aws:ec2:r:a:instance/i-0abc`` -> ``i-0abc``."""
    return arn.rsplit("/", 1)[-1] if "/" in arn else arn.rsplit(":", 1)[-1]


async def _image_references(
    aws: AwsSession, region: str, image_ids: Sequence[str]
) -> list[dict[str, Any]]:
    references: list[dict[str, Any]] = []
    for start in range(0, len(image_ids), REFERENCE_BATCH):
        batch = list(image_ids[start : start + REFERENCE_BATCH])
        async for page in aws.paginate(
            region, "DescribeImageReferences", ImageIds=batch, IncludeAllResourceTypes=True
        ):
            references.extend(page.get("ImageReferences", []))
    return references


async def _launch_template_names(
    aws: AwsSession, region: str, template_ids: Iterable[str]
) -> dict[str, str]:
    ids = sorted(set(template_ids))
    if not ids:
        return {}
    names: dict[str, str] = {}
    async for page in aws.paginate(region, "DescribeLaunchTemplates", LaunchTemplateIds=ids):
        for template in page.get("LaunchTemplates", []):
            names[str(template["LaunchTemplateId"])] = str(template.get("LaunchTemplateName", ""))
    return names


async def _launch_configurations(aws: AwsSession, region: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    async for page in aws.paginate(region, "DescribeLaunchConfigurations", service="autoscaling"):
        found.extend(page.get("LaunchConfigurations", []))
    return found


async def _auto_scaling_groups(aws: AwsSession, region: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    async for page in aws.paginate(region, "DescribeAutoScalingGroups", service="autoscaling"):
        found.extend(page.get("AutoScalingGroups", []))
    return found


def _group_templates(group: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Every launch template specification an Auto Scaling group launches from."""
    specs = []
    if group.get("LaunchTemplate"):
        specs.append(group["LaunchTemplate"])
    mixed = (group.get("MixedInstancesPolicy") or {}).get("LaunchTemplate") or {}
    if mixed.get("LaunchTemplateSpecification"):
        specs.append(mixed["LaunchTemplateSpecification"])
    return specs


async def region_uses(aws: AwsSession, region: str, image_ids: Sequence[str]) -> RegionUses:
    """What uses each of ``image_ids`` in ``region``; a failed lookup is returned as data."""
    try:
        references, configurations, groups = await asyncio.gather(
            _image_references(aws, region, image_ids),
            _launch_configurations(aws, region),
            _auto_scaling_groups(aws, region),
        )
        template_ids = [
            _arn_resource(str(r.get("Arn", "")))
            for r in references
            if r.get("ResourceType") == "ec2:LaunchTemplate"
        ]
        names = await _launch_template_names(aws, region, template_ids)
    except Exception as exc:  # errors are data: the planner excludes the region's images
        return RegionUses(region, error=classify_error(exc, region=region, profile=aws.profile))
    return RegionUses(region, uses=join_uses(image_ids, references, configurations, groups, names))


def join_uses(
    image_ids: Iterable[str],
    references: Iterable[Mapping[str, Any]],
    configurations: Iterable[Mapping[str, Any]],
    groups: Iterable[Mapping[str, Any]],
    template_names: Mapping[str, str],
) -> dict[str, tuple[ImageUse, ...]]:
    """Pure: join the raw lookup answers into image id -> uses."""
    wanted = set(image_ids)
    uses: dict[str, set[ImageUse]] = defaultdict(set)
    templates_of: dict[str, set[str]] = defaultdict(set)  # template id -> image ids
    for reference in references:
        image_id = str(reference.get("ImageId", ""))
        if image_id not in wanted:
            continue
        kind = _REFERENCE_KINDS.get(str(reference.get("ResourceType")), OTHER)
        resource = _arn_resource(str(reference.get("Arn", "")))
        if kind == LAUNCH_TEMPLATE:
            templates_of[resource].add(image_id)
            name = template_names.get(resource)
            uses[image_id].add(ImageUse(kind, f"{name} ({resource})" if name else resource))
        else:
            uses[image_id].add(ImageUse(kind, resource))
    configuration_image: dict[str, str] = {}
    for configuration in configurations:
        image_id = str(configuration.get("ImageId", ""))
        name = str(configuration.get("LaunchConfigurationName", ""))
        configuration_image[name] = image_id
        if image_id in wanted:
            uses[image_id].add(ImageUse(LAUNCH_CONFIGURATION, name))
    for group in groups:
        group_name = str(group.get("AutoScalingGroupName", ""))
        group_configuration = str(group.get("LaunchConfigurationName") or "")
        if group_configuration and configuration_image.get(group_configuration) in wanted:
            image_id = configuration_image[group_configuration]
            uses[image_id].add(
                ImageUse(
                    AUTO_SCALING_GROUP,
                    group_name,
                    f"via launch configuration {group_configuration}",
                )
            )
        for spec in _group_templates(group):
            template_id = str(spec.get("LaunchTemplateId", ""))
            template_name = str(spec.get("LaunchTemplateName", ""))
            if not template_id:
                template_id = next((t for t, n in template_names.items() if n == template_name), "")
            for image_id in templates_of.get(template_id, ()):
                label = template_name or template_names.get(template_id) or template_id
                uses[image_id].add(
                    ImageUse(AUTO_SCALING_GROUP, group_name, f"via launch template {label}")
                )
    return {image_id: tuple(sorted(found)) for image_id, found in uses.items()}
