"""The copy flow (key ``c``): dialog -> plan -> review -> concurrent copies followed to
``available`` -> destination and source regions reloaded (the copies join the lineage)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Sequence

from amitui.actions.copy import (
    CopyDestination,
    CopyRequest,
    lookup_keys,
    plan_copy,
    track_copy,
)
from amitui.actions.validate import (
    InvalidInput,
    description,
    image_name,
    kms_key,
    kms_key_in_region,
    region,
)
from amitui.aws import known_regions
from amitui.flows import FlowHost
from amitui.flows.plan_run import Follow, review_and_run
from amitui.model import Image, StepResult
from amitui.widgets.copy_dialog import CopyDialog, CopyForm
from amitui.widgets.progress_screen import StepNote

#: Seconds between DescribeImages polls while following a copy (tests make it shorter).
POLL_SECONDS = 2.0


def check_form(form: CopyForm, sources: Sequence[Image], known: set[str]) -> CopyRequest:
    """Turn the dialog's form into a request, or raise :class:`InvalidInput` (shown, nothing
    sent)."""
    if not form.destinations:
        raise InvalidInput("Destination regions", "pick at least one (space toggles a region)")
    source_regions = {image.region for image in sources}
    encrypted = [image for image in sources if image.encrypted]
    destinations = []
    for entry in form.destinations:
        name = region(entry.region, known, field="Destination")
        if source_regions == {name}:
            raise InvalidInput(
                "Destination", f"{name} is where the image is already; pick another region"
            )
        if encrypted and not entry.encrypt:
            raise InvalidInput(
                f"Encrypt ({name})",
                f"{encrypted[0].image_id} is encrypted; EC2 cannot make an unencrypted copy: "
                "tick Encrypt for this destination",
            )
        key: str | None = None
        if entry.kms_key.strip():
            field = f"KMS key ({name})"
            key = kms_key_in_region(kms_key(entry.kms_key, field), name, field).value
            if not entry.encrypt:
                raise InvalidInput(field, "a KMS key needs Encrypt ticked")
        destinations.append(CopyDestination(name, encrypt=entry.encrypt, kms_key_id=key))
    single = len(sources) == 1
    return CopyRequest(
        destinations=tuple(destinations),
        name=image_name(form.name) if single else None,
        description=description(form.description) if single else None,
        copy_tags=form.copy_tags,
    )


def follow_copy(host: FlowHost) -> Follow:
    """Follow each started copy (its response names the new ImageId) to ``available``."""

    def follow(result: StepResult, cancel: asyncio.Event) -> AsyncGenerator[StepNote, None] | None:
        image_id = result.response.get("ImageId")
        if not image_id:
            return None
        return _follow(host, result, str(image_id), cancel)

    return follow


async def _follow(
    host: FlowHost, result: StepResult, image_id: str, cancel: asyncio.Event
) -> AsyncGenerator[StepNote, None]:
    step_id = result.step.step_id
    async for progress in track_copy(host.aws, result.step.region, image_id, poll=POLL_SECONDS):
        if progress.finished:
            yield StepNote(
                step_id, progress.describe(), final=True, ok=progress.state == "available"
            )
            return
        if cancel.is_set():
            yield StepNote(
                step_id,
                f"{image_id} still {progress.state}; no longer followed here "
                "(it continues in AWS; refresh later)",
                final=True,
            )
            return
        yield StepNote(step_id, progress.describe())


async def destination_choices(host: FlowHost) -> list[str]:
    try:
        return await host.aws.enabled_regions()
    except Exception:  # DescribeRegions denied: offer what botocore knows
        return sorted(known_regions())


async def run(host: FlowHost, images: Sequence[Image]) -> None:
    if host.read_only:
        host.notify("amitui is read-only: copying is not offered", severity="warning")
        return
    choices = await destination_choices(host)
    known = set(choices) | known_regions()
    request = await host.push_screen_wait(
        CopyDialog(images, choices, lambda form: check_form(form, images, known))
    )
    if request is None:
        return
    keys = await lookup_keys(host.aws, request.destinations)
    plan = plan_copy(host.inventory, images, request, keys=keys)
    destinations = [d.region for d in request.destinations]
    sources = sorted({image.region for image in images})
    await review_and_run(
        host,
        plan,
        [*destinations, *sources],
        follow=follow_copy(host),
        reload_when_sent=destinations,
    )
