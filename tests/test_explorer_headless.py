"""The Explorer without Textual: sessions, region loads and their tokens, the query, the
account and the image extras, against the sandbox over HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from amitui.accounts import AccountSpec, Limits
from amitui.aws import AwsSession
from amitui.backend import LaunchOptions, demo_sandbox, sandbox_session, write_demo_aws_config
from amitui.explorer import Explorer, NotConnected
from amitui.loader import load_region
from amitui.model import ImageQuery, RegionKey, RegionLoad, RegionStatus
from amitui.sandbox import SANDBOX_ACCOUNT_ID, Sandbox, demo
from amitui.sandbox.proxy import FaultProxy, Hold

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


async def test_records_asked_again_leave_out_an_image_deregistered_since_the_load(
    sandbox: Sandbox, images: dict[str, str]
) -> None:
    """EC2 refuses a whole DescribeImages call for an id it does not know
    (``InvalidAMIID.NotFound``): the others' records still come back, as an export needs."""
    async with explorer_on(sandbox.endpoint_url) as explorer:
        ec2 = ec2_client(sandbox.endpoint_url, "eu-west-1")
        gone = register_image(ec2, "headless-gone", make_snapshot(ec2, 8))
        [load] = await explorer.reload(["eu-west-1"])
        ec2.deregister_image(ImageId=gone)
        records = await explorer.with_records(load.images)
    assert gone not in {i.image_id for i in records}
    assert images["eu-west-1"] in {i.image_id for i in records}
    assert all(i.record["ImageId"] == i.image_id for i in records)


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
            foreign = replace(
                image,
                image_id="ami-0000000000000f00d",
                traits=replace(image.traits, owner_id=OTHER_ACCOUNT),
            )
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


async def test_each_load_reaches_on_load_from_its_own_task_images_first(
    sandbox: Sandbox, images: dict[str, str]
) -> None:
    """``load_each``: a region's images reach ``on_load`` as soon as they are parsed, from
    the task that parsed them, while its snapshots (held by the proxy) are still to come;
    the complete load follows with the same images."""
    held = "eu-west-1"
    hold = Hold()
    arrived: list[tuple[RegionLoad, asyncio.Task[Any] | None]] = []
    held_images = asyncio.Event()

    def on_load(load: RegionLoad) -> None:
        arrived.append((load, asyncio.current_task()))
        if load.region == held:
            held_images.set()

    with FaultProxy(sandbox.endpoint_url) as proxy:
        proxy.add_fault(hold, region=held, action="DescribeSnapshots", count=1)
        async with explorer_on(proxy.url) as explorer:
            loading = asyncio.create_task(explorer.load_each(list(ENGINE_REGIONS), on_load))
            try:
                await asyncio.wait_for(held_images.wait(), 20)
                first, task = next((load, t) for load, t in arrived if load.region == held)
                assert first.snapshots_pending and not loading.done()
                assert images[held] in {i.image_id for i in first.images}
                assert explorer.inventory.loads[first.key] is first  # already in it
                assert task is not None and task is not loading  # not through a hop
            finally:
                hold.release()
            await asyncio.wait_for(loading, 20)
    of_held = [load for load, _ in arrived if load.region == held]
    assert [load.snapshots_pending for load in of_held] == [True, False]
    assert of_held[1].images is of_held[0].images and of_held[1].snapshots
    complete = {load.region for load, _ in arrived if not load.snapshots_pending}
    assert complete == set(ENGINE_REGIONS)


# --------------------------------------------------------------------------- many accounts

DEMO_IDS = tuple(a.account_id for a in demo.DEMO_ACCOUNTS)
ORG_REGIONS = ("us-east-1", "eu-west-1")


@pytest.fixture(scope="module")
def demo_org() -> Iterator[Sandbox]:
    """The demo's organization: shared-services (the management account), staging, prod."""
    with demo_sandbox() as running:
        yield running


