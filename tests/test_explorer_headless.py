"""The Explorer without Textual: sessions, region loads and their tokens, the query, the
account and the image extras, against the sandbox over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import pytest

from amitui.aws import AwsSession
from amitui.backend import LaunchOptions, sandbox_session
from amitui.explorer import Explorer, NotConnected
from amitui.loader import load_region
from amitui.model import Image, ImageQuery, RegionKey, RegionStatus
from amitui.sandbox import SANDBOX_ACCOUNT_ID, Sandbox
from amitui.sandbox.proxy import FaultProxy

from .conftest import ENGINE_REGIONS
from .sandbox_api import ec2_client, make_snapshot, register_image

OTHER_ACCOUNT = "210987654321"


@pytest.fixture(scope="module")
def images(sandbox: Sandbox) -> dict[str, str]:
    """One image per engine region; the us-east-1 one is shared with OTHER_ACCOUNT."""
    found = {}
    for region in ENGINE_REGIONS:
        ec2 = ec2_client(sandbox.endpoint_url, region)
        found[region] = register_image(ec2, f"headless-{region}", make_snapshot(ec2, 8))
    ec2_client(sandbox.endpoint_url, "us-east-1").modify_image_attribute(
        ImageId=found["us-east-1"],
        LaunchPermission={"Add": [{"UserId": OTHER_ACCOUNT}]},
    )
    return found


def factory(url: str) -> Callable[[LaunchOptions], AbstractAsyncContextManager[AwsSession]]:
    @asynccontextmanager
    async def open_session(options: LaunchOptions) -> AsyncIterator[AwsSession]:
        async with sandbox_session(url, read_only=options.read_only) as aws:
            yield aws

    return open_session


@asynccontextmanager
async def explorer_on(url: str, **options: Any) -> AsyncIterator[Explorer]:
    explorer = Explorer(LaunchOptions(**options), factory(url), account="main")
    try:
        await explorer.connect()
        yield explorer
    finally:
        await explorer.aclose()


async def test_regions_resolve_and_stream_into_the_inventory_with_the_account(
    sandbox: Sandbox, images: dict[str, str]
) -> None:
    async with explorer_on(sandbox.endpoint_url) as explorer:
        regions = await explorer.resolve_regions()
        assert sorted(regions) == sorted(ENGINE_REGIONS)
        assert await explorer.find_account() == SANDBOX_ACCOUNT_ID
        loads = [load async for load in explorer.stream(regions)]
    complete = [load for load in loads if not load.snapshots_pending]
    assert sorted(load.region for load in complete) == sorted(ENGINE_REGIONS)
    assert all(load.status is RegionStatus.LOADED for load in complete)
    assert set(explorer.inventory.loads) == {RegionKey("main", r) for r in ENGINE_REGIONS}
    ids = {image.image_id for image in explorer.inventory.images()}
    assert set(images.values()) <= ids
    assert {image.account for image in explorer.inventory.images()} == {"main"}


async def test_a_superseded_load_never_reaches_the_inventory(
    sandbox: Sandbox, images: dict[str, str]
) -> None:
    async with explorer_on(sandbox.endpoint_url) as explorer:
        old = explorer.begin(["us-east-1"])
        load = await load_region(explorer.aws, "us-east-1", account="main")
        explorer.begin(["us-east-1"])  # a refresh started meanwhile
        assert not explorer.accept(load, old[load.key])
        assert len(explorer.inventory) == 0
        # A query change while a stream is delivering drops the rest of the stream.
        seen = []
        async for arrived in explorer.stream(list(ENGINE_REGIONS)):
            seen.append(arrived)
            explorer.set_query(ImageQuery(owners=("amazon",)))
        assert len(seen) == 1
        assert len(explorer.inventory) == 0


async def test_reload_after_a_change_shows_the_new_state(
    sandbox: Sandbox, images: dict[str, str]
) -> None:
    async with explorer_on(sandbox.endpoint_url) as explorer:
        [load] = await explorer.reload(["eu-west-1"])
        before = {i.image_id for i in load.images}
        ec2 = ec2_client(sandbox.endpoint_url, "eu-west-1")
        added = register_image(ec2, "headless-added", make_snapshot(ec2, 8))
        [load] = await explorer.reload(["eu-west-1"])
        assert {i.image_id for i in load.images} == before | {added}
        assert explorer.inventory.regions["eu-west-1"] is load


async def test_extras_are_fetched_once_and_only_for_our_own_images(
    sandbox: Sandbox, images: dict[str, str]
) -> None:
    with FaultProxy(sandbox.endpoint_url) as proxy:
        async with explorer_on(proxy.url, regions=("us-east-1",)) as explorer:
            await explorer.find_account()
            [load] = await explorer.reload(["us-east-1"])
            image = next(i for i in load.images if i.image_id == images["us-east-1"])
            proxy.clear_requests()
            extras = await explorer.extras(image)
            assert extras.launch_permissions == (OTHER_ACCOUNT,)
            assert extras.error == ""
            assert await explorer.extras(image) is extras  # cached
            assert explorer.cached_extras(image.key) is extras
            assert proxy.actions().count("DescribeImageAttribute") == 3
            # Another account's image is not asked about (EC2 answers only its owner).
            record = {**image.raw, "ImageId": "ami-0000000000000f00d", "OwnerId": OTHER_ACCOUNT}
            foreign = Image.from_aws("us-east-1", record, "main")
            assert (await explorer.extras(foreign)).error == "only the owner sees them"
            assert proxy.actions().count("DescribeImageAttribute") == 3
            explorer.forget_extras()
            assert explorer.cached_extras(image.key) is None


async def test_not_connected_says_so() -> None:
    explorer = Explorer(LaunchOptions())
    assert not explorer.connected
    with pytest.raises(NotConnected):
        _ = explorer.aws
    await explorer.aclose()  # closing an explorer that never connected is fine
