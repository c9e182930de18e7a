"""The engine against the sandbox over HTTP: streaming, joins, paging, errors as data."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from botocore.exceptions import ClientError

from amitui import loader
from amitui.aws import AwsSession, validate_region
from amitui.aws_errors import ReadOnlyError, classify_error
from amitui.backend import sandbox_session
from amitui.loader import describe_images_params, load_region, resolve_regions, stream_regions
from amitui.model import ImageKey, ImageQuery, Inventory, RegionKey, RegionStatus
from amitui.sandbox import Sandbox
from amitui.sandbox.proxy import AwsError, Delay, FaultProxy, Hang

from .conftest import ENGINE_REGIONS
from .sandbox_api import ec2_client, make_snapshot, register_image


@dataclass(frozen=True)
class Fleet:
    """What tests/test_engine.py registered, per region."""

    images: dict[str, dict[str, str]]  # region -> name -> image id
    snapshots: dict[str, dict[str, str]]  # region -> label -> snapshot id


@pytest.fixture(scope="module")
def fleet(sandbox: Sandbox) -> Fleet:
    """Two images per engine region; in us-east-1 a two-disk image and a snapshot two images map."""
    images: dict[str, dict[str, str]] = {}
    snapshots: dict[str, dict[str, str]] = {}
    for region in ENGINE_REGIONS:
        ec2 = ec2_client(sandbox.endpoint_url, region)
        root = make_snapshot(ec2, 8)
        data = make_snapshot(ec2, 100)
        shared = make_snapshot(ec2, 20)
        images[region] = {
            "two-disk": register_image(ec2, f"two-disk-{region}", root, data),
            "shares-a": register_image(ec2, f"shares-a-{region}", shared),
        }
        if region == "us-east-1":
            images[region]["shares-b"] = register_image(ec2, "shares-b", shared)
        snapshots[region] = {"root": root, "data": data, "shared": shared}
    return Fleet(images, snapshots)


def session_via(fault_proxy: FaultProxy, **options: Any) -> AwsSession:
    """An AwsSession whose traffic goes through the fault proxy."""
    return sandbox_session(fault_proxy.url, **options)


@pytest.fixture
def aws(sandbox: Sandbox) -> Iterator[AwsSession]:
    yield sandbox_session(sandbox.endpoint_url)


async def test_every_region_loads_and_joins_block_devices_to_snapshots(
    aws: AwsSession, fleet: Fleet
) -> None:
    async with aws:
        loads = [load async for load in stream_regions(aws, ENGINE_REGIONS)]
    assert sorted(load.region for load in loads) == sorted(ENGINE_REGIONS)
    assert all(load.status is RegionStatus.LOADED for load in loads)

    inventory = Inventory()
    for load in loads:
        inventory.add(load)
    us = fleet.images["us-east-1"]
    snaps = fleet.snapshots["us-east-1"]
    two_disk = next(i for i in inventory.images() if i.image_id == us["two-disk"])
    assert [(d.device_name, d.snapshot_id) for d in two_disk.block_devices] == [
        ("/dev/xvda", snaps["root"]),
        ("/dev/xvdb", snaps["data"]),
    ]
    assert two_disk.size_gib == 108
    snapshot = inventory.snapshot("us-east-1", snaps["data"])
    assert snapshot is not None and snapshot.volume_size == 100
    # Every snapshot knows every image that maps it.
    sharers = {i.image_id for i in inventory.images_mapping("us-east-1", snaps["shared"])}
    assert sharers == {us["shares-a"], us["shares-b"]}
    # Image ids are per region: the eu-west-1 shared snapshot has one user only.
    eu_shared = fleet.snapshots["eu-west-1"]["shared"]
    assert len(inventory.images_mapping("eu-west-1", eu_shared)) == 1


async def test_an_account_label_is_in_every_key_and_keeps_two_accounts_apart(
    aws: AwsSession, fleet: Fleet
) -> None:
    """One region listed from two accounts (here: two labels on one sandbox session) is two
    regions of the inventory, with two images and two snapshot indexes; removing one keeps
    the other."""
    us = fleet.images["us-east-1"]
    shared = fleet.snapshots["us-east-1"]["shared"]
    async with aws:
        loads = [await load_region(aws, "us-east-1", account=a) for a in ("prod", "dev")]
    inventory = Inventory()
    for load in loads:
        assert load.key == RegionKey(load.account, "us-east-1")
        assert {i.account for i in load.images} == {load.account}
        assert {s.account for s in load.snapshots} == {load.account}
        inventory.add(load)
    assert set(inventory.loads) == {RegionKey("prod", "us-east-1"), RegionKey("dev", "us-east-1")}
    prod = inventory.image(ImageKey("us-east-1", us["two-disk"], "prod"))
    dev = inventory.image(ImageKey("us-east-1", us["two-disk"], "dev"))
    assert prod is not None and dev is not None and prod.key != dev.key
    assert str(prod.key) == f"prod/us-east-1/{us['two-disk']}"
    assert {i.account for i in inventory.images_mapping("us-east-1", shared, "dev")} == {"dev"}
    assert inventory.images_mapping("us-east-1", shared) == ()  # no load of the "" account
    inventory.remove_region("us-east-1", "dev")
    assert set(inventory.loads) == {RegionKey("prod", "us-east-1")}
    assert inventory.snapshot("us-east-1", shared, "prod") is not None
    assert inventory.snapshot("us-east-1", shared, "dev") is None


async def test_images_and_snapshots_are_paged(
    fault_proxy: FaultProxy, fleet: Fleet, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loader, "PAGE_SIZE", 2)
    async with session_via(fault_proxy) as aws:
        load = await load_region(aws, "us-east-1")
    assert load.status is RegionStatus.LOADED
    assert set(fleet.images["us-east-1"].values()) <= {i.image_id for i in load.images}
    # Pages of 2: every page but the last is full, so N items take ceil(N / 2) calls.
    assert fault_proxy.actions().count("DescribeImages") == -(-len(load.images) // 2) >= 2
    assert fault_proxy.actions().count("DescribeSnapshots") == -(-len(load.snapshots) // 2) >= 2


async def test_a_denied_region_is_data_and_the_others_still_load(
    fault_proxy: FaultProxy, fleet: Fleet
) -> None:
    fault_proxy.add_fault(
        AwsError("AuthFailure", "AWS was not able to validate the provided access credentials"),
        region="eu-west-1",
    )
    async with session_via(fault_proxy) as aws:
        loads = {load.region: load async for load in stream_regions(aws, ENGINE_REGIONS)}
    denied = loads["eu-west-1"]
    assert denied.status is RegionStatus.DENIED
    assert denied.error is not None and denied.error.code == "AuthFailure"
    assert "not be enabled" in denied.error.hint
    assert denied.images == ()
    assert loads["us-east-1"].status is RegionStatus.LOADED
    assert set(fleet.images["ap-southeast-2"].values()) <= {
        i.image_id for i in loads["ap-southeast-2"].images
    }


async def test_throttling_is_retried_then_succeeds(fault_proxy: FaultProxy, fleet: Fleet) -> None:
    fault_proxy.add_fault(
        AwsError("RequestLimitExceeded", "Request limit exceeded."),
        region="ap-southeast-2",
        action="DescribeImages",
        count=2,
    )
    async with session_via(fault_proxy) as aws:
        load = await load_region(aws, "ap-southeast-2")
    assert load.status is RegionStatus.LOADED
    assert set(fleet.images["ap-southeast-2"].values()) <= {i.image_id for i in load.images}
    statuses = [r.status for r in fault_proxy.requests_for(action="DescribeImages")]
    assert statuses == [503, 503, 200]


async def test_throttled_out_after_retries_is_reported_as_throttled(
    fault_proxy: FaultProxy, fleet: Fleet
) -> None:
    fault_proxy.add_fault(
        AwsError("RequestLimitExceeded"), region="eu-west-1", action="DescribeImages"
    )
    async with session_via(fault_proxy, max_attempts=2) as aws:
        load = await load_region(aws, "eu-west-1")
    assert load.status is RegionStatus.THROTTLED
    assert load.error is not None and "press r to retry" in load.error.hint


async def test_expired_credentials_name_the_refresh_command(
    fault_proxy: FaultProxy, fleet: Fleet
) -> None:
    fault_proxy.add_fault(
        AwsError("ExpiredToken", "The security token included in the request is expired")
    )
    async with session_via(fault_proxy) as aws:
        load = await load_region(aws, "us-east-1")
    assert load.status is RegionStatus.EXPIRED_CREDENTIALS
    assert load.error is not None and load.error.code == "ExpiredToken"
    assert "aws sso login" in load.error.hint


def test_the_refresh_hint_names_the_profile_in_use() -> None:
    error = ClientError({"Error": {"Code": "ExpiredTokenException", "Message": "expired"}}, "X")
    classified = classify_error(error, profile="ops-admin")
    assert classified.status is RegionStatus.EXPIRED_CREDENTIALS
    assert "aws sso login --profile ops-admin" in classified.hint


async def test_a_region_that_never_answers_times_out_and_says_so(
    fault_proxy: FaultProxy, fleet: Fleet
) -> None:
    fault_proxy.add_fault(Hang(), region="eu-west-1")
    async with session_via(fault_proxy) as aws:
        started = time.perf_counter()
        loads = {
            load.region: load
            async for load in stream_regions(aws, ENGINE_REGIONS, region_timeout=4.0)
        }
        elapsed = time.perf_counter() - started
    hung = loads["eu-west-1"]
    assert hung.status is RegionStatus.FAILED
    assert hung.error is not None and "did not answer within 4 s" in hung.error.message
    assert loads["us-east-1"].status is RegionStatus.LOADED
    assert elapsed < 30  # the hung region costs its timeout, not the suite's patience


async def test_regions_stream_in_as_they_finish(fault_proxy: FaultProxy, fleet: Fleet) -> None:
    fault_proxy.set_latency("us-east-1", 600)
    async with session_via(fault_proxy) as aws:
        order = [load.region async for load in stream_regions(aws, ENGINE_REGIONS)]
    assert order[-1] == "us-east-1"


async def test_images_first_shows_a_region_before_its_snapshots(
    fault_proxy: FaultProxy, fleet: Fleet
) -> None:
    """An account with many snapshots should not wait for them to see its images: with
    images_first, a region whose DescribeSnapshots is slow arrives twice, images first."""
    fault_proxy.add_fault(Delay(1500), region="eu-west-1", action="DescribeSnapshots")
    async with session_via(fault_proxy) as aws:
        loads = [
            load
            async for load in stream_regions(aws, ["eu-west-1", "us-east-1"], images_first=True)
        ]
    west = [load for load in loads if load.region == "eu-west-1"]
    assert [load.snapshots_pending for load in west] == [True, False]
    partial, complete = west
    assert partial.status is RegionStatus.LOADED and partial.snapshots == ()
    assert set(fleet.images["eu-west-1"].values()) <= {i.image_id for i in partial.images}
    assert complete.images is partial.images  # the same images, then their snapshots
    assert complete.snapshots
    # Every region ends with exactly one complete load; us-east-1 had nothing to wait for.
    assert [load.snapshots_pending for load in loads].count(False) == 2
    inventory = Inventory()
    inventory.add(partial)
    assert inventory.snapshots_pending("eu-west-1")
    inventory.add(complete)
    assert not inventory.snapshots_pending("eu-west-1")


async def test_images_first_still_fails_a_region_whose_snapshots_fail(
    fault_proxy: FaultProxy, fleet: Fleet
) -> None:
    """The images are shown while the snapshots are listed; if that listing then fails, the
    region fails as a whole, as without images_first (no half-known region stays)."""
    fault_proxy.add_fault(Hang(), region="eu-west-1", action="DescribeSnapshots")
    async with session_via(fault_proxy) as aws:
        loads = [
            load
            async for load in stream_regions(
                aws, ["eu-west-1"], images_first=True, region_timeout=1.5
            )
        ]
    assert [(load.status, load.snapshots_pending) for load in loads] == [
        (RegionStatus.LOADED, True),
        (RegionStatus.FAILED, False),
    ]
    assert loads[0].images and loads[1].images == ()
    assert loads[1].error is not None and loads[1].error.code == "Timeout"


async def test_read_only_refuses_mutating_calls_before_sending(fault_proxy: FaultProxy) -> None:
    async with session_via(fault_proxy, read_only=True) as aws:
        with pytest.raises(ReadOnlyError, match="DeregisterImage refused"):
            await aws.call("us-east-1", "DeregisterImage", ImageId="ami-12345678")
        await aws.call("us-east-1", "DescribeImages", Owners=["self"])
    assert fault_proxy.actions() == ["DescribeImages"]


async def test_enabled_regions_come_from_describe_regions(aws: AwsSession) -> None:
    async with aws:
        assert await resolve_regions(aws) == sorted(ENGINE_REGIONS)
        assert await resolve_regions(aws, ["eu-west-1", "eu-west-1"]) == ["eu-west-1"]
        assert await resolve_regions(aws, configured=["us-east-1"]) == ["us-east-1"]
        assert await resolve_regions(aws, all_regions=True, configured=["us-east-1"]) == sorted(
            ENGINE_REGIONS
        )


def test_image_query_owner_scopes() -> None:
    assert describe_images_params(ImageQuery())["Owners"] == ["self"]
    shared = describe_images_params(ImageQuery(owners=("shared",)))
    assert shared["ExecutableUsers"] == ["self"] and "Owners" not in shared
    assert describe_images_params(ImageQuery(owners=("amazon", "123456789012")))["Owners"] == [
        "amazon",
        "123456789012",
    ]


def test_unknown_regions_are_refused_with_suggestions() -> None:
    assert validate_region("eu-west-1") == "eu-west-1"
    with pytest.raises(ValueError, match="did you mean eu-north-1"):
        validate_region("eu-nowhere-1")


def test_a_signature_mismatch_is_not_called_expiry() -> None:
    error = ClientError({"Error": {"Code": "SignatureDoesNotMatch", "Message": "no"}}, "X")
    classified = classify_error(error)
    assert classified.status is RegionStatus.EXPIRED_CREDENTIALS
    assert "aws sts get-caller-identity" in classified.hint and "expired" not in classified.hint