@pytest.fixture
def org_env(demo_org: Sandbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Sandbox:
    """The default chain is the management account on the sandbox; the demo's profiles exist."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", demo_org.endpoint_url)
    paths = write_demo_aws_config(demo_org.endpoint_url, tmp_path)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(paths["config"]))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(paths["credentials"]))
    monkeypatch.setenv("HOME", str(tmp_path))
    return demo_org


@asynccontextmanager
async def org_explorer(limits: Limits | None = None, **spec: Any) -> AsyncIterator[Explorer]:
    options = LaunchOptions(regions=ORG_REGIONS, accounts=AccountSpec(**(spec or {"org": True})))
    explorer = Explorer(options, limits=limits)
    try:
        await explorer.connect()
        yield explorer
    finally:
        await explorer.aclose()


async def test_an_account_set_labels_every_key_with_its_account(org_env: Sandbox) -> None:
    """Organizations API reference, ListAccounts: "Lists all the accounts in the
    organization"; each member is read through STS AssumeRole of its
    OrganizationAccountAccessRole (the account set's engine, tests/test_accounts.py)."""
    async with org_explorer() as explorer:
        assert explorer.many and [a.id for a in explorer.accounts] == list(DEMO_IDS)
        keys, failed = await explorer.region_keys()
        assert failed == []
        assert set(keys) == {RegionKey(a, r) for a in DEMO_IDS for r in ORG_REGIONS}
        loads = [load async for load in explorer.stream(keys)]
        assert {load.key for load in loads if not load.snapshots_pending} == set(keys)
        images = list(explorer.inventory.images())
        assert {image.account for image in images} == set(DEMO_IDS)
        # Each account lists its own images: the key's account is the owner here.
        assert all(image.owner_id == image.account for image in images)
        member = next(i for i in images if i.account == demo.PROD.account_id)
        assert explorer.account_of(member).id == demo.PROD.account_id
        assert explorer.session_for(demo.PROD.account_id) is explorer.account_of(member).session
        # Extras are asked with the image's own account's credentials: its owner sees them.
        extras = await explorer.extras(member)
        assert extras.error == ""
        with pytest.raises(LookupError, match="444455556666 is not loaded"):
            explorer.session_for("444455556666")


async def test_the_raw_record_is_asked_with_the_images_own_account(org_env: Sandbox) -> None:
    """DescribeImages (API reference): "The images available to you include public images,
    private images that you own, and private images owned by other Amazon Web Services
    accounts for which you have explicit launch permissions." So a member's private image
    is only listed to that member: the raw view must ask with the image's own account."""
    async with org_explorer() as explorer:
        keys, _ = await explorer.region_keys()
        _ = [load async for load in explorer.stream(keys)]
        member = next(
            i for i in explorer.inventory.images()
            if i.account == demo.PROD.account_id and not i.public
        )  # fmt: skip
        record = await explorer.describe_image(member)
        assert record is not None
        assert (record["ImageId"], record["OwnerId"]) == (member.image_id, demo.PROD.account_id)
        gone = replace(member, image_id="ami-0000000000000dead")
        with pytest.raises(Exception, match="InvalidAMIID"):
            await explorer.describe_image(gone)


async def test_the_focused_account_is_served_first(org_env: Sandbox) -> None:
    """Not AWS: the order of loads through one overall slot. Whatever was queued first, once
    the user looks at prod, prod's account-regions go before every other account's."""
    async with org_explorer(Limits(overall=1)) as explorer:
        keys, _ = await explorer.region_keys()
        explorer.focus(demo.PROD.account_id)
        order = [load.account async for load in explorer.stream(keys) if not load.snapshots_pending]
    # The first load took the free slot before anyone waited; then prod's, then the rest.
    rest = order[1:]
    prod = demo.PROD.account_id
    assert rest[: len(ORG_REGIONS)] == [prod] * len(ORG_REGIONS), order
    assert prod not in rest[len(ORG_REGIONS) :]


async def test_a_role_that_cannot_be_assumed_is_a_problem_the_rest_load(org_env: Sandbox) -> None:
    """STS API reference, AssumeRole: "To assume a role from a different account, your Amazon
    Web Services account must be trusted by the role"; the sandbox has no NoSuchRole, and
    answers AccessDenied as for a role that does not trust the caller."""
    async with org_explorer(org=True, org_role="NoSuchRole") as explorer:
        # The management account is read with the credentials --org started from.
        assert [a.id for a in explorer.accounts] == [demo.SHARED_SERVICES.account_id]
        lines = sorted(p.describe() for p in explorer.problems)
        assert len(lines) == 2
        for member, line in zip(demo.MEMBER_ACCOUNTS, lines, strict=True):
            assert f"arn:aws:iam::{member.account_id}:role/NoSuchRole" in line
            assert f"from {demo.SHARED_SERVICES.account_id}" in line and "AccessDenied" in line


async def test_an_assumed_role_is_assumed_again_before_its_keys_expire(demo_org: Sandbox) -> None:
    """STS API reference, AssumeRole, DurationSeconds: "The value specified can range from
    900 seconds (15 minutes) up to the maximum session duration set for the role"; the
    credentials carry their Expiration. botocore's refreshable credentials assume the role
    again once less than 15 minutes are left (its advisory refresh): a 900-second session is
    there at once, so the member's next call is preceded by a second AssumeRole, made by the
    library's fetcher (--org roles use it; the default 3600 s is refreshed alike, later)."""
    with FaultProxy(demo_org.endpoint_url) as proxy:
        async with sandbox_session(proxy.url) as base:
            keys = await base.assume_role(
                demo.role_arn(demo.PROD), "amitui-tests", duration_seconds=900
            )
            assert proxy.actions().count("AssumeRole") == 1
            async with AwsSession(
                endpoint_url=proxy.url, credentials=keys, default_region="us-east-1"
            ) as member:
                assert await member.account_id() == demo.PROD.account_id
                await member.call("us-east-1", "DescribeImages", Owners=["self"])
            assert proxy.actions().count("AssumeRole") >= 2
