"""plan_deprecate over hand-made records: families, cancellations, EC2's limit for public
images, and the reasons a target is left out."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from amitui.actions.deprecate import DeprecateRequest, plan_deprecate

from ..records import ACCOUNT, OTHER_ACCOUNT, image, inventory

pytestmark = pytest.mark.fast

WHEN = datetime(2027, 1, 31, 9, 0, tzinfo=UTC)


def test_a_family_is_every_copy_once_whichever_member_is_chosen() -> None:
    source = image("web", region="us-east-1")
    copy = image("web", region="eu-west-1", source=(source.image_id, "us-east-1"))
    copy_of_copy = image("web", region="ap-south-1", source=(copy.image_id, "eu-west-1"))
    stranger = image("web", region="sa-east-1")
    loaded = inventory([source, copy, copy_of_copy, stranger])

    plan = plan_deprecate(loaded, [copy, source], DeprecateRequest(WHEN, include_family=True))

    assert sorted(s.target for s in plan.steps) == sorted(
        i.image_id for i in (source, copy, copy_of_copy)
    )
    assert all(s.params["DeprecateAt"] == "2027-01-31T09:00:00Z" for s in plan.steps)
    assert plan.title == "Deprecate 3 images at 2027-01-31 09:00 UTC"


def test_targets_left_out_say_why_and_are_not_counted() -> None:
    same = image("same", deprecation="2027-01-31T09:00:00.000Z")
    theirs = image("theirs", owner=OTHER_ACCOUNT)
    public = image("public", public=True, created="2024-01-01T00:00:00.000Z")
    moved = image("moved", deprecation="2026-12-24T00:00:00.000Z")
    chosen = [same, theirs, public, moved]

    plan = plan_deprecate(inventory(chosen), chosen, DeprecateRequest(WHEN), account=ACCOUNT)

    assert [s.reason for s in plan.steps] == [
        "already deprecates at 2027-01-31 09:00 UTC",
        f"owned by {OTHER_ACCOUNT}: only the owner can deprecate it",
        "public image: EC2 allows at most 2 years after creation (2025-12-31)",
        "deprecate at 2027-01-31 09:00 UTC (was 2026-12-24 00:00 UTC)",
    ]
    assert [s.target for s in plan.runnable] == [moved.image_id]
    assert plan.title == "Deprecate 1 image at 2027-01-31 09:00 UTC"


def test_cancelling_needs_a_deprecation_to_cancel() -> None:
    set_ = image("set", deprecation="2026-12-24T00:00:00.000Z")
    unset = image("unset")

    plan = plan_deprecate(inventory([set_, unset]), [set_, unset], DeprecateRequest(None))

    cancel, nothing = plan.steps
    assert cancel.operation == "DisableImageDeprecation"
    assert cancel.params == {"ImageId": set_.image_id}
    assert cancel.reason == "cancel deprecation (was 2026-12-24 00:00 UTC)"
    assert nothing.excluded and nothing.reason == "no deprecation time set: nothing to cancel"
    assert plan.title == "Cancel the deprecation of 1 image"
    assert plan.notes == ()
