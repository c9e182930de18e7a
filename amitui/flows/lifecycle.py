"""The lifecycle flows: disable/enable (``e``), protect (``p``) and tags (``T``).

Each: dialog -> fresh lookups -> plan (reasons, left-out targets) -> review (disabling is
typed) -> run -> journal -> reload the regions touched. Lifting protection is the cleanup's
``P`` (:func:`amitui.flows.cleanup.run_lift_protection`), its own typed plan.
"""

from __future__ import annotations

from collections.abc import Sequence

from amitui.actions.lifecycle import (
    TagEdit,
    gather_facts,
    parse_tag_edit,
    plan_disable,
    plan_enable,
    plan_protect,
    plan_tags,
)
from amitui.flows import FlowHost
from amitui.flows.plan_run import account_of, review_and_run
from amitui.model import Image
from amitui.text import counted
from amitui.widgets.lifecycle_dialogs import (
    DisableDialog,
    DisableForm,
    ProtectDialog,
    ProtectForm,
    TagsDialog,
    TagsForm,
)


def _refused(host: FlowHost, what: str, images: Sequence[Image]) -> bool:
    if host.read_only:
        host.notify(f"amitui is read-only: {what} is not offered", severity="warning")
        return True
    if not images:
        host.notify("No image selected.", severity="warning")
        return True
    return False


def _regions(images: Sequence[Image]) -> list[str]:
    return sorted({i.region for i in images})


async def run_disable(host: FlowHost, images: Sequence[Image]) -> None:
    """Disable the images (destructive: every launch permission goes), or enable them."""
    if _refused(host, "disabling", images):
        return
    form: DisableForm | None = await host.push_screen_wait(DisableDialog(images, lambda f: f))
    if form is None:
        return
    account = await account_of(host)
    host.notify(
        f"Checking {counted(len(images), 'image')}: state, launch permissions, what uses them…",
        markup=False,
    )
    facts = await gather_facts(
        host.aws, images, account, permissions=not form.enable, uses=not form.enable
    )
    if form.enable:
        plan = plan_enable(images, facts)
    else:
        plan = plan_disable(images, facts, override_in_use=form.override_in_use)
    await review_and_run(host, plan, _regions(images))


async def run_protect(host: FlowHost, images: Sequence[Image]) -> None:
    """Turn deregistration protection on (with or without the 24-hour cooldown)."""
    if _refused(host, "protecting", images):
        return
    form: ProtectForm | None = await host.push_screen_wait(ProtectDialog(images, lambda f: f))
    if form is None:
        return
    account = await account_of(host)
    facts = await gather_facts(host.aws, images, account)
    plan = plan_protect(images, facts, with_cooldown=form.with_cooldown, now=host.now())
    await review_and_run(host, plan, _regions(images))


def check_tags(form: TagsForm) -> TagEdit:
    """The dialog's form as an edit, or InvalidInput (shown, nothing sent)."""
    return parse_tag_edit(form.set_text, form.remove_text, include_snapshots=form.snapshots)


async def run_tags(host: FlowHost, images: Sequence[Image]) -> None:
    """Add, change or remove tags on the images (and, if asked, their snapshots)."""
    if _refused(host, "tagging", images):
        return
    edit: TagEdit | None = await host.push_screen_wait(TagsDialog(images, check_tags))
    if edit is None:
        return
    account = await account_of(host)
    facts = await gather_facts(host.aws, images, account, snapshots=edit.include_snapshots)
    await review_and_run(host, plan_tags(images, facts, edit), _regions(images))
