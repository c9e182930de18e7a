"""plan_copy over hand-made records: one CopyImage step per image and destination, the
refusals (each with its reason), idempotency tokens and the notes."""

from __future__ import annotations

import pytest

from amitui.actions.copy import CopyDestination, CopyRequest, plan_copy
from amitui.model import Image

from ..records import CUSTOMER_KEY, image, inventory

pytestmark = pytest.mark.fast

EU_KEY = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"


def only_step_reason(source: Image, destination: CopyDestination, *others: Image) -> str:
    plan = plan_copy(inventory([source, *others]), [source], CopyRequest((destination,)))
    [step] = plan.steps
    assert step.excluded == (not step.reason.startswith("copy ")), step.reason
    return step.reason


def test_each_refusal_says_why() -> None:
    web = image("web")
    secret = image("secret", encrypted=True, kms_key=CUSTOMER_KEY)
    pending = image("pending", state="pending")
    clash = image("web", region="eu-west-1")
    eu = "eu-west-1"

    assert only_step_reason(web, CopyDestination("us-east-1")) == (
        f"{web.image_id} is already in us-east-1: pick another destination"
    )
    assert "EC2 cannot copy it unencrypted" in only_step_reason(secret, CopyDestination(eu))
    assert "KMS keys are regional: pick a key in ap-south-1" in only_step_reason(
        web, CopyDestination("ap-south-1", encrypt=True, kms_key_id=EU_KEY)
    )
    assert only_step_reason(web, CopyDestination(eu, kms_key_id=EU_KEY)) == (
        "a KMS key needs encryption on (EC2: KmsKeyId requires Encrypted)"
    )
    assert only_step_reason(pending, CopyDestination(eu)) == (
        f"{pending.image_id} is pending; EC2 copies only available images"
    )
    assert only_step_reason(web, CopyDestination(eu), clash) == (
        f"eu-west-1 already has an image named 'web' ({clash.image_id})"
    )


def test_a_key_kms_says_is_missing_refuses_and_an_unchecked_one_is_noted() -> None:
    web = image("web")
    missing = CopyDestination("eu-west-1", encrypt=True, kms_key_id="alias/gone")
    unchecked = CopyDestination("ap-south-1", encrypt=True, kms_key_id="alias/unknown")

    plan = plan_copy(
        inventory([web]),
        [web],
        CopyRequest((missing, unchecked)),
        keys={("eu-west-1", "alias/gone"): None},
    )

    refused, allowed = plan.steps
    assert refused.excluded and refused.reason.startswith("KMS key alias/gone does not exist")
    assert not allowed.excluded
    assert allowed.params["KmsKeyId"] == "alias/unknown" and allowed.params["Encrypted"] is True
    assert any(n.startswith("Could not check the KMS keys alias/unknown") for n in plan.notes)


def test_the_same_copy_gets_the_same_client_token_and_another_copy_another() -> None:
    web = image("web")
    request = CopyRequest((CopyDestination("eu-west-1"), CopyDestination("ap-south-1")))

    first = plan_copy(inventory([web]), [web], request)
    again = plan_copy(inventory([web]), [web], request)
    renamed = plan_copy(inventory([web]), [web], CopyRequest(request.destinations, name="other"))

    tokens = [s.params["ClientToken"] for s in first.steps]
    assert tokens == [s.params["ClientToken"] for s in again.steps]
    assert len(set(tokens)) == 2
    assert all(len(t) <= 64 and t.isascii() for t in tokens)  # EC2's ClientToken limit
    assert not set(tokens) & {s.params["ClientToken"] for s in renamed.steps}


def test_a_new_name_applies_to_one_image_only() -> None:
    web, api = image("web", Description="web image"), image("api")
    request = CopyRequest((CopyDestination("eu-west-1"),), name="renamed", description="new")

    [single] = plan_copy(inventory([web]), [web], request).steps
    several = plan_copy(inventory([web, api]), [web, api], request)

    assert (single.params["Name"], single.params["Description"]) == ("renamed", "new")
    assert [s.params["Name"] for s in several.steps] == ["web", "api"]
    assert several.steps[0].params["Description"] == "web image"
    assert "Description" not in several.steps[1].params  # an empty one is not sent


def test_the_notes_say_what_a_copy_does_not_take_along() -> None:
    web = image("web")

    plan = plan_copy(
        inventory([web]), [web], CopyRequest((CopyDestination("eu-west-1"),), copy_tags=False)
    )

    assert plan.steps[0].params["CopyImageTags"] is False
    assert plan.notes == (
        "Tags are not copied (EC2 copies no tags unless asked).",
        "Launch permissions are never copied: share the copies separately.",
    )
    assert plan.title == "Copy 1 image to eu-west-1: 1 copies"
