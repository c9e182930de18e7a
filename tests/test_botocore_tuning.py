"""amitui's botocore tuning keeps aiobotocore's behaviour: each test fails loudly if an
upgrade changes what the tuning relies on."""

from __future__ import annotations

import inspect

from amitui.aws import AwsSession
from amitui.sandbox import Sandbox


def test_aiobotocore_still_builds_a_client_class_per_client_this_way() -> None:
    from aiobotocore.client import AioClientCreator

    # aiobotocore's own method, whether or not amitui has wrapped it yet.
    method = inspect.unwrap(AioClientCreator._create_client_class)
    assert inspect.iscoroutinefunction(method)
    assert list(inspect.signature(method).parameters) == ["self", "service_name", "service_model"]


async def test_clients_of_every_session_share_one_class_and_still_work(
    engine_sandbox: Sandbox,
) -> None:
    """Two sessions (two accounts' worth), two regions: one EC2 client class, and each
    client still answers for its own region."""
    first = AwsSession(endpoint_url=engine_sandbox.endpoint_url)
    second = AwsSession(endpoint_url=engine_sandbox.endpoint_url)
    try:
        clients = [
            await first.client("us-east-1"),
            await second.client("eu-west-1"),
        ]
        assert type(clients[0]) is type(clients[1])
        for client, region in zip(clients, ("us-east-1", "eu-west-1"), strict=True):
            assert client.meta.region_name == region
            answer = await client.describe_availability_zones()
            assert {zone["RegionName"] for zone in answer["AvailabilityZones"]} == {region}
        sts = await first.client("us-east-1", "sts")
        assert type(sts) is not type(clients[0])
    finally:
        await first.close()
        await second.close()
