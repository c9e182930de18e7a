"""CreateTags / DeleteTags refuse what EC2 refuses (extensions.tag_rules).

EC2 user guide, "Tag your Amazon EC2 resources", tag restrictions: "Maximum key length - 128
Unicode characters in UTF-8"; "Maximum value length - 256 Unicode characters in UTF-8"; "The
aws: prefix is reserved for AWS use. If a tag has a tag key with this prefix, then you can't
edit or delete the tag's key or value." The API reference names no error code for these (the
sandbox says InvalidParameterValue); moto accepted all of them.
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError


@pytest.fixture
def image(ec2: Any, make_snapshot: Any, register: Any) -> str:
    image_id: str = register(ec2, "tag-rules", make_snapshot(ec2, 8))
    return image_id


@pytest.mark.parametrize(
    ("tag", "message"),
    [
        ({"Key": "aws:owner", "Value": "me"}, "reserved"),
        ({"Key": "AWS:Owner", "Value": "me"}, "reserved"),
        ({"Key": "k" * 129, "Value": "v"}, "key exceeds the maximum length of 128"),
        ({"Key": "k", "Value": "v" * 257}, "value exceeds the maximum length of 256"),
    ],
)
def test_create_tags_refuses_what_ec2_refuses(
    ec2: Any, image: str, tag: dict[str, str], message: str
) -> None:
    with pytest.raises(ClientError) as refused:
        ec2.create_tags(Resources=[image], Tags=[tag])
    assert refused.value.response["Error"]["Code"] == "InvalidParameterValue"
    assert message in refused.value.response["Error"]["Message"]
    (found,) = ec2.describe_images(ImageIds=[image])["Images"]
    assert not found.get("Tags")


def test_the_limits_themselves_are_allowed(ec2: Any, image: str) -> None:
    ec2.create_tags(Resources=[image], Tags=[{"Key": "k" * 128, "Value": "v" * 256}])
    (found,) = ec2.describe_images(ImageIds=[image])["Images"]
    assert found["Tags"] == [{"Key": "k" * 128, "Value": "v" * 256}]


def test_delete_tags_refuses_aws_keys(ec2: Any, image: str) -> None:
    with pytest.raises(ClientError) as refused:
        ec2.delete_tags(Resources=[image], Tags=[{"Key": "aws:cloudformation:stack-name"}])
    assert refused.value.response["Error"]["Code"] == "InvalidParameterValue"
