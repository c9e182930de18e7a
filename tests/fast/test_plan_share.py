"""plan_share over hand-made records: which grants change, what is refused and why, what
depends on what, and what the user must confirm."""

from __future__ import annotations

import pytest

from amitui.actions.share import (
    ACCOUNT,
    BLOCK_NEW_SHARING,
    ORGANIZATION,
    PUBLIC,
    Grantee,
    ShareContext,
    ShareRequest,
    plan_share,
)
from amitui.model import Step

from ..records import CUSTOMER_KEY, OTHER_ACCOUNT, image

pytestmark = pytest.mark.fast

ORG = "arn:aws:organizations::123456789012:organization/o-abcde12345"
FRIEND = Grantee(ACCOUNT, OTHER_ACCOUNT)


def steps_by_id(steps: tuple[Step, ...]) -> dict[str, Step]:
    return {s.step_id: s for s in steps}


def test_only_grants_that_change_are_sent() -> None:
    web = image("web")
    already = Grantee(ACCOUNT, "111122223333")
    context = ShareContext(permissions={web.key: frozenset({already})})

    plan = plan_share(
        [web],
        ShareRequest(add=(FRIEND, already), remove=(Grantee(ACCOUNT, "444455556666"),)),
        context,
    )

    [step] = plan.steps
    assert step.params == {
        "ImageId": web.image_id,
        "LaunchPermission": {"Add": [{"UserId": OTHER_ACCOUNT}]},
    }
    assert step.reason == f"+ account {OTHER_ACCOUNT}"
    assert not plan.destructive and plan.confirm_text == ""


def test_a_request_that_changes_nothing_is_left_out_with_the_reason() -> None:
    web = image("web")
    context = ShareContext(permissions={web.key: frozenset({FRIEND})})

    [step] = plan_share([web], ShareRequest(add=(FRIEND,)), context).steps

    assert step.excluded
    assert step.reason == "no change: these grants are already as asked"


def test_making_public_is_refused_for_every_reason_that_applies_at_once() -> None:
    secret = image("secret", encrypted=True, kms_key=CUSTOMER_KEY)
    context = ShareContext(block_public_access={"us-east-1": BLOCK_NEW_SHARING})

    plan = plan_share([secret], ShareRequest(add=(Grantee(PUBLIC),)), context)

    [step] = plan.steps
    assert step.excluded
    assert "block public access for AMIs is on in us-east-1" in step.reason
    assert f"{secret.image_id} has encrypted snapshots; EC2 never makes those public" in (
        step.reason
    )
    # Nothing goes public, so there is nothing to confirm by typing.
    assert not plan.destructive and plan.confirm_text == ""


@pytest.mark.parametrize(("count", "confirm"), [(1, "the id"), (2, "2")])
def test_making_images_public_is_destructive_and_typed_to_confirm(count: int, confirm: str) -> None:
    images = [image(f"web-{n}") for n in range(count)]
    plan = plan_share(images, ShareRequest(add=(Grantee(PUBLIC),)), ShareContext())

    assert plan.destructive
    assert plan.confirm_text == (images[0].image_id if confirm == "the id" else confirm)
    assert plan.notes[0].startswith(f"Making {count} image")
    assert all(s.params["LaunchPermission"] == {"Add": [{"Group": "all"}]} for s in plan.steps)


def test_making_a_public_image_private_needs_no_typing() -> None:
    shown = image("shown", public=True)
    plan = plan_share([shown], ShareRequest(remove=(Grantee(PUBLIC),)), ShareContext())

    [step] = plan.steps
    assert step.step_id == f"public:us-east-1/{shown.image_id}"
    assert step.params["LaunchPermission"] == {"Remove": [{"Group": "all"}]}
    assert not plan.destructive


def test_snapshot_permissions_follow_the_image_grant_and_go_to_accounts_only() -> None:
    web = image("web", snapshots=(("snap-00000000000000001", 8), ("snap-00000000000000002", 20)))
    request = ShareRequest(add=(FRIEND, Grantee(ORGANIZATION, ORG)), share_snapshots=True)

    plan = plan_share([web], request, ShareContext())

    by_id = steps_by_id(plan.steps)
    share_id = f"share:us-east-1/{web.image_id}"
    snapshot_steps = [s for s in plan.steps if s.operation == "ModifySnapshotAttribute"]
    assert [s.target for s in snapshot_steps] == list(web.snapshot_ids)
    for step in snapshot_steps:
        assert step.depends_on == (share_id,)
        assert not step.excluded
        assert step.params["CreateVolumePermission"] == {"Add": [{"UserId": OTHER_ACCOUNT}]}
    assert not by_id[share_id].excluded
    assert any("create-volume permission can be granted to accounts only" in n for n in plan.notes)


def test_an_aws_managed_key_refuses_the_share_and_its_snapshot_steps() -> None:
    managed = image("managed", encrypted=True, kms_key=CUSTOMER_KEY)
    context = ShareContext(key_managers={CUSTOMER_KEY: "AWS"})

    plan = plan_share([managed], ShareRequest(add=(FRIEND,), share_snapshots=True), context)

    share, snapshot_step = plan.steps
    assert share.excluded and "AWS managed key aws/ebs, which cannot be shared" in share.reason
    # A snapshot step depending on a refused share is left out too, never run alone.
    assert snapshot_step.excluded and snapshot_step.depends_on == (share.step_id,)
    assert not any("the grantees need access to that key" in n for n in plan.notes)


def test_a_customer_key_is_named_in_a_note_for_the_grantees() -> None:
    keyed = image("keyed", encrypted=True, kms_key=CUSTOMER_KEY)
    context = ShareContext(key_managers={CUSTOMER_KEY: "CUSTOMER"})

    plan = plan_share([keyed], ShareRequest(add=(FRIEND,)), context)

    [note] = plan.notes
    assert f"encrypted with {CUSTOMER_KEY}: the grantees need access to that key" in note
    assert "If it is the AWS managed aws/ebs key" not in note  # the key's manager is known


def test_images_of_another_account_are_left_out_and_others_still_planned() -> None:
    mine, theirs = image("mine"), image("theirs", owner=OTHER_ACCOUNT)

    plan = plan_share(
        [mine, theirs], ShareRequest(add=(FRIEND,)), ShareContext(account=mine.owner_id)
    )

    assert [s.target for s in plan.runnable] == [mine.image_id]
    [left_out] = plan.excluded
    assert left_out.reason == (
        f"owned by {OTHER_ACCOUNT}: only the owner can change who may launch it"
    )
