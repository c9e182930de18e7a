"""Managed resources and the account's visibility setting (extensions.managed_resources).

EC2 API reference:
- GetManagedResourceVisibility: "Retrieves the managed resource visibility configuration for
  the account. The response indicates whether managed resources are hidden or visible by
  default." ``defaultVisibility``: "A value of hidden indicates that managed resources are not
  included in Describe operation responses by default. A value of visible indicates that
  managed resources are included by default."
- ModifyManagedResourceVisibility: "Visibility settings are account-wide and affect all IAM
  principals uniformly. Hidden resources remain fully operational and billable."
  ``DefaultVisibility`` "Valid values: hidden | visible".
- DescribeInstances / DescribeLaunchTemplates / DescribeLaunchTemplateVersions
  ``IncludeManagedResources``: "If this parameter is set to true, the output includes
  resources that are managed by Amazon Web Services services, even if managed resource
  visibility is set to hidden."
- ``Operator``: ``Managed`` "If true, the resource is managed by a service provider",
  ``Principal`` "the service provider that manages the resource", ``HiddenByDefault`` "If
  true, the resource is hidden by default based on the managed resource visibility settings
  for the account."

Silent, and pinned here as the sandbox reads it: a new account is ``visible``; one setting
for every Region of the account; DescribeImageReferences (which has no
IncludeManagedResources) leaves hidden managed resources out too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

PRINCIPAL = "eks.amazonaws.com"


@pytest.fixture
def hidden(ec2: Any) -> Iterator[None]:
    """The account's managed resources hidden for this test (visible again after it)."""
    ec2.modify_managed_resource_visibility(DefaultVisibility="hidden")
    yield
    ec2.modify_managed_resource_visibility(DefaultVisibility="visible")


@pytest.fixture
def image(ec2: Any, make_snapshot: Callable[..., str], register: Callable[..., str]) -> str:
    return register(ec2, "managed-base", make_snapshot(ec2, 8))


def _launch(ec2: Any, image: str, **extra: Any) -> str:
    answer = ec2.run_instances(
        ImageId=image, MinCount=1, MaxCount=1, InstanceType="t3.micro", **extra
    )
    instance_id: str = answer["Instances"][0]["InstanceId"]
    return instance_id


def _instance_ids(ec2: Any, image: str, **extra: Any) -> set[str]:
    answer = ec2.describe_instances(Filters=[{"Name": "image-id", "Values": [image]}], **extra)
    return {i["InstanceId"] for r in answer["Reservations"] for i in r["Instances"]}


def _referencing(ec2: Any, image: str) -> set[str]:
    answer = ec2.describe_image_references(ImageIds=[image], IncludeAllResourceTypes=True)
    return {r["Arn"].rsplit("/", 1)[-1] for r in answer["ImageReferences"]}


def test_a_new_account_shows_managed_resources_and_the_setting_round_trips(ec2: Any) -> None:
    assert ec2.get_managed_resource_visibility()["Visibility"] == {"DefaultVisibility": "visible"}
    try:
        answer = ec2.modify_managed_resource_visibility(DefaultVisibility="hidden")
        assert answer["Visibility"] == {"DefaultVisibility": "hidden"}
        assert ec2.get_managed_resource_visibility()["Visibility"]["DefaultVisibility"] == "hidden"
    finally:
        ec2.modify_managed_resource_visibility(DefaultVisibility="visible")


def test_a_visibility_that_is_not_hidden_or_visible_is_refused(ec2: Any) -> None:
    with pytest.raises(ClientError) as raised:
        ec2.modify_managed_resource_visibility(DefaultVisibility="secret")
    assert raised.value.response["Error"]["Code"] == "InvalidParameterValue"
    assert ec2.get_managed_resource_visibility()["Visibility"]["DefaultVisibility"] == "visible"


def test_a_managed_instance_is_shown_with_its_operator_while_visible(ec2: Any, image: str) -> None:
    managed = _launch(ec2, image, Operator={"Principal": PRINCIPAL})
    own = _launch(ec2, image)
    answer = ec2.describe_instances(InstanceIds=[managed, own])
    operators = {
        i["InstanceId"]: i.get("Operator") for r in answer["Reservations"] for i in r["Instances"]
    }
    assert operators[managed] == {"Managed": True, "Principal": PRINCIPAL, "HiddenByDefault": False}
    assert operators[own] is None
    assert _referencing(ec2, image) == {managed, own}


@pytest.mark.usefixtures("hidden")
def test_hidden_managed_instances_are_left_out_unless_asked_for(ec2: Any, image: str) -> None:
    managed = _launch(ec2, image, Operator={"Principal": PRINCIPAL})
    own = _launch(ec2, image)
    assert _instance_ids(ec2, image) == {own}
    assert _instance_ids(ec2, image, IncludeManagedResources=True) == {managed, own}
    answer = ec2.describe_instances(InstanceIds=[managed], IncludeManagedResources=True)
    (instance,) = [i for r in answer["Reservations"] for i in r["Instances"]]
    assert instance["Operator"]["HiddenByDefault"] is True
    # The reference is silent: the sandbox's DescribeImageReferences does not list it either.
    assert _referencing(ec2, image) == {own}


@pytest.mark.usefixtures("hidden")
def test_hidden_managed_launch_templates_are_left_out_unless_asked_for(
    ec2: Any, image: str
) -> None:
    data = {"ImageId": image, "InstanceType": "t3.micro"}
    managed = ec2.create_launch_template(
        LaunchTemplateName=f"managed-{image}",
        LaunchTemplateData=data,
        Operator={"Principal": PRINCIPAL},
    )["LaunchTemplate"]["LaunchTemplateId"]
    own = ec2.create_launch_template(LaunchTemplateName=f"own-{image}", LaunchTemplateData=data)[
        "LaunchTemplate"
    ]["LaunchTemplateId"]

    def template_ids(**extra: Any) -> set[str]:
        found = ec2.describe_launch_templates(LaunchTemplateIds=[managed, own], **extra)
        return {t["LaunchTemplateId"] for t in found["LaunchTemplates"]}

    def version_templates(**extra: Any) -> set[str]:
        found = ec2.describe_launch_template_versions(Versions=["$Default"], **extra)
        return {v["LaunchTemplateId"] for v in found["LaunchTemplateVersions"]} & {managed, own}

    assert template_ids() == {own}
    assert template_ids(IncludeManagedResources=True) == {managed, own}
    assert version_templates() == {own}
    assert version_templates(IncludeManagedResources=True) == {managed, own}
    assert _referencing(ec2, image) == {own}
