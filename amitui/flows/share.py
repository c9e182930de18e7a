"""The share flow (key ``s``): current launch permissions -> dialog -> plan (diff, public
checks, KMS notes) -> review (typed confirmation to make public) -> run -> reload."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace

from amitui.actions.share import (
    ACCOUNT,
    ORGANIZATION,
    OU,
    PUBLIC,
    Grantee,
    GranteeChoice,
    ShareContext,
    ShareRequest,
    grantee_choices,
    load_block_public_access,
    load_key_managers,
    load_permissions,
    parse_grantee,
    plan_share,
)
from amitui.actions.validate import InvalidInput
from amitui.aws import AwsSession
from amitui.flows import FlowHost
from amitui.flows.plan_run import account_of, review_and_run
from amitui.model import Image, ImageKey, Plan
from amitui.text import counted
from amitui.widgets.share_dialog import (
    MAKE_PRIVATE,
    MAKE_PUBLIC,
    CurrentGrant,
    ShareDialog,
    ShareForm,
)

_SEPARATORS = re.compile(r"[,\s;]+")
_LABELS = {ACCOUNT: "account", ORGANIZATION: "organization", OU: "OU"}


def grant_value(grantee: Grantee) -> str:
    return f"{grantee.kind}|{grantee.value}"


def current_grants(
    images: Sequence[Image], permissions: Mapping[ImageKey, frozenset[Grantee]]
) -> list[CurrentGrant]:
    """Every grant any of the images has, with how many of them have it."""
    counts = Counter(g for image in images for g in permissions.get(image.key, ()))
    grants = []
    for grantee in sorted(counts):
        if grantee.kind == PUBLIC:
            continue
        label = f"{_LABELS[grantee.kind]} {grantee.value}"
        if len(images) > 1:
            label += f"  ({counts[grantee]} of {len(images)} images)"
        grants.append(CurrentGrant(grant_value(grantee), label))
    return grants


def pickable(
    images: Sequence[Image],
    permissions: Mapping[ImageKey, frozenset[Grantee]],
    offered: Sequence[GranteeChoice],
) -> list[CurrentGrant]:
    """The grantees worth offering: not an image's owner, not granted to every image."""
    owners = {image.owner_id for image in images}
    everywhere = frozenset.intersection(
        *(permissions.get(image.key, frozenset()) for image in images)
    ) if images else frozenset()  # fmt: skip
    return [
        CurrentGrant(grant_value(c.grantee), c.label)
        for c in offered
        if not (c.grantee.kind == ACCOUNT and c.grantee.value in owners)
        and c.grantee not in everywhere
    ]


def check_form(form: ShareForm) -> ShareRequest:
    """The dialog's form as a request, or :class:`InvalidInput` (shown, nothing sent)."""
    add: list[Grantee] = []
    for value in form.picked:
        kind, _, name = value.partition("|")
        add.append(Grantee(kind, name))
    for token in _SEPARATORS.split(form.add.strip()):
        if token:
            add.append(parse_grantee(token))
    remove = []
    for value in form.remove:
        kind, _, name = value.partition("|")
        remove.append(Grantee(kind, name))
    if form.public == MAKE_PUBLIC:
        add.append(Grantee(PUBLIC))
    elif form.public == MAKE_PRIVATE:
        remove.append(Grantee(PUBLIC))
    both = set(add) & set(remove)
    if both:
        raise InvalidInput("Grantee", f"{sorted(both)[0].describe()} is both added and removed")
    if not add and not remove:
        raise InvalidInput(
            "Share",
            "nothing to change: add a grantee, untick a current one, or pick public/private",
        )
    return ShareRequest(
        add=tuple(dict.fromkeys(add)),
        remove=tuple(dict.fromkeys(remove)),
        share_snapshots=form.share_snapshots,
    )


def dialog_notes(images: Sequence[Image]) -> list[str]:
    notes = []
    for image in images:
        keys = sorted({d.kms_key_id for d in image.block_devices if d.encrypted and d.kms_key_id})
        if keys:
            notes.append(
                f"{image.image_id} is encrypted with {', '.join(keys)}: grantees need access to "
                "that key, and an image encrypted with the AWS managed key cannot be shared."
            )
    return notes


def _by_account(
    host: FlowHost, images: Sequence[Image], default: str
) -> dict[str, tuple[AwsSession, list[Image]]]:
    """account id -> (its session, the images listed from it); the explorer's own session
    (``default`` id) for images whose account is not known."""
    groups: dict[str, tuple[AwsSession, list[Image]]] = {}
    for image in images:
        try:
            owner = host.account_of(image)
        except LookupError:
            key, session = default, host.aws
        else:
            key, session = owner.id, owner.session
        groups.setdefault(key, (session, []))[1].append(image)
    return groups


def _combined(parts: Sequence[tuple[str, Plan]], images: Sequence[Image]) -> Plan:
    """One share plan from each account's: every step sent with its own account's
    credentials; a plan making images public is confirmed by their count (or the id)."""
    if len(parts) == 1:
        owner, plan = parts[0]
        return replace(plan, steps=tuple(replace(s, account=owner) for s in plan.steps))
    public = [t for _, p in parts for t in [p.confirm_text] if p.destructive]
    count = sum(int(t) if t.isdigit() else 1 for t in public)
    return Plan(
        action="share",
        title=f"Change launch permissions of {counted(len(images), 'image')} in "
        f"{len(parts)} accounts",
        steps=tuple(replace(s, account=a) for a, p in parts for s in p.steps),
        notes=tuple(dict.fromkeys(n for _, p in parts for n in p.notes)),
        destructive=bool(public),
        confirm_text=public[0] if count == 1 else (str(count) if count else ""),
    )


async def run(host: FlowHost, images: Sequence[Image]) -> None:
    if host.read_only:
        host.notify("amitui is read-only: sharing is not offered", severity="warning")
        return
    account = await account_of(host)
    groups = _by_account(host, images, account)
    foreign = [
        i for owner, (_, found) in groups.items() for i in found
        if owner and i.owner_id and i.owner_id != owner
    ]  # fmt: skip
    if foreign and len(foreign) == len(images):
        host.notify(
            f"{foreign[0].image_id} is owned by {foreign[0].owner_id}: only the owner can share it",
            severity="warning",
            markup=False,
        )
        return
    permissions: dict[ImageKey, frozenset[Grantee]] = {}
    for session, found in groups.values():
        permissions.update(await load_permissions(session, [i for i in found if i not in foreign]))
    offered = await grantee_choices(host.accounts)
    notes = dialog_notes(images)
    if offered.problem:
        notes.append(offered.problem)
    request = await host.push_screen_wait(
        ShareDialog(
            images,
            current_grants(images, permissions),
            check_form,
            notes=notes,
            choices=pickable(images, permissions, offered.choices),
        )
    )
    if request is None:
        return
    parts: list[tuple[str, Plan]] = []
    for owner, (session, found) in groups.items():
        regions = sorted({image.region for image in found})
        public = Grantee(PUBLIC) in request.add
        block_state = await load_block_public_access(session, regions) if public else {}
        key_managers = await load_key_managers(session, found) if request.add else {}
        context = ShareContext(
            permissions=permissions,
            block_public_access=block_state,
            key_managers=key_managers,
            account=owner,
        )
        parts.append((owner, plan_share(found, request, context)))
    await review_and_run(host, _combined(parts, images), sorted({image.region for image in images}))
