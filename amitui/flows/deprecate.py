"""The deprecate flow (key ``d``): dialog (time or cancel, image or whole family) -> plan ->
review -> run -> reload the regions touched."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from amitui.actions.deprecate import DeprecateRequest, plan_deprecate, targets
from amitui.actions.validate import deprecation_time
from amitui.flows import FlowHost
from amitui.flows.plan_run import account_of, review_and_run
from amitui.model import Image
from amitui.widgets.deprecate_dialog import DeprecateDialog, DeprecateForm


def check_form(form: DeprecateForm, now: datetime) -> DeprecateRequest:
    """The dialog's form as a request, or InvalidInput (shown, nothing sent)."""
    if form.cancel:
        return DeprecateRequest(None, include_family=form.family)
    return DeprecateRequest(deprecation_time(form.when, now), include_family=form.family)


async def run(host: FlowHost, images: Sequence[Image]) -> None:
    if host.read_only:
        host.notify("amitui is read-only: deprecating is not offered", severity="warning")
        return
    family = targets(host.inventory, images, include_family=True)
    request = await host.push_screen_wait(
        DeprecateDialog(
            images,
            # The clock is read at submit time: a dialog left open stays honest about "future".
            lambda form: check_form(form, host.now()),
            now=host.now(),
            family_size=len(family),
        )
    )
    if request is None:
        return
    plan = plan_deprecate(host.inventory, images, request, account=await account_of(host) or None)
    regions = sorted({step.region for step in plan.steps})
    await review_and_run(host, plan, regions)
