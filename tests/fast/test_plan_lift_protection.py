"""plan_lift_protection over hand-made records: judged on what EC2 says now, never on the
inventory; destructive and typed to confirm."""

from __future__ import annotations

import pytest

from amitui.actions.cleanup import plan_lift_protection
from amitui.model import Image

from ..records import ACCOUNT, OTHER_ACCOUNT, image

pytestmark = pytest.mark.fast


def fresh(of: Image, protection: str, owner: str = ACCOUNT) -> Image:
    """``of`` as EC2 describes it now."""
    return image(of.name, image_id=of.image_id, protection=protection, owner=owner)


def test_each_image_that_cannot_or_need_not_be_lifted_says_why() -> None:
    gone, off, theirs, cooling = (image(n) for n in ("gone", "off", "theirs", "cooling"))
    now = {
        off.key: fresh(off, "disabled"),
        theirs.key: fresh(theirs, "enabled", owner=OTHER_ACCOUNT),
        cooling.key: fresh(cooling, "disabled-until 2026-11-21T12:00:00Z"),
    }

    plan = plan_lift_protection([gone, off, theirs, cooling], now, ACCOUNT)

    assert not plan.runnable
    assert [s.reason for s in plan.steps] == [
        "gone: already deregistered (EC2 no longer finds it)",
        "off: deregistration protection is already off",
        f"theirs: not owned by this account (owner {OTHER_ACCOUNT})",
        "cooling: protection was lifted with a 24-hour cooldown; "
        "it can be deregistered after 2026-11-21T12:00:00Z",
    ]
    assert all(s.params == {} for s in plan.steps)  # an excluded step carries no call
    assert plan.confirm_text == ""


def test_a_cooldown_is_announced_and_one_image_is_confirmed_by_its_id() -> None:
    guarded = image("guarded")  # the inventory says unprotected; EC2 says otherwise

    plan = plan_lift_protection(
        [guarded], {guarded.key: fresh(guarded, "enabled-with-cooldown")}, ACCOUNT
    )

    [step] = plan.runnable
    assert step.operation == "DisableImageDeregistrationProtection"
    assert step.params == {"ImageId": guarded.image_id}
    assert step.reason == "guarded: protection enabled-with-cooldown; a 24-hour cooldown follows"
    assert plan.notes == (
        "Nothing is deregistered now: deregister (x) separately afterwards.",
        "Images protected with a cooldown stay protected for 24 hours after this runs.",
    )
    assert plan.destructive and plan.confirm_text == guarded.image_id


def test_several_images_are_confirmed_by_their_count() -> None:
    chosen = [image(f"g{n}") for n in range(3)]

    plan = plan_lift_protection(chosen, {i.key: fresh(i, "enabled") for i in chosen}, ACCOUNT)

    assert plan.title == "Lift deregistration protection from 3 images"
    assert plan.confirm_text == "3"
    assert len(plan.notes) == 1  # no cooldown: no cooldown note
