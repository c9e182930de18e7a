"""Concurrent, streamed loading of images and snapshots, region by region.

Every region loads at once (bounded by the session's concurrency cap) and is yielded as
soon as it finishes, so one slow or failing region never blocks or hides the others.
A region's failure is returned as data (:class:`~amitui.model.RegionLoad` with an error),
never raised.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from amitui.aws import AwsSession
from amitui.aws_errors import RETRY, classify_error
from amitui.fastparse import acyclic
from amitui.model import (
    SHARED_WITH_ME,
    AwsError,
    Image,
    ImageExtras,
    ImageQuery,
    RegionLoad,
    RegionStatus,
    Snapshot,
)

#: EC2's largest page for DescribeImages/DescribeSnapshots.
PAGE_SIZE = 1000
#: A region that sends no page for this long is given up. The bound is on silence, not on
#: the whole load: a large region whose pages keep arriving is never cut off.
DEFAULT_REGION_TIMEOUT = 30.0
#: Your own images, deprecated and disabled ones included.
DEFAULT_QUERY = ImageQuery()


def describe_images_params(query: ImageQuery) -> dict[str, Any]:
    """DescribeImages parameters for ``query`` ("shared with me" is ``ExecutableUsers``)."""
    params: dict[str, Any] = {
        "IncludeDeprecated": query.include_deprecated,
        "IncludeDisabled": query.include_disabled,
        "PaginationConfig": {"PageSize": PAGE_SIZE},
    }
    owners = [o for o in query.owners if o != SHARED_WITH_ME]
    if SHARED_WITH_ME in query.owners:
        params["ExecutableUsers"] = ["self"]
    if owners:
        params["Owners"] = owners
    return params


def _heard_nothing() -> None:
    pass


def images_of_page(
    page: dict[str, Any], region: str, account: str = "", *, keep_raw: bool = True
) -> list[Image]:
    """The images of one parsed DescribeImages page."""
    with acyclic():
        return [
            Image.from_aws(region, r, account, keep_raw=keep_raw) for r in page.get("Images", [])
        ]


async def load_images(
    aws: AwsSession,
    region: str,
    query: ImageQuery,
    account: str = "",
    heard: Callable[[], None] = _heard_nothing,
    *,
    keep_raw: bool = True,
) -> list[Image]:
    """``heard`` is called as each page arrives (what keeps a region's silence timer reset).
    ``keep_raw``: each image keeps AWS's record (:attr:`Image.record`)."""
    images: list[Image] = []
    async for page in aws.paginate(region, "DescribeImages", **describe_images_params(query)):
        heard()
        images.extend(images_of_page(page, region, account, keep_raw=keep_raw))
    if query.others_only:
        # ExecutableUsers=self also answers the caller's own public images.
        mine = await aws.account_id()
        images = [image for image in images if image.owner_id != mine]
    return images


async def load_snapshots(
    aws: AwsSession,
    region: str,
    account: str = "",
    heard: Callable[[], None] = _heard_nothing,
    *,
    keep_raw: bool = True,
) -> list[Snapshot]:
    snapshots: list[Snapshot] = []
    async for page in aws.paginate(
        region, "DescribeSnapshots", OwnerIds=["self"], PaginationConfig={"PageSize": PAGE_SIZE}
    ):
        heard()
        snapshots.extend(
            Snapshot.from_aws(region, r, account, keep_raw=keep_raw)
            for r in page.get("Snapshots", [])
        )
    return snapshots


async def load_region(
    aws: AwsSession,
    region: str,
    query: ImageQuery = DEFAULT_QUERY,
    *,
    region_timeout: float = DEFAULT_REGION_TIMEOUT,
    with_snapshots: bool = True,
    on_images: Callable[[RegionLoad], None] | None = None,
    account: str = "",
    keep_raw: bool = True,
) -> RegionLoad:
    """Load one region's images and snapshots concurrently; failures become data.

    The region fails with ``Timeout`` once it has sent no page for ``region_timeout``
    seconds (retries of a hung request included); each page restarts that clock.

    ``with_snapshots=False`` lists the images alone (what ``amitui ls`` prints needs nothing
    else: sizes and snapshot ids come with the images' block device mappings).
    ``on_images`` is given the region with ``snapshots_pending=True`` as soon as its images
    are listed, if its snapshots are still to come.
    ``account`` labels the records and the load with the account ``aws`` is signed in to
    (see :class:`~amitui.model.ImageKey`).
    ``keep_raw=False``: records without AWS's dictionaries (:attr:`Image.record`), about half
    the memory of a large inventory (the App's choice; ``amitui ls`` prints them).
    """
    started = time.perf_counter()
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(region_timeout) as silence:

            def heard() -> None:
                silence.reschedule(loop.time() + region_timeout)

            if with_snapshots:
                images, snapshots = await _images_and_snapshots(
                    aws, region, query, on_images, started, account, heard, keep_raw
                )
            else:
                listed = await load_images(aws, region, query, account, heard, keep_raw=keep_raw)
                images, snapshots = tuple(listed), ()
    except TimeoutError:
        error = AwsError(
            RegionStatus.FAILED,
            "Timeout",
            f"{region} did not answer within {region_timeout:g} s",
            f"the region is slow or unreachable; {RETRY}",
        )
        return RegionLoad(
            region,
            error.status,
            error=error,
            seconds=time.perf_counter() - started,
            account=account,
        )
    except Exception as exc:  # errors are data: classified, kept, shown per region
        error = classify_error(exc, region=region, profile=aws.profile)
        return RegionLoad(
            region,
            error.status,
            error=error,
            seconds=time.perf_counter() - started,
            account=account,
        )
    return RegionLoad(
        region,
        RegionStatus.LOADED,
        images=images,
        snapshots=snapshots,
        seconds=time.perf_counter() - started,
        account=account,
    )


async def _images_and_snapshots(
    aws: AwsSession,
    region: str,
    query: ImageQuery,
    on_images: Callable[[RegionLoad], None] | None,
    started: float,
    account: str,
    heard: Callable[[], None],
    keep_raw: bool,
) -> tuple[tuple[Image, ...], tuple[Snapshot, ...]]:
    """Both listings at once; the first failure is raised (the one worth reporting), and the
    other listing is cancelled."""
    snapshots_task = asyncio.create_task(
        load_snapshots(aws, region, account, heard, keep_raw=keep_raw)
    )

    async def list_images() -> tuple[Image, ...]:
        # One tuple for both loads: the App sees the same images and keeps their rows.
        images = tuple(await load_images(aws, region, query, account, heard, keep_raw=keep_raw))
        if on_images is not None and not snapshots_task.done():
            # Handed on from this task, as soon as they are parsed: waking the region's own
            # task first would cost loop turns, each also running every other ready answer.
            on_images(
                RegionLoad(
                    region,
                    RegionStatus.LOADED,
                    images=images,
                    seconds=time.perf_counter() - started,
                    snapshots_pending=True,
                    account=account,
                )
            )
        return images

    images_task = asyncio.create_task(list_images())
    try:
        waiting: set[asyncio.Task[Any]] = {images_task, snapshots_task}
        while waiting:
            done, waiting = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                task.result()
        return images_task.result(), tuple(snapshots_task.result())
    finally:
        images_task.cancel()
        snapshots_task.cancel()
        # Retrieve a second failure, so asyncio does not log it as never retrieved.
        await asyncio.gather(images_task, snapshots_task, return_exceptions=True)


T = TypeVar("T")


async def handed_on(produce: Callable[[Callable[[T], None]], Awaitable[None]]) -> AsyncIterator[T]:
    """Run ``produce(hand_on)`` and yield each item it hands on, as it does; then its
    failure, if any. The generator closing early cancels the producer."""
    arrived: asyncio.Queue[tuple[T] | None] = asyncio.Queue()

    async def run() -> None:
        try:
            await produce(lambda item: arrived.put_nowait((item,)))
        finally:
            arrived.put_nowait(None)

    task = asyncio.create_task(run())
    try:
        while (item := await arrived.get()) is not None:
            yield item[0]
        await task
    finally:
        task.cancel()


async def stream_regions(
    aws: AwsSession,
    regions: Sequence[str],
    query: ImageQuery = DEFAULT_QUERY,
    *,
    region_timeout: float = DEFAULT_REGION_TIMEOUT,
    with_snapshots: bool = True,
    images_first: bool = False,
    account: str = "",
) -> AsyncIterator[RegionLoad]:
    """Yield each region's :class:`RegionLoad` as soon as it completes.

    ``images_first``: a region whose images are listed before its snapshots is also yielded
    then, with ``snapshots_pending=True``, and again complete once its snapshots are in (an
    account with thousands of snapshots and a few images should not wait for the former).
    """

    async def load(region: str, hand_on: Callable[[RegionLoad], None]) -> None:
        hand_on(
            await load_region(
                aws,
                region,
                query,
                region_timeout=region_timeout,
                with_snapshots=with_snapshots,
                on_images=hand_on if images_first else None,
                account=account,
            )
        )

    async def load_all(hand_on: Callable[[RegionLoad], None]) -> None:
        await asyncio.gather(*(load(region, hand_on) for region in regions))

    async for region_load in handed_on(load_all):
        yield region_load


async def fetch_extras(aws: AwsSession, image: Image, account_id: str | None) -> ImageExtras:
    """What DescribeImages does not say about ``image``: who may launch it, when it was last
    launched, whether it is protected (three DescribeImageAttribute calls at once).

    ``account_id`` is the caller's account, if known: EC2 shows these attributes to the
    image's owner only, so another account's image is not asked about. A failure becomes
    data (:attr:`ImageExtras.error`)."""
    if account_id is not None and image.owner_id != account_id:
        return ImageExtras(error="only the owner sees them")

    async def attribute(name: str) -> dict[str, Any]:
        return await aws.call(
            image.region, "DescribeImageAttribute", ImageId=image.image_id, Attribute=name
        )

    answers = await asyncio.gather(
        attribute("launchPermission"),
        attribute("lastLaunchedTime"),
        attribute("deregistrationProtection"),
        return_exceptions=True,
    )
    permissions, launched, protection = answers
    if isinstance(permissions, BaseException):
        error = classify_error(permissions, region=image.region)
        return ImageExtras(error=error.code or error.message)
    grantees = tuple(
        str(p.get("UserId") or p.get("Group") or p.get("OrganizationArn")
            or p.get("OrganizationalUnitArn") or "?")
        for p in permissions.get("LaunchPermissions", [])
    )  # fmt: skip
    last: datetime | None = None
    if not isinstance(launched, BaseException):
        raw = (launched.get("LastLaunchedTime") or {}).get("Value")
        if raw:
            with contextlib.suppress(ValueError):
                last = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    protected = None
    if not isinstance(protection, BaseException):
        protected = (protection.get("DeregistrationProtection") or {}).get("Value")
    return ImageExtras(grantees, last, protected)


async def resolve_regions(
    aws: AwsSession,
    requested: Sequence[str] = (),
    *,
    all_regions: bool = False,
    configured: Sequence[str] = (),
) -> list[str]:
    """``--region`` narrows; ``--all-regions`` or no config means every enabled region."""
    if requested:
        return list(dict.fromkeys(requested))
    if configured and not all_regions:
        return list(dict.fromkeys(configured))
    return await aws.enabled_regions()
