"""Deprecate images (set a deprecation time) or cancel their deprecation.

:func:`plan_deprecate` is pure: one EnableImageDeprecation (``DeprecateAt``) or
DisableImageDeprecation step per image, optionally for every copy in each image's family
(its source and every copy across the loaded regions). Excluded, with the reason: images
another account owns, a cancel for an image with no deprecation time, an unchanged time, and
a public image whose time is more than two years after its creation (EC2's limit).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from amitui.actions.validate import MAX_PUBLIC_DEPRECATION_AFTER_CREATION
from amitui.model import Image, Inventory, Plan, Step
from amitui.text import counted


@dataclass(frozen=True, slots=True)
class DeprecateRequest:
    #: When to deprecate (UTC, already validated); None cancels the deprecation.
    deprecate_at: datetime | None
    #: Apply to every copy in each image's family, not just the image.
    include_family: bool = False


def _ec2_time(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:00Z")


def _before(image: Image) -> dict[str, str | None]:
    """The deprecation time a step replaces (None: none was set), for undo."""
    when = image.deprecation_time
    return {"DeprecationTime": _ec2_time(when) if when is not None else None}


def targets(inventory: Inventory, images: Sequence[Image], include_family: bool) -> list[Image]:
    """The images, plus (when asked) every member of their families, each once, in order."""
    chosen: dict[tuple[str, str], Image] = {}
    for image in images:
        members = inventory.family(image) if include_family else [image]
        for member in [image, *members]:
            chosen.setdefault((member.region, member.image_id), member)
    return list(chosen.values())


def plan_deprecate(
    inventory: Inventory,
    images: Sequence[Image],
    request: DeprecateRequest,
    *,
    account: str | None = None,
) -> Plan:
    steps: list[Step] = []
    when = request.deprecate_at
    for image in targets(inventory, images, request.include_family):
        step_id = f"deprecate:{image.region}/{image.image_id}"
        refusal: str | None = None
        if account and image.owner_id and image.owner_id != account:
            refusal = f"owned by {image.owner_id}: only the owner can deprecate it"
        if when is None:
            if refusal is None and image.deprecation_time is None:
                refusal = "no deprecation time set: nothing to cancel"
            steps.append(
                Step(
                    step_id,
                    image.region,
                    "DisableImageDeprecation",
                    image.image_id,
                    {"ImageId": image.image_id},
                    refusal
                    or f"cancel deprecation (was {image.deprecation_time:%Y-%m-%d %H:%M} UTC)",
                    excluded=refusal is not None,
                    before=_before(image),
                )
            )
            continue
        if refusal is None and image.deprecation_time == when:
            refusal = f"already deprecates at {when:%Y-%m-%d %H:%M} UTC"
        if (
            refusal is None
            and image.public
            and image.creation_date is not None
            and when > image.creation_date + MAX_PUBLIC_DEPRECATION_AFTER_CREATION
        ):
            limit = image.creation_date + MAX_PUBLIC_DEPRECATION_AFTER_CREATION
            refusal = f"public image: EC2 allows at most 2 years after creation ({limit:%Y-%m-%d})"
        was = (
            f" (was {image.deprecation_time:%Y-%m-%d %H:%M} UTC)" if image.deprecation_time else ""
        )
        steps.append(
            Step(
                step_id,
                image.region,
                "EnableImageDeprecation",
                image.image_id,
                {"ImageId": image.image_id, "DeprecateAt": _ec2_time(when)},
                refusal or f"deprecate at {when:%Y-%m-%d %H:%M} UTC{was}",
                excluded=refusal is not None,
                before=_before(image),
            )
        )
    runnable = sum(1 for s in steps if not s.excluded)
    if when is None:
        title = f"Cancel the deprecation of {counted(runnable, 'image')}"
        notes: tuple[str, ...] = ()
    else:
        title = f"Deprecate {counted(runnable, 'image')} at {when:%Y-%m-%d %H:%M} UTC"
        notes = (
            "Deprecated images stay launchable by id, but disappear from other accounts' "
            "DescribeImages listings unless they ask for deprecated images.",
        )
    return Plan(action="deprecate", title=title, steps=tuple(steps), notes=notes)
