"""Limits EC2 enforces, and DescribeImageReferences' defaults and checks (extensions.limits,
extensions.image_references).

Quoted from the EC2 API reference:
- ResourceTypeOption: "For state-name: Valid values: pending | running | shutting-down |
  terminated | stopping | stopped. Default: All states". "For version-depth: Valid values:
  Integers between 1 and 10000. Default: 10". OptionName "Valid Values: state-name |
  version-depth".
- DescribeImageReferences ImageIds: "Array Members: Minimum number of 1 item. Maximum number of
  10 items."; MaxResults (botocore's model of the reference): minimum 5.
- ListImagesInRecycleBin MaxResults 1 to 1000; ListSnapshotsInRecycleBin 5 to 1000.
- Common client errors: "InvalidPaginationToken: The specified pagination token is not valid or
  is expired." "FilterLimitExceeded: The request uses too many filters or too many filter
  values"; EC2's message names the limit: "The maximum number of filter values specified on a
  single call is 200".
botocore checks a MaxResults minimum before sending; the checks below use a client that does
not (as other SDKs or hand-written requests need not), so the sandbox's own answer is tested.
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from amitui.sandbox import Sandbox

from ..sandbox_api import client


@pytest.fixture
def raw_ec2(sandbox: Sandbox, region: str) -> Any:
    """An EC2 client for this test's region without botocore's parameter validation."""
    return client(
        sandbox.endpoint_url,
        region,
        config=Config(parameter_validation=False, retries={"max_attempts": 1}),
    )


def _error(call: Any, **params: Any) -> dict[str, str]:
    with pytest.raises(ClientError) as raised:
        call(**params)
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    error: dict[str, str] = raised.value.response["Error"]
    return error


def _template_versions(ec2: Any, image_ids: list[str]) -> str:
    """A launch template whose versions 1..n use image_ids in order; returns its id."""
    template = ec2.create_launch_template(
        LaunchTemplateName=f"depth-{image_ids[0]}", LaunchTemplateData={"ImageId": image_ids[0]}
    )["LaunchTemplate"]
    for image_id in image_ids[1:]:
        ec2.create_launch_template_version(
            LaunchTemplateId=template["LaunchTemplateId"], LaunchTemplateData={"ImageId": image_id}
        )
    template_id: str = template["LaunchTemplateId"]
    return template_id


def test_version_depth_defaults_to_ten(ec2: Any, make_snapshot: Any, register: Any) -> None:
    snapshot = make_snapshot(ec2, 8)
    old, new = register(ec2, "old", snapshot), register(ec2, "new", snapshot)
    # Version 1 uses `old`; versions 2..11 use `new`: `old` is the 11th most recent version.
    _template_versions(ec2, [old] + [new] * 10)

    def referenced(**params: Any) -> set[str]:
        answer = ec2.describe_image_references(ImageIds=[old, new], **params)
        return {r["ImageId"] for r in answer["ImageReferences"]}

    assert referenced(IncludeAllResourceTypes=True) == {new}
    depth_11 = [{"OptionName": "version-depth", "OptionValues": ["11"]}]
    assert referenced(
        ResourceTypes=[{"ResourceType": "ec2:LaunchTemplate", "ResourceTypeOptions": depth_11}]
    ) == {old, new}


BAD_OPTIONS = [
    {"ResourceType": "ec2:Instance",
     "ResourceTypeOptions": [{"OptionName": "state-name", "OptionValues": ["sleeping"]}]},
    {"ResourceType": "ec2:Instance",
     "ResourceTypeOptions": [{"OptionName": "version-depth", "OptionValues": ["3"]}]},
    {"ResourceType": "ec2:LaunchTemplate",
     "ResourceTypeOptions": [{"OptionName": "version-depth", "OptionValues": ["0"]}]},
    {"ResourceType": "ec2:LaunchTemplate",
     "ResourceTypeOptions": [{"OptionName": "version-depth", "OptionValues": ["10001"]}]},
    {"ResourceType": "ec2:LaunchTemplate",
     "ResourceTypeOptions": [{"OptionName": "version-depth", "OptionValues": ["ten"]}]},
    {"ResourceType": "ec2:LaunchTemplate",
     "ResourceTypeOptions": [{"OptionName": "colour", "OptionValues": ["red"]}]},
]  # fmt: skip


def test_option_values_are_validated(raw_ec2: Any, make_snapshot: Any, register: Any) -> None:
    image_id = register(raw_ec2, "opt", make_snapshot(raw_ec2, 8))
    for resource_type in BAD_OPTIONS:
        error = _error(
            raw_ec2.describe_image_references, ImageIds=[image_id], ResourceTypes=[resource_type]
        )
        assert error["Code"] == "InvalidParameterValue", resource_type


def test_image_reference_paging_limits(raw_ec2: Any, make_snapshot: Any, register: Any) -> None:
    image_id = register(raw_ec2, "paged", make_snapshot(raw_ec2, 8))
    raw_ec2.run_instances(ImageId=image_id, MinCount=7, MaxCount=7)
    refs = raw_ec2.describe_image_references

    small = _error(refs, ImageIds=[image_id], IncludeAllResourceTypes=True, MaxResults=4)
    assert small == {
        "Code": "InvalidParameterValue",
        "Message": "Value ( 4 ) for parameter maxResults is invalid. Parameter must be at least 5.",
    }
    every = {"ImageIds": [image_id], "IncludeAllResourceTypes": True, "MaxResults": 5}
    first = refs(**every)
    second = refs(**every, NextToken=first["NextToken"])
    assert (len(first["ImageReferences"]), len(second["ImageReferences"])) == (5, 2)
    assert "NextToken" not in second
    for token in ("not-a-token", "eyJhZnRlciI6ICJ4In0=", "NQ=="):
        bad = _error(refs, ImageIds=[image_id], IncludeAllResourceTypes=True, NextToken=token)
        assert bad == {
            "Code": "InvalidPaginationToken",
            "Message": "The specified pagination token is not valid or is expired.",
        }
    eleven = [image_id] * 11
    assert _error(refs, ImageIds=eleven, IncludeAllResourceTypes=True)["Code"] == (
        "InvalidParameterValue"
    )


def test_more_than_200_filter_values(raw_ec2: Any) -> None:
    values = [f"ami-{i:017x}" for i in range(201)]
    for call, name in (
        (raw_ec2.describe_images, "image-id"),
        (raw_ec2.describe_snapshots, "snapshot-id"),
        (raw_ec2.describe_instances, "image-id"),
    ):
        error = _error(call, Filters=[{"Name": name, "Values": values}])
        assert error == {
            "Code": "FilterLimitExceeded",
            "Message": "The maximum number of filter values specified on a single call is 200",
        }
        # Split over two filters, the values still count together; 200 is allowed.
        split = [{"Name": name, "Values": values[:100]}, {"Name": name, "Values": values[100:]}]
        assert _error(call, Filters=split)["Code"] == "FilterLimitExceeded"
        call(Filters=[{"Name": name, "Values": values[:200]}])


OUT_OF_RANGE = [
    ("list_images_in_recycle_bin", 0, "between 1 and 1000"),
    ("list_images_in_recycle_bin", 1001, "between 1 and 1000"),
    ("list_snapshots_in_recycle_bin", 4, "between 5 and 1000"),
    ("describe_launch_templates", 201, "between 1 and 200"),
]


def test_max_results_out_of_range(raw_ec2: Any) -> None:
    for operation, value, message in OUT_OF_RANGE:
        error = _error(getattr(raw_ec2, operation), MaxResults=value)
        assert error == {
            "Code": "InvalidParameterValue",
            "Message": f"Value ( {value} ) for parameter maxResults is invalid. "
            f"Parameter must be {message}.",
        }
