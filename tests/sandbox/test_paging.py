"""MaxResults/NextToken paging for DescribeImages and DescribeSnapshots (extensions.paging)."""

from __future__ import annotations

from typing import Any

import pytest
from aiobotocore.session import get_session
from botocore.exceptions import ClientError

from amitui.sandbox import Sandbox

from ..sandbox_api import KEYS


@pytest.fixture
def seven_images(ec2: Any, make_snapshot: Any, register: Any) -> list[str]:
    return sorted(register(ec2, f"img-{i}", make_snapshot(ec2, 8)) for i in range(7))


def test_describe_images_pages(ec2: Any, seven_images: list[str]) -> None:
    """MaxResults bounds each page, NextToken continues where the last page ended, the last
    page has no NextToken, and the pages together hold every image exactly once."""
    first = ec2.describe_images(Owners=["self"], MaxResults=3)
    assert len(first["Images"]) == 3 and first["NextToken"]
    second = ec2.describe_images(Owners=["self"], MaxResults=3, NextToken=first["NextToken"])
    third = ec2.describe_images(Owners=["self"], MaxResults=3, NextToken=second["NextToken"])
    assert len(third["Images"]) == 1 and "NextToken" not in third
    ids = [i["ImageId"] for page in (first, second, third) for i in page["Images"]]
    assert sorted(ids) == seven_images

    paginator = ec2.get_paginator("describe_images")
    pages = list(paginator.paginate(Owners=["self"], PaginationConfig={"PageSize": 2}))
    assert [len(p["Images"]) for p in pages] == [2, 2, 2, 1]
    assert ec2.describe_images(Owners=["self"])["Images"].__len__() == 7


def test_describe_snapshots_pages(ec2: Any, seven_images: list[str]) -> None:
    """The boto3 DescribeSnapshots paginator really pages (one snapshot per image here)."""
    paginator = ec2.get_paginator("describe_snapshots")
    pages = list(paginator.paginate(OwnerIds=["self"], PaginationConfig={"PageSize": 5}))
    assert [len(p["Snapshots"]) for p in pages] == [5, 2]
    assert len({s["SnapshotId"] for p in pages for s in p["Snapshots"]}) == 7


def test_invalid_token_is_refused(ec2: Any) -> None:
    """A NextToken the service did not issue is InvalidParameterValue."""
    for call in (ec2.describe_images, ec2.describe_snapshots):
        with pytest.raises(ClientError) as raised:
            call(MaxResults=5, NextToken="not-a-token")
        assert raised.value.response["Error"]["Code"] == "InvalidParameterValue"


async def test_aiobotocore_paginator_pages(
    sandbox: Sandbox, region: str, seven_images: list[str]
) -> None:
    """The engine's client, aiobotocore, pages through the same images."""
    session = get_session()
    async with session.create_client(
        "ec2",
        region_name=region,
        endpoint_url=sandbox.endpoint_url,
        **KEYS,
    ) as client:
        paginator = client.get_paginator("describe_images")
        sizes, ids = [], []
        async for page in paginator.paginate(Owners=["self"], PaginationConfig={"PageSize": 4}):
            sizes.append(len(page["Images"]))
            ids += [i["ImageId"] for i in page["Images"]]
    assert sizes == [4, 3]
    assert sorted(ids) == seven_images
