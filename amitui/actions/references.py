"""What uses an image: read-only lookups behind the "in use" safety rule of the cleanup.

An image is in use when any instance (any state) or launch template version references it
(EC2 ``DescribeImageReferences``), or a launch configuration names it, or an Auto Scaling
group launches from such a launch configuration or launch template (Auto Scaling
``DescribeLaunchConfigurations`` / ``DescribeAutoScalingGroups``).

Instances and launch templates an AWS service manages (``Operator.Managed``, e.g. EKS nodes)
count like any other. An account can hide them from Describe answers
(GetManagedResourceVisibility ``hidden``); DescribeImageReferences has no way to ask for them,
so where they are hidden, or the setting cannot be read, :func:`region_uses` also asks
DescribeInstances and DescribeLaunchTemplateVersions with ``IncludeManagedResources``, and
every other Describe call here asks for them too.

:func:`find_uses` answers per region. A region whose lookups fail is reported as such
(:attr:`RegionUses.error`): the planner must then treat every image there as possibly in use,
never as unused.

Across accounts (:func:`cross_account_uses`): an image its owner shares (launch permissions
for account ids, the organization, OUs, or everyone) is in use when any *other loaded*
account that may launch it references it, by that account's own lookups above. Shares
reaching accounts amitui cannot read are named; for those, :func:`usage_report` asks EC2 for
an image usage report (CreateImageUsageReport, polled until available, then its entries),
which has a documented blind spot (:data:`USAGE_REPORT_BLIND_SPOT`).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from amitui import usage
from amitui.accounts import Account
from amitui.actions.share import ACCOUNT, PUBLIC, Grantee, account_text, load_permissions
from amitui.aws import AwsSession
from amitui.aws_errors import classify_error
from amitui.model import AwsError, Image, ImageKey, RegionStatus

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
    #: The other account it is in, as the user knows it ("staging (210987654321)");
    #: "" for the image's own account.
    account: str = ""
    #: Asked only for the Used-by tab (``region_uses(..., detail=True)``): an instance's
    #: state ("running"), the template versions that name the image ("v3 $Default").
    detail: str = ""

    def describe(self) -> str:
        text = f"{self.kind} {self.name}"
        text = f"{text} {self.detail}" if self.detail else text
        text = f"{text} ({self.via})" if self.via else text
        return f"{text} in account {self.account}" if self.account else text


@dataclass(frozen=True, slots=True)
class RegionUses:
    region: str
    #: image id -> what uses it (only images that are used appear).
    uses: Mapping[str, tuple[ImageUse, ...]] = field(default_factory=dict)
    #: Set when the lookups failed: nothing in this region may be called unused.
    error: AwsError | None = None
    #: The account's managed resource visibility here ("hidden" / "visible"), None when it
    #: could not be read. Either way, managed resources were looked for (see the module).
    managed_visibility: str | None = None

    def of(self, image_id: str) -> tuple[ImageUse, ...]:
        return self.uses.get(image_id, ())


def _arn_resource(arn: str) -> str:
    """``arn:aws:ec2:r:a:instance/i-0abc`` -> ``i-0abc``; an SSM parameter's ARN -> its
    whole name (``arn:aws:ssm:r:a:parameter/golden/web`` -> ``/golden/web``)."""
    if ":parameter/" in arn:
        return arn.split(":parameter", 1)[1]
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
    async for page in aws.paginate(
        region, "DescribeLaunchTemplates", LaunchTemplateIds=ids, IncludeManagedResources=True
    ):
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


#: DescribeInstances takes at most this many values per filter.
FILTER_VALUES = 200


async def _instance_states(
    aws: AwsSession, region: str, instance_ids: Iterable[str]
) -> dict[str, str]:
    """instance id -> state name. A filter rather than InstanceIds: an instance gone since
    the references were read is left out, not an error for them all."""
    ids = sorted(set(instance_ids))
    states: dict[str, str] = {}
    for start in range(0, len(ids), FILTER_VALUES):
        chosen = ids[start : start + FILTER_VALUES]
        filters = [{"Name": "instance-id", "Values": chosen}]
        async for page in aws.paginate(
            region, "DescribeInstances", Filters=filters, IncludeManagedResources=True
        ):
            for reservation in page.get("Reservations", []):
                for instance in reservation.get("Instances", []):
                    state = str((instance.get("State") or {}).get("Name", ""))
                    states[str(instance["InstanceId"])] = state
    return states


async def _template_versions(
    aws: AwsSession, region: str, template_ids: Iterable[str]
) -> dict[tuple[str, str], str]:
    """(template id, image id) -> the versions naming it, e.g. ``v3 $Default, v4 $Latest``."""
    found: dict[tuple[str, str], list[str]] = defaultdict(list)

    async def one(template_id: str) -> None:
        versions: list[Mapping[str, Any]] = []
        async for page in aws.paginate(
            region,
            "DescribeLaunchTemplateVersions",
            LaunchTemplateId=template_id,
            IncludeManagedResources=True,
        ):
            versions.extend(page.get("LaunchTemplateVersions", []))
        latest = max((int(v.get("VersionNumber", 0)) for v in versions), default=0)
        for version in sorted(versions, key=lambda v: int(v.get("VersionNumber", 0))):
            image_id = str((version.get("LaunchTemplateData") or {}).get("ImageId") or "")
            number = int(version.get("VersionNumber", 0))
            marks = [m for m, on in (("$Default", version.get("DefaultVersion")),
                                     ("$Latest", number == latest)) if on]  # fmt: skip
            found[(template_id, image_id)].append(" ".join([f"v{number}", *marks]))

    await asyncio.gather(*(one(t) for t in sorted(set(template_ids))))
    return {key: ", ".join(texts) for key, texts in found.items()}


HIDDEN = "hidden"


async def _managed_visibility(aws: AwsSession, region: str) -> str | None:
    try:
        answer = await aws.call(region, "GetManagedResourceVisibility")
    except Exception:  # e.g. not allowed: then managed resources are looked for anyway
        return None
    value = (answer.get("Visibility") or {}).get("DefaultVisibility")
    return str(value) if value else None


def _managed_by(resource: Mapping[str, Any]) -> str:
    operator = resource.get("Operator") or {}
    return str(operator.get("Principal") or "a service") if operator.get("Managed") else ""


async def _default_and_latest_versions(
    aws: AwsSession, region: str
) -> AsyncIterator[tuple[str, Mapping[str, Any]]]:
    """(image id, version) of every launch template's $Default and $Latest versions in
    ``region``, managed ones included ("To describe all launch templates in your account
    that are defined as the default version, the valid value is $Default")."""
    async for page in aws.paginate(
        region,
        "DescribeLaunchTemplateVersions",
        Versions=["$Default", "$Latest"],
        IncludeManagedResources=True,
    ):
        for version in page.get("LaunchTemplateVersions", []):
            yield str((version.get("LaunchTemplateData") or {}).get("ImageId") or ""), version


async def _managed_references(
    aws: AwsSession, region: str, image_ids: Sequence[str]
) -> list[dict[str, Any]]:
    """DescribeImageReferences' entries for the managed instances and launch templates
    ($Default and $Latest versions) that use ``image_ids``, as DescribeInstances and
    DescribeLaunchTemplateVersions list them with ``IncludeManagedResources``; each also says
    who manages it (``Principal``)."""
    found: list[dict[str, Any]] = []
    prefix = f"arn:aws:ec2:{region}:"
    for start in range(0, len(image_ids), FILTER_VALUES):
        filters = [{"Name": "image-id", "Values": list(image_ids[start : start + FILTER_VALUES])}]
        async for page in aws.paginate(
            region, "DescribeInstances", Filters=filters, IncludeManagedResources=True
        ):
            for reservation in page.get("Reservations", []):
                for instance in reservation.get("Instances", []):
                    if principal := _managed_by(instance):
                        found.append({
                            "ImageId": str(instance.get("ImageId", "")),
                            "ResourceType": "ec2:Instance",
                            "Arn": f"{prefix}:instance/{instance['InstanceId']}",
                            "Principal": principal,
                        })  # fmt: skip
    wanted = set(image_ids)
    async for image_id, version in _default_and_latest_versions(aws, region):
        if image_id in wanted and (principal := _managed_by(version)):
            found.append({
                "ImageId": image_id,
                "ResourceType": "ec2:LaunchTemplate",
                "Arn": f"{prefix}:launch-template/{version['LaunchTemplateId']}",
                "Principal": principal,
            })  # fmt: skip
    return found


async def region_uses(
    aws: AwsSession, region: str, image_ids: Sequence[str], *, detail: bool = False
) -> RegionUses:
    """What uses each of ``image_ids`` in ``region``; a failed lookup is returned as data.

    ``detail`` (the Used-by tab) also asks each referencing instance's state
    (DescribeInstances) and which versions of each referencing launch template name the
    image (DescribeLaunchTemplateVersions): one more call per region and one per template."""
    try:
        references, configurations, groups, visibility = await asyncio.gather(
            _image_references(aws, region, image_ids),
            _launch_configurations(aws, region),
            _auto_scaling_groups(aws, region),
            _managed_visibility(aws, region),
        )
        if visibility != "visible":
            references = [*references, *await _managed_references(aws, region, image_ids)]
        template_ids = [
            _arn_resource(str(r.get("Arn", "")))
            for r in references
            if r.get("ResourceType") == "ec2:LaunchTemplate"
        ]
        names = await _launch_template_names(aws, region, template_ids)
        details: dict[str, str] = {}
        if detail:
            instance_ids = [
                _arn_resource(str(r.get("Arn", "")))
                for r in references
                if r.get("ResourceType") == "ec2:Instance"
            ]
            states, versions = await asyncio.gather(
                _instance_states(aws, region, instance_ids),
                _template_versions(aws, region, template_ids),
            )
            details = {i: f"({state})" for i, state in states.items()}
            for (template_id, image_id), text in versions.items():
                details[f"{template_id} {image_id}"] = text
    except Exception as exc:  # errors are data: the planner excludes the region's images
        return RegionUses(region, error=classify_error(exc, region=region, profile=aws.profile))
    uses = join_uses(image_ids, references, configurations, groups, names, details)
    return RegionUses(region, uses=uses, managed_visibility=visibility)


async def region_use_counts(aws: AwsSession, region: str) -> dict[str, int]:
    """image id -> how many instances (any state, as the in-use rule counts them) and
    launch templates (whose $Default or $Latest version names it, once a template) use it,
    for every image of ``region`` at once: DescribeInstances and DescribeLaunchTemplateVersions
    of all templates ("To describe all launch templates in your account that are defined as
    the default version, the valid value is $Default"), both paginated, for the Used by
    column. Auto Scaling, SSM and other accounts are in the Used-by tab, not this count."""
    counts: dict[str, int] = defaultdict(int)

    async def instances() -> None:
        async for page in aws.paginate(region, "DescribeInstances", IncludeManagedResources=True):
            for reservation in page.get("Reservations", []):
                for instance in reservation.get("Instances", []):
                    counts[str(instance.get("ImageId", ""))] += 1

    templates: dict[str, set[str]] = defaultdict(set)  # image id -> template ids

    async def versions() -> None:
        async for image_id, version in _default_and_latest_versions(aws, region):
            templates[image_id].add(str(version.get("LaunchTemplateId", "")))

    await asyncio.gather(instances(), versions())
    for image_id, ids in templates.items():
        counts[image_id] += len(ids)
    counts.pop("", None)
    return dict(counts)


def join_uses(
    image_ids: Iterable[str],
    references: Iterable[Mapping[str, Any]],
    configurations: Iterable[Mapping[str, Any]],
    groups: Iterable[Mapping[str, Any]],
    template_names: Mapping[str, str],
    details: Mapping[str, str] | None = None,
) -> dict[str, tuple[ImageUse, ...]]:
    """Pure: join the raw lookup answers into image id -> uses. ``details``: instance id
    -> its state, ``"<template id> <image id>"`` -> the versions naming the image."""
    details = details or {}
    wanted = set(image_ids)
    uses: dict[str, set[ImageUse]] = defaultdict(set)
    templates_of: dict[str, set[str]] = defaultdict(set)  # template id -> image ids
    seen: set[tuple[str, str, str]] = set()
    # A managed resource may be listed twice (by DescribeImageReferences and as managed):
    # the entry saying who manages it comes first and stands for both.
    for reference in sorted(references, key=lambda r: not r.get("Principal")):
        image_id = str(reference.get("ImageId", ""))
        resource = _arn_resource(str(reference.get("Arn", "")))
        listed = (image_id, str(reference.get("ResourceType")), resource)
        if image_id not in wanted or listed in seen:
            continue
        seen.add(listed)
        kind = _REFERENCE_KINDS.get(str(reference.get("ResourceType")), OTHER)
        via = f"managed by {principal}" if (principal := reference.get("Principal")) else ""
        if kind == LAUNCH_TEMPLATE:
            templates_of[resource].add(image_id)
            name = template_names.get(resource)
            detail = details.get(f"{resource} {image_id}", "")
            label = f"{name} ({resource})" if name else resource
            uses[image_id].add(ImageUse(kind, label, via, detail=detail))
        else:
            uses[image_id].add(ImageUse(kind, resource, via, detail=details.get(resource, "")))
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


# --- across accounts ------------------------------------------------------------------------

#: The AWS User Guide ("View your AMI usage") on what an image usage report may miss.
USAGE_REPORT_BLIND_SPOT = (
    "an image usage report might not contain the most recent activity: instance activity "
    "from the past 24 hours and launch template activity from the past few days might not "
    "appear in it (AWS User Guide, View your AMI usage)"
)
USAGE_REPORT_TYPES = ({"ResourceType": "ec2:Instance"}, {"ResourceType": "ec2:LaunchTemplate"})
#: CreateImageUsageReport's AccountIds: "Maximum number of 200 items".
USAGE_REPORT_MAX_ACCOUNTS = 200


@dataclass(frozen=True, slots=True)
class CrossAccountUses:
    """What other loaded accounts do with a set of images one account owns."""

    #: image key -> uses in other loaded accounts (each use names its account).
    uses: Mapping[ImageKey, tuple[ImageUse, ...]] = field(default_factory=dict)
    #: image key -> why its use elsewhere could not be checked (treat it as in use).
    errors: Mapping[ImageKey, str] = field(default_factory=dict)
    #: image key -> account ids it is shared with that amitui cannot read.
    unread: Mapping[ImageKey, tuple[str, ...]] = field(default_factory=dict)
    #: image key -> shares reaching accounts nobody named (organization, OU, public).
    wide: Mapping[ImageKey, tuple[str, ...]] = field(default_factory=dict)

    def of(self, key: ImageKey) -> tuple[ImageUse, ...]:
        return self.uses.get(key, ())


def _may_launch(grantees: frozenset[Grantee], other: str) -> bool:
    """Whether ``other`` may (or might: organization and OU shares) launch the image.

    An organization or OU share counts every other loaded account: finding which OUs an
    account sits in needs the management account, and checking one account too many is
    safe where one too few is not."""
    return any(g.kind != ACCOUNT or g.value == other for g in grantees)


async def cross_account_uses(
    owner: Account,
    images: Sequence[Image],
    loaded: Sequence[Account],
    *,
    sharing: Mapping[ImageKey, frozenset[Grantee]] | None = None,
    detail: bool = False,
) -> CrossAccountUses:
    """Who else uses ``images`` (owned by ``owner``): each other loaded account that may
    launch one is asked with its own session (DescribeImageReferences, Auto Scaling).
    ``sharing``: the images' launch permissions when the caller has read them already."""
    mine = [i for i in images if i.owner_id in ("", owner.id)]
    errors: dict[ImageKey, str] = {}
    known_sharing = dict(sharing or {})

    async def permissions(image: Image) -> None:
        try:
            known_sharing.update(await load_permissions(owner.session, [image]))
        except Exception as exc:  # errors are data: the image counts as possibly in use
            error = classify_error(exc, region=image.region, profile=owner.session.profile)
            errors[image.key] = f"could not read who may launch it: {error.describe()}"

    await asyncio.gather(*(permissions(i) for i in mine if i.key not in known_sharing))
    sharing = known_sharing
    others = [a for a in loaded if a.id != owner.id]
    known = {a.id for a in loaded}
    asked: dict[tuple[str, str], list[Image]] = defaultdict(list)
    unread: dict[ImageKey, tuple[str, ...]] = {}
    wide: dict[ImageKey, tuple[str, ...]] = {}
    for image in mine:
        grantees = sharing.get(image.key, frozenset())
        named = sorted({g.value for g in grantees if g.kind == ACCOUNT} - known - {owner.id})
        if named:
            unread[image.key] = tuple(named)
        reach = sorted(
            "everyone (public)" if g.kind == PUBLIC else g.describe()
            for g in grantees
            if g.kind != ACCOUNT
        )
        if reach:
            wide[image.key] = tuple(reach)
        for other in others:
            if _may_launch(grantees, other.id):
                asked[(other.id, image.region)].append(image)
    by_id = {a.id: a for a in others}
    uses: dict[ImageKey, set[ImageUse]] = defaultdict(set)

    async def ask(account_id: str, region: str, chosen: list[Image]) -> None:
        other = by_id[account_id]
        found = await region_uses(
            other.session, region, sorted({i.image_id for i in chosen}), detail=detail
        )
        for image in chosen:
            if found.error is not None:
                errors.setdefault(
                    image.key,
                    f"could not check its use in account {account_text(other)}: "
                    f"{found.error.describe()}",
                )
                continue
            for use in found.of(image.image_id):
                uses[image.key].add(
                    ImageUse(use.kind, use.name, use.via, account_text(other), use.detail)
                )

    await asyncio.gather(*(ask(a, r, chosen) for (a, r), chosen in asked.items()))
    return CrossAccountUses({k: tuple(sorted(v)) for k, v in uses.items()}, errors, unread, wide)


# --- the Used-by tab --------------------------------------------------------------------

_GROUP_OF = {
    INSTANCE: usage.INSTANCES,
    LAUNCH_TEMPLATE: usage.LAUNCH_TEMPLATES,
    LAUNCH_CONFIGURATION: usage.AUTO_SCALING,
    AUTO_SCALING_GROUP: usage.AUTO_SCALING,
}
#: Instances are listed by state, the ones that matter most first.
_STATE_ORDER = ("running", "pending", "stopping", "stopped", "shutting-down", "terminated")


def _state_rank(use: ImageUse) -> int:
    state = use.detail.strip("()")
    return _STATE_ORDER.index(state) if state in _STATE_ORDER else len(_STATE_ORDER)


def _entry(use: ImageUse, region: str, group: str) -> usage.UseEntry:
    where = f"account {use.account}, {region}" if use.account else region
    what = f"{use.kind} {use.name}"
    about = f"{what} in {where} (amitui lists images, not {use.kind}s)"
    return usage.UseEntry(group, use.describe(), what, about)


async def used_by(owner: Account, image: Image, loaded: Sequence[Account]) -> usage.UsedBy:
    """Everything that uses ``image`` (listed from ``owner``), for the Used-by tab: the
    cleanup's in-use lookups (:func:`region_uses`, :func:`cross_account_uses`) with detail,
    and who may launch it (launch permissions, readable by its owner only)."""
    owned = image.owner_id in ("", owner.id)
    errors: list[str] = []
    sharing: dict[ImageKey, frozenset[Grantee]] = {}
    if owned:
        try:
            sharing = await load_permissions(owner.session, [image])
        except Exception as exc:  # errors are data: said in the tab
            error = classify_error(exc, region=image.region, profile=owner.session.profile)
            errors.append(f"could not read who may launch it: {error.describe()}")
    others = [a for a in loaded if a.id != owner.id]
    own, cross = await asyncio.gather(
        region_uses(owner.session, image.region, [image.image_id], detail=True),
        cross_account_uses(owner, [image], loaded, sharing=sharing, detail=True)
        if others and owned
        else _no_cross(),
    )
    if own.error is not None:
        errors.append(f"could not check what uses it: {own.error.describe()}")
    entries: list[usage.UseEntry] = []
    found = sorted(own.of(image.image_id), key=lambda u: (_state_rank(u), u))
    for use in found:
        entries.append(_entry(use, image.region, _GROUP_OF.get(use.kind, usage.PARAMETERS)))
    for use in sorted(cross.of(image.key), key=lambda u: (u.account, _state_rank(u), u)):
        entries.append(_entry(use, image.region, usage.OTHER_ACCOUNTS))
    for account_id in cross.unread.get(image.key, ()):
        entries.append(
            usage.UseEntry(
                usage.OTHER_ACCOUNTS,
                f"shared with account {account_id}, which amitui does not read "
                "(Enter: ask EC2 for an image usage report)",
                about=f"asking EC2 for an image usage report of account {account_id}…",
                report_accounts=(account_id,),
            )
        )
    if image.key in cross.errors:
        errors.append(cross.errors[image.key])
    entries += _launchers(image, owner, owned, sharing.get(image.key))
    notes = () if own.error is not None else _visibility_notes(own.managed_visibility)
    return usage.UsedBy(image.key, tuple(entries), tuple(errors), notes)


def _visibility_notes(visibility: str | None) -> tuple[str, ...]:
    if visibility == HIDDEN:
        return (
            "this account hides managed resources (those an AWS service such as EKS runs) "
            "from Describe answers: they are listed here all the same",
        )
    if visibility is None:
        return (
            "could not read whether this account hides managed resources "
            "(GetManagedResourceVisibility): they were looked for all the same",
        )
    return ()


async def _no_cross() -> CrossAccountUses:
    return CrossAccountUses()


def _launchers(
    image: Image, owner: Account, owned: bool, grantees: frozenset[Grantee] | None
) -> list[usage.UseEntry]:
    group = usage.LAUNCH_PERMISSIONS
    if not owned:
        return [
            usage.UseEntry(
                group,
                f"owned by {image.owner_id}: only its owner may read its launch permissions",
            )
        ]
    if grantees is None:
        return []
    texts = sorted(g.describe() for g in grantees if g.kind != PUBLIC)
    if image.public or any(g.kind == PUBLIC for g in grantees):
        texts.insert(0, "everyone (public)")
    if not texts:
        texts = [f"only its owner ({owner.id or 'this account'}): no launch permissions"]
    return [usage.UseEntry(group, text) for text in texts]


@dataclass(frozen=True, slots=True)
class UsageEntry:
    """One line of an image usage report: an account, a resource type and how many."""

    account_id: str
    resource_type: str
    count: int

    def describe(self) -> str:
        kind = {"ec2:Instance": INSTANCE, "ec2:LaunchTemplate": LAUNCH_TEMPLATE}.get(
            self.resource_type, self.resource_type
        )
        plural = "s" if self.count != 1 else ""
        return f"{self.count} {kind}{plural} in account {self.account_id}"


@dataclass(frozen=True, slots=True)
class UsageReport:
    """An image usage report's answer for one image (or why there is none)."""

    key: ImageKey
    entries: tuple[UsageEntry, ...] = ()
    report_id: str = ""
    error: AwsError | None = None


async def usage_report(
    aws: AwsSession,
    image: Image,
    account_ids: Sequence[str] = (),
    *,
    poll: float = 2.0,
    wait_at_most: float = 600.0,
) -> UsageReport:
    """Create an image usage report for ``image`` (``account_ids``: only those accounts;
    none: every account), wait until it is available, and read its entries. A report in
    ``error``, a timeout or a refused call is returned as data."""
    try:
        params: dict[str, Any] = {"ImageId": image.image_id, "ResourceTypes": USAGE_REPORT_TYPES}
        if account_ids:
            params["AccountIds"] = list(account_ids)[:USAGE_REPORT_MAX_ACCOUNTS]
        created = await aws.call(image.region, "CreateImageUsageReport", **params)
        report_id = str(created["ReportId"])
        async with asyncio.timeout(wait_at_most):
            while True:
                answer = await aws.call(
                    image.region, "DescribeImageUsageReports", ReportIds=[report_id]
                )
                reports = answer.get("ImageUsageReports", [])
                state = str(reports[0].get("State", "")) if reports else ""
                if state == "available":
                    break
                if state == "error" or not reports:
                    reason = str(reports[0].get("StateReason", "")) if reports else "it is gone"
                    return UsageReport(
                        image.key,
                        report_id=report_id,
                        error=AwsError(
                            RegionStatus.FAILED,
                            "ImageUsageReportFailed",
                            f"the image usage report could not be created: {reason or state}",
                        ),
                    )
                await asyncio.sleep(poll)
        entries: list[UsageEntry] = []
        async for page in aws.paginate(
            image.region, "DescribeImageUsageReportEntries", ReportIds=[report_id]
        ):
            entries.extend(
                UsageEntry(
                    str(e.get("AccountId", "")),
                    str(e.get("ResourceType", "")),
                    int(e.get("UsageCount", 0)),
                )
                for e in page.get("ImageUsageReportEntries", [])
            )
    except TimeoutError:
        return UsageReport(
            image.key,
            error=AwsError(
                RegionStatus.FAILED,
                "Timeout",
                f"the image usage report was not available after {wait_at_most:.0f} s",
            ),
        )
    except Exception as exc:  # errors are data: the flow says the image could not be checked
        return UsageReport(
            image.key, error=classify_error(exc, region=image.region, profile=aws.profile)
        )
    return UsageReport(image.key, tuple(e for e in entries if e.count > 0), report_id)


def with_usage_report(
    used: usage.UsedBy, report: UsageReport, account_ids: Sequence[str]
) -> usage.UsedBy:
    """``used`` with the entries standing for ``account_ids`` replaced by what the image
    usage report says of them (a use per entry, or that it found none), with its blind spot;
    a report that failed is one more error, and those entries stay."""
    asked = set(account_ids)
    if report.error is not None:
        error = f"the image usage report failed: {report.error.describe()}"
        return replace(used, errors=(*used.errors, error))
    kept = [
        e for e in used.entries if not (set(e.report_accounts) and set(e.report_accounts) <= asked)
    ]
    found = [
        usage.UseEntry(
            usage.OTHER_ACCOUNTS,
            f"{entry.describe()} (image usage report {report.report_id})",
            about=USAGE_REPORT_BLIND_SPOT,
        )
        for entry in report.entries
        if entry.account_id in asked
    ]
    unused = sorted(asked - {e.account_id for e in report.entries})
    found += [
        usage.UseEntry(
            usage.OTHER_ACCOUNTS,
            f"nothing in account {account_id}, says image usage report {report.report_id}",
            about=USAGE_REPORT_BLIND_SPOT,
        )
        for account_id in unused
    ]
    note = f"image usage reports: {USAGE_REPORT_BLIND_SPOT}"
    notes = used.notes if note in used.notes else (*used.notes, note)
    at = next((i for i, e in enumerate(kept) if e.group == usage.LAUNCH_PERMISSIONS), len(kept))
    return replace(used, entries=(*kept[:at], *found, *kept[at:]), notes=notes)
