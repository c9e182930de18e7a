"""The copy flow (key ``c``): dialog -> plan -> review -> concurrent copies followed to
``available`` -> destination and source regions reloaded (the copies join the lineage)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Sequence

from amitui.accounts import Account
from amitui.actions.copy import (
    CopyDestination,
    CopyRequest,
    copy_settled,
    load_volume_permissions,
    lookup_keys,
    plan_copy,
    plan_copy_to_account,
    track_copy,
)
from amitui.actions.share import ACCOUNT, account_text, load_key_managers, load_permissions
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
from amitui.flows.plan_run import Follow, review_and_run, step_sessions
from amitui.model import Image, StepResult
from amitui.widgets.copy_dialog import CopyDialog, CopyForm
from amitui.widgets.progress_screen import StepNote

#: Seconds between DescribeImages polls while following a copy (tests make it shorter).
POLL_SECONDS = 2.0


def check_form(form: CopyForm, sources: Sequence[Image], known: set[str]) -> CopyRequest:
    """Turn the dialog's form into a request, or raise :class:`InvalidInput` (shown, nothing
    sent). Into another account, the images' own region is a destination like any other."""
    if not form.destinations:
        raise InvalidInput("Destination regions", "pick at least one (space toggles a region)")
    source_regions = {image.region for image in sources}
    encrypted = [image for image in sources if image.encrypted]
    destinations = []
    for entry in form.destinations:
        name = region(entry.region, known, field="Destination")
        if source_regions == {name} and not form.account:
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
        account=form.account,
        remove_share=form.remove_share and bool(form.account),
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
    owner = _one_owner(host, images)
    others = [(a.id, account_text(a)) for a in host.accounts if owner and a.id != owner.id]
    request = await host.push_screen_wait(
        CopyDialog(images, choices, lambda form: check_form(form, images, known), accounts=others)
    )
    if request is None:
        return
    if request.account and owner is not None:
        await _copy_to_account(host, images, request, owner)
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


def _one_owner(host: FlowHost, images: Sequence[Image]) -> Account | None:
    """The loaded account all ``images`` were listed from (None: several, or not known):
    a copy into another account is offered for one source account at a time."""
    try:
        owners = {host.account_of(image).id: host.account_of(image) for image in images}
    except LookupError:
        return None
    return next(iter(owners.values())) if len(owners) == 1 else None


async def _copy_to_account(
    host: FlowHost, images: Sequence[Image], request: CopyRequest, owner: Account
) -> None:
    """Share, CopyImage with the target account's credentials, optionally unshare: one plan."""
    target = next(a for a in host.accounts if a.id == request.account)
    grants, volumes, key_managers = await asyncio.gather(
        load_permissions(owner.session, images),
        load_volume_permissions(owner.session, images),
        load_key_managers(owner.session, images),
    )
    plan = plan_copy_to_account(
        images,
        request,
        source_account=owner.id,
        target=target.id,
        target_label=account_text(target),
        launch_grants={
            key: frozenset(g.value for g in found if g.kind == ACCOUNT)
            for key, found in grants.items()
        },
        volume_grants=volumes,
        remove_share=request.remove_share,
        key_managers=key_managers,
    )
    await review_and_run(
        host,
        plan,
        sorted({image.region for image in images}),
        settle=copy_settled(step_sessions(host), poll=POLL_SECONDS),
    )
