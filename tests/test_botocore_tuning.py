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


def test_botocore_still_wraps_a_service_model_per_client_this_way() -> None:
    from aiobotocore.client import AioClientCreator

    method = inspect.unwrap(AioClientCreator._load_service_model)
    assert not inspect.iscoroutinefunction(method)
    assert list(inspect.signature(method).parameters) == ["self", "service_name", "api_version"]


async def test_clients_of_every_session_share_one_service_model(engine_sandbox: Sandbox) -> None:
    """One EC2 ServiceModel (and so one set of operation models, and one endpoint-discovery
    walk over every operation) for every region's and every session's client; STS its own."""
    first = AwsSession(endpoint_url=engine_sandbox.endpoint_url)
    second = AwsSession(endpoint_url=engine_sandbox.endpoint_url)
    try:
        models = [
            (await first.client("us-east-1")).meta.service_model,
            (await first.client("eu-west-1")).meta.service_model,
            (await second.client("ap-southeast-2")).meta.service_model,
        ]
        assert models[0] is models[1] is models[2]
        sts = (await first.client("us-east-1", "sts")).meta.service_model
        assert sts is not models[0] and sts.service_name == "sts"
        answer = await (await second.client("ap-southeast-2")).describe_regions()
        assert "ap-southeast-2" in {region["RegionName"] for region in answer["Regions"]}
    finally:
        await first.close()
        await second.close()


def test_the_preload_gives_the_collector_back_as_it_found_it() -> None:
    """The cyclic collector is paused while the AWS stack loads, never left paused (nor
    resumed where the caller had paused it)."""
    import gc

    from amitui.botocore_tuning import preload_service_models

    assert gc.isenabled()
    preload_service_models(None, ("sts",))
    assert gc.isenabled()
    gc.disable()
    try:
        preload_service_models(None, ("sts",))
        assert not gc.isenabled()
    finally:
        gc.enable()
